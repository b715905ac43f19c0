package claims

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/rules"
)

// Details are what a person is registered with.
type Details struct {
	NINO               string          `json:"nino"`
	GivenNames         string          `json:"given_names"`
	FamilyName         string          `json:"family_name"`
	DateOfBirth        rules.Date      `json:"date_of_birth"`
	Address            Address         `json:"address"`
	Contact            Contact         `json:"contact"`
	BankAccount        *BankAccount    `json:"bank_account,omitempty"`
	IdentityConfidence string          `json:"identity_confidence"`
	Representative     *Representative `json:"representative,omitempty"`
}

// Contact is how to reach a person.
type Contact struct {
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// Representative is someone who acts for the person.
type Representative struct {
	Name  string `json:"name"`
	Role  string `json:"role"` // appointee, power-of-attorney, deputy, representative
	Phone string `json:"phone,omitempty"`
}

var representativeRoles = []string{"appointee", "power-of-attorney", "deputy", "representative"}

// fact is one effective-dated change in a person's history.
type fact struct {
	eventID    string
	typ        string
	on         rules.Date
	recordedAt time.Time
	position   int64
	data       lifeEventData
}

// Earning is one payment of earnings reported by an employer (as HMRC's
// real-time information reports each payday).
type Earning struct {
	PaidOn   rules.Date  `json:"paid_on"`
	Employer string      `json:"employer_paye_reference"`
	Amount   rules.Money `json:"amount"`
}

// Child is a child or qualifying young person in the household.
type Child struct {
	ID          string     `json:"id"`
	Name        string     `json:"name,omitempty"`
	DateOfBirth rules.Date `json:"date_of_birth"`
	Disability  string     `json:"disability"`
	Exception   string     `json:"two_child_limit_exception,omitempty"`
	JoinedOn    rules.Date `json:"joined_on"`
}

// NonDependant is an adult living in the household who is not in the
// benefit unit, such as a grown-up son or daughter.
type NonDependant struct {
	ID          string     `json:"id"`
	Name        string     `json:"name,omitempty"`
	DateOfBirth rules.Date `json:"date_of_birth"`
	Exempt      bool       `json:"exempt,omitempty"`
	JoinedOn    rules.Date `json:"joined_on"`
}

// State is what is true about a person on one day.
type State struct {
	Details
	DiedOn          rules.Date     `json:"died_on,omitempty"`
	PartnerID       string         `json:"partner_id,omitempty"`
	PartnerSince    rules.Date     `json:"partner_since,omitempty"`
	BereavedOf      string         `json:"bereaved_of,omitempty"` // a partner who died`
	Children        []Child        `json:"children"`
	NonDependants   []NonDependant `json:"non_dependants"`
	Tenure          string         `json:"tenure"`
	MonthlyRent     rules.Money    `json:"monthly_rent"`
	LHARate         rules.Money    `json:"lha_rate"`
	Capital         rules.Money    `json:"capital"`
	CaringHours     int            `json:"caring_hours_per_week"`
	CaredForQual    bool           `json:"cared_for_receives_qualifying_benefit"`
	PIPAssessed     bool           `json:"pip_assessed"`
	PIPDailyLiving  int            `json:"pip_daily_living_points"`
	PIPMobility     int            `json:"pip_mobility_points"`
	LCWRA           bool           `json:"lcwra"`
	LCWRASince      rules.Date     `json:"lcwra_since,omitempty"`
	AttendanceNeeds string         `json:"attendance_needs"`
	NIAssessed      bool           `json:"ni_record_known"`
	NIYears         int            `json:"ni_qualifying_years"`
	BankChangedOn   rules.Date     `json:"bank_changed_on,omitempty"`
	BankVerified    bool           `json:"bank_change_verified,omitempty"`
	InHospitalSince rules.Date     `json:"in_hospital_since,omitempty"`
	AbroadSince     rules.Date     `json:"abroad_since,omitempty"`
}

// Link ties a person to one of their claims or awards.
type Link struct {
	ID      string `json:"id"`
	Benefit string `json:"benefit"`
}

// Timeline is a person's history folded from their stream: what was
// registered, every fact in the order it took effect, and their claims and
// awards. It is pure: built from events, asked about days.
type Timeline struct {
	ID         string
	Version    int64 // the stream version it was built from
	registered Details
	facts      []fact // sorted by the day each took effect, then by position
	earnings   []Earning
	Claims     []Link
	Awards     []Link
	Erased     bool
	reports    map[string]string // report marker (from an idempotency key) -> event id
}

// buildTimeline folds a person's stream.
func buildTimeline(id string, events []lifeline.Event) (*Timeline, error) {
	t := &Timeline{ID: id}
	for _, e := range events {
		t.Version = e.Version
		if m := e.Metadata.CorrelationID; strings.HasPrefix(m, reportMarkerPrefix) {
			if t.reports == nil {
				t.reports = map[string]string{}
			}
			t.reports[m] = e.ID
		}
		if e.Erased {
			t.Erased = true
			continue
		}
		switch e.Type {
		case personRegistered:
			if err := json.Unmarshal(e.Data, &t.registered); err != nil {
				return nil, fmt.Errorf("claims: person %s: registration: %w", id, err)
			}
		case claimLinked, awardLinked:
			var l Link
			if err := json.Unmarshal(e.Data, &l); err != nil {
				return nil, fmt.Errorf("claims: person %s: %s: %w", id, e.Type, err)
			}
			if e.Type == claimLinked {
				t.Claims = append(t.Claims, l)
			} else {
				t.Awards = append(t.Awards, l)
			}
		default:
			if !isLifeEvent(e.Type) && e.Type != partnerJoined && e.Type != partnerLeft {
				continue
			}
			f := fact{eventID: e.ID, typ: e.Type, on: civilDate(e.OccurredAt), recordedAt: e.RecordedAt, position: e.Position}
			if err := json.Unmarshal(e.Data, &f.data); err != nil {
				return nil, fmt.Errorf("claims: person %s: %s: %w", id, e.Type, err)
			}
			if e.Type == EarningsReported {
				t.earnings = append(t.earnings, Earning{PaidOn: f.on, Employer: f.data.Employer, Amount: *f.data.Amount})
				continue
			}
			t.facts = append(t.facts, f)
		}
	}
	slices.SortStableFunc(t.facts, func(a, b fact) int {
		if a.on != b.on {
			return int(a.on - b.on)
		}
		return int(a.position - b.position)
	})
	slices.SortStableFunc(t.earnings, func(a, b Earning) int { return int(a.PaidOn - b.PaidOn) })
	return t, nil
}

// Registered reports whether the stream held a registration.
func (t *Timeline) Registered() bool { return t.registered.NINO != "" }

// DiedOn is the day of death, or zero.
func (t *Timeline) DiedOn() rules.Date {
	for _, f := range t.facts {
		if f.typ == Death {
			return f.on
		}
	}
	return 0
}

// On returns the state on day d: every fact that took effect by then.
func (t *Timeline) On(d rules.Date) State {
	s := State{Details: t.registered, Tenure: "none", AttendanceNeeds: "none", Children: []Child{}, NonDependants: []NonDependant{}}
	if s.Address.Lines != nil {
		s.Address.Lines = slices.Clone(s.Address.Lines)
	}
	for i := range t.facts {
		f := &t.facts[i]
		if f.on > d {
			break
		}
		s.apply(f)
	}
	return s
}

func (s *State) apply(f *fact) {
	d := &f.data
	switch f.typ {
	case AddressChanged:
		s.Address = *d.Address
	case PartnerMovedIn, partnerJoined:
		s.PartnerID, s.PartnerSince = d.PartnerID, f.on
	case PartnerMovedOut, partnerLeft:
		s.PartnerID, s.PartnerSince = "", 0
		if d.PartnerID != "" { // left by death
			s.BereavedOf = d.PartnerID
		}
	case ChildBorn, ChildJoined:
		s.Children = append(s.Children, Child{ID: f.eventID, Name: d.Name, DateOfBirth: d.DateOfBirth, Disability: d.Disability, Exception: d.Exception, JoinedOn: f.on})
	case ChildLeft:
		s.Children = slices.DeleteFunc(s.Children, func(c Child) bool { return c.ID == d.ChildID })
	case NonDependantMovedIn:
		s.NonDependants = append(s.NonDependants, NonDependant{ID: f.eventID, Name: d.Name, DateOfBirth: d.DateOfBirth, Exempt: d.Exempt, JoinedOn: f.on})
	case NonDependantMovedOut:
		s.NonDependants = slices.DeleteFunc(s.NonDependants, func(n NonDependant) bool { return n.ID == d.NonDependantID })
	case Death:
		s.DiedOn = f.on
	case StartedCaring:
		s.CaringHours, s.CaredForQual = d.HoursPerWeek, d.CaredForQualifies
	case StoppedCaring:
		s.CaringHours, s.CaredForQual = 0, false
	case DisabilityAssessed:
		if d.PIPDailyLiving != nil || d.PIPMobility != nil {
			s.PIPAssessed = true
			s.PIPDailyLiving, s.PIPMobility = deref(d.PIPDailyLiving), deref(d.PIPMobility)
		}
		if d.LCWRA != nil {
			if *d.LCWRA && !s.LCWRA {
				s.LCWRASince = f.on
			}
			s.LCWRA = *d.LCWRA
		}
		if d.AttendanceNeeds != "" {
			s.AttendanceNeeds = d.AttendanceNeeds
		}
	case RentChanged:
		s.Tenure = d.Tenure
		s.MonthlyRent, s.LHARate = derefMoney(d.MonthlyRent), derefMoney(d.LHARate)
	case CapitalChanged:
		s.Capital = *d.Amount
	case BankDetailsChanged:
		b := *d.Bank
		s.BankAccount = &b
		s.BankChangedOn, s.BankVerified = f.on, d.Verified
	case EnteredHospital:
		s.InHospitalSince = f.on
	case LeftHospital:
		s.InHospitalSince = 0
	case WentAbroad:
		s.AbroadSince = f.on
	case ReturnedToGB:
		s.AbroadSince = 0
	case IdentityVerified:
		s.IdentityConfidence = d.Confidence
	case NIRecordUpdated:
		s.NIAssessed, s.NIYears = true, *d.QualifyingYears
	}
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func derefMoney(p *rules.Money) rules.Money {
	if p == nil {
		return 0
	}
	return *p
}

// EarningsBetween sums the earnings paid from start to end inclusive: UC
// counts what is received in the assessment period (SI 2013/376 reg 54).
func (t *Timeline) EarningsBetween(start, end rules.Date) rules.Money {
	var sum rules.Money
	for _, e := range t.earnings {
		if e.PaidOn >= start && e.PaidOn <= end {
			sum += e.Amount
		}
	}
	return sum
}

// Earnings returns every reported payment of earnings.
func (t *Timeline) Earnings() []Earning { return slices.Clone(t.earnings) }

// History lists the facts in the order they took effect.
func (t *Timeline) History() []HistoryEntry {
	h := make([]HistoryEntry, 0, len(t.facts)+len(t.earnings))
	for _, f := range t.facts {
		h = append(h, HistoryEntry{ID: f.eventID, Type: f.typ, OccurredOn: f.on, RecordedAt: f.recordedAt})
	}
	return h
}

// HistoryEntry is one fact in a person's history.
type HistoryEntry struct {
	ID         string     `json:"id"`
	Type       string     `json:"type"`
	OccurredOn rules.Date `json:"occurred_on"`
	RecordedAt time.Time  `json:"recorded_at"`
}

// civilDate is the day of an occurred_at time; the platform records each
// life event at midnight UTC of the day it happened.
func civilDate(t time.Time) rules.Date {
	t = t.UTC()
	return rules.MakeDate(t.Year(), int(t.Month()), t.Day())
}

// dayTime is the occurred_at for a day.
func dayTime(d rules.Date) time.Time {
	return time.Date(d.Year(), time.Month(d.Month()), d.Day(), 0, 0, 0, 0, time.UTC)
}

// countryOf places a postcode in a nation by its area letters; the benefit
// cap also needs to know whether it is in Greater London. Postcode areas that
// straddle a border (SY, TD, CH, NP) are placed where most of their people
// live; an agent can see the result in the explanation.
func countryOf(postcode string) (rules.Country, bool) {
	area := postcode
	for i, c := range postcode {
		if c >= '0' && c <= '9' {
			area = postcode[:i]
			break
		}
	}
	switch area {
	case "BT":
		return rules.NorthernIreland, false
	case "AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH", "TD", "ZE":
		return rules.Scotland, false
	case "CF", "LD", "LL", "NP", "SA":
		return rules.Wales, false
	case "E", "EC", "N", "NW", "SE", "SW", "W", "WC":
		return rules.England, true
	case "BR", "CR", "EN", "HA", "IG", "RM", "SM", "TW", "UB":
		return rules.England, true // outer London boroughs, mostly
	}
	return rules.England, false
}

// enumValue is the value of a name the service has already validated.
func enumValue[T ~uint8](names []string, s string) T {
	v, _ := rules.ParseName[T](names, s)
	return v
}
