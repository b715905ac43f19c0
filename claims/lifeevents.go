package claims

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/modulus"
	"github.com/lifeline-gov/lifeline/rules"
)

// Life event types: the only ways the facts about a person change. Each is
// recorded in the person's stream with occurred_at set to the day it
// happened, so the stream is a bitemporal history of the person.
const (
	AddressChanged       = "address-changed"
	PartnerMovedIn       = "partner-moved-in"
	PartnerMovedOut      = "partner-moved-out"
	ChildBorn            = "child-born"
	ChildJoined          = "child-joined"
	ChildLeft            = "child-left"
	NonDependantMovedIn  = "non-dependant-moved-in"
	NonDependantMovedOut = "non-dependant-moved-out"
	Death                = "death"
	EarningsReported     = "earnings-reported"
	StartedCaring        = "started-caring"
	StoppedCaring        = "stopped-caring"
	DisabilityAssessed   = "disability-assessed"
	RentChanged          = "rent-changed"
	CapitalChanged       = "capital-changed"
	BankDetailsChanged   = "bank-details-changed"
	EnteredHospital      = "entered-hospital"
	LeftHospital         = "left-hospital"
	WentAbroad           = "went-abroad"
	ReturnedToGB         = "returned-to-gb"
	IdentityVerified     = "identity-verified"
	NIRecordUpdated      = "ni-record-updated"
)

// Facts the platform records itself rather than takes from a report.
const (
	personRegistered = "person-registered"
	// partnerJoined and partnerLeft mirror a partner's report into the
	// other partner's stream, so each person's history is complete alone.
	partnerJoined = "partner-joined"
	partnerLeft   = "partner-left"
	claimLinked   = "claim-linked"
	awardLinked   = "award-linked"
)

// lifeEventData is every field a life event may carry; which ones a type
// takes is listed in lifeEventFields, and anything else is refused.
type lifeEventData struct {
	Address           *Address     `json:"address,omitempty"`
	PartnerID         string       `json:"partner_id,omitempty"`
	ChildID           string       `json:"child_id,omitempty"`
	Name              string       `json:"name,omitempty"`
	DateOfBirth       rules.Date   `json:"date_of_birth,omitempty"`
	Disability        string       `json:"disability,omitempty"`
	Exception         string       `json:"two_child_limit_exception,omitempty"`
	NonDependantID    string       `json:"non_dependant_id,omitempty"`
	Exempt            bool         `json:"exempt,omitempty"`
	Employer          string       `json:"employer_paye_reference,omitempty"`
	Amount            *rules.Money `json:"amount,omitempty"`
	HoursPerWeek      int          `json:"hours_per_week,omitempty"`
	CaredForQualifies bool         `json:"cared_for_receives_qualifying_benefit,omitempty"`
	PIPDailyLiving    *int         `json:"pip_daily_living_points,omitempty"`
	PIPMobility       *int         `json:"pip_mobility_points,omitempty"`
	LCWRA             *bool        `json:"lcwra,omitempty"`
	AttendanceNeeds   string       `json:"attendance_needs,omitempty"`
	Tenure            string       `json:"tenure,omitempty"`
	MonthlyRent       *rules.Money `json:"monthly_rent,omitempty"`
	LHARate           *rules.Money `json:"lha_rate,omitempty"`
	Bank              *BankAccount `json:"bank_account,omitempty"`
	Verified          bool         `json:"verified,omitempty"` // the change was confirmed with the person: no cooling-off
	Confidence        string       `json:"confidence,omitempty"`
	QualifyingYears   *int         `json:"qualifying_years,omitempty"`
	Cause             string       `json:"cause,omitempty"` // mirrors: the event mirrored
}

// lifeEventFields lists, per type, the data fields it takes and which of
// them are required (marked with a trailing '!').
var lifeEventFields = map[string][]string{
	AddressChanged:       {"address!"},
	PartnerMovedIn:       {"partner_id!"},
	PartnerMovedOut:      {},
	ChildBorn:            {"name", "disability"},
	ChildJoined:          {"name", "date_of_birth!", "disability", "two_child_limit_exception"},
	ChildLeft:            {"child_id!"},
	NonDependantMovedIn:  {"name", "date_of_birth!", "exempt"},
	NonDependantMovedOut: {"non_dependant_id!"},
	Death:                {},
	EarningsReported:     {"employer_paye_reference!", "amount!"},
	StartedCaring:        {"hours_per_week!", "cared_for_receives_qualifying_benefit"},
	StoppedCaring:        {},
	DisabilityAssessed:   {"pip_daily_living_points", "pip_mobility_points", "lcwra", "attendance_needs"},
	RentChanged:          {"tenure!", "monthly_rent", "lha_rate"},
	CapitalChanged:       {"amount!"},
	BankDetailsChanged:   {"bank_account!", "verified"},
	EnteredHospital:      {},
	LeftHospital:         {},
	WentAbroad:           {},
	ReturnedToGB:         {},
	IdentityVerified:     {"confidence!"},
	NIRecordUpdated:      {"qualifying_years!"},
}

// LifeEventTypes lists the types a report may have, sorted.
func LifeEventTypes() []string {
	types := make([]string, 0, len(lifeEventFields))
	for t := range lifeEventFields {
		types = append(types, t)
	}
	slices.Sort(types)
	return types
}

func isLifeEvent(t string) bool { _, ok := lifeEventFields[t]; return ok }

// decodeLifeEventData reads a report's data strictly for its type and
// returns it checked, in its stored form. on is the day it happened.
func decodeLifeEventData(typ string, raw json.RawMessage, on rules.Date) (lifeEventData, error) {
	var d lifeEventData
	fields, ok := lifeEventFields[typ]
	if !ok {
		return d, lifeline.FieldErrorf(lifeline.EINVALID, "type", "%q is not a life event type: use one of %s", truncate(typ, 40), strings.Join(LifeEventTypes(), ", "))
	}
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		raw = json.RawMessage("{}")
	}
	var present map[string]json.RawMessage
	if err := json.Unmarshal(raw, &present); err != nil {
		return d, lifeline.FieldErrorf(lifeline.EINVALID, "data", "data must be a JSON object")
	}
	allowed := map[string]bool{}
	for _, f := range fields {
		name, required := strings.CutSuffix(f, "!")
		allowed[name] = true
		if required && present[name] == nil {
			return d, lifeline.FieldErrorf(lifeline.EINVALID, "data."+name, "a %s event needs data.%s", typ, name)
		}
	}
	for name := range present {
		if !allowed[name] {
			return d, lifeline.FieldErrorf(lifeline.EINVALID, "data."+name, "a %s event does not take data.%s; it takes: %s", typ, name, fieldList(fields))
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return d, dataError(err)
	}
	return d, d.check(typ, on)
}

func fieldList(fields []string) string {
	if len(fields) == 0 {
		return "no fields"
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = strings.TrimSuffix(f, "!")
	}
	return strings.Join(names, ", ")
}

func dataError(err error) error {
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typ):
		return lifeline.FieldErrorf(lifeline.EINVALID, "data."+typ.Field, "data.%s has the wrong type (JSON %s)", typ.Field, typ.Value)
	case errors.Is(err, io.EOF):
		return lifeline.FieldErrorf(lifeline.EINVALID, "data", "data is empty")
	}
	return lifeline.FieldErrorf(lifeline.EINVALID, "data", "data is not valid: %v", strings.TrimPrefix(err.Error(), "json: "))
}

var (
	disabilities = rules.DisabilityNames()
	exceptions   = rules.ExceptionNames()
	needs        = rules.NeedsNames()
	tenures      = rules.TenureNames()
	confidences  = []string{"none", "low", "medium", "high"}
)

func oneOf(field, v string, allowed []string) error {
	if slices.Contains(allowed, v) {
		return nil
	}
	return lifeline.FieldErrorf(lifeline.EINVALID, field, "%q is not allowed: use one of %s", truncate(v, 40), strings.Join(allowed, ", "))
}

// check validates what can be judged from the data alone.
func (d *lifeEventData) check(typ string, on rules.Date) error {
	switch typ {
	case AddressChanged:
		return d.Address.check("data.address")
	case PartnerMovedIn:
		return checkID("data.partner_id", d.PartnerID)
	case ChildBorn, ChildJoined:
		if typ == ChildBorn {
			d.DateOfBirth = on
		}
		if d.DateOfBirth > on {
			return lifeline.FieldErrorf(lifeline.EINVALID, "data.date_of_birth", "the child's date of birth %s is after the day they joined the household", d.DateOfBirth)
		}
		if d.DateOfBirth.AgeOn(on) >= 20 {
			return lifeline.FieldErrorf(lifeline.EINVALID, "data.date_of_birth", "a person aged 20 or over is not a child or qualifying young person: report them as a non-dependant")
		}
		if len(d.Name) > 100 {
			return lifeline.FieldErrorf(lifeline.EINVALID, "data.name", "name is over 100 characters")
		}
		if d.Disability == "" {
			d.Disability = "none"
		}
		if err := oneOf("data.disability", d.Disability, disabilities); err != nil {
			return err
		}
		return oneOf("data.two_child_limit_exception", d.Exception, exceptions)
	case ChildLeft:
		return checkID("data.child_id", d.ChildID)
	case NonDependantMovedIn:
		if d.DateOfBirth.AgeOn(on) < 16 {
			return lifeline.FieldErrorf(lifeline.EINVALID, "data.date_of_birth", "a non-dependant is 16 or over on the day they move in; report a younger person as a child")
		}
		if len(d.Name) > 100 {
			return lifeline.FieldErrorf(lifeline.EINVALID, "data.name", "name is over 100 characters")
		}
	case NonDependantMovedOut:
		return checkID("data.non_dependant_id", d.NonDependantID)
	case EarningsReported:
		if d.Employer == "" || len(d.Employer) > 14 {
			return lifeline.FieldErrorf(lifeline.EINVALID, "data.employer_paye_reference", "the employer's PAYE reference is 1 to 14 characters, like 123/AB456")
		}
	case StartedCaring:
		if d.HoursPerWeek < 1 || d.HoursPerWeek > 168 {
			return lifeline.FieldErrorf(lifeline.EINVALID, "data.hours_per_week", "hours of caring must be from 1 to 168 a week")
		}
	case DisabilityAssessed:
		if d.PIPDailyLiving == nil && d.PIPMobility == nil && d.LCWRA == nil && d.AttendanceNeeds == "" {
			return lifeline.FieldErrorf(lifeline.EINVALID, "data", "a disability assessment needs at least one of pip_daily_living_points, pip_mobility_points, lcwra, attendance_needs")
		}
		for _, p := range []struct {
			name string
			v    *int
		}{{"pip_daily_living_points", d.PIPDailyLiving}, {"pip_mobility_points", d.PIPMobility}} {
			if p.v != nil && (*p.v < 0 || *p.v > 100) {
				return lifeline.FieldErrorf(lifeline.EINVALID, "data."+p.name, "points must be from 0 to 100")
			}
		}
		if d.AttendanceNeeds != "" {
			return oneOf("data.attendance_needs", d.AttendanceNeeds, needs)
		}
	case RentChanged:
		if err := oneOf("data.tenure", d.Tenure, tenures); err != nil {
			return err
		}
		renting := d.Tenure == "private-rent" || d.Tenure == "social-rent"
		if renting != (d.MonthlyRent != nil) {
			return lifeline.FieldErrorf(lifeline.EINVALID, "data.monthly_rent", "monthly_rent is given for private-rent and social-rent, and only for them")
		}
		if d.LHARate != nil && d.Tenure != "private-rent" {
			return lifeline.FieldErrorf(lifeline.EINVALID, "data.lha_rate", "lha_rate applies only to private-rent")
		}
	case BankDetailsChanged:
		return d.Bank.check("data.bank_account")
	case IdentityVerified:
		return oneOf("data.confidence", d.Confidence, confidences)
	case NIRecordUpdated:
		if *d.QualifyingYears < 0 || *d.QualifyingYears > 60 {
			return lifeline.FieldErrorf(lifeline.EINVALID, "data.qualifying_years", "qualifying years must be from 0 to 60")
		}
	}
	return nil
}

func checkID(field, id string) error {
	if _, err := lifeline.ParseID(id); err != nil {
		return lifeline.FieldErrorf(lifeline.EINVALID, field, "%q is not an identifier: use the id the platform gave, like 0190a5c2-7f4e-7b3a-9c1d-2e5f6a7b8c9d", truncate(id, 40))
	}
	return nil
}

// Address is a UK postal address.
type Address struct {
	Lines    []string `json:"lines"`
	Postcode string   `json:"postcode"`
}

func (a *Address) check(field string) error {
	if len(a.Lines) == 0 || len(a.Lines) > 5 {
		return lifeline.FieldErrorf(lifeline.EINVALID, field+".lines", "an address has 1 to 5 lines before the postcode")
	}
	for i, l := range a.Lines {
		l = strings.TrimSpace(l)
		if l == "" || len(l) > 100 {
			return lifeline.FieldErrorf(lifeline.EINVALID, field+".lines", "address line %d must be 1 to 100 characters", i+1)
		}
		a.Lines[i] = l
	}
	pc, err := lifeline.ParsePostcode(a.Postcode)
	if err != nil {
		return lifeline.FieldErrorf(lifeline.EINVALID, field+".postcode", "%s", lifeline.ErrorMessage(err))
	}
	a.Postcode = string(pc)
	return nil
}

// BankAccount is a UK account that benefits are paid into.
type BankAccount struct {
	SortCode      string `json:"sort_code"`
	AccountNumber string `json:"account_number"`
	HolderName    string `json:"holder_name"`
}

// check normalises the account and refuses one that fails the Vocalink
// modulus check, so that no payment is ever sent to a mistyped account.
func (b *BankAccount) check(field string) error {
	sc, err := modulus.ParseSortCode(b.SortCode)
	if err != nil {
		return lifeline.FieldErrorf(lifeline.EINVALID, field+".sort_code", "%s", lifeline.ErrorMessage(err))
	}
	acc, err := modulus.ParseAccountNumber(b.AccountNumber)
	if err != nil {
		return lifeline.FieldErrorf(lifeline.EINVALID, field+".account_number", "%s", lifeline.ErrorMessage(err))
	}
	if err := modulus.Validate(sc, acc); err != nil {
		return lifeline.FieldErrorf(lifeline.EINVALID, field+".account_number", "%s", lifeline.ErrorMessage(err))
	}
	b.SortCode, b.AccountNumber = sc, acc
	b.HolderName = strings.TrimSpace(b.HolderName)
	if b.HolderName == "" || len(b.HolderName) > 70 {
		return lifeline.FieldErrorf(lifeline.EINVALID, field+".holder_name", "the account holder's name must be 1 to 70 characters")
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
