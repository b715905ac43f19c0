package sharing_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/claims"
	"github.com/lifeline-gov/lifeline/provenance"
	"github.com/lifeline-gov/lifeline/provenance/publish"
	"github.com/lifeline-gov/lifeline/rules"
	"github.com/lifeline-gov/lifeline/sharing"
	"github.com/lifeline-gov/lifeline/subscription"
)

// The feed tests run the feed builder (a subscription.Runner) and, where
// they post webhooks, a Deliverer, on a real store of each kind. The claims
// service's clock is fixed at noon on 23 November 2026; the sharing
// service's starts there and runs at the speed of the real one, so that
// backoffs of milliseconds pass while the agreements stay in force.

var (
	feedEpoch = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	feedKey   = []byte("feed tests master key, 32 bytes!")
)

// feedWorld is a platform with one partner and its agreement.
type feedWorld struct {
	t       *testing.T
	st      store
	claims  *claims.Service
	sharing *sharing.Service
	started time.Time
}

func eachFeedStore(t *testing.T, f func(t *testing.T, w *feedWorld)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			st := b.open(t)
			w := &feedWorld{t: t, st: st, started: time.Now()}
			w.claims = claims.New(st, claims.Config{IndexKey: []byte("test index key"), AllowSpecimenNINO: true, Now: func() time.Time { return feedEpoch }})
			w.sharing = w.newSharing()
			f(t, w)
		})
	}
}

// now is the sharing service's clock.
func (w *feedWorld) now() time.Time { return feedEpoch.Add(time.Since(w.started)) }

// newSharing starts a sharing service on the world's store, as an instance
// starting (or restarting) would.
func (w *feedWorld) newSharing() *sharing.Service {
	skey, _, err := provenance.GenerateKey(rand.Reader, "lifeline.test/log")
	if err != nil {
		w.t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		w.t.Fatal(err)
	}
	notary := publish.NewNotary(w.st, signer)
	w.t.Cleanup(notary.Close)
	return sharing.New(w.st, w.claims, notary, sharing.Config{Issuer: "https://lifeline.test", MasterKey: feedKey, AllowSpecimenNINO: true,
		Now: w.now})
}

// agree registers a partner and makes its agreement: Universal Credit,
// council tax reduction, the fields and events given.
func (w *feedWorld) agree(name string, fields, events []string) (*sharing.Partner, *sharing.Agreement) {
	w.t.Helper()
	ctx := w.t.Context()
	p, _, err := w.sharing.RegisterPartner(ctx, sharing.NewPartner{Name: name, Kind: "council", Contact: "dpo@" + strings.ToLower(strings.Fields(name)[0]) + ".gov.uk"}, "")
	if err != nil {
		w.t.Fatal(err)
	}
	a, err := w.sharing.MakeAgreement(ctx, sharing.AgreementChange{Reason: "Tell us once.", Terms: sharing.Terms{
		PartnerID: p.ID, Title: name + " council tax reduction", Purposes: []string{"council-tax-reduction"},
		LegalGateway: "Welfare Reform Act 2012 s131", Benefits: []string{"universal_credit"}, Fields: fields, Events: events,
		DailyLimit: 1000, Start: rules.MakeDate(2026, 1, 1), End: rules.MakeDate(2027, 12, 31)}}, "")
	if err != nil {
		w.t.Fatal(err)
	}
	return p, a
}

func (w *feedWorld) subscribe(p *sharing.Partner, a *sharing.Agreement, url string, events ...string) *sharing.FeedSubscription {
	w.t.Helper()
	sub, err := w.sharing.CreateSubscription(w.t.Context(), p, sharing.NewFeedSubscription{Agreement: a.ID, Purpose: "council-tax-reduction", Events: events, WebhookURL: url}, "")
	if err != nil {
		w.t.Fatal(err)
	}
	return sub
}

var runners atomic.Int64

// run runs a subscription runner with h until the test ends or the
// returned function is called.
func (w *feedWorld) run(name string, h subscription.BatchHandler) func() {
	r := &subscription.Runner{Name: name, Holder: fmt.Sprintf("test-%d", runners.Add(1)), Log: w.st, Store: w.st,
		HandleBatch: h, Logger: quiet, LeaseTTL: 2 * time.Second, RetryWait: 20 * time.Millisecond}
	return w.background(func(ctx context.Context) { r.Run(ctx) })
}

// build runs the feed builder of the current sharing service.
func (w *feedWorld) build() func() {
	return w.run(sharing.FeedSubscriptionName, w.sharing.HandleFeedBatch)
}

// deliver runs a Deliverer with the retry policy given.
func (w *feedWorld) deliver(policy sharing.RetryPolicy) func() {
	d := &sharing.Deliverer{Service: w.sharing, Leases: w.st, Holder: fmt.Sprintf("test-%d", runners.Add(1)), Logger: quiet,
		Retry: policy, Poll: 5 * time.Millisecond, LeaseTTL: 2 * time.Second}
	return w.background(func(ctx context.Context) { d.Run(ctx) })
}

func (w *feedWorld) background(f func(ctx context.Context)) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f(ctx); close(done) }()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done }) }
	w.t.Cleanup(stop)
	return stop
}

var ninos atomic.Int64

// seed adds people, each with an award of benefit starting on 1 October
// 2026, and returns their ids and numbers.
func (w *feedWorld) seed(benefit rules.Benefit, names ...string) ([]string, []string) {
	w.t.Helper()
	var batch []claims.SeedPerson
	var numbers []string
	for _, n := range names {
		nino := fmt.Sprintf("QQ%06dC", ninos.Add(1))
		numbers = append(numbers, nino)
		batch = append(batch, claims.SeedPerson{Benefit: benefit, Start: rules.MakeDate(2026, 10, 1), Details: claims.Details{
			NINO: nino, GivenNames: n, FamilyName: "Feedtest", DateOfBirth: rules.MakeDate(1985, 12, 10),
			Address: claims.Address{Lines: []string{"1 Calculating Row", "Leeds"}, Postcode: "LS1 4AP"}, IdentityConfidence: "high"}})
	}
	ids, err := w.claims.Seed(w.t.Context(), batch)
	if err != nil {
		w.t.Fatal(err)
	}
	return ids, numbers
}

// report records a life event.
func (w *feedWorld) report(typ, person, on string, data any) string {
	w.t.Helper()
	raw, _ := json.Marshal(data)
	v, err := w.claims.RecordLifeEvent(w.t.Context(), claims.LifeEventReport{Type: typ, PersonID: person, OccurredOn: on, Data: raw}, "")
	if err != nil {
		w.t.Fatal(err)
	}
	return v.ID
}

func (w *feedWorld) moveHouse(person string) string {
	return w.report(claims.AddressChanged, person, "2026-11-02", map[string]any{"address": map[string]any{"lines": []string{"9 New Street", "Leeds"}, "postcode": "LS6 2AA"}})
}

// items waits until the partner's feed holds n items and returns them.
func (w *feedWorld) items(p *sharing.Partner, sub string, n int) []sharing.FeedItem {
	w.t.Helper()
	var page *sharing.FeedPage
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var err error
		if page, err = w.sharing.FeedItems(w.t.Context(), p, sub, 0, 1000); err != nil {
			w.t.Fatal(err)
		}
		if len(page.Items) >= n {
			return page.Items
		}
	}
	w.t.Fatalf("feed %s has %d items after 20s, want %d", sub, len(page.Items), n)
	return nil
}

// eventually waits for cond, failing with what after 20s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("%s: not after 20s", what)
}

func wantCode(t *testing.T, err error, code, field string) {
	t.Helper()
	if lifeline.ErrorCode(err) != code || (field != "" && lifeline.ErrorField(err) != field) {
		t.Fatalf("error %v, want code %s on field %q", err, code, field)
	}
}

func TestCreateSubscription(t *testing.T) {
	eachFeedStore(t, func(t *testing.T, w *feedWorld) {
		ctx := t.Context()
		p, a := w.agree("Leeds City Council", []string{"date_of_death"}, []string{"death", "address-changed"})
		other, otherA := w.agree("York Council", []string{"date_of_death"}, []string{"death"})
		_, noEvents := w.agree("Hull Council", []string{"name"}, nil)
		tests := []struct {
			name        string
			partner     *sharing.Partner
			req         sharing.NewFeedSubscription
			code, field string
		}{
			{"pull only", p, sharing.NewFeedSubscription{Events: []string{"death"}}, "", ""},
			{"https webhook", p, sharing.NewFeedSubscription{Events: []string{"death", "address-changed"}, WebhookURL: "https://leeds.example/lifeline?feed=1"}, "", ""},
			{"http to loopback", p, sharing.NewFeedSubscription{Events: []string{"death"}, WebhookURL: "http://127.0.0.1:8080/hook"}, "", ""},
			{"http to loopback v6", p, sharing.NewFeedSubscription{Events: []string{"death"}, WebhookURL: "http://[::1]:8080/hook"}, "", ""},
			{"http to localhost", p, sharing.NewFeedSubscription{Events: []string{"death"}, WebhookURL: "http://localhost/hook"}, "", ""},
			{"http elsewhere", p, sharing.NewFeedSubscription{Events: []string{"death"}, WebhookURL: "http://leeds.example/hook"}, lifeline.EINVALID, "webhook_url"},
			{"another scheme", p, sharing.NewFeedSubscription{Events: []string{"death"}, WebhookURL: "ftp://leeds.example/hook"}, lifeline.EINVALID, "webhook_url"},
			{"relative", p, sharing.NewFeedSubscription{Events: []string{"death"}, WebhookURL: "/hook"}, lifeline.EINVALID, "webhook_url"},
			{"credentials in the URL", p, sharing.NewFeedSubscription{Events: []string{"death"}, WebhookURL: "https://user:pw@leeds.example/hook"}, lifeline.EINVALID, "webhook_url"},
			{"fragment", p, sharing.NewFeedSubscription{Events: []string{"death"}, WebhookURL: "https://leeds.example/hook#x"}, lifeline.EINVALID, "webhook_url"},
			{"metadata address", p, sharing.NewFeedSubscription{Events: []string{"death"}, WebhookURL: "https://169.254.169.254/latest"}, lifeline.EINVALID, "webhook_url"},
			{"too long", p, sharing.NewFeedSubscription{Events: []string{"death"}, WebhookURL: "https://leeds.example/" + strings.Repeat("a", 2000)}, lifeline.EINVALID, "webhook_url"},
			{"no events", p, sharing.NewFeedSubscription{}, lifeline.EINVALID, "events"},
			{"unknown event", p, sharing.NewFeedSubscription{Events: []string{"birth"}}, lifeline.EINVALID, "events"},
			{"event outside the agreement", p, sharing.NewFeedSubscription{Events: []string{"award-started"}}, lifeline.EFORBIDDEN, "events"},
			{"event twice", p, sharing.NewFeedSubscription{Events: []string{"death", "death"}}, lifeline.EINVALID, "events"},
			{"another partner's agreement", other, sharing.NewFeedSubscription{Events: []string{"death"}}, lifeline.EFORBIDDEN, "agreement"},
			{"purpose outside the agreement", p, sharing.NewFeedSubscription{Purpose: "fishing", Events: []string{"death"}}, lifeline.EFORBIDDEN, "purpose"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.req.Agreement = a.ID
				if tt.req.Purpose == "" {
					tt.req.Purpose = "council-tax-reduction"
				}
				sub, err := w.sharing.CreateSubscription(ctx, tt.partner, tt.req, "")
				if tt.code != "" {
					wantCode(t, err, tt.code, tt.field)
					if lifeline.ErrorMessage(err) == "" {
						t.Error("no message")
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if sub.PartnerID != p.ID || sub.AgreementID != a.ID || sub.WebhookURL != tt.req.WebhookURL || sub.CancelledAt != nil {
					t.Fatalf("subscription %+v", sub)
				}
			})
		}
		_, err := w.sharing.CreateSubscription(ctx, other, sharing.NewFeedSubscription{Agreement: noEvents.ID, Purpose: "council-tax-reduction", Events: []string{"death"}}, "")
		wantCode(t, err, lifeline.EFORBIDDEN, "agreement") // Hull's agreement is not York's
		hull, _ := w.sharing.Partner(ctx, noEvents.PartnerID)
		_, err = w.sharing.CreateSubscription(ctx, hull, sharing.NewFeedSubscription{Agreement: noEvents.ID, Purpose: "council-tax-reduction", Events: []string{"death"}}, "")
		wantCode(t, err, lifeline.EFORBIDDEN, "agreement")

		// A retry with the same key is the same subscription; the key used
		// for something else is refused.
		req := sharing.NewFeedSubscription{Agreement: otherA.ID, Purpose: "council-tax-reduction", Events: []string{"death"}}
		first, err := w.sharing.CreateSubscription(ctx, other, req, "k1")
		if err != nil {
			t.Fatal(err)
		}
		again, err := w.sharing.CreateSubscription(ctx, other, req, "k1")
		if err != nil || again.ID != first.ID {
			t.Fatalf("retry: %v, %v; want subscription %s", again, err, first.ID)
		}
		req.WebhookURL = "https://york.example/hook"
		_, err = w.sharing.CreateSubscription(ctx, other, req, "k1")
		wantCode(t, err, lifeline.EIDEMPOTENCY, "idempotency_key")

		mine, err := w.sharing.Subscriptions(ctx, other.ID)
		if err != nil || len(mine) != 1 || mine[0].ID != first.ID {
			t.Fatalf("York's subscriptions %v, %v", mine, err)
		}
		if _, err := w.sharing.Subscription(ctx, p, first.ID); lifeline.ErrorCode(err) != lifeline.ENOTFOUND {
			t.Fatalf("Leeds reading York's subscription: %v, want not found", err)
		}
		cancelled, err := w.sharing.CancelSubscription(ctx, other, first.ID)
		if err != nil || cancelled.CancelledAt == nil {
			t.Fatalf("cancel: %+v, %v", cancelled, err)
		}
		all, err := w.sharing.Subscriptions(ctx, "")
		if err != nil || len(all) != 6 {
			t.Fatalf("every subscription: %d, %v; want 6", len(all), err)
		}
	})
}

// TestFeedFields checks that an item carries the fields its agreement
// allows that concern its event, and nothing else: no name, number or
// date unless allowed.
func TestFeedFields(t *testing.T) {
	all := []string{"death", "address-changed", "award-started"}
	tests := []struct {
		name   string
		fields []string
		want   map[string][]string // item type -> data keys
		nino   bool
	}{
		{"nothing but the event", []string{"receives_benefit"}, map[string][]string{"death": nil, "address-changed": nil, "award-started": nil}, false},
		{"date of death only", []string{"date_of_death"}, map[string][]string{"death": {"date_of_death"}, "address-changed": nil, "award-started": nil}, false},
		{"address and awards", []string{"address", "benefits", "award_dates", "amounts"},
			map[string][]string{"death": nil, "address-changed": {"address"}, "award-started": {"amounts", "award_dates", "benefits"}}, false},
		{"named", []string{"name", "date_of_birth", "date_of_death"},
			map[string][]string{"death": {"date_of_birth", "date_of_death", "name"}, "address-changed": {"date_of_birth", "name"}, "award-started": {"date_of_birth", "name"}}, true},
	}
	eachFeedStore(t, func(t *testing.T, w *feedWorld) {
		ids, numbers := w.seed(rules.UniversalCredit, "Ada")
		notCovered, _ := w.seed(rules.StatePension, "Bob")
		ada, adaNINO := ids[0], numbers[0]
		type world struct {
			p   *sharing.Partner
			a   *sharing.Agreement
			sub *sharing.FeedSubscription
		}
		worlds := make([]world, len(tests))
		for i, tt := range tests {
			p, a := w.agree(fmt.Sprintf("Council %d", i), tt.fields, all)
			worlds[i] = world{p, a, w.subscribe(p, a, "", all...)}
		}
		w.build()
		w.moveHouse(ada)
		w.moveHouse(notCovered[0]) // State Pension: outside every agreement
		_, later := w.seed(rules.UniversalCredit, "Cy")
		w.report(claims.Death, ada, "2026-11-20", map[string]any{})
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got := w.items(worlds[i].p, worlds[i].sub.ID, 3)
				seen := map[string]bool{}
				for _, it := range got {
					seen[it.Type] = true
					if keys := slices.Sorted(maps.Keys(it.Data)); !slices.Equal(keys, tt.want[it.Type]) {
						t.Errorf("%s item carries %v, want %v", it.Type, keys, tt.want[it.Type])
					}
					for k := range it.Data {
						if !slices.Contains(tt.fields, k) {
							t.Errorf("%s item carries %s, outside the agreement", it.Type, k)
						}
					}
					nino := adaNINO
					if it.Type == "award-started" {
						nino = later[0]
					}
					if (it.NINO != "") != tt.nino || (tt.nino && it.NINO != nino) {
						t.Errorf("%s item: nino %q, want it only with name", it.Type, it.NINO)
					}
					if want := sharing.MatchHash(w.sharing.MatchKey(worlds[i].a.ID), lifeline.NINO(nino)); it.PersonRef != want {
						t.Errorf("%s item: person_ref %q, want the keyed hash %q", it.Type, it.PersonRef, want)
					}
					raw, _ := json.Marshal(it)
					for _, secret := range []string{"Feedtest", "Calculating Row", "New Street", "1985-12-10", "2026-11-20", "2026-10-01"} {
						if strings.Contains(string(raw), secret) && !allowedToShow(secret, tt.fields) {
							t.Errorf("%s item shows %q: %s", it.Type, secret, raw)
						}
					}
					if it.Agreement != worlds[i].a.Ref() || it.SubscriptionID != worlds[i].sub.ID || it.Receipt == nil {
						t.Errorf("item %+v", it)
					}
				}
				if len(got) != 3 || len(seen) != 3 {
					t.Fatalf("items %+v, want one death, one change of address and one award started", got)
				}
			})
		}
		// Every item is a disclosure in the person's history, of kind feed.
		ds, err := w.sharing.Disclosures(t.Context(), ada)
		if err != nil {
			t.Fatal(err)
		}
		feeds := 0
		for _, d := range ds {
			if d.Kind == "feed" {
				feeds++
				if d.Receipt == nil || d.LegalGateway == "" {
					t.Errorf("disclosure %+v", d)
				}
			}
		}
		if feeds != 2*len(tests) {
			t.Errorf("Ada's history has %d feed disclosures, want %d", feeds, 2*len(tests))
		}
	})
}

// allowedToShow reports whether a test secret may appear given the fields.
func allowedToShow(secret string, fields []string) bool {
	switch secret {
	case "Feedtest":
		return slices.Contains(fields, "name")
	case "1985-12-10":
		return slices.Contains(fields, "date_of_birth")
	case "2026-11-20":
		return slices.Contains(fields, "date_of_death")
	case "2026-10-01":
		return slices.Contains(fields, "award_dates") || slices.Contains(fields, "amounts")
	case "New Street":
		return slices.Contains(fields, "address")
	}
	return false
}

func TestFeedPullAndAcknowledge(t *testing.T) {
	eachFeedStore(t, func(t *testing.T, w *feedWorld) {
		ctx := t.Context()
		before, _ := w.seed(rules.UniversalCredit, "Ada")
		p, a := w.agree("Leeds City Council", []string{"date_of_death", "address"}, []string{"death", "address-changed", "award-started"})
		sub := w.subscribe(p, a, "", "death", "address-changed", "award-started")
		other, _ := w.agree("York Council", []string{"date_of_death"}, []string{"death"})
		w.build()
		w.moveHouse(before[0])
		w.seed(rules.UniversalCredit, "Cy", "Di")
		items := w.items(p, sub.ID, 3) // Ada's award started before the subscription: not told
		if len(items) != 3 {
			t.Fatalf("%d items, want 3: %+v", len(items), items)
		}

		pages := []struct {
			after    int64
			limit    int
			want     []int64
			wantNext int64
		}{
			{0, 2, []int64{1, 2}, 2},
			{2, 2, []int64{3}, 3},
			{3, 0, nil, 3},
			{1, 1000, []int64{2, 3}, 3},
		}
		for _, pg := range pages {
			got, err := w.sharing.FeedItems(ctx, p, sub.ID, pg.after, pg.limit)
			if err != nil {
				t.Fatal(err)
			}
			var cursors []int64
			for _, it := range got.Items {
				cursors = append(cursors, it.Cursor)
			}
			if !slices.Equal(cursors, pg.want) || got.Next != pg.wantNext {
				t.Errorf("after %d limit %d: cursors %v next %d, want %v next %d", pg.after, pg.limit, cursors, got.Next, pg.want, pg.wantNext)
			}
		}
		for _, bad := range []struct {
			after       int64
			limit       int
			field, code string
		}{{-1, 10, "after", lifeline.EINVALID}, {0, 1001, "limit", lifeline.EINVALID}, {0, -1, "limit", lifeline.EINVALID}} {
			_, err := w.sharing.FeedItems(ctx, p, sub.ID, bad.after, bad.limit)
			wantCode(t, err, bad.code, bad.field)
		}
		_, err := w.sharing.FeedItems(ctx, other, sub.ID, 0, 10)
		wantCode(t, err, lifeline.ENOTFOUND, "subscription")

		acks := []struct {
			name        string
			ack         sharing.Ack
			fresh       int
			code, field string
		}{
			{"up to a cursor", sharing.Ack{UpTo: 1}, 1, "", ""},
			{"again", sharing.Ack{UpTo: 1}, 0, "", ""},
			{"by id", sharing.Ack{IDs: []string{items[2].ID}}, 1, "", ""},
			{"by id, already acknowledged", sharing.Ack{IDs: []string{items[0].ID, items[2].ID}}, 0, "", ""},
			{"up to past those by id", sharing.Ack{UpTo: 3}, 1, "", ""},
			{"nothing", sharing.Ack{}, 0, lifeline.EINVALID, "up_to"},
			{"beyond the feed", sharing.Ack{UpTo: 4}, 0, lifeline.EINVALID, "up_to"},
			{"negative", sharing.Ack{UpTo: -1}, 0, lifeline.EINVALID, "up_to"},
			{"unknown id", sharing.Ack{IDs: []string{lifeline.DeriveID("nothing")}}, 0, lifeline.ENOTFOUND, "ids"},
			{"too many ids", sharing.Ack{IDs: make([]string, 1001)}, 0, lifeline.EINVALID, "ids"},
		}
		for _, tt := range acks {
			n, err := w.sharing.Acknowledge(ctx, p, sub.ID, tt.ack)
			if tt.code != "" {
				wantCode(t, err, tt.code, tt.field)
				continue
			}
			if err != nil || n != tt.fresh {
				t.Errorf("%s: %d, %v; want %d newly acknowledged", tt.name, n, err, tt.fresh)
			}
		}
		_, err = w.sharing.Acknowledge(ctx, other, sub.ID, sharing.Ack{UpTo: 1})
		wantCode(t, err, lifeline.ENOTFOUND, "subscription")
	})
}

// TestNotificationsFor checks the "tell us once" view: a death is told to
// a council that pulls and acknowledges, and the award it ends to a
// department whose webhook takes it.
func TestNotificationsFor(t *testing.T) {
	eachFeedStore(t, func(t *testing.T, w *feedWorld) {
		ctx := t.Context()
		ids, _ := w.seed(rules.UniversalCredit, "Ada")
		ada := ids[0]
		council, ca := w.agree("Leeds City Council", []string{"name", "date_of_death"}, []string{"death"})
		pulled := w.subscribe(council, ca, "", "death")
		dept, da := w.agree("Revenue Department", []string{"award_dates"}, []string{"award-ended"})
		hook := newPartnerServer(t, w, 0)
		pushed := w.subscribe(dept, da, hook.URL, "award-ended")
		w.build()
		w.run(claims.SubscriptionName, w.claims.HandleBatch)
		w.deliver(sharing.RetryPolicy{BaseDelay: 5 * time.Millisecond, MaxDelay: 20 * time.Millisecond})

		death := w.report(claims.Death, ada, "2026-11-20", map[string]any{})
		told := w.items(council, pulled.ID, 1)
		ended := w.items(dept, pushed.ID, 1)
		eventually(t, "the department's webhook takes the award ended", func() bool {
			ds, err := w.sharing.Deliveries(ctx, pushed.ID)
			return err == nil && len(ds) == 1 && ds[0].DeliveredAt != nil && hook.accepted(ended[0].ID) == 1
		})
		if ended[0].Type != "award-ended" || told[0].Type != "death" || told[0].SourceEventID != death {
			t.Fatalf("items %+v and %+v", told[0], ended[0])
		}
		if _, err := w.sharing.Acknowledge(ctx, council, pulled.ID, sharing.Ack{UpTo: told[0].Cursor}); err != nil {
			t.Fatal(err)
		}

		// The told index is written just after the item, so it may lag.
		var got []sharing.Notification
		eventually(t, "both partners told", func() bool {
			var err error
			got, err = w.sharing.NotificationsFor(ctx, death)
			return err == nil && len(got) == 2
		})
		byPartner := map[string]sharing.Notification{}
		for _, n := range got {
			byPartner[n.PartnerName] = n
		}
		c, d := byPartner["Leeds City Council"], byPartner["Revenue Department"]
		switch {
		case len(got) != 2:
			t.Fatalf("notifications %+v, want the council and the department", got)
		case c.Type != "death" || c.ItemID != told[0].ID || c.SubscriptionID != pulled.ID || c.AcknowledgedAt == nil || c.DeliveredAt == nil:
			t.Errorf("council %+v: want the death, acknowledged (and so delivered)", c)
		case d.Type != "award-ended" || d.SourceEventID == death || d.DeliveredAt == nil || d.AcknowledgedAt != nil:
			t.Errorf("department %+v: want the award ended by the death, delivered, not acknowledged", d)
		}
		if _, err := w.sharing.Acknowledge(ctx, dept, pushed.ID, sharing.Ack{IDs: []string{ended[0].ID}}); err != nil {
			t.Fatal(err)
		}
		got, err := w.sharing.NotificationsFor(ctx, death)
		if err != nil || len(got) != 2 || got[0].AcknowledgedAt == nil || got[1].AcknowledgedAt == nil {
			t.Fatalf("after both acknowledged: %+v, %v", got, err)
		}

		if none, err := w.sharing.NotificationsFor(ctx, lifeline.DeriveID("no such event")); err != nil || len(none) != 0 {
			t.Errorf("an event nobody was told of: %v, %v", none, err)
		}
		_, err = w.sharing.NotificationsFor(ctx, "not-an-id")
		wantCode(t, err, lifeline.EINVALID, "id")
	})
}

// TestFeedBuilderIsIdempotent runs the builder over the log twice from the
// start: the second run writes nothing.
func TestFeedBuilderIsIdempotent(t *testing.T) {
	eachFeedStore(t, func(t *testing.T, w *feedWorld) {
		ctx := t.Context()
		p, a := w.agree("Leeds City Council", []string{"date_of_death", "address"}, []string{"death", "address-changed", "award-started"})
		sub := w.subscribe(p, a, "", "death", "address-changed", "award-started")
		ids, _ := w.seed(rules.UniversalCredit, "Ada", "Cy")
		w.moveHouse(ids[0])
		w.report(claims.Death, ids[1], "2026-11-20", map[string]any{})
		all, err := w.st.ReadAll(ctx, 0, lifeline.MaxReadLimit)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := w.sharing.HandleFeedBatch(ctx, all); err != nil {
				t.Fatal(err)
			}
		}
		head, _ := w.st.Head(ctx)
		if err := w.sharing.HandleFeedBatch(ctx, all); err != nil {
			t.Fatal(err)
		}
		if again, _ := w.st.Head(ctx); again != head {
			t.Errorf("a third run appended %d events", again-head)
		}
		page, err := w.sharing.FeedItems(ctx, p, sub.ID, 0, 100)
		if err != nil || len(page.Items) != 4 {
			t.Fatalf("%d items, %v; want 2 awards started, a change of address and a death", len(page.Items), err)
		}
		ds, _ := w.sharing.Disclosures(ctx, ids[1])
		if len(ds) != 2 {
			t.Errorf("Cy has %d disclosures, want 2 (award started, death)", len(ds))
		}
	})
}
