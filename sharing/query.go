package sharing

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/claims"
	"github.com/lifeline-gov/lifeline/provenance"
	"github.com/lifeline-gov/lifeline/rules"
)

// Query is a partner's question about one person, e.g. "does this person
// receive a benefit, and how much" for council tax reduction.
type Query struct {
	Agreement string      `json:"agreement"`
	Purpose   string      `json:"purpose"`
	Person    PersonMatch `json:"person"`
	Fields    []string    `json:"fields"`
}

// PersonMatch identifies a person: both must match the registration, so a
// mistyped number cannot disclose someone else's data.
type PersonMatch struct {
	NINO        string `json:"nino"`
	DateOfBirth string `json:"date_of_birth"`
}

// Answer is what a partner is told, with the receipt proving the
// disclosure is in the provenance log.
type Answer struct {
	DisclosureID string     `json:"disclosure_id"`
	Agreement    string     `json:"agreement"` // id@vN: the version that governed it
	Purpose      string     `json:"purpose"`
	On           rules.Date `json:"on"`
	// ConditionMet is false when the agreement's condition does not hold
	// for the person; then Data is empty.
	ConditionMet bool               `json:"condition_met"`
	Data         map[string]any     `json:"data"`
	Receipt      provenance.Receipt `json:"receipt"`
}

// AmountPaid is one benefit's amount for its current period.
type AmountPaid struct {
	Benefit     string      `json:"benefit"`
	Amount      rules.Money `json:"amount"`
	Frequency   string      `json:"frequency"`
	PeriodStart rules.Date  `json:"period_start"`
	PeriodEnd   rules.Date  `json:"period_end"`
}

// AwardDates is when one benefit's award started, and ends if it does.
type AwardDates struct {
	Benefit string     `json:"benefit"`
	Start   rules.Date `json:"start"`
	End     rules.Date `json:"end,omitempty"`
}

// Query answers a partner's query under one of its agreements, records the
// disclosure against the person and commits it to the provenance log. A
// request outside the agreement is refused with the reason, and nothing is
// disclosed or recorded. A retry with the same key returns the first answer.
func (s *Service) Query(ctx context.Context, p *Partner, q Query, key string) (*Answer, error) {
	a, err := s.authorise(ctx, p, q.Agreement, q.Purpose)
	if err != nil {
		return nil, err
	}
	if len(q.Fields) == 0 {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "fields", "list the fields wanted; agreement %s allows %s", a.ID, strings.Join(a.Fields, ", "))
	}
	for _, f := range q.Fields {
		if !slices.Contains(a.Fields, f) {
			return nil, lifeline.FieldErrorf(lifeline.EFORBIDDEN, "fields", "field %q is outside agreement %s, which allows %s; nothing was disclosed", truncate(f, 40), a.ID, strings.Join(a.Fields, ", "))
		}
	}
	nino, err := lifeline.ParseNINO(q.Person.NINO, s.allowSpecimen)
	if err != nil {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "person.nino", "%s", lifeline.ErrorMessage(err))
	}
	dob, err := rules.ParseDate(q.Person.DateOfBirth)
	if err != nil {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "person.date_of_birth", "give the person's date of birth as YYYY-MM-DD")
	}
	cond, err := s.conditionFor(a)
	if err != nil {
		return nil, err
	}
	person, err := s.findPerson(ctx, nino, dob)
	if err != nil {
		return nil, err
	}
	id, replay, err := s.reserve(ctx, p, a, person.ID, key)
	if err != nil || replay != nil {
		return replay, err
	}
	awards, err := s.awardsOf(ctx, person)
	if err != nil {
		return nil, err
	}
	on := s.today()
	rec := recordOf(person, awards, a.Benefits, on)
	ans := &Answer{DisclosureID: id, Agreement: a.Ref(), Purpose: q.Purpose, On: on, Data: map[string]any{}}
	ans.ConditionMet, err = cond.holds(Request{Purpose: q.Purpose, Fields: q.Fields}, rec.subject)
	if err != nil {
		return nil, err
	}
	if ans.ConditionMet {
		for _, f := range q.Fields {
			ans.Data[f] = rec.field(f)
		}
	}
	req := struct {
		ID string `json:"disclosure_id"`
		Query
	}{id, q}
	d := Disclosure{ID: id, PartnerID: p.ID, PartnerName: p.Name, Agreement: a.Ref(), Purpose: q.Purpose,
		LegalGateway: a.LegalGateway, Kind: "query", Fields: q.Fields, ConditionMet: ans.ConditionMet, Data: ans.Data, Request: req}
	ans.Receipt, err = s.disclose(ctx, person.ID, &d, a)
	if err != nil {
		return nil, err
	}
	return ans, nil
}

// findPerson finds the person with both the number and the date of birth.
// Either failing gets the same answer, which says nothing about which.
func (s *Service) findPerson(ctx context.Context, nino lifeline.NINO, dob rules.Date) (*claims.PersonView, error) {
	none := lifeline.FieldErrorf(lifeline.ENOTFOUND, "person", "no person matches that National Insurance number and date of birth")
	id, err := s.registry.FindPerson(ctx, nino)
	if lifeline.ErrorCode(err) == lifeline.ENOTFOUND {
		return nil, none
	}
	if err != nil {
		return nil, err
	}
	person, err := s.registry.Person(ctx, id, time.Time{}, 0)
	if lifeline.ErrorCode(err) == lifeline.ENOTFOUND {
		return nil, none
	}
	if err != nil {
		return nil, err
	}
	if person.DateOfBirth != dob {
		return nil, none
	}
	return person, nil
}

// awardsOf reads the awards a person's view links to.
func (s *Service) awardsOf(ctx context.Context, p *claims.PersonView) ([]*claims.Award, error) {
	out := make([]*claims.Award, 0, len(p.Awards))
	for _, l := range p.Awards {
		a, err := s.registry.AwardSummary(ctx, l.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// record is what may be disclosed about a person under one agreement:
// only the benefits the agreement covers are ever looked at.
type record struct {
	person  *claims.PersonView
	subject Subject
	amounts []AmountPaid
	dates   []AwardDates
}

func recordOf(p *claims.PersonView, awards []*claims.Award, covered []string, on rules.Date) *record {
	r := &record{person: p, subject: Subject{Age: int64(p.DateOfBirth.AgeOn(on)), Deceased: p.DiedOn != 0,
		PostcodeDistrict: district(p.Address.Postcode), Receives: []string{}, Benefits: []BenefitPaid{}}}
	for _, aw := range awards {
		if !slices.Contains(covered, aw.Benefit) || aw.Start > on || (aw.EndsOn != 0 && aw.EndsOn < on) {
			continue
		}
		per, ok := periodOn(aw, on)
		if !ok || per.Amount <= 0 {
			continue
		}
		if !slices.Contains(r.subject.Receives, aw.Benefit) {
			r.subject.Receives = append(r.subject.Receives, aw.Benefit)
		}
		r.subject.Benefits = append(r.subject.Benefits, BenefitPaid{Name: aw.Benefit, Amount: int64(per.Amount), Frequency: aw.Frequency, Start: aw.Start.String()})
		r.amounts = append(r.amounts, AmountPaid{Benefit: aw.Benefit, Amount: per.Amount, Frequency: aw.Frequency, PeriodStart: per.Start, PeriodEnd: per.End})
		r.dates = append(r.dates, AwardDates{Benefit: aw.Benefit, Start: aw.Start, End: aw.EndsOn})
	}
	return r
}

// field returns one disclosable field's value.
func (r *record) field(name string) any {
	switch name {
	case "receives_benefit":
		return len(r.subject.Receives) > 0
	case "benefits":
		return r.subject.Receives
	case "amounts":
		return nonNil(r.amounts)
	case "award_dates":
		return nonNil(r.dates)
	case "name":
		return map[string]string{"given_names": r.person.GivenNames, "family_name": r.person.FamilyName}
	case "date_of_birth":
		return r.person.DateOfBirth
	case "address":
		return r.person.Address
	case "date_of_death":
		if r.person.DiedOn == 0 {
			return nil
		}
		return r.person.DiedOn
	}
	panic("sharing: no field " + name) // fields are checked against Fields first
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// periodOn returns the award's period containing day, or else its latest
// period that started on or before it (the award goes on at that amount).
func periodOn(a *claims.Award, day rules.Date) (claims.Period, bool) {
	var best claims.Period
	found := false
	for _, p := range a.Periods {
		if p.Start <= day && (!found || p.Start > best.Start) {
			best, found = p, true
		}
	}
	return best, found
}

// district is a postcode's outward code, e.g. "LS1" of "LS1 4AP".
func district(postcode string) string {
	out, _, _ := strings.Cut(postcode, " ")
	return out
}

// hashJSON is the SHA-256 of v's JSON encoding. Every hashed value carries
// the disclosure's random id, so the hash in the public log cannot be
// brute-forced back to a National Insurance number.
func hashJSON(v any) [sha256.Size]byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("sharing: " + err.Error())
	}
	return sha256.Sum256(b)
}
