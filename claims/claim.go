package claims

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/rules"
)

// Claim event types, in the stream claim-<id>.
const (
	claimReceived  = "claim-received"
	claimAwaiting  = "claim-awaiting"
	claimDecided   = "claim-decided"
	claimWithdrawn = "claim-withdrawn"
)

// Claim states.
const (
	StateReceived         = "received"
	StateAwaitingIdentity = "awaiting-identity"
	StateAwaitingEvidence = "awaiting-evidence"
	StateAwarded          = "awarded"
	StateRefused          = "refused"
	StateWithdrawn        = "withdrawn"
)

var channels = []string{"online", "phone", "face-to-face", "assisted"}

// ClaimRequest is a claim for a benefit.
type ClaimRequest struct {
	Benefit   string            `json:"benefit"`
	Claimants []string          `json:"claimants"`
	ClaimDate string            `json:"claim_date"`
	Channel   string            `json:"channel"`
	Declared  []LifeEventReport `json:"declared"` // circumstances declared on the claim, recorded as life events
}

// ClaimView is a claim and where it has got to.
type ClaimView struct {
	ID          string       `json:"id"`
	Benefit     string       `json:"benefit"`
	Claimants   []string     `json:"claimants"`
	ClaimDate   rules.Date   `json:"claim_date"`
	Channel     string       `json:"channel"`
	Declared    []string     `json:"declared"` // the life events recorded from the claim
	State       string       `json:"state"`
	AwardID     string       `json:"award_id,omitempty"`
	Reasons     []Reason     `json:"reasons,omitempty"`
	Transitions []Transition `json:"transitions"`
	AsAt        *time.Time   `json:"as_at,omitempty"`
	version     int64
}

// Transition is one change of a claim's state.
type Transition struct {
	State   string    `json:"state"`
	At      time.Time `json:"at"`
	Detail  string    `json:"detail,omitempty"`
	TaskID  string    `json:"task_id,omitempty"`
	EventID string    `json:"event_id"`
}

// claimEvent is the data of every claim event.
type claimEvent struct {
	Benefit   string     `json:"benefit,omitempty"`
	Claimants []string   `json:"claimants,omitempty"`
	ClaimDate rules.Date `json:"claim_date,omitempty"`
	Channel   string     `json:"channel,omitempty"`
	Declared  []string   `json:"declared,omitempty"`
	State     string     `json:"state,omitempty"`
	Detail    string     `json:"detail,omitempty"`
	TaskID    string     `json:"task_id,omitempty"`
	AwardID   string     `json:"award_id,omitempty"`
	Reasons   []Reason   `json:"reasons,omitempty"`
}

func buildClaim(id string, events []lifeline.Event) (*ClaimView, error) {
	c := &ClaimView{ID: id, Transitions: []Transition{}, Declared: []string{}}
	for _, e := range events {
		c.version = e.Version
		if e.Erased {
			return nil, lifeline.Errorf(lifeline.ENOTFOUND, "claim %s belongs to a person whose data has been erased", id)
		}
		var d claimEvent
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return nil, fmt.Errorf("claims: claim %s: %w", id, err)
		}
		switch e.Type {
		case claimReceived:
			c.Benefit, c.Claimants, c.ClaimDate, c.Channel, c.State = d.Benefit, d.Claimants, d.ClaimDate, d.Channel, StateReceived
			if d.Declared != nil {
				c.Declared = d.Declared
			}
		case claimAwaiting, claimDecided:
			c.State, c.AwardID, c.Reasons = d.State, d.AwardID, d.Reasons
		case claimWithdrawn:
			c.State = StateWithdrawn
		}
		c.Transitions = append(c.Transitions, Transition{State: c.State, At: e.RecordedAt, Detail: d.Detail, TaskID: d.TaskID, EventID: e.ID})
	}
	if c.Benefit == "" {
		return nil, lifeline.Errorf(lifeline.ENOTFOUND, "no claim %s", id)
	}
	return c, nil
}

func (c *ClaimView) open() bool {
	return c.State == StateReceived || c.State == StateAwaitingIdentity || c.State == StateAwaitingEvidence
}

// Claim returns a claim as recorded at asAt (now if zero).
func (s *Service) Claim(ctx context.Context, id string, asAt time.Time) (*ClaimView, error) {
	if err := checkID("id", id); err != nil {
		return nil, err
	}
	events, err := s.readStream(ctx, claimStream(id), asAt)
	if err != nil {
		return nil, err
	}
	c, err := buildClaim(id, events)
	if err != nil {
		return nil, err
	}
	if !asAt.IsZero() {
		c.AsAt = &asAt
	}
	return c, nil
}

// firstClaimDate is the first day the rules cover.
var firstClaimDate = rules.MakeDate(2024, 4, 8)

// SubmitClaim records a claim and the circumstances declared on it. It is
// decided in the background (see Claim for its state): at once if it can
// be, or after identity is verified or evidence arrives.
func (s *Service) SubmitClaim(ctx context.Context, r ClaimRequest, key string) (*ClaimView, error) {
	if key != "" { // a retry: the claim was made (and may have moved on)
		if c, err := s.Claim(ctx, lifeline.DeriveID("claim", key), time.Time{}); err == nil {
			if c.Benefit != r.Benefit || !slices.Equal(c.Claimants, r.Claimants) {
				return nil, lifeline.ReusedKeyError(key)
			}
			return c, nil
		}
	}
	b, ok := benefitByKey(r.Benefit)
	if !ok {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "benefit", "%q is not a benefit: use one of %s", truncate(r.Benefit, 40), strings.Join(BenefitKeys(), ", "))
	}
	if err := oneOf("channel", r.Channel, channels); err != nil {
		return nil, err
	}
	date, err := rules.ParseDate(r.ClaimDate)
	if err != nil {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "claim_date", "claim_date %v: use YYYY-MM-DD", err)
	}
	if today := s.today(); date > today || date < firstClaimDate {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "claim_date", "claim_date %s must be from %s (the first day the rules cover) to today (%s)", date, firstClaimDate, today)
	}
	max := 1
	if jointBenefit(b) {
		max = 2
	}
	if len(r.Claimants) == 0 || len(r.Claimants) > max {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "claimants", "a %s claim names 1 to %d claimants", b.Key(), max)
	}
	if len(r.Claimants) == 2 && r.Claimants[0] == r.Claimants[1] {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "claimants", "the two claimants are the same person")
	}
	ppl := people{}
	for i, id := range r.Claimants {
		if err := checkID(fmt.Sprintf("claimants[%d]", i), id); err != nil {
			return nil, err
		}
		t, err := s.timeline(ctx, id, time.Time{})
		if err != nil {
			return nil, lifeline.FieldErrorf(lifeline.ErrorCode(err), fmt.Sprintf("claimants[%d]", i), "%s", lifeline.ErrorMessage(err))
		}
		if died := t.DiedOn(); died != 0 && died <= date {
			return nil, lifeline.FieldErrorf(lifeline.EINVALID, fmt.Sprintf("claimants[%d]", i), "claimant %s died on %s, before the claim date", id, died)
		}
		ppl[id] = t
		for _, l := range t.Claims {
			if l.Benefit == b.Key() {
				if c, err := s.Claim(ctx, l.ID, time.Time{}); err == nil && c.open() {
					return nil, lifeline.FieldErrorf(lifeline.ECONFLICT, "benefit", "person %s already has a %s claim (%s) waiting for a decision", id, b.Key(), l.ID)
				}
			}
		}
		for _, l := range t.Awards {
			if l.Benefit == b.Key() {
				if a, err := s.award(ctx, l.ID, time.Time{}); err == nil && a.liveOn(date) {
					return nil, lifeline.FieldErrorf(lifeline.ECONFLICT, "benefit", "person %s already has a live %s award (%s)", id, b.Key(), l.ID)
				}
			}
		}
	}
	lead := ppl[r.Claimants[0]].On(date)
	if jointBenefit(b) && len(r.Claimants) == 1 && lead.PartnerID != "" && b == rules.UniversalCredit {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "claimants", "the claimant lives with a partner (%s) on %s: a couple claims Universal Credit jointly, so name both", lead.PartnerID, date)
	}
	if len(r.Claimants) == 2 && lead.PartnerID != r.Claimants[1] {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "claimants", "joint claimants must be recorded as living together on the claim date: report partner-moved-in first")
	}
	// Check every declaration before writing anything.
	reports := make([]checkedReport, len(r.Declared))
	for i, d := range r.Declared {
		if d.PersonID == "" {
			d.PersonID = r.Claimants[0]
		}
		if !slices.Contains(r.Claimants, d.PersonID) {
			return nil, lifeline.FieldErrorf(lifeline.EINVALID, fmt.Sprintf("declared[%d].person_id", i), "a declaration on a claim is about one of its claimants")
		}
		c, _, err := s.checkReport(ctx, d)
		if err != nil {
			return nil, lifeline.FieldErrorf(lifeline.ErrorCode(err), fmt.Sprintf("declared[%d].%s", i, lifeline.ErrorField(err)), "%s", lifeline.ErrorMessage(err))
		}
		reports[i] = c
	}
	id, err := s.idFor("claim", key)
	if err != nil {
		return nil, err
	}
	if key == "" {
		key = "claim-" + id
	}
	declared := make([]string, 0, len(reports))
	for i, c := range reports {
		res, err := s.appendReport(ctx, c, lifeline.ExpectAny, key+":declared:"+strconv.Itoa(i), "")
		if err != nil {
			return nil, err
		}
		ev, err := s.log.ReadStream(ctx, res.Stream, lifeline.StreamQuery{FromVersion: res.FirstVersion, Limit: 1})
		if err != nil || len(ev) != 1 {
			return nil, fmt.Errorf("claims: read back declaration: %v", err)
		}
		declared = append(declared, ev[0].ID)
	}
	res, err := s.appendOne(ctx, claimStream(id), lifeline.ExpectNoStream, "claim:"+key, lifeline.NewEvent{
		Type: claimReceived, Subject: r.Claimants[0], Metadata: metadata(ctx, ""),
		Data: mustJSON(claimEvent{Benefit: b.Key(), Claimants: r.Claimants, ClaimDate: date, Channel: r.Channel, Declared: declared}),
	})
	if err != nil {
		return nil, err
	}
	id = strings.TrimPrefix(res.Stream, "claim-")
	for _, p := range r.Claimants {
		if err := s.link(ctx, p, claimLinked, Link{ID: id, Benefit: b.Key()}); err != nil {
			return nil, err
		}
	}
	return s.Claim(ctx, id, time.Time{})
}

// link records a claim or award in a person's stream, once.
func (s *Service) link(ctx context.Context, person, typ string, l Link) error {
	_, err := s.appendOne(ctx, personStream(person), lifeline.ExpectAny, typ+":"+l.ID+":"+person, lifeline.NewEvent{
		Type: typ, Subject: person, Data: mustJSON(l), Metadata: metadata(ctx, l.ID),
	})
	return err
}

// WithdrawClaim withdraws a claim that has not been decided.
func (s *Service) WithdrawClaim(ctx context.Context, id, reason string) (*ClaimView, error) {
	c, err := s.Claim(ctx, id, time.Time{})
	if err != nil {
		return nil, err
	}
	if c.State == StateWithdrawn {
		return c, nil
	}
	if !c.open() {
		return nil, lifeline.Errorf(lifeline.ECONFLICT, "claim %s has been decided (%s) and can no longer be withdrawn", id, c.State)
	}
	if len(reason) > 500 {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "reason", "reason is over 500 characters")
	}
	_, err = s.appendOne(ctx, claimStream(id), lifeline.Expected(c.version), "", lifeline.NewEvent{
		Type: claimWithdrawn, Subject: c.Claimants[0], Data: mustJSON(claimEvent{State: StateWithdrawn, Detail: reason}), Metadata: metadata(ctx, ""),
	})
	if err != nil {
		return nil, err
	}
	if err := s.closeTasks(ctx, c, "claim withdrawn"); err != nil {
		return nil, err
	}
	return s.Claim(ctx, id, time.Time{})
}

// decideClaim decides an open claim, or records what it waits for. It is
// safe to run again: the award's id is derived from the claim's.
func (s *Service) decideClaim(ctx context.Context, id string) error {
	c, err := s.Claim(ctx, id, time.Time{})
	if err != nil {
		return err
	}
	if !c.open() {
		return nil
	}
	b, _ := benefitByKey(c.Benefit)
	ppl, err := s.loadPeople(ctx, c.Claimants...)
	if err != nil {
		return err
	}
	today := s.today()
	for _, p := range c.Claimants {
		if conf := ppl[p].On(today).IdentityConfidence; conf != "medium" && conf != "high" {
			return s.await(ctx, c, StateAwaitingIdentity, "verify-identity",
				fmt.Sprintf("Verify the identity of claimant %s (confidence is %s; medium or high is needed to decide a claim).", p, conf))
		}
	}
	lead := ppl[c.Claimants[0]].On(today)
	switch {
	case b == rules.PIP && !lead.PIPAssessed, b == rules.AttendanceAllowance && lead.AttendanceNeeds == "none" && !lead.PIPAssessed:
		return s.await(ctx, c, StateAwaitingEvidence, "arrange-assessment", "Arrange a disability assessment; the claim is decided when the assessment is reported (disability-assessed).")
	case b == rules.StatePension && !lead.NIAssessed:
		return s.await(ctx, c, StateAwaitingEvidence, "national-insurance-record", "Obtain the claimant's National Insurance record from HMRC (ni-record-updated).")
	}
	u := unit{benefit: b, claimants: c.Claimants, start: c.ClaimDate, freq: b.Frequency()}
	awardID := lifeline.DeriveID("award", id)
	aw, eligible, err := s.makeAward(ctx, awardID, u, ppl, id, "Claim "+id+" made on "+c.ClaimDate.String()+" ("+c.Channel+").", today)
	if err != nil {
		return err
	}
	d := claimEvent{State: StateAwarded, AwardID: awardID, Detail: "Awarded from " + c.ClaimDate.String() + "."}
	if !eligible {
		d = claimEvent{State: StateRefused, Detail: "Not entitled.", Reasons: aw}
	}
	_, err = s.appendOne(ctx, claimStream(id), lifeline.Expected(c.version), "decided:"+id, lifeline.NewEvent{
		Type: claimDecided, Subject: c.Claimants[0], Data: mustJSON(d), Metadata: metadata(ctx, ""),
	})
	if err != nil && !isConflict(err) {
		return err
	}
	return s.closeTasks(ctx, c, d.State)
}

// makeAward works out an award from u.start to today and writes it, unless
// no period is payable; then it returns the reasons of the latest period.
func (s *Service) makeAward(ctx context.Context, id string, u unit, ppl people, claimID, basis string, today rules.Date) ([]Reason, bool, error) {
	if _, err := s.award(ctx, id, time.Time{}); err == nil { // made by an earlier delivery
		return nil, true, s.linkAward(ctx, id, u)
	}
	a := &Award{ID: id, Benefit: u.benefit.Key(), Start: u.start, Frequency: u.freq}
	endsOn := u.naturalEnd(ppl)
	rv, err := revise(a, u.start, today, endsOn, today, s.params.LastDay(), s.params.Version(), func(n int, start, end rules.Date) (assessed, error) {
		return assessPeriod(s.params, u, ppl, n, start, end)
	})
	if err != nil {
		return nil, false, err
	}
	payable := false
	for _, p := range rv.data.Periods {
		payable = payable || p.Amount > 0
	}
	if !payable {
		var reasons []Reason
		if n := len(rv.data.Periods); n > 0 {
			reasons = rv.data.Explanations[rv.data.Periods[n-1].Explanation].Reasons
		}
		return reasons, false, nil
	}
	d := rv.data
	d.Overpayment, d.Underpayment = 0, 0
	d.Benefit, d.ClaimID, d.Basis, d.Claimants, d.Start, d.Frequency = u.benefit.Key(), claimID, basis, u.claimants, u.start, u.freq
	for i := range d.Periods {
		d.Periods[i].New = false
	}
	_, err = s.appendOne(ctx, awardStream(id), lifeline.ExpectNoStream, "", lifeline.NewEvent{
		Type: awardDecided, OccurredAt: dayTime(u.start), Subject: u.claimants[0], Data: mustJSON(d), Metadata: metadata(ctx, claimID),
	})
	if err != nil && !isConflict(err) {
		return nil, false, err
	}
	return nil, true, s.linkAward(ctx, id, u)
}

// linkAward records a new award in its claimants' streams and in the index
// that up-rating walks.
func (s *Service) linkAward(ctx context.Context, id string, u unit) error {
	for _, p := range u.claimants {
		if err := s.link(ctx, p, awardLinked, Link{ID: id, Benefit: u.benefit.Key()}); err != nil {
			return err
		}
	}
	_, err := s.appendOne(ctx, awardIndexStream, lifeline.ExpectAny, "index:"+id, lifeline.NewEvent{
		Type: "award-indexed", Data: mustJSON(Link{ID: id, Benefit: u.benefit.Key()}),
	})
	return err
}

// await records that a claim waits, and opens a task for an agent.
func (s *Service) await(ctx context.Context, c *ClaimView, state, kind, text string) error {
	if c.State == state {
		return nil
	}
	taskID := lifeline.DeriveID("task", c.ID, kind)
	if err := s.openTask(ctx, Task{ID: taskID, Kind: kind, ClaimID: c.ID, PersonID: c.Claimants[0], Description: text}); err != nil {
		return err
	}
	_, err := s.appendOne(ctx, claimStream(c.ID), lifeline.Expected(c.version), "", lifeline.NewEvent{
		Type: claimAwaiting, Subject: c.Claimants[0], Data: mustJSON(claimEvent{State: state, Detail: text, TaskID: taskID}), Metadata: metadata(ctx, ""),
	})
	if isConflict(err) {
		return nil // the claim moved on meanwhile; its next event decides again
	}
	return err
}
