package rules

import "slices"

// Household is a validated situation in the engine's own terms. The JSON
// contract is decoded into it by DecodeSituation; the simulator builds it
// directly. Children are ordered eldest first.
type Household struct {
	Country        Country
	London         bool // Greater London, for the benefit cap
	Adults         []Adult
	Children       []Child
	Tenure         Tenure
	Rent           Money // monthly
	LHARate        Money // monthly Local Housing Allowance rate, private renters
	NonDependants  []NonDependant
	ChildcareCosts Money // monthly, paid
	Capital        Money
}

// Adult is the claimant or the partner.
type Adult struct {
	ID                   string
	DateOfBirth          Date
	Earnings             Money // monthly net earned income
	UnearnedIncome       Money // monthly, other than benefits the engine computes
	LCWRA                bool
	LCWRAProtected       bool // pre-2026 claimant, severe conditions or terminally ill (UC Act 2025)
	CaringHours          int
	CaredForQualifies    bool // the person cared for gets a qualifying disability benefit
	InFullTimeEducation  bool
	PIPAssessed          bool
	PIPDailyLivingPoints int
	PIPMobilityPoints    int
	AttendanceNeeds      Needs
	SPAssessed           bool
	NIQualifyingYears    int
	PartnerDiedOn        Date // zero if none
	InHospitalSince      Date // an in-patient since this day; zero if not
	AbroadSince          Date // outside Great Britain since this day; zero if not
}

// stayDays is how many days, counting the first, a stay that began on since
// has lasted by day end; zero if there is none.
func stayDays(since, end Date) int {
	if since == 0 || since > end {
		return 0
	}
	return end.dayNumber() - since.dayNumber() + 1
}

// Child is a child or young person the household is responsible for.
type Child struct {
	DateOfBirth         Date
	Disability          Disability
	Exception           Exception // two-child limit exception
	InApprovedEducation bool
}

// NonDependant is another adult living in the home.
type NonDependant struct {
	Age    int
	Exempt bool // e.g. gets PIP daily living, Pension Credit or Carer's Allowance (SI 2013/376 Sch 4 para 16)
}

type Country uint8

const (
	England Country = iota
	Wales
	Scotland
	NorthernIreland
)

var countryNames = [...]string{"england", "wales", "scotland", "northern-ireland"}

func (c Country) String() string { return countryNames[c] }

type Tenure uint8

const (
	NoTenure Tenure = iota
	PrivateRent
	SocialRent
	Owner
)

var tenureNames = [...]string{"none", "private-rent", "social-rent", "owner"}

func (t Tenure) String() string { return tenureNames[t] }

type Needs uint8

const (
	NoNeeds Needs = iota
	DayOrNight
	DayAndNight
)

var needsNames = [...]string{"none", "day-or-night", "day-and-night"}

func (n Needs) String() string { return needsNames[n] }

type Disability uint8

const (
	NotDisabled Disability = iota
	DisabledLower
	DisabledHigher
)

var disabilityNames = [...]string{"none", "lower", "higher"}

func (d Disability) String() string { return disabilityNames[d] }

type Exception uint8

const (
	NoException Exception = iota
	MultipleBirth
	Adoption
	KinshipCare
	NonConsensualConception
	ChildOfChild
)

var exceptionNames = [...]string{"", "multiple-birth", "adoption", "kinship-care", "non-consensual-conception", "child-of-child"}

func (e Exception) String() string { return exceptionNames[e] }

// TenureNames, DisabilityNames, NeedsNames and ExceptionNames list the
// names of each enumeration in value order, as the JSON contract spells
// them: services that record these facts validate against them.
func TenureNames() []string     { return slices.Clone(tenureNames[:]) }
func DisabilityNames() []string { return slices.Clone(disabilityNames[:]) }
func NeedsNames() []string      { return slices.Clone(needsNames[:]) }
func ExceptionNames() []string  { return slices.Clone(exceptionNames[:]) }

// ParseName returns the value of an enumeration named s; ok is false for a
// name not in names.
func ParseName[T ~uint8](names []string, s string) (T, bool) { return lookup[T](names, s) }

func lookup[T ~uint8](names []string, s string) (T, bool) {
	for i, n := range names {
		if n == s {
			return T(i), true
		}
	}
	return 0, false
}
