package payments

import (
	"cmp"
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/rules"
)

// Recovery of overpayments by deduction from benefit.
//
// The limits come from recovery.yaml, each value with its source. How they
// are applied:
//
// Universal Credit (a share of the assessment period's standard allowance,
// rounded down to the penny):
//   - debts that are not fraud debts may take together at most the smaller
//     of the standard recovery rate (15%, SI 2013/384 reg 11(2)(c)) and the
//     overall deductions cap (25%, then 15% from 30 April 2025: the Fair
//     Repayment Rate);
//   - fraud debts may be recovered at the fraud rate (40%, reg 11(2)(a)),
//     above the overall cap, which the sources say fraud penalties may exceed;
//     but everything taken from one payment, fraud and not, stays within that
//     40%, the highest rate the law allows;
//   - the payment keeps at least 1p (SI 2013/380 Sch 6 para 3(1)(a)).
//
// Pension Credit: the weekly maxima (£12.75, or £34.00 for a fraud debt, per
// benefit week the payment covers), and at least 10p a week left (SI
// 2013/384 reg 14(5)).
//
// State Pension, Carer's Allowance, PIP and Attendance Allowance: "There is
// no maximum deduction from other benefits" (turn2us, How is an overpayment
// recovered?). We apply the Pension Credit weekly maxima to them as well, a
// decision of ours so that no deduction is unbounded, and leave at least 1p.
//
// Child Benefit: deductions may be made from it only to recover an
// overpayment of Child Benefit itself (SI 1988/664 reg 16(1) and (2),
// legislation.gov.uk/uksi/1988/664/part/VII). A Debt does not say which
// benefit was overpaid, so nothing is deducted from Child Benefit.
//
// Bereavement Support Payment is not among the benefits from which
// recoverable amounts may be deducted as we read SI 2013/384 reg 10(2) and
// SI 1988/664 reg 15(2) (it is paid under the Pensions Act 2014, not the
// Social Security Contributions and Benefits Act 1992); not confirmed, so
// nothing is deducted from it.
//
// Rounding a percentage down to the penny is a decision of ours: it never
// takes more than the cap. (Amounts that DWP publishes appear rounded up:
// 15% of £400.14 is given as £60.03 where we take £60.02.)
//
// Debts are taken in the legal priority order of recovery_order.yaml
// (recovery.priority, from SI 2013/380 Sch 6 para 5 for Universal Credit):
// a debt's cause puts it in a category, so fraud overpayments are recovered
// before overpayments not caused by fraud. Debts the law ranks alike are
// taken by Order (lower first), then by ID. A debt paused for hardship is
// skipped; no debt gives up more than it has outstanding. Each debt takes
// all it can within the limits before the next takes anything.

//go:embed recovery.yaml
var recoveryFile []byte

// Causes of a debt.
const (
	CauseClaimantError = "claimant-error"
	CauseOfficialError = "official-error"
	CauseFraud         = "fraud"
)

// Debt is one overpayment being recovered from a person.
type Debt struct {
	ID          string
	Outstanding rules.Money
	Cause       string // CauseClaimantError, CauseOfficialError or CauseFraud; sets its place in the legal order
	Order       int    // among debts the law ranks alike: lower is recovered first, then by ID
	Paused      bool   // recovery suspended (hardship)
}

// Deduction is what is taken from one payment for one debt.
type Deduction struct {
	DebtID string
	Amount rules.Money
}

// Limits are the most that may be deducted from one payment.
type Limits struct {
	NonFraud rules.Money // all debts that are not fraud debts, together
	Total    rules.Money // everything, fraud debts included
	MinPaid  rules.Money // the least the payment must keep
}

// DefaultWeeks is how many benefit weeks Deductions takes a payment of a
// weekly benefit to cover: the schedules pay them every four weeks.
const DefaultWeeks = 4

// Deductions works out what to deduct from one payment of gross pence for
// debts, within the limits in force on day, in the legal priority order in
// force on day, leaving at
// least the minimum payment (1p: the last-penny rule). standardAllowance is
// the Universal Credit standard allowance of the assessment period, and is
// used for universal_credit only (0 means no deduction can be made). For
// Universal Credit day should be the first day of the assessment period (the
// Fair Repayment Rate applies to assessment periods beginning on or after 30
// April 2025); for the weekly benefits a payment is taken to cover
// DefaultWeeks weeks (see DeductionsForWeeks). Only deductions of more than
// 0 are returned, in the order taken.
func Deductions(benefit string, day rules.Date, gross, standardAllowance rules.Money, debts []Debt) ([]Deduction, error) {
	lim, err := RecoveryLimits(benefit, day, standardAllowance, DefaultWeeks)
	if err != nil {
		return nil, err
	}
	rank, err := priorityOn(day)
	if err != nil {
		return nil, err
	}
	return deduct(lim, rank, gross, debts)
}

// DeductionsForWeeks is Deductions for a payment of a weekly benefit that
// covers weeks benefit weeks.
func DeductionsForWeeks(benefit string, day rules.Date, gross rules.Money, weeks int, debts []Debt) ([]Deduction, error) {
	if benefit == "universal_credit" {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "benefit", "universal_credit is monthly: use Deductions")
	}
	lim, err := RecoveryLimits(benefit, day, 0, weeks)
	if err != nil {
		return nil, err
	}
	rank, err := priorityOn(day)
	if err != nil {
		return nil, err
	}
	return deduct(lim, rank, gross, debts)
}

// recoveryKind is how a benefit's limits are set.
type recoveryKind int

const (
	recoverNone   recoveryKind = iota // nothing may be deducted
	recoverShare                      // a share of the UC standard allowance
	recoverWeekly                     // weekly amounts
)

var recoveryKinds = map[string]recoveryKind{
	"universal_credit":            recoverShare,
	"pension_credit":              recoverWeekly,
	"state_pension":               recoverWeekly,
	"carers_allowance":            recoverWeekly,
	"pip":                         recoverWeekly,
	"attendance_allowance":        recoverWeekly,
	"child_benefit":               recoverNone,
	"bereavement_support_payment": recoverNone,
}

// RecoveryLimits returns the limits for one payment of benefit on day:
// standardAllowance is used for universal_credit, weeks for the weekly
// benefits.
func RecoveryLimits(benefit string, day rules.Date, standardAllowance rules.Money, weeks int) (Limits, error) {
	kind, ok := recoveryKinds[benefit]
	if !ok {
		return Limits{}, lifeline.FieldErrorf(lifeline.EINVALID, "benefit", "no recovery rules for the benefit %q", benefit)
	}
	if standardAllowance < 0 {
		return Limits{}, lifeline.FieldErrorf(lifeline.EINVALID, "standard_allowance", "standard allowance %s is negative", standardAllowance)
	}
	if weeks < 1 {
		return Limits{}, lifeline.FieldErrorf(lifeline.EINVALID, "weeks", "a payment covers at least one week, not %d", weeks)
	}
	p, err := loadRecovery()
	if err != nil {
		return Limits{}, lifeline.Errorf(lifeline.EINTERNAL, "recovery parameters: %v", err)
	}
	get := func(name string) (int64, error) { return p.at(name, day) }
	switch kind {
	case recoverShare:
		overall, err1 := get("recovery.uc_overall_cap")
		standard, err2 := get("recovery.uc_standard_rate")
		fraud, err3 := get("recovery.uc_fraud_rate")
		minPaid, err4 := get("recovery.uc_minimum_payment")
		if err := firstErr(err1, err2, err3, err4); err != nil {
			return Limits{}, err
		}
		share := func(bp int64) rules.Money { return rules.Money(int64(standardAllowance) * bp / 10000) }
		lim := Limits{NonFraud: share(min(standard, overall)), Total: share(max(fraud, overall)), MinPaid: rules.Money(minPaid)}
		return lim, nil
	case recoverWeekly:
		standard, err1 := get("recovery.weekly_standard")
		fraud, err2 := get("recovery.weekly_fraud")
		minPaid, err3 := get("recovery.uc_minimum_payment")
		if err := firstErr(err1, err2, err3); err != nil {
			return Limits{}, err
		}
		if benefit == "pension_credit" {
			perWeek, err := get("recovery.pension_credit_minimum_weekly")
			if err != nil {
				return Limits{}, err
			}
			minPaid = max(minPaid, perWeek*int64(weeks))
		}
		w := int64(weeks)
		return Limits{NonFraud: rules.Money(min(standard, fraud) * w), Total: rules.Money(fraud * w), MinPaid: rules.Money(minPaid)}, nil
	}
	return Limits{MinPaid: 1}, nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// priorityOn returns the legal priority order in force on day: each
// cause's place, 0 first.
func priorityOn(day rules.Date) (map[string]int, error) {
	o, err := loadOrder()
	if err != nil {
		return nil, lifeline.Errorf(lifeline.EINTERNAL, "recovery order parameters: %v", err)
	}
	return o.priorityAt(day)
}

// deduct applies lim to one payment of gross for debts, taking them in the
// order rank gives their causes (lower first), then by Order, then by ID.
func deduct(lim Limits, rank map[string]int, gross rules.Money, debts []Debt) ([]Deduction, error) {
	if gross < 0 {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "gross", "payment %s is negative", gross)
	}
	ordered := slices.Clone(debts)
	ids := map[string]bool{}
	for _, d := range ordered {
		bad := func(format string, args ...any) error {
			return lifeline.FieldErrorf(lifeline.EINVALID, "debts", "debt %q: "+format, append([]any{d.ID}, args...)...)
		}
		switch {
		case d.ID == "":
			return nil, bad("has no ID")
		case ids[d.ID]:
			return nil, bad("appears twice")
		case d.Outstanding < 0:
			return nil, bad("outstanding %s is negative", d.Outstanding)
		case d.Cause != CauseClaimantError && d.Cause != CauseOfficialError && d.Cause != CauseFraud:
			return nil, bad("cause %q is not %s, %s or %s", d.Cause, CauseClaimantError, CauseOfficialError, CauseFraud)
		}
		ids[d.ID] = true
	}
	slices.SortFunc(ordered, func(a, b Debt) int {
		if c := cmp.Compare(rank[a.Cause], rank[b.Cause]); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Order, b.Order); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})

	room := gross - lim.MinPaid // what the last-penny rule lets us take
	nonFraud, total := lim.NonFraud, lim.Total
	var out []Deduction
	for _, d := range ordered {
		if d.Paused || d.Outstanding == 0 {
			continue
		}
		take := min(d.Outstanding, room, total)
		if d.Cause != CauseFraud {
			take = min(take, nonFraud)
		}
		if take <= 0 {
			continue
		}
		out = append(out, Deduction{DebtID: d.ID, Amount: take})
		room -= take
		total -= take
		if d.Cause != CauseFraud {
			nonFraud -= take
		}
	}
	return out, nil
}

// recoveryParams holds recovery.yaml: each parameter's values, in date
// order, as pence (money) or basis points (percent).
type recoveryParams map[string][]recoveryValue

type recoveryValue struct {
	from rules.Date
	v    int64
}

// at returns the value of name in force on day.
func (p recoveryParams) at(name string, day rules.Date) (int64, error) {
	vs := p[name]
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i].from <= day {
			return vs[i].v, nil
		}
	}
	return 0, lifeline.FieldErrorf(lifeline.EINVALID, "day", "no recovery rules (%s) in force on %s", name, day)
}

var loadRecovery = sync.OnceValues(func() (recoveryParams, error) {
	return parseRecovery(recoveryFile)
})

// recoveryUnits names every parameter recovery.go uses, with its unit.
var recoveryUnits = map[string]string{
	"recovery.uc_overall_cap":                "percent",
	"recovery.uc_standard_rate":              "percent",
	"recovery.uc_fraud_rate":                 "percent",
	"recovery.uc_minimum_payment":            "money",
	"recovery.weekly_standard":               "money",
	"recovery.weekly_fraud":                  "money",
	"recovery.pension_credit_minimum_weekly": "money",
}

func parseRecovery(b []byte) (recoveryParams, error) {
	type value struct {
		From   string `yaml:"from"`
		Value  string `yaml:"value"`
		Source string `yaml:"source"`
	}
	type param struct {
		Description string  `yaml:"description"`
		Law         string  `yaml:"law"`
		Unit        string  `yaml:"unit"`
		Values      []value `yaml:"values"`
	}
	var raw map[string]param
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("recovery.yaml: %v", err)
	}
	out := recoveryParams{}
	for name, unit := range recoveryUnits {
		p, ok := raw[name]
		if !ok {
			return nil, fmt.Errorf("recovery.yaml: %s is missing", name)
		}
		if p.Unit != unit || p.Description == "" || p.Law == "" || len(p.Values) == 0 {
			return nil, fmt.Errorf("recovery.yaml: %s needs a description, a law, unit %s and values", name, unit)
		}
		var last rules.Date
		for _, v := range p.Values {
			from, err := rules.ParseDate(v.From)
			if err != nil {
				return nil, fmt.Errorf("recovery.yaml: %s from %q %v", name, v.From, err)
			}
			if from <= last {
				return nil, fmt.Errorf("recovery.yaml: %s values are not in date order", name)
			}
			if strings.TrimSpace(v.Source) == "" {
				return nil, fmt.Errorf("recovery.yaml: %s from %s has no source", name, v.From)
			}
			var n int64
			if unit == "money" {
				m, err := rules.ParseMoney(v.Value)
				if err != nil {
					return nil, fmt.Errorf("recovery.yaml: %s value %q %v", name, v.Value, err)
				}
				n = int64(m)
			} else if n, err = parsePercent(v.Value); err != nil {
				return nil, fmt.Errorf("recovery.yaml: %s value %q %v", name, v.Value, err)
			}
			out[name] = append(out[name], recoveryValue{from: from, v: n})
			last = from
		}
	}
	for name := range raw {
		if _, ok := recoveryUnits[name]; !ok {
			return nil, fmt.Errorf("recovery.yaml: %s is not a parameter recovery.go uses", name)
		}
	}
	return out, nil
}

// parsePercent reads "15" or "15.5" (at most two places, 0 to 100) as basis
// points.
func parsePercent(s string) (int64, error) {
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 || whole == "" {
		return 0, fmt.Errorf("must be a percentage with at most two decimal places")
	}
	for len(frac) < 2 {
		frac += "0"
	}
	n, err := strconv.ParseUint(whole+frac, 10, 32)
	if err != nil || n > 10000 {
		return 0, fmt.Errorf("must be a percentage from 0 to 100 with at most two decimal places")
	}
	return int64(n), nil
}
