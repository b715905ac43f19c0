package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/claims"
	"github.com/lifeline-gov/lifeline/modulus"
	"github.com/lifeline-gov/lifeline/rules"
)

// The demo department: `lifeline serve --demo N` loads, on first start, a
// synthetic population of N people through the claims service's public API,
// as agents and citizens would have: registrations, circumstances, claims for
// every benefit, and then a history of changes reported since. The
// reassessment subscription decides the claims and revises the awards just as
// it does for real reports, so a newcomer finds a working department: awards
// with explanations and revisions, and tasks waiting for an agent.
//
// No real person can be named: National Insurance numbers have the specimen
// prefix QQ, which is never issued; phone numbers are from the ranges Ofcom
// keeps for drama; email addresses are at example.com and example.org; homes
// are on Example Road and the like. The population comes from a fixed seed,
// so every newcomer sees the same department (dated from the day it loads).

const (
	demoStream  = "demo" // holds the marker that says the demo is loaded
	demoMarker  = "demo-loaded"
	demoActor   = "demo-loader"
	demoWorkers = 24               // households loaded at once
	demoStall   = 30 * time.Second // a reassessment making no progress this long is not waited for
	demoSeed    = 20240408
	// maxDemoPeople is how many specimen numbers there are to give out.
	maxDemoPeople = 1_000_000
	// demoEarningsMonths bounds the pay history reported for each worker,
	// which is most of what the demo records.
	demoEarningsMonths = 12
)

// demoFirstClaim is the first day the rules cover, and so the earliest
// claim date the service accepts.
var demoFirstClaim = rules.MakeDate(2024, 4, 8)

// loadDemo loads a population of n people, unless a demo has been loaded
// into the store before. Claims are decided in the background by the
// reassessment subscription, which should already be running.
func loadDemo(ctx context.Context, st store, svc *claims.Service, n int, logger *slog.Logger) error {
	if n > maxDemoPeople {
		return fmt.Errorf("a demo has at most %d people (one per specimen National Insurance number), not %d", maxDemoPeople, n)
	}
	marker, err := st.ReadStream(ctx, demoStream, lifeline.StreamQuery{Limit: 1})
	if err != nil {
		return err
	}
	if len(marker) > 0 {
		logger.Info("demo data already loaded", "loaded_at", marker[0].RecordedAt)
		return nil
	}
	began := time.Now()
	households := planDemo(n, ukToday(began))
	logger.Info("loading demo data", "people", n, "households", len(households))
	l := &demoLoader{svc: svc, logger: logger}
	ctx = claims.WithActor(ctx, claims.Actor{Name: demoActor})
	if err := l.each(ctx, households, "registrations and claims", l.setUp); err != nil {
		return err
	}
	if err := awaitDecisions(ctx, st, logger); err != nil {
		return err
	}
	if err := l.each(ctx, households, "history", l.history); err != nil {
		return err
	}
	// The marker comes last: an interrupted load runs again on the next
	// start, and meets the people it registered as conflicts.
	_, err = st.Append(ctx, lifeline.AppendRequest{Stream: demoStream, Expected: lifeline.ExpectNoStream, Events: []lifeline.NewEvent{{
		Type: demoMarker, Data: json.RawMessage(fmt.Sprintf(`{"people":%d,"seed":%d}`, n, demoSeed)),
	}}})
	if lifeline.ErrorCode(err) == lifeline.ECONFLICT {
		err = nil // another instance on the database loaded one at the same time
	}
	if err != nil {
		return err
	}
	logger.Info("demo data loaded", "people", l.people.Load(), "claims", l.claims.Load(), "life_events", l.events.Load(),
		"refused", l.refused.Load(), "seconds", time.Since(began).Round(time.Millisecond).Seconds())
	return nil
}

// awaitDecisions waits for the reassessment to process everything loaded so
// far. The history then arrives as changes to decided awards, which is
// what a department sees: revisions with over- and underpayments, and
// tasks closed by the evidence they waited for. Otherwise most of it would
// already be known when the claims are decided. A reassessment that makes
// no progress for demoStall (stuck, or not running here) is not waited for.
func awaitDecisions(ctx context.Context, st store, logger *slog.Logger) error {
	began := time.Now()
	target, err := st.Head(ctx)
	if err != nil {
		return err
	}
	last, moved := int64(-1), began
	for {
		done, err := st.Checkpoint(ctx, claims.SubscriptionName)
		if err != nil {
			return err
		}
		switch {
		case done >= target:
			logger.Info("loading demo data", "phase", "claims decided", "done_in_seconds", time.Since(began).Round(time.Millisecond).Seconds())
			return nil
		case done != last:
			last, moved = done, time.Now()
		case time.Since(moved) > demoStall:
			logger.Warn("loading demo data: the reassessment is not keeping up; loading the history anyway", "processed", done, "loaded", target)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ukToday is the civil date in the UK, the claims service's "today".
func ukToday(now time.Time) rules.Date {
	if loc, err := time.LoadLocation("Europe/London"); err == nil { // the claims package links time/tzdata
		now = now.In(loc)
	}
	return rules.MakeDate(now.Year(), int(now.Month()), now.Day())
}

// demoLoader carries the plan out through the claims service.
type demoLoader struct {
	svc    *claims.Service
	logger *slog.Logger

	people, claims, events, refused atomic.Int64
}

// each runs do for every household, demoWorkers at a time, and stops at the
// first error. Households are independent; each one's steps run in order.
func (l *demoLoader) each(ctx context.Context, households []*demoHousehold, phase string, do func(context.Context, *demoHousehold) error) error {
	began := time.Now()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	queue := make(chan *demoHousehold)
	every := max(len(households)/4, 1)
	var done atomic.Int64
	var wg sync.WaitGroup
	for range demoWorkers {
		wg.Go(func() {
			for h := range queue {
				if err := do(ctx, h); err != nil {
					cancel(err)
					continue
				}
				if d := done.Add(1); d%int64(every) == 0 && int(d) < len(households) {
					l.logger.Info("loading demo data", "phase", phase, "households", d, "of", len(households))
				}
			}
		})
	}
feed:
	for _, h := range households {
		select {
		case queue <- h:
		case <-ctx.Done():
			break feed
		}
	}
	close(queue)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	l.logger.Info("loading demo data", "phase", phase, "households", len(households), "done_in_seconds", time.Since(began).Round(time.Millisecond).Seconds())
	return nil
}

// setUp registers the household's members and makes their claims. A
// household with someone who cannot be registered is left out.
func (l *demoLoader) setUp(ctx context.Context, h *demoHousehold) error {
	ids := make([]string, 0, len(h.people))
	for i, p := range h.people {
		v, err := l.svc.RegisterPerson(ctx, p.reg, "")
		if refusal(err) {
			l.refuse(h, fmt.Sprintf("registration of member %d", i), err)
			return nil
		}
		if err != nil {
			return fmt.Errorf("demo household %d: register member %d: %w", h.n, i, err)
		}
		ids = append(ids, v.ID)
		l.people.Add(1)
	}
	h.ids = ids
	return l.run(ctx, h, h.setUp)
}

// history reports what happened to the household afterwards.
func (l *demoLoader) history(ctx context.Context, h *demoHousehold) error {
	if h.ids == nil {
		return nil
	}
	return l.run(ctx, h, h.later)
}

func (l *demoLoader) run(ctx context.Context, h *demoHousehold, steps []demoStep) error {
	for _, s := range steps {
		err := s.run(ctx, l.svc, h.ids)
		switch {
		case err == nil:
			if _, ok := s.(demoClaim); ok {
				l.claims.Add(1)
			} else {
				l.events.Add(1)
			}
		case refusal(err):
			l.refuse(h, s.String(), err)
		default:
			return fmt.Errorf("demo household %d: %s: %w", h.n, s, err)
		}
	}
	return nil
}

// refusal reports whether the service refused a step as invalid or as
// contradicting what is recorded. The generator does not foresee every
// rule, so such a step is skipped rather than ending the load.
func refusal(err error) bool {
	code := lifeline.ErrorCode(err)
	return code == lifeline.EINVALID || code == lifeline.ECONFLICT
}

func (l *demoLoader) refuse(h *demoHousehold, step string, err error) {
	l.refused.Add(1)
	l.logger.Debug("demo step refused", "household", h.n, "kind", h.kind, "step", step, "err", err)
}

// demoStep is one request to the claims service on a household's behalf.
type demoStep interface {
	run(ctx context.Context, svc *claims.Service, ids []string) error
	String() string
}

// demoRef stands, in life event data, for a member of the household, whose
// id is known only once they are registered.
type demoRef int

// demoEvent is a life event: who (a member of the household) reports it.
type demoEvent struct {
	who  int
	typ  string
	on   rules.Date
	data map[string]any
}

func (e demoEvent) report(ids []string) (claims.LifeEventReport, error) {
	data := make(map[string]any, len(e.data))
	for k, v := range e.data {
		if r, ok := v.(demoRef); ok {
			v = ids[r]
		}
		data[k] = v
	}
	raw, err := json.Marshal(data)
	return claims.LifeEventReport{Type: e.typ, PersonID: ids[e.who], OccurredOn: e.on.String(), Data: raw}, err
}

func (e demoEvent) run(ctx context.Context, svc *claims.Service, ids []string) error {
	r, err := e.report(ids)
	if err != nil {
		return err
	}
	_, err = svc.RecordLifeEvent(ctx, r, "")
	return err
}

func (e demoEvent) String() string { return fmt.Sprintf("%s of member %d on %s", e.typ, e.who, e.on) }

// demoClaim is a claim, with circumstances declared on it.
type demoClaim struct {
	benefit   string
	claimants []int
	on        rules.Date
	channel   string
	declared  []demoEvent
}

// run submits the claim. It has no idempotency key: a load that runs again
// after an interruption meets the claims it made as conflicts anyway.
func (c demoClaim) run(ctx context.Context, svc *claims.Service, ids []string) error {
	req := claims.ClaimRequest{Benefit: c.benefit, ClaimDate: c.on.String(), Channel: c.channel}
	for _, who := range c.claimants {
		req.Claimants = append(req.Claimants, ids[who])
	}
	for _, d := range c.declared {
		r, err := d.report(ids)
		if err != nil {
			return err
		}
		req.Declared = append(req.Declared, r)
	}
	_, err := svc.SubmitClaim(claims.WithActor(ctx, claims.Actor{Name: demoActor, Channel: c.channel}), req, "")
	return err
}

func (c demoClaim) String() string {
	return fmt.Sprintf("%s claim by members %v on %s", c.benefit, c.claimants, c.on)
}

// demoHousehold is the people who live together and what they do.
type demoHousehold struct {
	n      int    // its place in the plan, for logs
	kind   string // for logs
	today  rules.Date
	home   claims.Address
	area   demoArea
	people []*demoPerson
	setUp  []demoStep // after registration: circumstances and claims
	later  []demoStep // the history, reported once every household is set up
	ids    []string   // the members' ids, once all are registered
	moved  rules.Date // the last day anyone's address changes
}

// demoPerson is a member of a household, and what the plan knows of them
// to keep what it reports consistent.
type demoPerson struct {
	reg      claims.Registration
	dob      rules.Date
	diesOn   rules.Date // nothing can be reported after it
	last     rules.Date // the latest day anything about them is planned
	free     rules.Date // the first day a stay in hospital or abroad may start
	pay      rules.Money
	payFrom  rules.Date
	payDay   int
	employer string
	tenure   string // with rent, lha and since: the tenancy they hold, if any
	rent     rules.Money
	lha      rules.Money
	since    rules.Date
}

type demoPhase int

const (
	demoSetUp demoPhase = iota
	demoLater
)

func (h *demoHousehold) add(ph demoPhase, s demoStep) {
	if ph == demoSetUp {
		h.setUp = append(h.setUp, s)
	} else {
		h.later = append(h.later, s)
	}
}

// possible reports whether e could be reported: not in the future, nor
// before the person was born, nor after they died.
func (h *demoHousehold) possible(e demoEvent) bool {
	p := h.people[e.who]
	return e.on <= h.today && e.on >= p.dob && (p.diesOn == 0 || e.on <= p.diesOn)
}

// event plans a life event, if it is possible.
func (h *demoHousehold) event(ph demoPhase, who int, typ string, on rules.Date, data map[string]any) {
	h.record(ph, demoEvent{who: who, typ: typ, on: on, data: data})
}

func (h *demoHousehold) record(ph demoPhase, e demoEvent) {
	if !h.possible(e) {
		return
	}
	h.add(ph, e)
	h.saw(e)
}

// saw notes that e is planned: death ends what can be planned about the
// person, and nothing is planned to die before what is known about them.
func (h *demoHousehold) saw(e demoEvent) {
	p := h.people[e.who]
	p.last = max(p.last, e.on)
	if e.typ == claims.Death {
		p.diesOn = e.on
	}
	if e.typ == claims.AddressChanged {
		h.moved = max(h.moved, e.on)
	}
	if r, ok := e.data["partner_id"].(demoRef); ok {
		h.people[r].last = max(h.people[r].last, e.on)
	}
}

// claim plans a claim, made while setting up, unless it is dated in the
// future or a claimant has died by then; no claim is dated before the rules
// begin.
func (h *demoHousehold) claim(benefit string, on rules.Date, channel string, claimants []int, declared ...demoEvent) {
	on = max(on, demoFirstClaim)
	if on > h.today {
		return
	}
	for _, who := range claimants {
		if d := h.people[who].diesOn; d != 0 && d <= on {
			return
		}
	}
	declared = slices.DeleteFunc(declared, func(e demoEvent) bool { return !h.possible(e) })
	h.add(demoSetUp, demoClaim{benefit: benefit, claimants: claimants, on: on, channel: channel, declared: declared})
	for _, who := range claimants {
		h.people[who].last = max(h.people[who].last, on)
	}
	for _, e := range declared {
		h.saw(e)
	}
}

// demoKind is a kind of household and how common it is.
type demoKind struct {
	name   string
	adults int
	weight int
	plan   func(*demoPlanner, *demoHousehold)
}

var demoKinds = []demoKind{
	{"single", 1, 26, (*demoPlanner).single},
	{"lone parent", 1, 12, (*demoPlanner).loneParent},
	{"couple", 2, 9, (*demoPlanner).couple},
	{"partner moves in", 2, 3, (*demoPlanner).partnerMovesIn},
	{"pensioner", 1, 14, (*demoPlanner).pensioner},
	{"pensioner couple", 2, 5, (*demoPlanner).pensionerCouple},
	{"elderly", 1, 8, (*demoPlanner).elderly},
	{"disabled", 1, 10, (*demoPlanner).disabled},
	{"carer", 2, 6, (*demoPlanner).carer},
	{"bereaved", 2, 3, (*demoPlanner).bereaved},
}

// demoPlanner makes the plan. It is pure: the same seed and day give the
// same population.
type demoPlanner struct {
	r      *rand.Rand
	today  rules.Date
	people int // planned so far: numbers their National Insurance numbers
}

// planDemo plans households until they hold n people.
func planDemo(n int, today rules.Date) []*demoHousehold {
	p := &demoPlanner{r: rand.New(rand.NewPCG(demoSeed, demoSeed)), today: today}
	var households []*demoHousehold
	for planned := 0; planned < n; {
		k := p.kind(len(households))
		if planned+k.adults > n {
			k = demoKinds[0]
		}
		h := p.household(len(households), k.name)
		k.plan(p, h)
		p.history(h)
		planned += len(h.people)
		households = append(households, h)
	}
	return households
}

// kind chooses the kind of the i'th household by weight; the first of each
// kind come first, so that even a small demo has every benefit.
func (p *demoPlanner) kind(i int) demoKind {
	if i < len(demoKinds) {
		return demoKinds[i]
	}
	total := 0
	for _, k := range demoKinds {
		total += k.weight
	}
	w := p.r.IntN(total)
	for _, k := range demoKinds {
		if w < k.weight {
			return k
		}
		w -= k.weight
	}
	panic("unreachable")
}

func (p *demoPlanner) household(n int, kind string) *demoHousehold {
	area := demoAreas[p.r.IntN(len(demoAreas))]
	return &demoHousehold{n: n, kind: kind, today: p.today, area: area, home: p.address(area)}
}

// single is a working-age Universal Credit claimant who lives alone.
func (p *demoPlanner) single(h *demoHousehold) {
	a := p.adult(h, p.born(19, 62))
	p.universalCredit(h, []int{a}, p.day(demoFirstClaim, p.today.AddDays(-14)))
}

// loneParent claims Universal Credit and Child Benefit; now and then a
// baby arrives after the claims.
func (p *demoPlanner) loneParent(h *demoHousehold) {
	a := p.adult(h, p.born(20, 45))
	first := p.children(h, a, 1+p.r.IntN(3), h.people[a].dob.AddMonths(18*12))
	claimDay := p.day(max(demoFirstClaim, first), p.today.AddDays(-14))
	p.universalCredit(h, []int{a}, claimDay)
	p.childBenefit(h, a, first)
	if p.chance(12) {
		p.baby(h, a, claimDay)
	}
}

// couple live together and claim Universal Credit jointly; some have
// children, and some part later.
func (p *demoPlanner) couple(h *demoHousehold) {
	a := p.adult(h, p.born(20, 55))
	b := p.adult(h, p.born(20, 55))
	grownUp := max(h.people[a].dob, h.people[b].dob).AddMonths(18 * 12)
	together := p.day(max(grownUp, p.today.AddMonths(-12*12)), p.today.AddDays(-60))
	h.event(demoSetUp, a, claims.PartnerMovedIn, together, map[string]any{"partner_id": demoRef(b)})
	var first rules.Date
	if p.chance(55) {
		first = p.children(h, a, 1+p.r.IntN(3), grownUp)
	}
	claimDay := p.day(max(demoFirstClaim, together), p.today.AddDays(-14))
	p.universalCredit(h, []int{a, b}, claimDay)
	if first != 0 {
		p.childBenefit(h, a, first)
	}
	switch {
	case p.chance(12):
		h.event(demoLater, a, claims.PartnerMovedOut, p.day(claimDay.AddDays(45), p.today), nil)
	case p.chance(10):
		p.baby(h, a, claimDay)
	}
}

// partnerMovesIn is a single claimant whose partner, who lived elsewhere,
// moves in later: the single award ends and a joint one begins without a
// claim.
func (p *demoPlanner) partnerMovesIn(h *demoHousehold) {
	a := p.adult(h, p.born(22, 55))
	b := p.adult(h, p.born(22, 55))
	h.people[b].reg.Address = p.address(demoAreas[p.r.IntN(len(demoAreas))])
	claimDay := p.day(demoFirstClaim, p.today.AddDays(-120))
	p.universalCredit(h, []int{a}, claimDay)
	if p.chance(60) {
		p.job(h, b, p.day(claimDay.AddDays(-300), claimDay), 600, 1800)
	}
	moveIn := p.day(claimDay.AddDays(40), p.today.AddDays(-7))
	h.event(demoLater, b, claims.AddressChanged, moveIn, map[string]any{"address": h.home})
	h.event(demoLater, a, claims.PartnerMovedIn, moveIn, map[string]any{"partner_id": demoRef(b)})
}

// pensioner claims State Pension and, with a short record, Pension Credit;
// some need care by day or night.
func (p *demoPlanner) pensioner(h *demoHousehold) {
	a := p.adult(h, p.newSchemePensioner())
	if p.chance(25) {
		h.event(demoSetUp, a, claims.CapitalChanged, p.day(p.today.AddMonths(-36), p.today.AddMonths(-6)), money(p.pounds(1000, 30000)))
	}
	claimDay, years := p.statePension(h, a)
	// Pension Credit tops up a short record; a few claim it without one,
	// and are refused.
	if (years <= 30 && p.chance(80)) || p.chance(8) {
		h.claim("pension_credit", p.day(claimDay, min(claimDay.AddDays(90), p.today)), p.channel(), []int{a})
	}
	if p.chance(15) {
		p.attendance(h, a, claimDay)
	}
}

// pensionerCouple have lived together for decades; each has their own State
// Pension, and Pension Credit is for the couple.
func (p *demoPlanner) pensionerCouple(h *demoHousehold) {
	a := p.adult(h, p.newSchemePensioner())
	b := p.adult(h, p.newSchemePensioner())
	grownUp := max(h.people[a].dob, h.people[b].dob).AddMonths(20 * 12)
	h.event(demoSetUp, a, claims.PartnerMovedIn, p.day(grownUp, rules.MakeDate(2000, 1, 1)), map[string]any{"partner_id": demoRef(b)})
	dayA, yearsA := p.statePension(h, a)
	dayB, yearsB := p.statePension(h, b)
	if min(yearsA, yearsB) <= 30 && p.chance(70) {
		from := max(dayA, dayB)
		h.claim("pension_credit", p.day(from, min(from.AddDays(60), p.today)), p.channel(), []int{a, b})
	}
}

// elderly is someone well past pension age who claims Attendance Allowance,
// often with an attorney or appointee acting for them.
func (p *demoPlanner) elderly(h *demoHousehold) {
	a := p.adult(h, p.born(74, 94))
	if p.chance(30) {
		role := "power-of-attorney"
		if p.chance(40) {
			role = "appointee"
		}
		h.people[a].reg.Representative = &claims.Representative{Name: p.pick(demoGivenNames) + " " + h.people[a].reg.FamilyName, Role: role, Phone: p.phone()}
	}
	p.attendance(h, a, demoFirstClaim)
}

// disabled is a working-age PIP claimant; many also claim Universal Credit
// and are found to have limited capability for work.
func (p *demoPlanner) disabled(h *demoHousehold) {
	a := p.adult(h, p.born(20, 60))
	p.personalIndependence(h, a, p.day(demoFirstClaim, p.today.AddDays(-14)), false)
	if p.chance(45) {
		claimDay := p.day(demoFirstClaim, p.today.AddDays(-14))
		p.universalCredit(h, []int{a}, claimDay)
		if p.chance(60) {
			h.event(demoLater, a, claims.DisabilityAssessed, p.day(claimDay.AddDays(60), claimDay.AddDays(200)), map[string]any{"lcwra": true})
		}
	}
}

// carer looks after a relative who gets PIP, claims Carer's Allowance and
// sometimes Universal Credit; a few stop caring.
func (p *demoPlanner) carer(h *demoHousehold) {
	a := p.adult(h, p.born(20, 60))
	b := p.adult(h, p.born(25, 62))
	pipDay := p.day(demoFirstClaim, p.today.AddDays(-240))
	p.personalIndependence(h, b, pipDay, true)
	started := p.day(pipDay, pipDay.AddDays(90))
	h.event(demoSetUp, a, claims.StartedCaring, started, map[string]any{"hours_per_week": 35 + p.r.IntN(36), "cared_for_receives_qualifying_benefit": true})
	if p.chance(30) {
		p.job(h, a, started.AddDays(-p.r.IntN(300)), 150, 600) // within the earnings limit
	}
	claimDay := p.day(started, started.AddDays(60))
	h.claim("carers_allowance", claimDay, p.channel(), []int{a})
	if p.chance(35) {
		p.universalCredit(h, []int{a}, p.day(claimDay, p.today.AddDays(-14)))
	}
	if p.chance(10) {
		h.event(demoLater, a, claims.StoppedCaring, p.day(claimDay.AddDays(30), p.today), nil)
	}
}

// bereaved: a partner dies, and the survivor, under pension age, claims
// Bereavement Support Payment.
func (p *demoPlanner) bereaved(h *demoHousehold) {
	a := p.adult(h, p.born(25, 58))
	b := p.adult(h, p.born(25, 62))
	grownUp := max(h.people[a].dob, h.people[b].dob).AddMonths(18 * 12)
	together := p.day(max(grownUp, p.today.AddMonths(-20*12)), p.today.AddMonths(-30))
	h.event(demoSetUp, a, claims.PartnerMovedIn, together, map[string]any{"partner_id": demoRef(b)})
	var first rules.Date
	if p.chance(50) {
		first = p.children(h, a, 1+p.r.IntN(2), grownUp)
	}
	// Bereavement Support Payment runs for 18 months from the death. Its
	// day is known from the start, so that nothing is planned after it.
	died := p.day(max(demoFirstClaim, p.today.AddMonths(-15)), p.today.AddDays(-21))
	h.people[b].diesOn = died
	if p.chance(40) {
		p.universalCredit(h, []int{a, b}, p.day(max(demoFirstClaim, together), died.AddDays(-30)))
	}
	if first != 0 {
		p.childBenefit(h, a, first)
	}
	h.event(demoSetUp, b, claims.Death, died, nil)
	h.claim("bereavement_support_payment", p.day(died.AddDays(7), min(died.AddDays(60), p.today)), p.channel(), []int{a})
}

// universalCredit plans a claim with the circumstances it depends on: the
// home (declared on the claim half the time), savings, and work.
func (p *demoPlanner) universalCredit(h *demoHousehold, claimants []int, on rules.Date) {
	lead := claimants[0]
	var declared []demoEvent
	if home, ok := p.tenancy(h, lead, on); ok {
		if p.chance(50) {
			declared = append(declared, home)
		} else {
			h.record(demoSetUp, home)
		}
	}
	savedBy := p.day(on.AddDays(-200), on)
	switch x := p.r.IntN(100); {
	case x < 3: // over the capital limit: the claim is refused
		h.event(demoSetUp, lead, claims.CapitalChanged, savedBy, money(p.pounds(17000, 45000)))
	case x < 25:
		h.event(demoSetUp, lead, claims.CapitalChanged, savedBy, money(p.pounds(300, 9000)))
	}
	for i, who := range claimants {
		if p.chance([]int{45, 35}[i]) {
			start := p.day(on.AddDays(-400), on)
			if p.chance(50) { // found work after claiming
				start = p.day(on.AddDays(30), on.AddDays(300))
			}
			p.job(h, who, start, 350, 1400)
		}
	}
	if p.chance(12) {
		h.event(demoLater, lead, claims.DisabilityAssessed, p.day(on.AddDays(60), on.AddDays(200)), map[string]any{"lcwra": true})
	}
	h.claim("universal_credit", on, p.channel(), claimants, declared...)
}

// tenancy plans the home the person rents from some day before by, and
// returns the rent-changed event that records it, for the caller to record
// or declare on a claim; ok is false for someone with no rent to pay.
func (p *demoPlanner) tenancy(h *demoHousehold, who int, by rules.Date) (e demoEvent, ok bool) {
	ps := h.people[who]
	since := p.day(max(ps.dob.AddMonths(18*12), rules.MakeDate(2012, 1, 1)), by)
	switch x := p.r.IntN(100); {
	case x < 40:
		ps.tenure, ps.rent = "social-rent", roundTo(p.pounds(380, 640), 100)
	case x < 90:
		ps.tenure, ps.lha = "private-rent", h.area.lha
		ps.rent = roundTo(h.area.lha*rules.Money(85+p.r.IntN(46))/100, 500)
	case x < 95:
		return demoEvent{who: who, typ: claims.RentChanged, on: since, data: map[string]any{"tenure": "owner"}}, true
	default:
		return demoEvent{}, false // living with family
	}
	ps.since = since
	return demoEvent{who: who, typ: claims.RentChanged, on: since, data: rentData(ps)}, true
}

func rentData(ps *demoPerson) map[string]any {
	d := map[string]any{"tenure": ps.tenure, "monthly_rent": ps.rent.String()}
	if ps.tenure == "private-rent" {
		d["lha_rate"] = ps.lha.String()
	}
	return d
}

// children plans n children in the parent's household, born (or, now and
// then, coming to live there) from the day from; it returns the day the
// first of them joined.
func (p *demoPlanner) children(h *demoHousehold, parent, n int, from rules.Date) rules.Date {
	from = max(from, p.today.AddMonths(-15*12)) // still children today
	var first rules.Date
	for range n {
		joined := p.day(from, p.today.AddDays(-30))
		if p.chance(10) { // kinship care: a grandchild or a niece comes to live
			dob := p.day(joined.AddMonths(-10*12), joined)
			h.event(demoSetUp, parent, claims.ChildJoined, joined, map[string]any{
				"name": p.pick(demoGivenNames), "date_of_birth": dob.String(), "two_child_limit_exception": "kinship-care",
			})
		} else {
			data := map[string]any{"name": p.pick(demoGivenNames)}
			if p.chance(5) {
				data["disability"] = p.pick([]string{"lower", "higher"})
			}
			h.event(demoSetUp, parent, claims.ChildBorn, joined, data)
		}
		if first == 0 || joined < first {
			first = joined
		}
	}
	return first
}

// baby is born after the household's claims, and is reported late.
func (p *demoPlanner) baby(h *demoHousehold, parent int, after rules.Date) {
	h.event(demoLater, parent, claims.ChildBorn, p.day(after.AddDays(30), p.today.AddDays(-5)), map[string]any{"name": p.pick(demoGivenNames)})
}

func (p *demoPlanner) childBenefit(h *demoHousehold, parent int, firstChild rules.Date) {
	h.claim("child_benefit", p.day(max(demoFirstClaim, firstChild.AddDays(7)), p.today.AddDays(-7)), p.channel(), []int{parent})
}

// newSchemePensioner is a date of birth whose State Pension age, the 66th
// birthday, fell between October 2020 and the end of 2025: inside the new
// State Pension, which the rules cover.
func (p *demoPlanner) newSchemePensioner() rules.Date {
	return p.day(rules.MakeDate(1954, 10, 6), rules.MakeDate(1959, 12, 31))
}

// statePension plans a State Pension claim soon after pension age (or after
// the rules begin) and the National Insurance record that decides it: mostly
// known before the claim, sometimes after it, now and then still awaited.
// It returns the claim day and the qualifying years.
func (p *demoPlanner) statePension(h *demoHousehold, who int) (rules.Date, int) {
	spa := h.people[who].dob.AddMonths(66 * 12)
	from := max(spa, demoFirstClaim)
	claimDay := p.day(from, min(from.AddDays(90), p.today.AddDays(-7)))
	years := 35 + p.r.IntN(10)
	if p.chance(35) {
		years = 12 + p.r.IntN(19) // gaps in the record
	}
	record := map[string]any{"qualifying_years": years}
	claim := func() { h.claim("state_pension", claimDay, p.channel(), []int{who}) }
	switch x := p.r.IntN(100); {
	case x < 75:
		h.event(demoSetUp, who, claims.NIRecordUpdated, p.day(spa.AddDays(-180), spa.AddDays(-30)), record)
		claim()
	case x < 93:
		claim()
		h.event(demoLater, who, claims.NIRecordUpdated, p.day(claimDay.AddDays(14), claimDay.AddDays(90)), record)
	default:
		claim()
	}
	return claimDay, years
}

// attendance plans an Attendance Allowance claim and the assessment of the
// person's needs: usually after the claim, which waits for it; sometimes
// known already; now and then not made yet.
func (p *demoPlanner) attendance(h *demoHousehold, who int, from rules.Date) {
	claimDay := p.day(max(from, demoFirstClaim), p.today.AddDays(-14))
	needs := map[string]any{"attendance_needs": "day-or-night"}
	if p.chance(45) {
		needs["attendance_needs"] = "day-and-night"
	}
	claim := func() { h.claim("attendance_allowance", claimDay, p.channel(), []int{who}) }
	switch x := p.r.IntN(100); {
	case x < 20:
		h.event(demoSetUp, who, claims.DisabilityAssessed, p.day(claimDay.AddDays(-200), claimDay), needs)
		claim()
	case x < 88:
		claim()
		h.event(demoLater, who, claims.DisabilityAssessed, p.day(claimDay.AddDays(20), claimDay.AddDays(120)), needs)
	default:
		claim()
	}
}

// personalIndependence plans a PIP claim and the assessment that decides
// it a few months later (if that has come yet). For someone who is cared
// for, the assessment qualifies and is known before the carer claims.
func (p *demoPlanner) personalIndependence(h *demoHousehold, who int, claimDay rules.Date, cared bool) {
	h.claim("pip", claimDay, p.channel(), []int{who})
	daily, mobility := p.points(), p.points()
	phase := demoLater
	if cared {
		daily, phase = 8+p.r.IntN(12), demoSetUp
	}
	h.event(phase, who, claims.DisabilityAssessed, p.day(claimDay.AddDays(60), claimDay.AddDays(180)),
		map[string]any{"pip_daily_living_points": daily, "pip_mobility_points": mobility})
}

// points scores a PIP component: under 8 is no award, 8 the standard rate,
// 12 the enhanced.
func (p *demoPlanner) points() int {
	switch x := p.r.IntN(100); {
	case x < 30:
		return p.r.IntN(8)
	case x < 70:
		return 8 + p.r.IntN(4)
	}
	return 12 + p.r.IntN(12)
}

// job gives the person a monthly wage from an employer, from the day from.
func (p *demoPlanner) job(h *demoHousehold, who int, from rules.Date, minPounds, maxPounds int) {
	ps := h.people[who]
	if ps.pay != 0 {
		return
	}
	ps.pay, ps.payFrom, ps.payDay = p.pounds(minPounds, maxPounds), from, 1+p.r.IntN(28)
	ps.employer = fmt.Sprintf("%03d/%c%c%03d", 100+p.r.IntN(900), 'A'+rune(p.r.IntN(26)), 'A'+rune(p.r.IntN(26)), p.r.IntN(1000))
}

// history plans what happened after the claims, reported once everyone is
// set up: pay, rent rises, savings, stays in hospital and abroad, identity
// checks, a move now and then, and a few deaths.
func (p *demoPlanner) history(h *demoHousehold) {
	if p.chance(6) {
		p.move(h)
	}
	for who, ps := range h.people {
		p.earnings(h, who)
		p.rentRises(h, who)
		if p.chance(8) {
			h.event(demoLater, who, claims.CapitalChanged, p.day(p.today.AddMonths(-20), p.today), money(p.pounds(0, 12000)))
		}
		if p.chance(5) {
			p.stay(h, who, claims.EnteredHospital, claims.LeftHospital, 2, 60)
		}
		if p.chance(4) {
			p.stay(h, who, claims.WentAbroad, claims.ReturnedToGB, 7, 120)
		}
		if ps.reg.IdentityConfidence == "low" && p.chance(50) {
			h.event(demoLater, who, claims.IdentityVerified, p.day(p.today.AddDays(-90), p.today), map[string]any{"confidence": "medium"})
		}
		p.mayDie(h, who)
	}
}

// earnings plans the monthly payments of the person's wage, as the
// employer's real-time information reports them, over the last year.
func (p *demoPlanner) earnings(h *demoHousehold, who int) {
	ps := h.people[who]
	if ps.pay == 0 {
		return
	}
	from := max(ps.payFrom, p.today.AddMonths(-demoEarningsMonths))
	for d := rules.MakeDate(from.Year(), from.Month(), ps.payDay); d <= p.today; d = d.AddMonths(1) {
		if d < from {
			continue
		}
		paid := ps.pay * rules.Money(92+p.r.IntN(17)) / 100 // overtime and short weeks
		h.event(demoLater, who, claims.EarningsReported, d, map[string]any{"employer_paye_reference": ps.employer, "amount": paid.String()})
	}
}

// rentRises plans the yearly April rent rises of a tenancy since the rules
// began (most landlords raise the rent; some do not).
func (p *demoPlanner) rentRises(h *demoHousehold, who int) {
	ps := h.people[who]
	if ps.rent == 0 || !p.chance(70) {
		return
	}
	for y := max(ps.since.Year()+1, demoFirstClaim.Year()); ; y++ {
		d := rules.MakeDate(y, 4, 1)
		if d > p.today {
			return
		}
		if d <= ps.since {
			continue
		}
		ps.rent = roundTo(ps.rent*rules.Money(102+p.r.IntN(6))/100, 100)
		h.event(demoLater, who, claims.RentChanged, d, rentData(ps))
	}
}

// move takes the household to a new home in the same area (so any rent
// stays about the same), after any earlier move.
func (p *demoPlanner) move(h *demoHousehold) {
	from := p.today.AddMonths(-18)
	if h.moved != 0 {
		from = max(from, h.moved.AddDays(1))
	}
	on := p.day(from, p.today)
	h.home = p.address(h.area)
	for who := range h.people {
		h.event(demoLater, who, claims.AddressChanged, on, map[string]any{"address": h.home})
	}
}

// stay plans a stay (in hospital, or abroad) of minDays to maxDays in the
// last two years, after any earlier stay; one still going on has no end.
func (p *demoPlanner) stay(h *demoHousehold, who int, began, ended string, minDays, maxDays int) {
	ps := h.people[who]
	start := p.day(max(ps.free, p.today.AddMonths(-24)), p.today)
	if start > p.today {
		return
	}
	end := start.AddDays(minDays + p.r.IntN(maxDays-minDays+1))
	h.event(demoLater, who, began, start, nil)
	h.event(demoLater, who, ended, end, nil)
	ps.free = end.AddDays(1)
}

// mayDie plans a death in the last year, more likely with age, after
// everything else planned about the person.
func (p *demoPlanner) mayDie(h *demoHousehold, who int) {
	ps := h.people[who]
	perThousand := 3
	switch age := ps.dob.AgeOn(p.today); {
	case age >= 75:
		perThousand = 60
	case age >= 66:
		perThousand = 20
	}
	if ps.diesOn != 0 || p.r.IntN(1000) >= perThousand {
		return
	}
	from := max(ps.last.AddDays(1), p.today.AddMonths(-12))
	if from > p.today {
		return
	}
	h.event(demoLater, who, claims.Death, p.day(from, p.today), nil)
}

// adult registers a new member of the household, at its home.
func (p *demoPlanner) adult(h *demoHousehold, dob rules.Date) int {
	p.people++
	given, family := p.pick(demoGivenNames), p.pick(demoFamilyNames)
	if len(h.people) > 0 && p.chance(60) {
		family = h.people[0].reg.FamilyName
	}
	reg := claims.Registration{
		NINO:               specimenNINO(p.people),
		GivenNames:         given,
		FamilyName:         family,
		DateOfBirth:        dob.String(),
		Address:            claims.Address{Lines: slices.Clone(h.home.Lines), Postcode: h.home.Postcode},
		Contact:            p.contact(given, family),
		IdentityConfidence: p.confidence(),
	}
	if p.chance(92) {
		reg.BankAccount = p.bankAccount(given + " " + family)
	}
	h.people = append(h.people, &demoPerson{reg: reg, dob: dob, last: dob, free: dob.AddMonths(18 * 12)})
	return len(h.people) - 1
}

// specimenNINO is the i'th specimen number: QQ, six digits that multiplying
// by a number prime to ten scatters over 000000 to 999999 without repeats,
// and a suffix.
func specimenNINO(i int) string {
	return fmt.Sprintf("QQ%06d%c", (i*7919+12345)%maxDemoPeople, "ABCD"[i%4])
}

// confidence is how sure identity checks are of someone: a few are not
// sure enough yet to decide a claim, which waits for an agent.
func (p *demoPlanner) confidence() string {
	switch x := p.r.IntN(100); {
	case x < 6:
		return "low"
	case x < 55:
		return "medium"
	}
	return "high"
}

func (p *demoPlanner) contact(given, family string) claims.Contact {
	var c claims.Contact
	if p.chance(75) {
		c.Email = fmt.Sprintf("%s.%s%d@%s", strings.ToLower(given), strings.ToLower(family), p.r.IntN(100), p.pick([]string{"example.com", "example.org"}))
	}
	if p.chance(85) {
		c.Phone = p.phone()
	}
	return c
}

// phone is a number from Ofcom's ranges for drama, which are never given to
// anyone: mobile 07700 900000-900999, Leeds 0113 496 0000-0999, London
// 020 7946 0000-0999.
func (p *demoPlanner) phone() string {
	switch x := p.r.IntN(100); {
	case x < 70:
		return fmt.Sprintf("07700 900%03d", p.r.IntN(1000))
	case x < 85:
		return fmt.Sprintf("0113 496 0%03d", p.r.IntN(1000))
	}
	return fmt.Sprintf("020 7946 0%03d", p.r.IntN(1000))
}

// demoSortCodes are sort codes from Vocalink's published modulus checking
// test cases, each checked by weights (modulus 10, modulus 11, and modulus
// 11 with double alternate).
var demoSortCodes = []string{"08-99-99", "10-79-99", "20-29-59"}

// bankAccount draws account numbers until one passes the modulus check for
// its sort code, as the service requires; nil in the unlikely case that a
// thousand draws fail.
func (p *demoPlanner) bankAccount(holder string) *claims.BankAccount {
	sortCode := p.pick(demoSortCodes)
	for range 1000 {
		account := fmt.Sprintf("%08d", p.r.IntN(100_000_000))
		if res, err := modulus.Check(sortCode, account); err == nil && res.Valid && res.Checked {
			return &claims.BankAccount{SortCode: sortCode, AccountNumber: account, HolderName: holder}
		}
	}
	return nil
}

// address is a home on a street that exists nowhere, in a real postcode
// district (postcodes are checked only for their format).
func (p *demoPlanner) address(a demoArea) claims.Address {
	const inward = "ABDEFGHJLNPQRSTUWXYZ" // the letters an inward code may use
	postcode := fmt.Sprintf("%s %d%c%c", a.outward, p.r.IntN(10), inward[p.r.IntN(len(inward))], inward[p.r.IntN(len(inward))])
	street := fmt.Sprintf("%d %s", 1+p.r.IntN(180), p.pick(demoStreets))
	lines := []string{street, a.town}
	if p.chance(25) {
		lines = []string{fmt.Sprintf("Flat %d", 1+p.r.IntN(40)), street, a.town}
	}
	return claims.Address{Lines: lines, Postcode: postcode}
}

func (p *demoPlanner) channel() string {
	switch x := p.r.IntN(100); {
	case x < 55:
		return "online"
	case x < 80:
		return "phone"
	case x < 90:
		return "face-to-face"
	}
	return "assisted"
}

// born is a date of birth for someone aged minAge to maxAge today.
func (p *demoPlanner) born(minAge, maxAge int) rules.Date {
	return p.day(p.today.AddMonths(-12*(maxAge+1)).AddDays(1), p.today.AddMonths(-12*minAge))
}

// day is a day from from to to, inclusive; from if to is earlier.
func (p *demoPlanner) day(from, to rules.Date) rules.Date {
	if to <= from {
		return from
	}
	return from.AddDays(p.r.IntN(from.DaysUntil(to) + 1))
}

func (p *demoPlanner) chance(percent int) bool { return p.r.IntN(100) < percent }

func (p *demoPlanner) pick(from []string) string { return from[p.r.IntN(len(from))] }

// pounds is an amount of minPounds to maxPounds, in pence.
func (p *demoPlanner) pounds(minPounds, maxPounds int) rules.Money {
	return rules.Money(minPounds*100 + p.r.IntN((maxPounds-minPounds)*100+1))
}

func money(m rules.Money) map[string]any { return map[string]any{"amount": m.String()} }

// roundTo rounds m to the nearest unit (in pence), as rents are quoted.
func roundTo(m, unit rules.Money) rules.Money { return (m + unit/2) / unit * unit }

// demoArea is a postcode district, its town and roughly its Local Housing
// Allowance rate for a one-bedroom home, a month.
type demoArea struct {
	outward, town string
	lha           rules.Money
}

var demoAreas = []demoArea{
	{"LS6", "Leeds", 62500}, {"LS9", "Leeds", 60000}, {"M14", "Manchester", 72500}, {"M9", "Manchester", 67500},
	{"B10", "Birmingham", 67500}, {"B23", "Birmingham", 65000}, {"S5", "Sheffield", 55000}, {"NE6", "Newcastle upon Tyne", 52500},
	{"L8", "Liverpool", 52500}, {"BS5", "Bristol", 92500}, {"NG7", "Nottingham", 62500}, {"HU5", "Hull", 45000},
	{"PL4", "Plymouth", 65000}, {"NR2", "Norwich", 67500}, {"CF24", "Cardiff", 72500}, {"SA1", "Swansea", 52500},
	{"EH11", "Edinburgh", 92500}, {"G31", "Glasgow", 72500}, {"DD3", "Dundee", 50000}, {"BT7", "Belfast", 55000},
	{"E17", "London", 135000}, {"SE15", "London", 135000}, {"N15", "London", 125000}, {"CR0", "Croydon", 110000},
}

var demoStreets = []string{
	"Example Road", "Sample Street", "Specimen Lane", "Illustration Avenue", "Placeholder Close", "Template Way",
	"Fiction Gardens", "Pretend Terrace", "Instance Crescent", "Prototype Drive", "Mock Row", "Exemplar Place",
}

var demoGivenNames = []string{
	"Olivia", "Amelia", "Isla", "Ava", "Mia", "Grace", "Lily", "Freya", "Emily", "Ella", "Poppy", "Evie",
	"Aisha", "Fatima", "Zara", "Priya", "Chloe", "Megan", "Sian", "Niamh", "Eilidh", "Rhiannon", "Karen", "Susan",
	"Margaret", "Patricia", "Janet", "Linda", "Deborah", "Joan", "Oliver", "George", "Noah", "Arthur", "Leo", "Harry",
	"Oscar", "Jack", "Muhammad", "Jacob", "Thomas", "James", "William", "Daniel", "Ryan", "Liam", "Callum", "Rhys",
	"Dylan", "Kieran", "Ahmed", "Imran", "Tariq", "Kwame", "David", "Paul", "Mark", "Stephen", "Peter", "Michael",
	"Robert", "John", "Gareth", "Iain", "Hamish", "Tomasz", "Chidi", "Sean",
}

var demoFamilyNames = []string{
	"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright", "Thompson",
	"Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Patel", "Khan", "Ahmed",
	"Hughes", "Edwards", "Turner", "Hill", "Moore", "Cooper", "Ward", "Morris", "King", "Watson", "Harris", "Baker",
	"Lewis", "Young", "Allen", "Mitchell", "Campbell", "Murray", "Kelly", "Begum", "Hussain", "Ali", "Singh", "Nowak",
	"Okafor", "Mensah", "Reid", "Fraser", "Stewart", "MacDonald", "Griffiths", "Price",
}
