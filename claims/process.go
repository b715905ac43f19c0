package claims

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/rules"
)

// SubscriptionName is the durable consumer that reassesses.
const SubscriptionName = "claims.reassessment"

// HandleBatch processes a batch of the log for the reassessment
// subscription: each life event is carried to every award it touches and
// its outcomes recorded; each claim received is decided. Events about
// different people are processed in parallel; one person's in log order.
// Everything it does is idempotent, because delivery is at least once.
func (s *Service) HandleBatch(ctx context.Context, events []lifeline.Event) error {
	var segment []lifeline.Event
	for _, e := range events {
		if !s.wants(e) {
			continue
		}
		if !barrier(e.Type) {
			segment = append(segment, e)
			continue
		}
		// A change that joins, parts or ends a household touches two
		// people's awards and claims: everything before it is finished
		// first, and it runs alone, so the outcome is that of log order.
		if err := s.handleConcurrently(ctx, segment); err != nil {
			return err
		}
		segment = segment[:0]
		if err := s.handle(ctx, e); err != nil {
			return eventError(e, err)
		}
	}
	return s.handleConcurrently(ctx, segment)
}

func barrier(typ string) bool {
	return typ == PartnerMovedIn || typ == PartnerMovedOut || typ == Death
}

func eventError(e lifeline.Event, err error) error {
	return fmt.Errorf("claims: event %d (%s %s): %w", e.Position, e.Type, e.ID, err)
}

// handleConcurrently processes events about different people in parallel
// and each person's in log order.
func (s *Service) handleConcurrently(ctx context.Context, events []lifeline.Event) error {
	const workers = 32
	var queues [workers][]lifeline.Event
	for _, e := range events {
		h := fnv.New32a()
		h.Write([]byte(e.Subject))
		q := h.Sum32() % workers
		queues[q] = append(queues[q], e)
	}
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range queues {
		if len(queues[w]) == 0 {
			continue
		}
		wg.Go(func() {
			for _, e := range queues[w] {
				if err := s.handle(ctx, e); err != nil {
					errs[w] = eventError(e, err)
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (s *Service) wants(e lifeline.Event) bool {
	return !e.Erased && ((strings.HasPrefix(e.Stream, "person-") && isLifeEvent(e.Type)) || e.Type == claimReceived)
}

// handle processes one event, starting again when another writer changed a
// stream it read (optimistic concurrency: every write names the version
// it was worked out from).
func (s *Service) handle(ctx context.Context, e lifeline.Event) error {
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		if e.Type == claimReceived {
			err = s.decideClaim(ctx, strings.TrimPrefix(e.Stream, "claim-"))
		} else {
			err = s.processLifeEvent(ctx, e)
		}
		if code := lifeline.ErrorCode(err); code == lifeline.EINVALID || code == lifeline.ENOTFOUND {
			return s.setAside(ctx, e, err) // e.g. rates not yet published, or a partner's data erased
		}
		if !isConflict(err) {
			return err
		}
		time.Sleep(time.Duration(attempt) * time.Millisecond)
	}
	return err
}

// setAside records that an event cannot be assessed as things stand (a
// period the rates do not cover, or an award whose claimant's data has been
// erased) and opens a task for an agent, so that one such event does not
// stop every later one.
func (s *Service) setAside(ctx context.Context, e lifeline.Event, cause error) error {
	text := fmt.Sprintf("%s %s could not be assessed automatically: %s", e.Type, e.ID, lifeline.ErrorMessage(cause))
	if e.Type == claimReceived {
		c, err := s.Claim(ctx, strings.TrimPrefix(e.Stream, "claim-"), time.Time{})
		if err != nil {
			return err
		}
		return s.await(ctx, c, StateAwaitingEvidence, "decide-by-hand", text)
	}
	person := strings.TrimPrefix(e.Stream, "person-")
	if err := s.openTask(ctx, Task{ID: lifeline.DeriveID("task", e.ID), Kind: "reassess-by-hand", PersonID: person, Description: text}); err != nil {
		return err
	}
	_, err := s.appendOne(ctx, lifeEventStream(e.ID), lifeline.ExpectNoStream, "", lifeline.NewEvent{
		Type: "life-event-processed", Subject: person, Data: mustJSON(processed{PersonID: person, Outcomes: []Outcome{}, Note: text + " An agent has a task to reassess by hand."}),
	})
	if isConflict(err) {
		return nil
	}
	return err
}

// loadPeople reads the timelines of ids and their partners.
func (s *Service) loadPeople(ctx context.Context, ids ...string) (people, error) {
	ppl := people{}
	return ppl, s.loadInto(ctx, ppl, ids...)
}

// loadInto adds to ppl the timelines of ids and of every partner they have
// had, which households and bereavement need.
func (s *Service) loadInto(ctx context.Context, ppl people, ids ...string) error {
	var load func(id string, depth int) error
	load = func(id string, depth int) error {
		if id == "" {
			return nil
		}
		t := ppl[id]
		if t == nil {
			var err error
			if t, err = s.timeline(ctx, id, time.Time{}); err != nil {
				return err
			}
			ppl[id] = t
		}
		if depth > 0 {
			for _, p := range t.partners() {
				if err := load(p, depth-1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, id := range ids {
		if err := load(id, 1); err != nil {
			return err
		}
	}
	return nil
}

// partners lists everyone the person has lived with as a partner.
func (t *Timeline) partners() []string {
	var ids []string
	for _, f := range t.facts {
		if (f.typ == PartnerMovedIn || f.typ == partnerJoined) && f.data.PartnerID != "" {
			ids = append(ids, f.data.PartnerID)
		}
	}
	return ids
}

// cause is what a revision is recorded against.
type cause struct {
	id, typ, reason string
}

// processLifeEvent carries one life event to every award it touches. A
// second delivery repeats no work: revisions are found by their cause, new
// awards by their derived ids, and the outcomes are written only once.
func (s *Service) processLifeEvent(ctx context.Context, e lifeline.Event) error {
	personID := strings.TrimPrefix(e.Stream, "person-")
	var d lifeEventData
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return err
	}
	on := civilDate(e.OccurredAt)
	ctx = WithActor(ctx, Actor{Name: "system:reassessment"})
	t, err := s.timeline(ctx, personID, time.Time{})
	if err != nil {
		return err
	}
	// The partner before the change, if any: moving out and death touch them.
	partner := d.PartnerID
	if partner == "" {
		partner = t.On(on.AddDays(-1)).PartnerID
	}
	if partner == "" {
		partner = t.On(on).PartnerID
	}
	if err := s.mirrorPartner(ctx, e, personID, partner); err != nil {
		return err
	}
	if e.Type == BankDetailsChanged {
		if err := s.notifyBankChange(ctx, t, e, on); err != nil {
			return err
		}
	}
	ppl := people{}
	if e.Type != PartnerMovedIn && e.Type != PartnerMovedOut {
		ppl[personID] = t // unchanged since it was read: only partner changes write to it
	}
	if err := s.loadInto(ctx, ppl, personID, partner); err != nil {
		return err
	}
	c := cause{id: e.ID, typ: e.Type, reason: describe(e.Type, on)}
	today := s.today()
	var outcomes []Outcome
	handled := map[string]bool{}
	switch e.Type {
	case PartnerMovedIn:
		outcomes, err = s.coupleFormed(ctx, ppl, personID, partner, on, c, handled, today)
	case PartnerMovedOut:
		outcomes, err = s.coupleSeparated(ctx, ppl, personID, partner, on, c, handled, today)
	case Death:
		outcomes, err = s.died(ctx, ppl, personID, on, c, handled, today)
	}
	if err != nil {
		return err
	}
	for _, p := range []string{personID, partner} {
		if ppl[p] == nil {
			continue
		}
		for _, l := range ppl[p].Awards {
			if handled[l.ID] {
				continue
			}
			handled[l.ID] = true
			o, affected, err := s.reviseAward(ctx, l.ID, ppl, on, 0, c, today)
			if err != nil {
				return err
			}
			if affected {
				outcomes = append(outcomes, o)
			}
		}
	}
	// A report may be what an open claim waits for.
	switch e.Type {
	case IdentityVerified, DisabilityAssessed, NIRecordUpdated:
		for _, l := range t.Claims {
			if err := s.decideClaim(ctx, l.ID); err != nil {
				return err
			}
		}
	}
	p := processed{PersonID: personID, Outcomes: outcomes}
	if len(outcomes) == 0 {
		p.Note = "This change affects no award."
	}
	_, err = s.appendOne(ctx, lifeEventStream(e.ID), lifeline.ExpectNoStream, "", lifeline.NewEvent{
		Type: "life-event-processed", Subject: personID, Data: mustJSON(p), Metadata: metadata(ctx, e.ID),
	})
	if isConflict(err) {
		return nil // processed already, by an earlier delivery
	}
	return err
}

func describe(typ string, on rules.Date) string {
	return strings.ReplaceAll(typ, "-", " ") + " on " + on.String()
}

// mirrorPartner records in the partner's stream (partner: the one moving
// in, or the one there before the change) a change to the couple that the
// other reported: moving in or out, or a death, which leaves the survivor
// bereaved.
func (s *Service) mirrorPartner(ctx context.Context, e lifeline.Event, person, partner string) error {
	switch e.Type {
	case PartnerMovedIn:
		return s.mirror(ctx, partner, partnerJoined, e, lifeEventData{PartnerID: person, Cause: e.ID})
	case PartnerMovedOut:
		return s.mirror(ctx, partner, partnerLeft, e, lifeEventData{Cause: e.ID})
	case Death:
		return s.mirror(ctx, partner, partnerLeft, e, lifeEventData{PartnerID: person, Cause: e.ID})
	}
	return nil
}

// mirror records a partner's change in the other partner's stream.
func (s *Service) mirror(ctx context.Context, person, typ string, e lifeline.Event, d lifeEventData) error {
	if person == "" {
		return nil
	}
	_, err := s.appendOne(ctx, personStream(person), lifeline.ExpectAny, "mirror:"+e.ID, lifeline.NewEvent{
		Type: typ, OccurredAt: e.OccurredAt, Subject: person, Data: mustJSON(d), Metadata: metadata(ctx, e.ID),
	})
	return err
}

// reviseAward reassesses one award from day from (ending it on endsOn if
// that is set) and records a revision if anything changed. affected is false
// for an award that had ended before the change took effect.
func (s *Service) reviseAward(ctx context.Context, id string, ppl people, from, endsOn rules.Date, c cause, today rules.Date) (Outcome, bool, error) {
	a, err := s.award(ctx, id, time.Time{})
	if err != nil {
		return Outcome{}, false, err
	}
	o := Outcome{AwardID: id, Benefit: a.Benefit, PersonID: a.Claimants[0]}
	if i, ok := a.causes[c.id]; ok { // done by an earlier delivery
		rev := a.Revisions[i]
		o.Outcome, o.Amount = outcomeOf(rev)
		o.Detail = rev.Reason
		return o, true, nil
	}
	if !a.liveOn(from) {
		return o, false, nil
	}
	if err := s.loadInto(ctx, ppl, a.Claimants...); err != nil {
		return o, false, err
	}
	b, _ := benefitByKey(a.Benefit)
	u := unit{benefit: b, claimants: a.Claimants, start: a.Start, freq: a.Frequency}
	rv, err := revise(a, from, today, endsOn, today, s.params.LastDay(), s.params.Version(), func(n int, start, end rules.Date) (assessed, error) {
		return assessPeriod(s.params, u, ppl, n, start, end)
	})
	if err != nil {
		return o, false, err
	}
	o.Outcome, o.Amount, o.Detail = rv.outcome, rv.amount, c.reason
	if !rv.changed {
		return o, true, nil
	}
	rv.data.Cause, rv.data.CauseType, rv.data.Reason = c.id, c.typ, c.reason
	_, err = s.appendOne(ctx, awardStream(id), lifeline.Expected(a.Version), "", lifeline.NewEvent{
		Type: awardRevised, Subject: a.Claimants[0], Data: mustJSON(rv.data), Metadata: metadata(ctx, c.id),
	})
	return o, true, err
}

func outcomeOf(r Revision) (string, rules.Money) {
	net := r.Underpayment - r.Overpayment
	changed := false
	for _, ch := range r.Changes {
		changed = changed || (!ch.New && ch.OldAmount != ch.NewAmount)
	}
	switch {
	case r.EndsOn != 0:
		return Stopped, r.Overpayment
	case net < 0:
		return Overpaid, -net
	case net > 0:
		return Underpaid, net
	case changed:
		return Revised, 0
	}
	return NoChange, 0
}

// liveUC finds a person's Universal Credit award live on day, or ended by a
// change on day, with the given number of claimants.
func (s *Service) liveUC(ctx context.Context, t *Timeline, day rules.Date, claimants int) (*Award, error) {
	for _, l := range t.Awards {
		if l.Benefit != rules.UniversalCredit.Key() {
			continue
		}
		a, err := s.award(ctx, l.ID, time.Time{})
		if err != nil {
			return nil, err
		}
		// An award decided after the change was recorded has already been
		// ended by it (see unit.naturalEnd): it still counts as the award
		// the change acts on.
		if a.Start <= day && (a.liveOn(day) || a.EndsOn == apStart(a, day).AddDays(-1)) && len(a.Claimants) == claimants {
			return a, nil
		}
	}
	return nil, nil
}

// apStart is the first day of the award's assessment period containing day.
func apStart(a *Award, day rules.Date) rules.Date {
	start, _ := periodBounds(a.Frequency, a.Start, periodIndex(a.Frequency, a.Start, day))
	return start
}

// coupleFormed: each partner's single Universal Credit award ends from the
// start of its assessment period in which they became a couple (SI 2013/381
// Sch 1 para 20), and a joint award is made without a claim (SI 2013/380
// reg 9(7)-(8)) on the cycle of the award that ended first (SI 2013/376
// reg 21(3A)-(3B)).
func (s *Service) coupleFormed(ctx context.Context, ppl people, a, b string, on rules.Date, c cause, handled map[string]bool, today rules.Date) ([]Outcome, error) {
	var outcomes []Outcome
	jointStart := rules.Date(0)
	var lead string
	for _, p := range []string{a, b} {
		aw, err := s.liveUC(ctx, ppl[p], on, 1)
		if err != nil || aw == nil {
			if err != nil {
				return nil, err
			}
			continue
		}
		handled[aw.ID] = true
		start := apStart(aw, on)
		o, _, err := s.reviseAward(ctx, aw.ID, ppl, start, start.AddDays(-1), cause{c.id, c.typ, "Couple formed on " + on.String() + ": the single award ends and a joint award is made (SI 2013/381 Sch 1 para 20; SI 2013/380 reg 9)."}, today)
		if err != nil {
			return nil, err
		}
		outcomes = append(outcomes, o)
		if jointStart == 0 || start < jointStart {
			jointStart, lead = start, p
		}
	}
	if jointStart == 0 {
		return nil, nil
	}
	other := a
	if lead == a {
		other = b
	}
	u := unit{benefit: rules.UniversalCredit, claimants: []string{lead, other}, start: jointStart, freq: "monthly"}
	o, err := s.startAward(ctx, lifeline.DeriveID("joint", c.id), u, ppl, "Joint claim treated as made when the couple formed on "+on.String()+" (SI 2013/380 reg 9(7)-(8); assessment periods as SI 2013/376 reg 21(3A)-(3B)).", today)
	if err != nil || o == nil {
		return outcomes, err
	}
	handled[o.AwardID] = true
	return append(outcomes, *o), nil
}

// coupleSeparated: the joint award ends from the start of the assessment
// period in which they separated, and each former partner gets a single
// award from that day on the same cycle, without a claim (SI 2013/380 reg
// 9(6), (10); SI 2013/376 reg 21(3)).
func (s *Service) coupleSeparated(ctx context.Context, ppl people, a, b string, on rules.Date, c cause, handled map[string]bool, today rules.Date) ([]Outcome, error) {
	if ppl[a] == nil {
		return nil, nil
	}
	aw, err := s.liveUC(ctx, ppl[a], on, 2)
	if err != nil || aw == nil {
		return nil, err
	}
	handled[aw.ID] = true
	start := apStart(aw, on)
	o, _, err := s.reviseAward(ctx, aw.ID, ppl, start, start.AddDays(-1), cause{c.id, c.typ, "Couple separated on " + on.String() + ": the joint award ends and each former partner gets a single award (SI 2013/381 Sch 1 para 20; SI 2013/380 reg 9(6))."}, today)
	if err != nil {
		return nil, err
	}
	outcomes := []Outcome{o}
	for _, p := range aw.Claimants {
		if died := ppl[p].DiedOn(); died != 0 && died < start {
			continue
		}
		u := unit{benefit: rules.UniversalCredit, claimants: []string{p}, start: start, freq: "monthly"}
		no, err := s.startAward(ctx, lifeline.DeriveID("single", c.id, p), u, ppl, "Single award without a claim after the couple separated on "+on.String()+" (SI 2013/380 reg 9(6), (10); SI 2013/376 reg 21(3)).", today)
		if err != nil {
			return nil, err
		}
		if no != nil {
			handled[no.AwardID] = true
			outcomes = append(outcomes, *no)
		}
	}
	return outcomes, nil
}

// died ends the person's own awards. Universal Credit is not payable for
// the assessment period in which a single claimant dies unless they die on
// its last day (SI 2013/381 Sch 1 para 20); a joint award continues for the
// survivor, worked out as if the couple were together for that period and
// the next two (SI 2013/376 reg 37). Other benefits end on the day of
// death; the final week is paid for the days up to it.
func (s *Service) died(ctx context.Context, ppl people, person string, on rules.Date, c cause, handled map[string]bool, today rules.Date) ([]Outcome, error) {
	var outcomes []Outcome
	for _, l := range ppl[person].Awards {
		a, err := s.award(ctx, l.ID, time.Time{})
		if err != nil {
			return nil, err
		}
		if len(a.Claimants) > 1 || !a.liveOn(on) {
			continue
		}
		handled[a.ID] = true
		endsOn, reason := on, "Died on "+on.String()+": entitlement ends on the day of death."
		if a.Frequency == "monthly" {
			start := apStart(a, on)
			_, end := periodBounds(a.Frequency, a.Start, periodIndex(a.Frequency, a.Start, on))
			endsOn = start.AddDays(-1)
			reason = "Died on " + on.String() + ": nothing is payable for the assessment period of the death (SI 2013/381 Sch 1 para 20)."
			if on == end {
				endsOn, reason = end, "Died on "+on.String()+", the last day of an assessment period, which is paid in full (SI 2013/381 Sch 1 para 20)."
			}
		}
		from := on
		if endsOn < from {
			from = endsOn.AddDays(1)
		}
		o, _, err := s.reviseAward(ctx, a.ID, ppl, from, endsOn, cause{c.id, c.typ, reason}, today)
		if err != nil {
			return nil, err
		}
		outcomes = append(outcomes, o)
	}
	return outcomes, nil
}

// startAward makes an award without a claim; nil if nothing is payable.
func (s *Service) startAward(ctx context.Context, id string, u unit, ppl people, basis string, today rules.Date) (*Outcome, error) {
	_, payable, err := s.makeAward(ctx, id, u, ppl, "", basis, today)
	if err != nil || !payable {
		return nil, err
	}
	a, err := s.award(ctx, id, time.Time{})
	if err != nil {
		return nil, err
	}
	o := &Outcome{AwardID: id, Benefit: a.Benefit, PersonID: a.Claimants[0], Outcome: Started, Detail: basis}
	for _, p := range a.Periods {
		if p.End < today {
			o.Amount += p.Amount // due already: arrears
		}
	}
	return o, nil
}

// AwardView returns an award as recorded at asAt (now if zero).
func (s *Service) Award(ctx context.Context, id string, asAt time.Time) (*Award, error) {
	if err := checkID("id", id); err != nil {
		return nil, err
	}
	a, err := s.award(ctx, id, asAt)
	if err != nil {
		return nil, err
	}
	if !asAt.IsZero() {
		a.AsAt = &asAt
	}
	return a, nil
}

// AwardSummary returns an award as it stands, its periods without their
// explanations: for readers that need only amounts and dates.
func (s *Service) AwardSummary(ctx context.Context, id string) (*Award, error) {
	if err := checkID("id", id); err != nil {
		return nil, err
	}
	events, err := s.readStream(ctx, awardStream(id), time.Time{})
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, lifeline.Errorf(lifeline.ENOTFOUND, "no award %s", id)
	}
	return buildAward(id, events, false)
}

// PersonAwards returns every award a person is a claimant on.
func (s *Service) PersonAwards(ctx context.Context, personID string) ([]*Award, error) {
	if err := checkID("id", personID); err != nil {
		return nil, err
	}
	t, err := s.timeline(ctx, personID, time.Time{})
	if err != nil {
		return nil, err
	}
	awards := []*Award{}
	for _, l := range t.Awards {
		a, err := s.award(ctx, l.ID, time.Time{})
		if err != nil {
			return nil, err
		}
		awards = append(awards, a)
	}
	return awards, nil
}

// Notice is a message to a person, recorded for the notifications service to
// send.
type Notice struct {
	PersonID string `json:"person_id"`
	Channel  string `json:"channel"` // email, sms or post
	To       string `json:"to"`
	Text     string `json:"text"`
}

// notifyBankChange tells the person, at the contact details they had before
// the change, that their bank details changed: if it was not them, they can
// stop the next payment during its cooling-off period.
func (s *Service) notifyBankChange(ctx context.Context, t *Timeline, e lifeline.Event, on rules.Date) error {
	before := t.On(on.AddDays(-1))
	n := Notice{PersonID: t.ID, Channel: "post", To: strings.Join(append(before.Address.Lines, before.Address.Postcode), ", ")}
	switch {
	case before.Contact.Email != "":
		n.Channel, n.To = "email", before.Contact.Email
	case before.Contact.Phone != "":
		n.Channel, n.To = "sms", before.Contact.Phone
	}
	n.Text = "The bank account your benefits are paid into was changed on " + on.String() +
		". If you did not ask for this, contact us before your next payment."
	_, err := s.appendOne(ctx, "notices-"+t.ID, lifeline.ExpectAny, "notify:"+e.ID, lifeline.NewEvent{
		Type: "notice-queued", Subject: t.ID, Data: mustJSON(n), Metadata: metadata(ctx, e.ID),
	})
	return err
}

// Notices lists the messages queued for a person.
func (s *Service) Notices(ctx context.Context, personID string) ([]Notice, error) {
	events, err := s.readStream(ctx, "notices-"+personID, time.Time{})
	if err != nil {
		return nil, err
	}
	out := []Notice{}
	for _, e := range events {
		var n Notice
		if err := json.Unmarshal(e.Data, &n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}
