package claims_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/claims"
	lhttp "github.com/lifeline-gov/lifeline/http"
	"github.com/lifeline-gov/lifeline/postgres"
	"github.com/lifeline-gov/lifeline/postgres/pgtest"
	"github.com/lifeline-gov/lifeline/rules"
	"github.com/lifeline-gov/lifeline/sqlite"
	"github.com/lifeline-gov/lifeline/subscription"
)

// The scenario tests drive the real API (the HTTP handler over a real store,
// with the reassessment subscription running) on both stores. The claims
// service's clock is fixed at noon on 23 November 2026, so periods and what
// is due are the same on every run.

var (
	today     = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	masterKey = bytes.Repeat([]byte{0x42}, 32)
	quiet     = slog.New(slog.DiscardHandler)
)

// store is what a scenario needs of either adapter.
type store interface {
	lifeline.EventLog
	lifeline.SubscriptionStore
}

// backends opens a fresh store of each kind.
var backends = []struct {
	name string
	open func(t *testing.T) store
}{
	{"sqlite", func(t *testing.T) store {
		db, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{MasterKey: masterKey, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}},
	{"postgres", func(t *testing.T) store {
		url, _ := pgtest.NewDatabase(t)
		db, err := postgres.Open(context.Background(), url, postgres.Options{MasterKey: masterKey, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}},
}

// eachStore runs f against each store.
func eachStore(t *testing.T, f func(t *testing.T, st store)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { f(t, b.open(t)) })
	}
}

func newService(st claims.Log) *claims.Service {
	return claims.New(st, claims.Config{IndexKey: []byte("test index key"), AllowSpecimenNINO: true, Now: func() time.Time { return today }})
}

// api is a client of one running platform.
type api struct {
	t    *testing.T
	url  string
	svc  *claims.Service
	st   store
	stop func() // stops the reassessment subscription
}

var runnerCount atomic.Int64

// start serves the API on st and runs the reassessment subscription until
// the test ends.
func start(t *testing.T, st store) *api {
	svc := newService(st)
	srv := httptest.NewServer((&lhttp.Server{Log: st, Rules: rules.NewEngine(nil), Claims: svc, Logger: quiet}).Handler())
	t.Cleanup(srv.Close)
	return &api{t: t, url: srv.URL, svc: svc, st: st, stop: process(t, st, svc)}
}

// process runs the reassessment subscription for svc until the test ends
// or the returned function is called.
func process(t *testing.T, st store, svc *claims.Service) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	r := &subscription.Runner{Name: claims.SubscriptionName, Holder: fmt.Sprintf("test-%d", runnerCount.Add(1)), Log: st, Store: st,
		HandleBatch: svc.HandleBatch, Logger: quiet, LeaseTTL: 2 * time.Second, RetryWait: 50 * time.Millisecond}
	go func() { r.Run(ctx); close(done) }()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// call makes a request and decodes the JSON answer into out (if not nil),
// failing the test unless the status is want.
func (a *api) call(method, path string, body any, key string, want int, out any) map[string]any {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, a.url+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		a.t.Fatalf("%s %s: status %d, want %d: %s", method, path, res.StatusCode, want, raw)
	}
	var generic map[string]any
	json.Unmarshal(raw, &generic)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			a.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return generic
}

var ninoCount atomic.Int64

// person registers someone born on dob, with their identity verified.
func (a *api) person(given, dob string) string {
	a.t.Helper()
	n := ninoCount.Add(1)
	var p claims.PersonView
	a.call("POST", "/v1/people", map[string]any{
		"nino": fmt.Sprintf("QQ%06dC", n), "given_names": given, "family_name": "Example", "date_of_birth": dob,
		"address":             map[string]any{"lines": []string{"1 Test Street", "Leeds"}, "postcode": "LS1 1AA"},
		"contact":             map[string]any{"phone": "07700 900123"},
		"identity_confidence": "medium",
	}, "", 201, &p)
	return p.ID
}

// event reports a life event and waits until it is processed.
func (a *api) event(typ, person, on string, data map[string]any) claims.LifeEventView {
	a.t.Helper()
	v := a.report(typ, person, on, data, "")
	return a.processed(v.ID)
}

func (a *api) report(typ, person, on string, data map[string]any, key string) claims.LifeEventView {
	a.t.Helper()
	var v claims.LifeEventView
	a.call("POST", "/v1/life-events", map[string]any{"type": typ, "person_id": person, "occurred_on": on, "data": data}, key, 202, &v)
	return v
}

// processed waits for a life event's outcomes.
func (a *api) processed(id string) claims.LifeEventView {
	a.t.Helper()
	var v claims.LifeEventView
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		a.call("GET", "/v1/life-events/"+id, nil, "", 200, &v)
		if v.Status == "processed" {
			return v
		}
	}
	a.t.Fatalf("life event %s was not processed in 30s", id)
	return v
}

// claim submits a claim and waits for it to leave the received state.
func (a *api) claim(benefit string, claimants []string, date string, declared ...map[string]any) claims.ClaimView {
	a.t.Helper()
	var c claims.ClaimView
	body := map[string]any{"benefit": benefit, "claimants": claimants, "claim_date": date, "channel": "online"}
	if declared != nil {
		body["declared"] = declared
	}
	a.call("POST", "/v1/claims", body, "", 202, &c)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		a.call("GET", "/v1/claims/"+c.ID, nil, "", 200, &c)
		if c.State != claims.StateReceived {
			return c
		}
	}
	a.t.Fatalf("claim %s was not decided in 30s", c.ID)
	return c
}

func (a *api) award(id string) claims.Award {
	a.t.Helper()
	var aw claims.Award
	a.call("GET", "/v1/awards/"+id, nil, "", 200, &aw)
	return aw
}

// awarded submits a claim that must be awarded and returns the award.
func (a *api) awarded(benefit string, claimants []string, date string, declared ...map[string]any) claims.Award {
	a.t.Helper()
	c := a.claim(benefit, claimants, date, declared...)
	if c.State != claims.StateAwarded {
		a.t.Fatalf("%s claim: state %s, want awarded; reasons %+v", benefit, c.State, c.Reasons)
	}
	return a.award(c.AwardID)
}

func periodStarting(t *testing.T, aw claims.Award, start string) claims.Period {
	t.Helper()
	for _, p := range aw.Periods {
		if p.Start.String() == start {
			return p
		}
	}
	t.Fatalf("award %s has no period starting %s; periods: %+v", aw.ID, start, aw.Periods)
	return claims.Period{}
}

func money(t *testing.T, s string) rules.Money {
	t.Helper()
	m, err := rules.ParseMoney(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func outcomeFor(t *testing.T, v claims.LifeEventView, awardID string) claims.Outcome {
	t.Helper()
	for _, o := range v.Outcomes {
		if o.AwardID == awardID {
			return o
		}
	}
	t.Fatalf("life event %s has no outcome for award %s: %+v", v.ID, awardID, v.Outcomes)
	return claims.Outcome{}
}

func mustMarshal(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
