// Package storetest is the conformance suite every Lifeline store passes.
//
// An adapter's test calls Run with a Backend that makes fresh stores; the
// same tests then prove the SQLite and the PostgreSQL stores behave alike.
package storetest

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/lifeline-gov/lifeline"
)

// Store is what the suite exercises.
type Store interface {
	lifeline.EventLog
	lifeline.SubscriptionStore
	io.Closer
}

// Config is how the suite wants a store opened.
type Config struct {
	Now func() time.Time // the store's clock for recorded_at and leases
}

// Backend makes stores for the suite.
type Backend interface {
	// New creates an empty database and opens a store on it. The store is
	// closed when the test ends.
	New(t *testing.T, c Config) Database
}

// Database is one database under test.
type Database interface {
	// Open opens another store on the same database: after closing the first
	// it is a restart; while the first is open it is a second instance
	// (backends that allow only one instance may skip that test).
	Open(t *testing.T, c Config) Store
	// Store is the store New opened.
	Store() Store
	// Files lists every file the database keeps its data in, for the erasure
	// test to search; nil when the backend cannot know (the test then fails).
	Files(t *testing.T) []string
	// MultiInstance reports whether several stores may be open at once.
	MultiInstance() bool
	// OpenWithKey tries to open a store on the database under another
	// master key, closes it if it opened, and returns the error.
	OpenWithKey(t *testing.T, masterKey []byte) error
}

// Run runs the whole suite against b.
func Run(t *testing.T, b Backend) {
	tests := []struct {
		name string
		fn   func(*testing.T, Backend)
	}{
		{"AppendAndReadStream", testAppendAndReadStream},
		{"ExpectedVersion", testExpectedVersion},
		{"RejectsInvalidAppend", testRejectsInvalidAppend},
		{"RejectsInvalidRead", testRejectsInvalidRead},
		{"Idempotency", testIdempotency},
		{"IdempotencyAcrossRestart", testIdempotencyAcrossRestart},
		{"ConcurrentIdempotentRetries", testConcurrentIdempotentRetries},
		{"ReadAllOrder", testReadAllOrder},
		{"ConcurrentAppends", testConcurrentAppends},
		{"ConcurrentExactVersions", testConcurrentExactVersions},
		{"ReadStreamRange", testReadStreamRange},
		{"ReadStreamAsAt", testReadStreamAsAt},
		{"ReadEvent", testReadEvent},
		{"TimesFarFromNow", testTimesFarFromNow},
		{"WaitForAppend", testWaitForAppend},
		{"Erasure", testErasure},
		{"RefusesWrongMasterKey", testRefusesWrongMasterKey},
		{"Leases", testLeases},
		{"Subscription", testSubscription},
		{"SubscriptionResumesAfterRestart", testSubscriptionResume},
		{"SubscriptionFailover", testSubscriptionFailover},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, b) })
	}
}

// clock is a settable clock for as-at tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock {
	return &clock{now: time.Date(2026, 4, 6, 9, 0, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

func event(typ, data string) lifeline.NewEvent {
	return lifeline.NewEvent{Type: typ, Data: []byte(data)}
}

func mustAppend(t *testing.T, s Store, req lifeline.AppendRequest) lifeline.AppendResult {
	t.Helper()
	res, err := s.Append(ctx(t), req)
	if err != nil {
		t.Fatalf("Append(%s): %v", req.Stream, err)
	}
	return res
}

func head(t *testing.T, s Store) int64 {
	t.Helper()
	h, err := s.Head(ctx(t))
	if err != nil {
		t.Fatalf("Head: %v", err)
	}
	return h
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := lifeline.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}
