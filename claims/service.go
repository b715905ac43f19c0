// Package claims is the registry of people and households, their
// circumstances over time, claims and awards, and the reassessment that
// carries every change of circumstances to every benefit it touches.
//
// Everything is an event in the log. A person's stream (person-<id>) holds
// their registration and every fact about them, each with the day it took
// effect (occurred_at) and the time it was learned (recorded_at), so any
// question "what did we believe on D about period P" is a fold of the stream
// read as at D. Claims (claim-<id>) and awards (award-<id>) are streams of
// their own; the outcomes of a life event are written to life-event-<id>.
// Reads fold streams on demand, so there is no read model to keep in step
// and a replay of the log is the state.
package claims

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"time"
	_ "time/tzdata" // the civil date is the UK's, wherever the server runs

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/rules"
)

// Log is the part of the event log the service uses.
type Log interface {
	Append(ctx context.Context, req lifeline.AppendRequest) (lifeline.AppendResult, error)
	ReadStream(ctx context.Context, stream string, q lifeline.StreamQuery) ([]lifeline.Event, error)
	ReadEvent(ctx context.Context, id string) (lifeline.Event, error)
}

// Config configures a Service. Zero fields take defaults.
type Config struct {
	Params *rules.Params    // default rules.DefaultParams()
	Now    func() time.Time // default time.Now
	Rand   io.Reader        // default crypto/rand
	// IndexKey keys the hash that finds a person by National Insurance
	// number without putting the number in a stream name. Required.
	IndexKey []byte
	// AllowSpecimenNINO accepts the never-issued QQ prefix: for demo and
	// test data only.
	AllowSpecimenNINO bool
}

// Service is the claims service.
type Service struct {
	log           Log
	params        *rules.Params
	now           func() time.Time
	rand          io.Reader
	indexKey      []byte
	allowSpecimen bool
	london        *time.Location
}

// New returns a Service on log.
func New(log Log, cfg Config) *Service {
	s := &Service{log: log, params: cfg.Params, now: cfg.Now, rand: cfg.Rand, indexKey: cfg.IndexKey, allowSpecimen: cfg.AllowSpecimenNINO}
	if s.params == nil {
		s.params = rules.DefaultParams()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if len(s.indexKey) == 0 {
		panic("claims: Config.IndexKey is required")
	}
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic("claims: " + err.Error()) // time/tzdata is linked in
	}
	s.london = loc
	return s
}

// today is the civil date in the UK.
func (s *Service) today() rules.Date {
	t := s.now().In(s.london)
	return rules.MakeDate(t.Year(), int(t.Month()), t.Day())
}

func (s *Service) newID() (string, error) { return lifeline.NewID(s.now(), s.rand) }

// idFor is a new id, or with an idempotency key one derived from it, so that
// a retry names the same person or claim and its writes are replays.
func (s *Service) idFor(kind, key string) (string, error) {
	if key != "" {
		return lifeline.DeriveID(kind, key), nil
	}
	return s.newID()
}

// Stream names.
func personStream(id string) string    { return "person-" + id }
func claimStream(id string) string     { return "claim-" + id }
func awardStream(id string) string     { return "award-" + id }
func lifeEventStream(id string) string { return "life-event-" + id }

const (
	awardIndexStream = "awards"
	taskStream       = "tasks"
)

func (s *Service) ninoStream(nino lifeline.NINO) string {
	mac := hmac.New(sha256.New, s.indexKey)
	mac.Write([]byte(nino))
	return "nino-" + hex.EncodeToString(mac.Sum(nil)[:16])
}

// readStream reads a whole stream, page by page.
func (s *Service) readStream(ctx context.Context, stream string, asAt time.Time) ([]lifeline.Event, error) {
	var all []lifeline.Event
	from := int64(1)
	for {
		page, err := s.log.ReadStream(ctx, stream, lifeline.StreamQuery{FromVersion: from, Limit: lifeline.MaxReadLimit, AsAt: asAt})
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) < lifeline.MaxReadLimit {
			return all, nil
		}
		from = page[len(page)-1].Version + 1
	}
}

func (s *Service) timeline(ctx context.Context, id string, asAt time.Time) (*Timeline, error) {
	events, err := s.readStream(ctx, personStream(id), asAt)
	if err != nil {
		return nil, err
	}
	t, err := buildTimeline(id, events)
	if err != nil {
		return nil, err
	}
	if !t.Registered() {
		if t.Erased {
			return nil, lifeline.FieldErrorf(lifeline.ENOTFOUND, "person_id", "person %s has had their data erased", id)
		}
		return nil, lifeline.FieldErrorf(lifeline.ENOTFOUND, "person_id", "no person %s is registered: register them with POST /v1/people first", id)
	}
	return t, nil
}

func (s *Service) award(ctx context.Context, id string, asAt time.Time) (*Award, error) {
	events, err := s.readStream(ctx, awardStream(id), asAt)
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, lifeline.Errorf(lifeline.ENOTFOUND, "no award %s", id)
	}
	return buildAward(id, events, true)
}

// appendOne appends one event.
func (s *Service) appendOne(ctx context.Context, stream string, expected lifeline.Expected, key string, e lifeline.NewEvent) (lifeline.AppendResult, error) {
	return s.log.Append(ctx, lifeline.AppendRequest{Stream: stream, Expected: expected, IdempotencyKey: key, Events: []lifeline.NewEvent{e}})
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("claims: " + err.Error()) // only our own types are marshalled
	}
	return b
}

// Actor says who is acting and through which channel; it travels in the
// context so every event records it.
type Actor struct {
	Name    string // e.g. agent:1234, citizen, system:reassessment
	Channel string // online, phone, face-to-face, assisted, api
}

type actorKey struct{}

// WithActor returns ctx carrying the actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

func metadata(ctx context.Context, causation string) lifeline.Metadata {
	a, _ := ctx.Value(actorKey{}).(Actor)
	if a.Name == "" {
		a.Name = "system"
	}
	return lifeline.Metadata{Actor: a.Name, Channel: a.Channel, CausationID: causation}
}

func isConflict(err error) bool { return lifeline.ErrorCode(err) == lifeline.ECONFLICT }
