package lifeline

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"regexp"
	"time"
)

// Event is the envelope every state change travels in. Data is the payload as
// JSON; when Subject is set it is sealed at rest with the subject's own key and,
// once that key is erased, comes back as null with Erased set.
type Event struct {
	ID         string          `json:"id"`          // UUIDv7
	Stream     string          `json:"stream"`      // e.g. "person-42"
	Version    int64           `json:"version"`     // 1 for a stream's first event, then +1
	Position   int64           `json:"position"`    // global order, 1-based, gap-free
	Type       string          `json:"type"`        // e.g. "address-changed"
	OccurredAt time.Time       `json:"occurred_at"` // when it happened in the world
	RecordedAt time.Time       `json:"recorded_at"` // when the platform learned it
	Subject    string          `json:"subject,omitempty"`
	Data       json.RawMessage `json:"data"`
	Metadata   Metadata        `json:"metadata"`
	Erased     bool            `json:"erased,omitempty"` // the subject's key was erased; Data is gone
}

// Metadata says who caused an event, through which channel, and what it follows.
type Metadata struct {
	Actor         string `json:"actor,omitempty"`
	Channel       string `json:"channel,omitempty"`
	CorrelationID string `json:"correlation_id,omitempty"`
	CausationID   string `json:"causation_id,omitempty"`
}

// NewEvent is an event as a caller proposes it; the log assigns the rest.
type NewEvent struct {
	Type       string          `json:"type"`
	OccurredAt time.Time       `json:"occurred_at"` // zero means "when recorded"
	Subject    string          `json:"subject,omitempty"`
	Data       json.RawMessage `json:"data"`
	Metadata   Metadata        `json:"metadata"`
}

// Expected is the version a stream must be at for an append to succeed.
// A positive value is an exact version.
type Expected int64

const (
	ExpectAny      Expected = -1 // append whatever the stream's version
	ExpectNoStream Expected = 0  // the stream must not exist yet
)

// Check reports whether a stream at version may take an append that
// expects e, with an ECONFLICT error that says what to do if not.
func (e Expected) Check(stream string, version int64) error {
	switch {
	case e == ExpectAny || int64(e) == version:
		return nil
	case e == ExpectNoStream:
		return FieldErrorf(ECONFLICT, "expected_version", "stream %s already exists (at version %d) but the append expected a new stream", stream, version)
	case version == 0:
		return FieldErrorf(ECONFLICT, "expected_version", "stream %s does not exist but the append expected version %d", stream, e)
	}
	return FieldErrorf(ECONFLICT, "expected_version", "stream %s is at version %d but the append expected version %d: read the stream again and retry", stream, version, e)
}

// ReusedKeyError is the error for an idempotency key already used for a
// different request.
func ReusedKeyError(key string) error {
	return FieldErrorf(EIDEMPOTENCY, "idempotency_key", "idempotency key %q was already used for a different request: use a new key for a new request", truncate(key, 60))
}

// AppendRequest appends Events to Stream atomically: all or none.
type AppendRequest struct {
	Stream         string
	Expected       Expected
	IdempotencyKey string // optional; a repeat returns the first result and writes nothing
	Events         []NewEvent
}

// AppendResult says where an append landed.
type AppendResult struct {
	Stream        string    `json:"stream"`
	FirstVersion  int64     `json:"first_version"`
	LastVersion   int64     `json:"last_version"`
	FirstPosition int64     `json:"first_position"`
	LastPosition  int64     `json:"last_position"`
	RecordedAt    time.Time `json:"recorded_at"`
	Replayed      bool      `json:"replayed"` // true when the idempotency key had been used before
}

// StreamQuery selects events of one stream.
type StreamQuery struct {
	FromVersion int64     // first version wanted; 0 or 1 for the start
	Limit       int       // at most this many; 0 for the default
	AsAt        time.Time // when set, only events recorded at or before it
}

// Limits of the event log, enforced before anything is written.
const (
	MaxEventsPerAppend = 1000
	MaxEventDataBytes  = 256 << 10
	DefaultReadLimit   = 1000
	MaxReadLimit       = 10000
	MaxIdempotencyKey  = 200
	MaxMetadataBytes   = 200 // each metadata field: ids and names, not documents
)

// The range of occurred_at a store keeps exactly (SQLite keeps Unix
// nanoseconds, which cover 1677 to 2262).
var (
	MinOccurredAt = time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxOccurredAt = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// EventLog is the durable, ordered log of everything that happens.
type EventLog interface {
	// Append writes req atomically. A version mismatch is an ECONFLICT error
	// and writes nothing. It returns once the events are durable.
	Append(ctx context.Context, req AppendRequest) (AppendResult, error)
	// ReadStream returns a stream's events in version order.
	ReadStream(ctx context.Context, stream string, q StreamQuery) ([]Event, error)
	// ReadEvent returns the event with id as ReadStream would, so a caller
	// holding an id (a causation id, a link) need not know its stream. It
	// is an ENOTFOUND error when no event readers can see has that id.
	ReadEvent(ctx context.Context, id string) (Event, error)
	// ReadAll returns events with a position greater than after, in order. It
	// never returns an event past one that a reader could still see appear.
	ReadAll(ctx context.Context, after int64, limit int) ([]Event, error)
	// Head returns the position of the last event readers can see.
	Head(ctx context.Context) (int64, error)
	// WaitForAppend returns when Head passes after, or ctx ends.
	WaitForAppend(ctx context.Context, after int64) error
	// EraseSubject destroys subject's data key: every payload sealed with it
	// becomes unreadable for good. Erasing an unknown subject is not an error.
	EraseSubject(ctx context.Context, subject string) error
}

// SubscriptionStore keeps each named consumer's checkpoint and the lease that
// lets one instance at a time process it.
type SubscriptionStore interface {
	// AcquireLease takes or renews the lease on name for holder until ttl from
	// now. It reports false when another live holder has it.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// ReleaseLease gives the lease up so another instance can take over at once.
	ReleaseLease(ctx context.Context, name, holder string) error
	// Checkpoint returns the last position name has processed (0 if none).
	Checkpoint(ctx context.Context, name string) (int64, error)
	// SaveCheckpoint records that name processed up to position. It fails with
	// ECONFLICT when holder no longer holds the lease, so a stale instance
	// cannot move a checkpoint it lost.
	SaveCheckpoint(ctx context.Context, name, holder string, position int64) error
}

// ReadLimit returns the number of events a read of limit n returns: the
// default for 0, n itself from 1 to MaxReadLimit, an error otherwise.
func ReadLimit(n int) (int, error) {
	switch {
	case n == 0:
		return DefaultReadLimit, nil
	case n < 0 || n > MaxReadLimit:
		return 0, FieldErrorf(EINVALID, "limit", "limit %d is out of range: use 1 to %d", n, MaxReadLimit)
	}
	return n, nil
}

var streamName = regexp.MustCompile(`^[a-z0-9][a-z0-9._:-]{0,199}$`)
var eventType = regexp.MustCompile(`^[a-z][a-z0-9.-]{0,99}$`)

// ValidateStreamName reports whether s may name a stream: lower-case letters,
// digits, '.', '_', ':' and '-', starting with a letter or digit, at most 200.
func ValidateStreamName(s string) error {
	if !streamName.MatchString(s) {
		return FieldErrorf(EINVALID, "stream", "stream name %q is not valid: use 1 to 200 lower-case letters, digits, '.', '_', ':' or '-', starting with a letter or digit", truncate(s, 60))
	}
	return nil
}

// ParseEventID parses id as an event id, with an EINVALID error that says
// what an id looks like if it is not one. Any UUID parses: an id that is
// well formed but not one the log made is simply not found.
func ParseEventID(id string) ([16]byte, error) {
	u, err := ParseID(id)
	if err != nil {
		return u, FieldErrorf(EINVALID, "id", "event id %q is not valid: use a UUID of 32 hex digits grouped 8-4-4-4-12, such as 0195f1a2-7c3d-7e4f-8a9b-0c1d2e3f4a5b", truncate(id, 60))
	}
	return u, nil
}

// Validate checks req before anything is written.
func (req *AppendRequest) Validate() error {
	if err := ValidateStreamName(req.Stream); err != nil {
		return err
	}
	if req.Expected < ExpectAny {
		return FieldErrorf(EINVALID, "expected_version", "expected version %d is not valid: use \"any\", 0 for a new stream, or the stream's current version", req.Expected)
	}
	if len(req.IdempotencyKey) > MaxIdempotencyKey {
		return FieldErrorf(EINVALID, "idempotency_key", "idempotency key is %d bytes; the limit is %d", len(req.IdempotencyKey), MaxIdempotencyKey)
	}
	if len(req.Events) == 0 {
		return FieldErrorf(EINVALID, "events", "no events to append: send at least one")
	}
	if len(req.Events) > MaxEventsPerAppend {
		return FieldErrorf(EINVALID, "events", "%d events in one append; the limit is %d", len(req.Events), MaxEventsPerAppend)
	}
	for i := range req.Events {
		if err := req.Events[i].validate(i); err != nil {
			return err
		}
	}
	return nil
}

func (e *NewEvent) validate(i int) error {
	field := func(name string) string { return "events[" + itoa(i) + "]." + name }
	if !eventType.MatchString(e.Type) {
		return FieldErrorf(EINVALID, field("type"), "event type %q is not valid: use 1 to 100 lower-case letters, digits, '.' or '-', starting with a letter", truncate(e.Type, 60))
	}
	if e.Subject != "" && !streamName.MatchString(e.Subject) {
		return FieldErrorf(EINVALID, field("subject"), "subject %q is not valid: use the person's identifier (lower-case letters, digits, '.', '_', ':' or '-')", truncate(e.Subject, 60))
	}
	if !e.OccurredAt.IsZero() && (e.OccurredAt.Before(MinOccurredAt) || !e.OccurredAt.Before(MaxOccurredAt)) {
		return FieldErrorf(EINVALID, field("occurred_at"), "occurred_at %s is out of range: use a time from %d to %d", e.OccurredAt.UTC().Format(time.RFC3339), MinOccurredAt.Year(), MaxOccurredAt.Year()-1)
	}
	for _, m := range []struct{ name, value string }{
		{"actor", e.Metadata.Actor}, {"channel", e.Metadata.Channel},
		{"correlation_id", e.Metadata.CorrelationID}, {"causation_id", e.Metadata.CausationID},
	} {
		if len(m.value) > MaxMetadataBytes {
			return FieldErrorf(EINVALID, field("metadata."+m.name), "metadata %s is %d bytes; the limit is %d", m.name, len(m.value), MaxMetadataBytes)
		}
	}
	if len(e.Data) == 0 {
		e.Data = json.RawMessage("{}")
	}
	if len(e.Data) > MaxEventDataBytes {
		return FieldErrorf(ETOOLARGE, field("data"), "event data is %d bytes; the limit is %d", len(e.Data), MaxEventDataBytes)
	}
	if !json.Valid(e.Data) {
		return FieldErrorf(EINVALID, field("data"), "event data is not valid JSON")
	}
	return nil
}

// Fingerprint identifies what req asks for, so that a key reused for a
// different request can be told from an honest retry. Metadata and the
// expected version are left out: a retry may carry a new correlation id.
func (req *AppendRequest) Fingerprint() []byte {
	h := sha256.New()
	var n [8]byte
	put := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	put(req.Stream)
	for _, e := range req.Events {
		put(e.Type)
		put(e.Subject)
		put(string(e.Data))
		if !e.OccurredAt.IsZero() {
			put(e.OccurredAt.UTC().Format(time.RFC3339Nano))
		}
	}
	return h.Sum(nil)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func itoa(i int) string {
	var b [20]byte
	p := len(b)
	if i == 0 {
		return "0"
	}
	for i > 0 {
		p--
		b[p] = byte('0' + i%10)
		i /= 10
	}
	return string(b[p:])
}
