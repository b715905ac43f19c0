package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/claims"
	"github.com/lifeline-gov/lifeline/metrics"
	"github.com/lifeline-gov/lifeline/provenance"
	"github.com/lifeline-gov/lifeline/provenance/publish"
	"github.com/lifeline-gov/lifeline/sharing"
)

// TestDemoLoadsADepartment loads a small demo into a real store with the
// background subscriptions running, as serve does, and checks that the
// department works: every benefit has awards, changes have revised some,
// agents have tasks waiting, no number could be a real person's, and a
// second start loads nothing.
func TestDemoLoadsADepartment(t *testing.T) {
	ctx := context.Background()
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, master, err := openStore(ctx, storeConfig{dataDir: t.TempDir(), logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := newClaims(st, master, true)
	skey, vkey, err := provenance.GenerateKey(rand.Reader, "lifeline.test/log")
	if err != nil {
		t.Fatal(err)
	}
	logKey, _ := note.NewSigner(skey)
	verifier, _ := note.NewVerifier(vkey)
	notary := publish.NewNotary(st, logKey)
	defer notary.Close()

	work, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	sharer := sharing.New(st, svc, notary, sharing.Config{MasterKey: master, AllowSpecimenNINO: true})
	for _, r := range subscriptions(st, svc, notary, sharer, metrics.New(), logger) {
		wg.Go(func() { r.Run(work) })
	}
	defer func() { stop(); wg.Wait() }()

	began := time.Now()
	if err := loadDemo(ctx, st, svc, 200, logger); err != nil {
		t.Fatal(err)
	}
	loaded := time.Since(began)
	head := waitForReassessment(t, st)
	t.Logf("loaded in %s, reassessed in %s: %d events", loaded.Round(time.Millisecond), time.Since(began).Round(time.Millisecond), head)

	awards := map[string]int{}
	revisions, people := 0, 0
	var decided lifeline.Event
	for e := range allEvents(t, st) {
		switch e.Type {
		case "award-decided":
			var a struct{ Benefit string }
			if err := json.Unmarshal(e.Data, &a); err != nil {
				t.Fatal(err)
			}
			awards[a.Benefit]++
			decided = e
		case "award-revised":
			revisions++
		case "person-registered":
			people++
			var p struct{ NINO string }
			if err := json.Unmarshal(e.Data, &p); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(p.NINO, "QQ") {
				t.Errorf("person %s has National Insurance number %q: a demo may use only the specimen prefix QQ", e.Subject, p.NINO)
			}
		}
	}
	t.Logf("%d people; awards %v; %d revisions", people, awards, revisions)
	if people != 200 {
		t.Errorf("%d people registered, want 200", people)
	}
	for _, b := range claims.BenefitKeys() {
		if awards[b] == 0 {
			t.Errorf("no %s award", b)
		}
	}
	if revisions == 0 {
		t.Error("no award was revised by a change of circumstances")
	}
	tasks, err := svc.Tasks(ctx, "open")
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) == 0 {
		t.Error("no task is open for an agent")
	}

	// Every decision is in the provenance log, with a receipt once a
	// checkpoint is published.
	award, err := svc.Award(ctx, strings.TrimPrefix(decided.Stream, "award-"), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	period := award.Periods[0]
	index, err := svc.DecisionIndex(ctx, award.ID, period.N)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&publish.Signer{Store: st, Leases: st, Holder: "test", Key: logKey}).Step(ctx, time.Minute); err != nil {
		t.Fatal(err)
	}
	receipt, err := notary.Receipt(ctx, index)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provenance.VerifyReceipt(receipt, verifier); err != nil {
		t.Fatal(err)
	}
	entry, err := provenance.ParseEntry(receipt.Entry)
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := entry.(provenance.Decision); !ok || d.AwardID != award.ID || d.AmountPence != int64(period.Amount) ||
		d.PeriodStart != period.Start.String() || d.RulesVersion != period.RulesVersion {
		t.Fatalf("entry %+v, want the decision on %+v", entry, period)
	}
	head = waitForReassessment(t, st)

	if err := loadDemo(ctx, st, svc, 200, logger); err != nil {
		t.Fatal(err)
	}
	if again, err := st.Head(ctx); err != nil || again != head {
		t.Errorf("a second load moved the log from %d to %d (%v), want nothing added", head, again, err)
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("errors were logged:\n%s", logs.String())
	}
}

// waitForReassessment waits until the reassessment and the commitment of
// decisions have processed the whole log, and returns its head.
func waitForReassessment(t *testing.T, st store) int64 {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		head, err := st.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		caughtUp := true
		for _, name := range []string{claims.SubscriptionName, claims.DecisionsSubscription, sharing.FeedSubscriptionName} {
			done, err := st.Checkpoint(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			caughtUp = caughtUp && done >= head
		}
		if caughtUp {
			return head
		}
	}
	t.Fatal("the reassessment and the decisions' commitment did not catch up with the log in a minute")
	return 0
}

// allEvents yields every event in the log.
func allEvents(t *testing.T, st store) func(yield func(lifeline.Event) bool) {
	return func(yield func(lifeline.Event) bool) {
		for after := int64(0); ; {
			page, err := st.ReadAll(context.Background(), after, lifeline.MaxReadLimit)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				return
			}
			for _, e := range page {
				if !yield(e) {
					return
				}
			}
			after = page[len(page)-1].Position
		}
	}
}

// syncBuffer is a buffer that loggers on many goroutines may share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
