package claims

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/rules"
)

// Award event types, in the stream award-<id>.
const (
	awardDecided = "award-decided"
	awardRevised = "award-revised"
)

// Award is an entitlement to one benefit, period by period, as folded from
// its stream.
type Award struct {
	ID        string         `json:"id"`
	Benefit   string         `json:"benefit"`
	ClaimID   string         `json:"claim_id,omitempty"`
	Basis     string         `json:"basis"` // why it exists: a claim, or a change that made it without one
	Claimants []string       `json:"claimants"`
	Start     rules.Date     `json:"start"`
	Frequency string         `json:"frequency"`
	Decision  string         `json:"decision_id"` // the award-decided event
	Status    string         `json:"status"`      // live or ended
	EndsOn    rules.Date     `json:"ends_on,omitempty"`
	Periods   []Period       `json:"periods"`
	Revisions []Revision     `json:"revisions"`
	Version   int64          `json:"version"`
	AsAt      *time.Time     `json:"as_at,omitempty"`
	causes    map[string]int // cause event id -> index in Revisions
}

// Period is one assessment period or week of an award.
type Period struct {
	N            int          `json:"n"`
	Start        rules.Date   `json:"start"`
	End          rules.Date   `json:"end"`
	Amount       rules.Money  `json:"amount"`
	RulesVersion string       `json:"rules_version"`
	InputsHash   string       `json:"inputs_hash"`
	DecidedBy    string       `json:"decided_by"` // the event that set this amount
	Explanation  *Explanation `json:"explanation,omitempty"`
}

// Revision is one change to an award after its decision.
type Revision struct {
	ID           string         `json:"id"`
	Cause        string         `json:"cause"`
	CauseType    string         `json:"cause_type"`
	Reason       string         `json:"reason"`
	RecordedAt   time.Time      `json:"recorded_at"`
	EndsOn       rules.Date     `json:"ends_on,omitempty"`
	Changes      []PeriodChange `json:"changes"`
	Overpayment  rules.Money    `json:"overpayment"`
	Underpayment rules.Money    `json:"underpayment"`
}

// PeriodChange is one period's amount before and after a revision.
type PeriodChange struct {
	N         int         `json:"n"`
	Start     rules.Date  `json:"start"`
	End       rules.Date  `json:"end"`
	OldAmount rules.Money `json:"old_amount"`
	NewAmount rules.Money `json:"new_amount"`
	New       bool        `json:"new_period,omitempty"` // a period not assessed before
	Removed   bool        `json:"removed,omitempty"`    // after the award ended
}

// storedPeriod is a period as written in an event; explanations are kept
// once per event and shared by the periods they explain.
type storedPeriod struct {
	N            int         `json:"n"`
	Start        rules.Date  `json:"start"`
	End          rules.Date  `json:"end"`
	Amount       rules.Money `json:"amount"`
	OldAmount    rules.Money `json:"old_amount"`
	New          bool        `json:"new_period,omitempty"`
	Removed      bool        `json:"removed,omitempty"`
	RulesVersion string      `json:"rules_version,omitempty"`
	InputsHash   string      `json:"inputs_hash,omitempty"`
	Explanation  int         `json:"explanation"`
}

// awardEvent is the data of award-decided and award-revised.
type awardEvent struct {
	// award-decided only
	Benefit   string     `json:"benefit,omitempty"`
	ClaimID   string     `json:"claim_id,omitempty"`
	Basis     string     `json:"basis,omitempty"`
	Claimants []string   `json:"claimants,omitempty"`
	Start     rules.Date `json:"start,omitempty"`
	Frequency string     `json:"frequency,omitempty"`
	// award-revised only
	Cause        string      `json:"cause,omitempty"`
	CauseType    string      `json:"cause_type,omitempty"`
	Reason       string      `json:"reason,omitempty"`
	EndsOn       rules.Date  `json:"ends_on,omitempty"`
	Overpayment  rules.Money `json:"overpayment"`
	Underpayment rules.Money `json:"underpayment"`
	// both
	Periods      []storedPeriod `json:"periods"`
	Explanations []Explanation  `json:"explanations"`
}

// withoutExplanations is an award event decoded without its explanations,
// which are most of its bytes: the shallower field takes the key and
// skips the value.
type withoutExplanations struct {
	awardEvent
	Explanations skipJSON `json:"explanations"`
}

type skipJSON struct{}

func (*skipJSON) UnmarshalJSON([]byte) error { return nil }

// buildAward folds an award's stream; without explanations, periods have
// none, which makes the fold several times cheaper.
func buildAward(id string, events []lifeline.Event, explanations bool) (*Award, error) {
	a := &Award{ID: id, Status: "live", Periods: []Period{}, Revisions: []Revision{}, causes: map[string]int{}}
	for _, e := range events {
		a.Version = e.Version
		if e.Erased {
			return nil, lifeline.Errorf(lifeline.ENOTFOUND, "award %s belongs to a person whose data has been erased", id)
		}
		var d awardEvent
		var err error
		if explanations {
			err = json.Unmarshal(e.Data, &d)
		} else {
			var lite withoutExplanations
			err = json.Unmarshal(e.Data, &lite)
			d = lite.awardEvent
		}
		if err != nil {
			return nil, fmt.Errorf("claims: award %s: %s: %w", id, e.Type, err)
		}
		switch e.Type {
		case awardDecided:
			a.Benefit, a.ClaimID, a.Basis, a.Claimants, a.Start, a.Frequency = d.Benefit, d.ClaimID, d.Basis, d.Claimants, d.Start, d.Frequency
			a.Decision = e.ID
			if d.EndsOn != 0 {
				a.EndsOn, a.Status = d.EndsOn, "ended"
			}
			a.applyPeriods(e.ID, d)
		case awardRevised:
			rev := Revision{ID: e.ID, Cause: d.Cause, CauseType: d.CauseType, Reason: d.Reason, RecordedAt: e.RecordedAt,
				EndsOn: d.EndsOn, Overpayment: d.Overpayment, Underpayment: d.Underpayment, Changes: []PeriodChange{}}
			for _, p := range d.Periods {
				rev.Changes = append(rev.Changes, PeriodChange{N: p.N, Start: p.Start, End: p.End, OldAmount: p.OldAmount, NewAmount: p.Amount, New: p.New, Removed: p.Removed})
			}
			a.causes[d.Cause] = len(a.Revisions)
			a.Revisions = append(a.Revisions, rev)
			if d.EndsOn != 0 {
				a.EndsOn, a.Status = d.EndsOn, "ended"
			}
			a.applyPeriods(e.ID, d)
		}
	}
	if a.Benefit == "" {
		return nil, lifeline.Errorf(lifeline.ENOTFOUND, "no award %s", id)
	}
	return a, nil
}

func (a *Award) applyPeriods(eventID string, d awardEvent) {
	for _, p := range d.Periods {
		i, found := slices.BinarySearchFunc(a.Periods, p.N, func(x Period, n int) int { return x.N - n })
		if p.Removed {
			if found {
				a.Periods = slices.Delete(a.Periods, i, i+1)
			}
			continue
		}
		np := Period{N: p.N, Start: p.Start, End: p.End, Amount: p.Amount, RulesVersion: p.RulesVersion, InputsHash: p.InputsHash, DecidedBy: eventID}
		if p.Explanation >= 0 && p.Explanation < len(d.Explanations) {
			ex := d.Explanations[p.Explanation]
			np.Explanation = &ex
		}
		if found {
			a.Periods[i] = np
		} else {
			a.Periods = slices.Insert(a.Periods, i, np)
		}
	}
}

// liveOn reports whether the award pays anything on or after day.
func (a *Award) liveOn(day rules.Date) bool { return a.EndsOn == 0 || a.EndsOn >= day }

// Outcome kinds: what a life event did to one award ("tell us once").
const (
	NoChange  = "no-change"
	Revised   = "revised"
	Stopped   = "stopped"
	Started   = "started"
	Overpaid  = "overpayment"
	Underpaid = "underpayment"
)

// Outcome is what one life event did to one award.
type Outcome struct {
	AwardID  string      `json:"award_id"`
	Benefit  string      `json:"benefit"`
	PersonID string      `json:"person_id"`
	Outcome  string      `json:"outcome"`
	Amount   rules.Money `json:"amount"` // the overpayment or underpayment, if any
	Detail   string      `json:"detail"`
}

// revision is a change worked out but not yet written.
type revision struct {
	data    awardEvent
	changed bool // anything to write
	outcome string
	amount  rules.Money
}

// revise works out the award's periods from the period containing from up to
// horizon (and no further than endsOn, if the award is to end, nor than the
// last period the rates cover, which covered ends), against what
// is recorded. Periods that had ended by today are due: a lower amount for
// one of them is an overpayment, a higher one an underpayment (arrears).
func revise(a *Award, from, horizon, endsOn, today, covered rules.Date, rulesVersion string, assess func(n int, start, end rules.Date) (assessed, error)) (revision, error) {
	var rv revision
	if endsOn == 0 || (a.EndsOn != 0 && a.EndsOn < endsOn) {
		endsOn = a.EndsOn // an award that has ended stays ended
	}
	last := horizon
	if endsOn != 0 && endsOn < last {
		last = endsOn
	}
	nFrom := max(periodIndex(a.Frequency, a.Start, from), 0)
	nTo := periodIndex(a.Frequency, a.Start, last)
	explained := map[string]int{}
	var existingChanged bool
	for n := nFrom; n <= nTo; n++ {
		start, end := periodBounds(a.Frequency, a.Start, n)
		if endsOn != 0 && end > endsOn {
			end = endsOn
		}
		if covered != 0 && end > covered {
			nTo = n - 1 // assessed when the next year's rates are loaded
			break
		}
		got, err := assess(n, start, end)
		if err != nil {
			return rv, err
		}
		old, had := a.period(n)
		if had && old.Amount == got.amount && old.RulesVersion == rulesVersion && old.End == end {
			continue
		}
		sp := storedPeriod{N: n, Start: start, End: end, Amount: got.amount, New: !had,
			RulesVersion: rulesVersion, InputsHash: got.inputsHash, Explanation: explanationIndex(&rv.data, explained, got.explanation)}
		if had {
			sp.OldAmount = old.Amount
			existingChanged = existingChanged || old.Amount != got.amount
			if end < today {
				rv.due(old.Amount, got.amount)
			}
		}
		rv.data.Periods = append(rv.data.Periods, sp)
	}
	if endsOn != 0 && a.EndsOn != endsOn {
		rv.data.EndsOn = endsOn
		for _, p := range a.Periods {
			if p.N > nTo {
				rv.data.Periods = append(rv.data.Periods, storedPeriod{N: p.N, Start: p.Start, End: p.End, OldAmount: p.Amount, Removed: true, Explanation: -1})
				if p.End < today {
					rv.due(p.Amount, 0)
				}
			}
		}
	}
	rv.changed = len(rv.data.Periods) > 0 || rv.data.EndsOn != 0
	switch net := rv.data.Underpayment - rv.data.Overpayment; {
	case rv.data.EndsOn != 0:
		rv.outcome, rv.amount = Stopped, rv.data.Overpayment
	case net < 0:
		rv.outcome, rv.amount = Overpaid, -net
	case net > 0:
		rv.outcome, rv.amount = Underpaid, net
	case existingChanged:
		rv.outcome = Revised
	default:
		rv.outcome = NoChange
	}
	return rv, nil
}

func (rv *revision) due(old, new rules.Money) {
	if new < old {
		rv.data.Overpayment += old - new
	} else {
		rv.data.Underpayment += new - old
	}
}

func (a *Award) period(n int) (Period, bool) {
	i, found := slices.BinarySearchFunc(a.Periods, n, func(x Period, n int) int { return x.N - n })
	if !found {
		return Period{}, false
	}
	return a.Periods[i], true
}

// explanationIndex stores each distinct explanation once per event.
func explanationIndex(d *awardEvent, seen map[string]int, ex Explanation) int {
	raw, _ := json.Marshal(ex)
	if i, ok := seen[string(raw)]; ok {
		return i
	}
	seen[string(raw)] = len(d.Explanations)
	d.Explanations = append(d.Explanations, ex)
	return len(d.Explanations) - 1
}
