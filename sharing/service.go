// Package sharing governs what the platform tells other organisations:
// partners and their credentials, data sharing agreements, the partner
// query API, privacy-preserving matching, and the record of every
// disclosure, each committed to the provenance log.
//
// Everything is an event in the log, folded on read like package claims:
// partner-<id> holds a partner and its credentials, agreement-<id> every
// version of an agreement, disclosures-<person> what was disclosed about a
// person (sealed with their key), and agreement-use-<id>-<day> one event per
// disclosure under an agreement on a day, whose stream version is the
// day's count, so a volume limit holds across every instance.
package sharing

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"sync"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/claims"
	"github.com/lifeline-gov/lifeline/provenance"
	"github.com/lifeline-gov/lifeline/rules"
)

// Log is the part of the event log the service uses.
type Log interface {
	Append(ctx context.Context, req lifeline.AppendRequest) (lifeline.AppendResult, error)
	ReadStream(ctx context.Context, stream string, q lifeline.StreamQuery) ([]lifeline.Event, error)
}

// Registry is what the service reads about people and their awards.
type Registry interface {
	FindPerson(ctx context.Context, nino lifeline.NINO) (string, error)
	Person(ctx context.Context, id string, asAt time.Time, on rules.Date) (*claims.PersonView, error)
	AwardIDs(ctx context.Context, skip int64, limit int) ([]string, error)
	Award(ctx context.Context, id string, asAt time.Time) (*claims.Award, error)
	AwardSummary(ctx context.Context, id string) (*claims.Award, error)
}

// Notary commits an entry to the provenance log and returns its receipt.
type Notary interface {
	Commit(ctx context.Context, e provenance.Entry) (provenance.Receipt, error)
}

// Config configures a Service. Zero fields take defaults.
type Config struct {
	// Issuer names the platform in tokens (iss), e.g. its origin URL.
	Issuer string
	// MasterKey is the root the token signing keys and agreements'
	// matching keys are derived from. Required.
	MasterKey []byte
	// AllowSpecimenNINO accepts the never-issued QQ prefix: for demo and
	// test data only.
	AllowSpecimenNINO bool
	Now               func() time.Time // default time.Now
	Rand              io.Reader        // default crypto/rand
}

// Audience is the aud of every access token: the partner API.
const Audience = "lifeline-partner-api"

// Service is the data sharing service.
type Service struct {
	log           Log
	registry      Registry
	notary        Notary
	issuer        string
	master        []byte
	now           func() time.Time
	rand          io.Reader
	london        *time.Location
	allowSpecimen bool

	mu         sync.Mutex
	keyGen     int                   // the token key generation in use, as last read
	keyRead    time.Time             // when keyGen was read
	conditions map[string]*condition // compiled conditions by agreement id and version
	matchIndex map[string]*matchIndex
	partners   map[string]cached[*Partner]
	agreements map[string]cached[*Agreement]
	tokens     map[string]verified
}

// cacheTTL is how long an instance answers partner requests from the
// partner and agreement it last read. A change made on this instance takes
// effect at once; one made on another instance, within cacheTTL.
const cacheTTL = time.Second

type cached[T any] struct {
	v    T
	read time.Time
}

// fresh returns the value cached under id if it was read within cacheTTL.
func fresh[T any](s *Service, m map[string]cached[T], id string) (T, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := m[id]
	if !ok || s.now().Sub(c.read) >= cacheTTL {
		var zero T
		return zero, false
	}
	return c.v, true
}

func keep[T any](s *Service, m map[string]cached[T], id string, v T) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(m) > 100_000 { // partners and agreements number in the thousands
		clear(m)
	}
	m[id] = cached[T]{v, s.now()}
}

func forget[T any](s *Service, m map[string]cached[T], id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(m, id)
}

// New returns a Service.
func New(log Log, registry Registry, notary Notary, cfg Config) *Service {
	if len(cfg.MasterKey) == 0 {
		panic("sharing: Config.MasterKey is required")
	}
	s := &Service{log: log, registry: registry, notary: notary, issuer: cfg.Issuer, master: cfg.MasterKey,
		now: cfg.Now, rand: cfg.Rand, allowSpecimen: cfg.AllowSpecimenNINO, conditions: map[string]*condition{}, matchIndex: map[string]*matchIndex{},
		partners: map[string]cached[*Partner]{}, agreements: map[string]cached[*Agreement]{}, tokens: map[string]verified{}}
	if s.issuer == "" {
		s.issuer = "lifeline"
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic("sharing: " + err.Error())
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

// readStream reads a whole stream, page by page.
func (s *Service) readStream(ctx context.Context, stream string) ([]lifeline.Event, error) {
	return s.readFrom(ctx, stream, 1)
}

// readFrom reads a stream from a version to its end.
func (s *Service) readFrom(ctx context.Context, stream string, from int64) ([]lifeline.Event, error) {
	var all []lifeline.Event
	for {
		page, err := s.log.ReadStream(ctx, stream, lifeline.StreamQuery{FromVersion: from, Limit: lifeline.MaxReadLimit})
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

func (s *Service) append(ctx context.Context, stream string, expected lifeline.Expected, key string, events ...lifeline.NewEvent) (lifeline.AppendResult, error) {
	return s.log.Append(ctx, lifeline.AppendRequest{Stream: stream, Expected: expected, IdempotencyKey: key, Events: events})
}

// Actor says who is acting; it travels in the context so events record it.
type actorKey struct{}

// WithActor returns ctx carrying the name of who is acting, e.g.
// "agent:1234" or "partner:<id>".
func WithActor(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, actorKey{}, name)
}

func metadata(ctx context.Context) lifeline.Metadata {
	name, _ := ctx.Value(actorKey{}).(string)
	return lifeline.Metadata{Actor: name, Channel: "api"}
}

func event(ctx context.Context, typ, subject string, data any) lifeline.NewEvent {
	b, err := json.Marshal(data)
	if err != nil {
		panic("sharing: " + err.Error()) // only our own types are marshalled
	}
	return lifeline.NewEvent{Type: typ, Subject: subject, Data: b, Metadata: metadata(ctx)}
}
