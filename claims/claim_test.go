package claims_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/claims"
	"github.com/lifeline-gov/lifeline/subscription"
)

// A claim waits, with a task for an agent, while identity is unverified or
// a disability assessment is missing, and is decided when the report that
// it waits for arrives.
func TestClaimWaitsForIdentityAndEvidence(t *testing.T) {
	eachStore(t, func(t *testing.T, st store) {
		a := start(t, st)
		var p claims.PersonView
		a.call("POST", "/v1/people", map[string]any{
			"nino": "QQ 90 00 01 A", "given_names": "Hal", "family_name": "Example", "date_of_birth": "1979-06-30",
			"address": map[string]any{"lines": []string{"3 Test Lane"}, "postcode": "cf10 1aa"}, "identity_confidence": "low",
		}, "", 201, &p)
		if p.NINO != "QQ900001A" || p.Address.Postcode != "CF10 1AA" {
			t.Errorf("registered as %s at %s: want normalised QQ900001A and CF10 1AA", p.NINO, p.Address.Postcode)
		}
		c := a.claim("pip", []string{p.ID}, "2026-09-01")
		if c.State != claims.StateAwaitingIdentity {
			t.Fatalf("state %s, want %s", c.State, claims.StateAwaitingIdentity)
		}
		var tasks struct{ Tasks []claims.Task }
		a.call("GET", "/v1/tasks?status=open", nil, "", 200, &tasks)
		if len(tasks.Tasks) != 1 || tasks.Tasks[0].ClaimID != c.ID || tasks.Tasks[0].Kind != "verify-identity" {
			t.Fatalf("open tasks %+v, want one to verify identity for claim %s", tasks.Tasks, c.ID)
		}
		a.event(claims.IdentityVerified, p.ID, "2026-09-03", map[string]any{"confidence": "high"})
		a.call("GET", "/v1/claims/"+c.ID, nil, "", 200, &c)
		if c.State != claims.StateAwaitingEvidence {
			t.Fatalf("after identity: state %s, want %s", c.State, claims.StateAwaitingEvidence)
		}
		a.event(claims.DisabilityAssessed, p.ID, "2026-10-01", map[string]any{"pip_daily_living_points": 9, "pip_mobility_points": 12})
		a.call("GET", "/v1/claims/"+c.ID, nil, "", 200, &c)
		if c.State != claims.StateAwarded || c.AwardID == "" {
			t.Fatalf("after the assessment: state %s, want awarded", c.State)
		}
		states := []string{}
		for _, tr := range c.Transitions {
			states = append(states, tr.State)
		}
		if got := strings.Join(states, ","); got != "received,awaiting-identity,awaiting-evidence,awarded" {
			t.Errorf("transitions %s", got)
		}
		a.call("GET", "/v1/tasks?status=open", nil, "", 200, &tasks)
		if len(tasks.Tasks) != 0 {
			t.Errorf("tasks still open after the decision: %+v", tasks.Tasks)
		}
		aw := a.award(c.AwardID)
		if aw.Frequency != "weekly" || aw.Periods[0].Start.String() != "2026-09-01" || aw.Periods[1].Start.String() != "2026-09-08" {
			t.Errorf("PIP award periods: %+v, want weeks from 2026-09-01", aw.Periods[:2])
		}
		// A second claim for the same benefit while one is live is refused.
		a.call("POST", "/v1/claims", map[string]any{"benefit": "pip", "claimants": []string{p.ID}, "claim_date": "2026-11-01", "channel": "phone"}, "", 409, nil)
	})
}

func TestWithdrawAndRefuse(t *testing.T) {
	eachStore(t, func(t *testing.T, st store) {
		a := start(t, st)
		ivy := a.person("Ivy", "1990-01-01")
		c := a.claim("carers_allowance", []string{ivy}, "2026-10-01")
		if c.State != claims.StateRefused || len(c.Reasons) == 0 {
			t.Fatalf("a carer's allowance claim from someone not caring: state %s, reasons %v; want refused with reasons", c.State, c.Reasons)
		}
		a.call("POST", "/v1/claims/"+c.ID+"/withdraw", map[string]any{"reason": "changed mind"}, "", 409, nil)
		jon := a.person("Jon", "1992-02-02")
		a.call("POST", "/v1/life-events", map[string]any{"type": claims.IdentityVerified, "person_id": jon, "occurred_on": "2026-10-01", "data": map[string]any{"confidence": "low"}}, "", 202, nil)
		c = a.claim("universal_credit", []string{jon}, "2026-10-05")
		if c.State != claims.StateAwaitingIdentity {
			t.Fatalf("state %s", c.State)
		}
		a.call("POST", "/v1/claims/"+c.ID+"/withdraw", map[string]any{"reason": "found work"}, "", 200, &c)
		if c.State != claims.StateWithdrawn {
			t.Errorf("state %s, want withdrawn", c.State)
		}
	})
}

// Bad input is refused with a problem that names the field, and changes
// nothing.
func TestBadInputIsRefused(t *testing.T) {
	st := backends[0].open(t)
	a := start(t, st)
	kay := a.person("Kay", "1984-05-05")
	lee := a.person("Lee", "1986-06-06")
	head := func() int64 { h, _ := st.Head(t.Context()); return h }
	ev := func(typ, person, on string, data map[string]any) map[string]any {
		return map[string]any{"type": typ, "person_id": person, "occurred_on": on, "data": data}
	}
	tests := []struct {
		name   string
		path   string
		body   map[string]any
		status int
		field  string
	}{
		{"unknown type", "/v1/life-events", ev("won-lottery", kay, "2026-10-01", nil), 400, "type"},
		{"future date", "/v1/life-events", ev(claims.CapitalChanged, kay, "2026-11-24", map[string]any{"amount": "10.00"}), 400, "occurred_on"},
		{"unknown person", "/v1/life-events", ev(claims.CapitalChanged, "01900000-0000-7000-8000-000000000000", "2026-10-01", map[string]any{"amount": "10.00"}), 404, "person_id"},
		{"not an id", "/v1/life-events", ev(claims.CapitalChanged, "kay", "2026-10-01", map[string]any{"amount": "10.00"}), 400, "person_id"},
		{"negative money", "/v1/life-events", ev(claims.CapitalChanged, kay, "2026-10-01", map[string]any{"amount": "-10.00"}), 400, "data"},
		{"missing field", "/v1/life-events", ev(claims.EarningsReported, kay, "2026-10-01", map[string]any{"amount": "10.00"}), 400, "data.employer_paye_reference"},
		{"field of another type", "/v1/life-events", ev(claims.Death, kay, "2026-10-01", map[string]any{"amount": "10.00"}), 400, "data.amount"},
		{"own partner", "/v1/life-events", ev(claims.PartnerMovedIn, kay, "2026-10-01", map[string]any{"partner_id": kay}), 400, "data.partner_id"},
		{"before birth", "/v1/life-events", ev(claims.CapitalChanged, kay, "1980-01-01", map[string]any{"amount": "10.00"}), 400, "occurred_on"},
		{"leaving hospital never entered", "/v1/life-events", ev(claims.LeftHospital, kay, "2026-10-01", nil), 409, "type"},
		{"impossible points", "/v1/life-events", ev(claims.DisabilityAssessed, kay, "2026-10-01", map[string]any{"pip_mobility_points": 400}), 400, "data.pip_mobility_points"},
		{"bank account fails the modulus check", "/v1/life-events", ev(claims.BankDetailsChanged, kay, "2026-10-01", map[string]any{"bank_account": map[string]any{"sort_code": "08-99-99", "account_number": "66374959", "holder_name": "K Example"}}), 400, "data.bank_account.account_number"},
		{"child too old", "/v1/life-events", ev(claims.ChildJoined, kay, "2026-10-01", map[string]any{"date_of_birth": "2000-01-01"}), 400, "data.date_of_birth"},
		{"unknown benefit", "/v1/claims", map[string]any{"benefit": "jobseekers", "claimants": []string{kay}, "claim_date": "2026-10-01", "channel": "online"}, 400, "benefit"},
		{"claim in the future", "/v1/claims", map[string]any{"benefit": "universal_credit", "claimants": []string{kay}, "claim_date": "2027-01-01", "channel": "online"}, 400, "claim_date"},
		{"joint claim from strangers", "/v1/claims", map[string]any{"benefit": "universal_credit", "claimants": []string{kay, lee}, "claim_date": "2026-10-01", "channel": "online"}, 400, "claimants"},
		{"two claimants for a personal benefit", "/v1/claims", map[string]any{"benefit": "pip", "claimants": []string{kay, lee}, "claim_date": "2026-10-01", "channel": "online"}, 400, "claimants"},
		{"bad declaration", "/v1/claims", map[string]any{"benefit": "universal_credit", "claimants": []string{kay}, "claim_date": "2026-10-01", "channel": "online",
			"declared": []map[string]any{{"type": claims.RentChanged, "occurred_on": "2026-10-01", "data": map[string]any{"tenure": "castle"}}}}, 400, "declared[0].data.tenure"},
		{"specimen-free nino", "/v1/people", map[string]any{"nino": "QQ12345", "given_names": "A", "family_name": "B", "date_of_birth": "1990-01-01",
			"address": map[string]any{"lines": []string{"1 Road"}, "postcode": "LS1 1AA"}}, 400, "nino"},
		{"bad postcode", "/v1/people", map[string]any{"nino": "QQ123456D", "given_names": "A", "family_name": "B", "date_of_birth": "1990-01-01",
			"address": map[string]any{"lines": []string{"1 Road"}, "postcode": "NOT A CODE"}}, 400, "address.postcode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &api{t: t, url: a.url, svc: a.svc, st: a.st}
			before := head()
			b := a.call("POST", tt.path, tt.body, "", tt.status, nil)
			if b["field"] != tt.field {
				t.Errorf("field %v, want %s (%v)", b["field"], tt.field, b["detail"])
			}
			if d, _ := b["detail"].(string); len(d) < 20 {
				t.Errorf("detail %q does not explain", d)
			}
			if after := head(); after != before {
				t.Errorf("the log grew from %d to %d", before, after)
			}
		})
	}
	// The same National Insurance number twice is a conflict naming the first.
	var first claims.PersonView
	body := map[string]any{"nino": "QQ777777A", "given_names": "A", "family_name": "B", "date_of_birth": "1990-01-01",
		"address": map[string]any{"lines": []string{"1 Road"}, "postcode": "LS1 1AA"}}
	a.call("POST", "/v1/people", body, "", 201, &first)
	b := a.call("POST", "/v1/people", body, "", 409, nil)
	if d, _ := b["detail"].(string); !strings.Contains(d, first.ID) {
		t.Errorf("conflict %q does not name the person already registered (%s)", d, first.ID)
	}
}

// crashingLog fails, once armed, every append after the first to the streams
// chosen: as a process that dies part way through its work.
type crashingLog struct {
	store
	armed  atomic.Bool
	crash  func()
	target string
}

var errCrashed = errors.New("crashed")

func (c *crashingLog) Append(ctx context.Context, req lifeline.AppendRequest) (lifeline.AppendResult, error) {
	if c.armed.Load() && strings.HasPrefix(req.Stream, c.target) {
		c.crash()
		return lifeline.AppendResult{}, errCrashed
	}
	return c.store.Append(ctx, req)
}

// A restart in the middle of processing a life event: the award has been
// revised but the outcomes not yet written when the instance dies. Another
// instance takes over; nothing is lost and nothing is done twice.
func TestRestartInTheMiddleOfProcessing(t *testing.T) {
	eachStore(t, func(t *testing.T, st store) {
		a := start(t, st)
		mo := a.person("Mo", "1987-08-08")
		uc := a.awarded("universal_credit", []string{mo}, "2026-06-01")
		a.stop()
		ev := a.report(claims.EarningsReported, mo, "2026-08-20", map[string]any{"employer_paye_reference": "1/A", "amount": "300.00"}, "")
		// An instance that dies after revising the award, before the outcomes.
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		crash := &crashingLog{store: st, crash: cancel, target: "life-event-"}
		crash.armed.Store(true)
		dying := newService(crash)
		r := &subscription.Runner{Name: claims.SubscriptionName, Holder: "dying", Log: st, Store: st, HandleBatch: dying.HandleBatch, Logger: quiet, LeaseTTL: 2 * time.Second}
		r.Run(ctx)
		if got := a.award(uc.ID); len(got.Revisions) != 1 {
			t.Fatalf("the dying instance made %d revisions, want 1 before it died", len(got.Revisions))
		}
		// A new instance takes over from the checkpoint.
		process(t, st, newService(st))
		a.processed(ev.ID)
		aw := a.award(uc.ID)
		n := 0
		for _, rev := range aw.Revisions {
			if rev.Cause == ev.ID {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d revisions for the event, want exactly 1", n)
		}
		v := a.processed(ev.ID)
		if o := outcomeFor(t, v, uc.ID); o.Outcome != claims.Overpaid || o.Amount != money(t, "165.00") {
			t.Errorf("outcome %s %s, want overpayment of 165.00 (55%% of 300.00)", o.Outcome, o.Amount)
		}
	})
}

// Every POST may be retried with its Idempotency-Key and gets the first
// answer, even when the first request changed what a new one would be
// checked against.
func TestRetriesWithAKey(t *testing.T) {
	eachStore(t, func(t *testing.T, st store) {
		a := start(t, st)
		reg := map[string]any{"nino": "QQ314159A", "given_names": "Nia", "family_name": "Example", "date_of_birth": "1991-03-14",
			"address": map[string]any{"lines": []string{"9 Road"}, "postcode": "LS2 9JT"}, "identity_confidence": "high"}
		var p1, p2 claims.PersonView
		a.call("POST", "/v1/people", reg, "reg-nia", 201, &p1)
		a.call("POST", "/v1/people", reg, "reg-nia", 201, &p2)
		if p1.ID != p2.ID {
			t.Errorf("a retried registration made %s then %s", p1.ID, p2.ID)
		}
		oz := a.person("Oz", "1990-05-05")
		move := map[string]any{"type": claims.PartnerMovedIn, "person_id": p1.ID, "occurred_on": "2026-06-01", "data": map[string]any{"partner_id": oz}}
		var e1, e2 claims.LifeEventView
		a.call("POST", "/v1/life-events", move, "move-nia", 202, &e1)
		a.call("POST", "/v1/life-events", move, "move-nia", 202, &e2)
		if e1.ID != e2.ID {
			t.Errorf("a retried report made %s then %s", e1.ID, e2.ID)
		}
		claim := map[string]any{"benefit": "universal_credit", "claimants": []string{p1.ID, oz}, "claim_date": "2026-07-01", "channel": "online"}
		var c1, c2 claims.ClaimView
		a.call("POST", "/v1/claims", claim, "claim-nia", 202, &c1)
		a.call("POST", "/v1/claims", claim, "claim-nia", 202, &c2)
		if c1.ID != c2.ID {
			t.Errorf("a retried claim made %s then %s", c1.ID, c2.ID)
		}
		// Without the key the same claim is a second claim, and refused.
		a.call("POST", "/v1/claims", claim, "", 409, nil)
	})
}

// A death leaves the partner bereaved, not still in a couple: they claim
// alone, and Bereavement Support Payment follows.
func TestBereavedPartnerClaimsAlone(t *testing.T) {
	eachStore(t, func(t *testing.T, st store) {
		a := start(t, st)
		pia := a.person("Pia", "1980-09-09")
		raj := a.person("Raj", "1979-01-01")
		a.event(claims.PartnerMovedIn, pia, "2025-01-01", map[string]any{"partner_id": raj})
		a.event(claims.ChildBorn, pia, "2025-06-01", nil)
		a.event(claims.Death, raj, "2026-06-15", nil)
		var p claims.PersonView
		a.call("GET", "/v1/people/"+pia, nil, "", 200, &p)
		if p.PartnerID != "" || p.BereavedOf != raj {
			t.Errorf("after the death: partner %q bereaved of %q, want no partner, bereaved of %s", p.PartnerID, p.BereavedOf, raj)
		}
		uc := a.awarded("universal_credit", []string{pia}, "2026-07-01")
		if len(uc.Claimants) != 1 {
			t.Errorf("claimants %v", uc.Claimants)
		}
		bsp := a.awarded("bereavement_support_payment", []string{pia}, "2026-07-01")
		if bsp.Periods[0].Amount == 0 {
			t.Errorf("bereavement support payment: %+v", bsp.Periods[0])
		}
	})
}
