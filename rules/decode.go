package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/lifeline-gov/lifeline"
)

// Situation is one household in one period, as "lifeline calc" and
// POST /v1/calculate receive it.
type Situation struct {
	Period    Period
	Household Household
}

// maxSituationBytes bounds the input; a real household is a few kilobytes.
const maxSituationBytes = 1 << 20

// The wire format. Field names are a public contract: see docs/RULES.md.
type wireSituation struct {
	Period    *string        `json:"period"`
	Household *wireHousehold `json:"household"`
}

type wireHousehold struct {
	Country        *string            `json:"country"`
	London         *bool              `json:"london"`
	Adults         []wireAdult        `json:"adults"`
	Children       []wireChild        `json:"children"`
	Housing        *wireHousing       `json:"housing"`
	NonDependants  []wireNonDependant `json:"non_dependants"`
	ChildcareCosts *string            `json:"childcare_costs"`
	Capital        *string            `json:"capital"`
}

type wireAdult struct {
	ID                                *string `json:"id"`
	DateOfBirth                       *string `json:"date_of_birth"`
	Earnings                          *string `json:"earnings"`
	UnearnedIncome                    *string `json:"unearned_income"`
	LCWRA                             *bool   `json:"lcwra"`
	LCWRAProtected                    *bool   `json:"lcwra_protected"`
	CaringHours                       *int    `json:"caring_hours"`
	CaredForReceivesQualifyingBenefit *bool   `json:"cared_for_receives_qualifying_benefit"`
	InFullTimeEducation               *bool   `json:"in_full_time_education"`
	PIPDailyLivingPoints              *int    `json:"pip_daily_living_points"`
	PIPMobilityPoints                 *int    `json:"pip_mobility_points"`
	AttendanceNeeds                   *string `json:"attendance_needs"`
	NIQualifyingYears                 *int    `json:"ni_qualifying_years"`
	PartnerDiedOn                     *string `json:"partner_died_on"`
	InHospitalSince                   *string `json:"in_hospital_since"`
	AbroadSince                       *string `json:"abroad_since"`
}

type wireChild struct {
	DateOfBirth            *string `json:"date_of_birth"`
	Disability             *string `json:"disability"`
	TwoChildLimitException *string `json:"two_child_limit_exception"`
	InApprovedEducation    *bool   `json:"in_approved_education"`
}

type wireHousing struct {
	Tenure  *string `json:"tenure"`
	Rent    *string `json:"rent"`
	LHARate *string `json:"lha_rate"`
}

type wireNonDependant struct {
	Age    *int  `json:"age"`
	Exempt *bool `json:"exempt"`
}

// DecodeSituation reads one situation as JSON and validates it strictly:
// unknown fields, malformed money or dates, impossible values and trailing
// data are *lifeline.Error values with code EINVALID naming the field, for
// example "household.adults[0].date_of_birth".
func DecodeSituation(r io.Reader) (Situation, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxSituationBytes+1))
	if err != nil {
		return Situation{}, lifeline.Errorf(lifeline.EINVALID, "cannot read the situation: %v", err)
	}
	if len(b) > maxSituationBytes {
		return Situation{}, lifeline.Errorf(lifeline.ETOOLARGE, "the situation is larger than %d bytes", maxSituationBytes)
	}
	var w wireSituation
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		err = jsonError(err)
		if lifeline.ErrorField(err) != "" && strings.HasPrefix(lifeline.ErrorMessage(err), "unknown field") {
			if path := unknownFieldPath(b); path != "" {
				return Situation{}, lifeline.FieldErrorf(lifeline.EINVALID, path, "unknown field %s", path)
			}
		}
		return Situation{}, err
	}
	if dec.More() {
		return Situation{}, lifeline.Errorf(lifeline.EINVALID, "unexpected data after the situation object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return Situation{}, lifeline.Errorf(lifeline.EINVALID, "unexpected data after the situation object")
	}
	return w.validate()
}

// jsonError turns an encoding/json error into one naming the field.
func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return lifeline.Errorf(lifeline.EINVALID, "malformed JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "situation"
		}
		return lifeline.FieldErrorf(lifeline.EINVALID, field, "%s must be a JSON %s, not %s", field, jsonKind(typ.Type.String()), typ.Value)
	case errors.Is(err, io.EOF):
		return lifeline.Errorf(lifeline.EINVALID, "the situation is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return lifeline.Errorf(lifeline.EINVALID, "malformed JSON: the input ends early")
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return lifeline.FieldErrorf(lifeline.EINVALID, name, "unknown field %q", name)
	}
	return lifeline.Errorf(lifeline.EINVALID, "malformed JSON: %s", strings.TrimPrefix(msg, "json: "))
}

// unknownFieldPath finds the full path of the first unknown field in b, such
// as "household.adults[0].salary", by walking the JSON against the wire
// types' tags; encoding/json reports only the field's own name.
func unknownFieldPath(b []byte) string {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return ""
	}
	return findUnknown(v, reflect.TypeFor[wireSituation](), "")
}

func findUnknown(v any, t reflect.Type, path string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch x := v.(type) {
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return ""
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			field, ok := fieldByTag(t, k)
			p := k
			if path != "" {
				p = path + "." + k
			}
			if !ok {
				return p
			}
			if found := findUnknown(x[k], field.Type, p); found != "" {
				return found
			}
		}
	case []any:
		if t.Kind() != reflect.Slice {
			return ""
		}
		for i, e := range x {
			if found := findUnknown(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); found != "" {
				return found
			}
		}
	}
	return ""
}

// fieldByTag matches a JSON key to a field as encoding/json does: the tag
// name, case-insensitively.
func fieldByTag(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if strings.EqualFold(name, key) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func jsonKind(goType string) string {
	switch {
	case strings.Contains(goType, "string"):
		return "string"
	case strings.Contains(goType, "int"):
		return "whole number"
	case strings.Contains(goType, "bool"):
		return "boolean (true or false)"
	case strings.HasPrefix(goType, "[]"):
		return "array"
	}
	return "object"
}

func invalid(field, format string, args ...any) error {
	return lifeline.FieldErrorf(lifeline.EINVALID, field, "%s %s", field, fmt.Sprintf(format, args...))
}

func (w *wireSituation) validate() (Situation, error) {
	var s Situation
	if w.Period == nil {
		return s, invalid("period", "is required")
	}
	p, err := ParsePeriod(*w.Period)
	if err != nil {
		return s, invalid("period", "%v", err)
	}
	s.Period = p
	if w.Household == nil {
		return s, invalid("household", "is required")
	}
	h, err := w.Household.validate(p)
	if err != nil {
		return s, err
	}
	s.Household = h
	return s, nil
}

func (w *wireHousehold) validate(p Period) (Household, error) {
	var h Household
	if w.Country != nil {
		c, ok := lookup[Country](countryNames[:], *w.Country)
		if !ok {
			return h, invalid("household.country", "must be one of england, wales, scotland, northern-ireland")
		}
		h.Country = c
	}
	h.London = w.London != nil && *w.London
	if len(w.Adults) < 1 || len(w.Adults) > 2 {
		return h, invalid("household.adults", "must list 1 or 2 adults (the claimant and any partner)")
	}
	for i := range w.Adults {
		a, err := w.Adults[i].validate(fmt.Sprintf("household.adults[%d]", i), i, p)
		if err != nil {
			return h, err
		}
		h.Adults = append(h.Adults, a)
	}
	if len(h.Adults) == 2 && h.Adults[0].ID == h.Adults[1].ID {
		return h, invalid("household.adults[1].id", "must differ from the first adult's id")
	}
	if len(w.Children) > 20 {
		return h, invalid("household.children", "lists more than 20 children")
	}
	for i := range w.Children {
		c, err := w.Children[i].validate(fmt.Sprintf("household.children[%d]", i), p)
		if err != nil {
			return h, err
		}
		h.Children = append(h.Children, c)
	}
	// Eldest first: the two-child limit and the Child Benefit eldest rate
	// depend on order of birth.
	slices.SortStableFunc(h.Children, func(a, b Child) int { return int(a.DateOfBirth - b.DateOfBirth) })
	if w.Housing != nil {
		if w.Housing.Tenure != nil {
			t, ok := lookup[Tenure](tenureNames[:], *w.Housing.Tenure)
			if !ok {
				return h, invalid("household.housing.tenure", "must be one of none, private-rent, social-rent, owner")
			}
			h.Tenure = t
		}
		var err error
		if h.Rent, err = moneyField("household.housing.rent", w.Housing.Rent); err != nil {
			return h, err
		}
		if h.LHARate, err = moneyField("household.housing.lha_rate", w.Housing.LHARate); err != nil {
			return h, err
		}
		if h.Tenure == PrivateRent && h.Rent > 0 && h.LHARate == 0 {
			return h, invalid("household.housing.lha_rate", "is required for a private renter: give the monthly Local Housing Allowance rate that applies")
		}
	}
	if len(w.NonDependants) > 20 {
		return h, invalid("household.non_dependants", "lists more than 20 people")
	}
	for i, nd := range w.NonDependants {
		field := fmt.Sprintf("household.non_dependants[%d]", i)
		if nd.Age == nil {
			return h, invalid(field+".age", "is required")
		}
		if *nd.Age < 16 || *nd.Age > 130 {
			return h, invalid(field+".age", "must be between 16 and 130")
		}
		h.NonDependants = append(h.NonDependants, NonDependant{Age: *nd.Age, Exempt: nd.Exempt != nil && *nd.Exempt})
	}
	var err error
	if h.ChildcareCosts, err = moneyField("household.childcare_costs", w.ChildcareCosts); err != nil {
		return h, err
	}
	if h.Capital, err = moneyField("household.capital", w.Capital); err != nil {
		return h, err
	}
	return h, nil
}

func (w *wireAdult) validate(field string, i int, p Period) (Adult, error) {
	var a Adult
	a.ID = fmt.Sprintf("a%d", i+1)
	if w.ID != nil {
		if *w.ID == "" || len(*w.ID) > 64 {
			return a, invalid(field+".id", "must be 1 to 64 characters")
		}
		a.ID = *w.ID
	}
	if w.DateOfBirth == nil {
		return a, invalid(field+".date_of_birth", "is required")
	}
	dob, err := ParseDate(*w.DateOfBirth)
	if err != nil {
		return a, invalid(field+".date_of_birth", "%v", err)
	}
	if dob > p.Last() {
		return a, invalid(field+".date_of_birth", "is after the period assessed")
	}
	a.DateOfBirth = dob
	if a.Earnings, err = moneyField(field+".earnings", w.Earnings); err != nil {
		return a, err
	}
	if a.UnearnedIncome, err = moneyField(field+".unearned_income", w.UnearnedIncome); err != nil {
		return a, err
	}
	a.LCWRA = w.LCWRA != nil && *w.LCWRA
	a.LCWRAProtected = w.LCWRAProtected != nil && *w.LCWRAProtected
	if w.CaringHours != nil {
		if *w.CaringHours < 0 || *w.CaringHours > 168 {
			return a, invalid(field+".caring_hours", "must be between 0 and 168 hours a week")
		}
		a.CaringHours = *w.CaringHours
	}
	a.CaredForQualifies = w.CaredForReceivesQualifyingBenefit != nil && *w.CaredForReceivesQualifyingBenefit
	a.InFullTimeEducation = w.InFullTimeEducation != nil && *w.InFullTimeEducation
	if w.PIPDailyLivingPoints != nil || w.PIPMobilityPoints != nil {
		a.PIPAssessed = true
		if a.PIPDailyLivingPoints, err = points(field+".pip_daily_living_points", w.PIPDailyLivingPoints); err != nil {
			return a, err
		}
		if a.PIPMobilityPoints, err = points(field+".pip_mobility_points", w.PIPMobilityPoints); err != nil {
			return a, err
		}
	}
	if w.AttendanceNeeds != nil {
		n, ok := lookup[Needs](needsNames[:], *w.AttendanceNeeds)
		if !ok {
			return a, invalid(field+".attendance_needs", "must be one of none, day-or-night, day-and-night")
		}
		a.AttendanceNeeds = n
	}
	if w.NIQualifyingYears != nil {
		if *w.NIQualifyingYears < 0 || *w.NIQualifyingYears > 60 {
			return a, invalid(field+".ni_qualifying_years", "must be between 0 and 60")
		}
		a.SPAssessed = true
		a.NIQualifyingYears = *w.NIQualifyingYears
	}
	if w.PartnerDiedOn != nil {
		d, err := ParseDate(*w.PartnerDiedOn)
		if err != nil {
			return a, invalid(field+".partner_died_on", "%v", err)
		}
		if d < dob {
			return a, invalid(field+".partner_died_on", "is before the adult's date of birth")
		}
		a.PartnerDiedOn = d
	}
	for _, since := range []struct {
		name string
		in   *string
		out  *Date
	}{{"in_hospital_since", w.InHospitalSince, &a.InHospitalSince}, {"abroad_since", w.AbroadSince, &a.AbroadSince}} {
		if since.in == nil {
			continue
		}
		d, err := ParseDate(*since.in)
		if err != nil {
			return a, invalid(field+"."+since.name, "%v", err)
		}
		if d < dob || d > p.Last() {
			return a, invalid(field+"."+since.name, "must be between the adult's date of birth and the end of the period")
		}
		*since.out = d
	}
	return a, nil
}

func (w *wireChild) validate(field string, p Period) (Child, error) {
	var c Child
	if w.DateOfBirth == nil {
		return c, invalid(field+".date_of_birth", "is required")
	}
	dob, err := ParseDate(*w.DateOfBirth)
	if err != nil {
		return c, invalid(field+".date_of_birth", "%v", err)
	}
	if dob > p.Last() {
		return c, invalid(field+".date_of_birth", "is after the period assessed")
	}
	c.DateOfBirth = dob
	if w.Disability != nil {
		d, ok := lookup[Disability](disabilityNames[:], *w.Disability)
		if !ok {
			return c, invalid(field+".disability", "must be one of none, lower, higher")
		}
		c.Disability = d
	}
	if w.TwoChildLimitException != nil {
		e, ok := lookup[Exception](exceptionNames[:], *w.TwoChildLimitException)
		if !ok {
			return c, invalid(field+".two_child_limit_exception", `must be one of "", multiple-birth, adoption, kinship-care, non-consensual-conception, child-of-child`)
		}
		c.Exception = e
	}
	c.InApprovedEducation = w.InApprovedEducation != nil && *w.InApprovedEducation
	return c, nil
}

func moneyField(field string, s *string) (Money, error) {
	if s == nil {
		return 0, nil
	}
	m, err := ParseMoney(*s)
	if err != nil {
		return 0, invalid(field, "%v (got %q)", err, truncate(*s))
	}
	return m, nil
}

func points(field string, p *int) (int, error) {
	if p == nil {
		return 0, nil
	}
	if *p < 0 || *p > 200 {
		return 0, invalid(field, "must be between 0 and 200")
	}
	return *p, nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
