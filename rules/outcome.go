package rules

// Benefit identifies one of the benefits the engine computes.
type Benefit uint8

const (
	UniversalCredit Benefit = iota
	StatePension
	PensionCredit
	CarersAllowance
	PIP
	AttendanceAllowance
	ChildBenefit
	BereavementSupportPayment
	NumBenefits
)

var benefitKeys = [NumBenefits]string{
	"universal_credit", "state_pension", "pension_credit", "carers_allowance",
	"pip", "attendance_allowance", "child_benefit", "bereavement_support_payment",
}

var benefitFrequency = [NumBenefits]string{
	"monthly", "weekly", "weekly", "weekly", "weekly", "weekly", "weekly", "monthly",
}

// BenefitKeys returns every benefit's name in the JSON contract.
func BenefitKeys() []string { return append([]string(nil), benefitKeys[:]...) }

// Key is the benefit's name in the JSON contract, e.g. "universal_credit".
func (b Benefit) Key() string { return benefitKeys[b] }

// Frequency is "monthly" or "weekly": Amount is payable per one such period.
func (b Benefit) Frequency() string { return benefitFrequency[b] }

// Outcome is one benefit's result without explanation.
type Outcome struct {
	Eligible bool
	Amount   Money // per Frequency
}

// UCBreakdown is every step of the Universal Credit calculation (monthly).
type UCBreakdown struct {
	StandardAllowance       Money
	Child                   Money
	DisabledChild           Money
	LCWRA                   Money
	Carer                   Money
	Childcare               Money
	Housing                 Money
	MaximumAmount           Money
	EarnedIncomeDeduction   Money
	UnearnedIncomeDeduction Money
	TariffIncome            Money
	BenefitCapReduction     Money
}

// Amounts is what Rates.Compute returns for a household: fixed size, so the
// simulator can reuse one per worker without allocating.
type Amounts struct {
	Benefits [NumBenefits]Outcome
	UC       UCBreakdown
}

// Annual returns the household's yearly value of benefit b: monthly amounts
// × 12, weekly amounts × 52.
func (a *Amounts) Annual(b Benefit) Money {
	if b.Frequency() == "monthly" {
		return a.Benefits[b].Amount * 12
	}
	return a.Benefits[b].Amount * 52
}

// Reason is one step of an explanation: what was decided, the amount it
// produced (if any) and the law that requires it.
type Reason struct {
	Text      string
	Amount    Money
	HasAmount bool
	Citation  string
}

type item struct {
	key string
	m   Money
}

// explainer collects reasons and breakdown lines. A nil *explainer means
// explanations are off; every use is guarded so that nothing is formatted
// or allocated on the simulator's path.
type explainer struct {
	reasons   [NumBenefits][]Reason
	breakdown [NumBenefits][]item
}

func (e *explainer) add(b Benefit, text string, cite string) {
	e.reasons[b] = append(e.reasons[b], Reason{Text: text, Citation: cite})
}

func (e *explainer) addAmount(b Benefit, text string, m Money, cite string) {
	e.reasons[b] = append(e.reasons[b], Reason{Text: text, Amount: m, HasAmount: true, Citation: cite})
}

func (e *explainer) line(b Benefit, key string, m Money) {
	e.breakdown[b] = append(e.breakdown[b], item{key, m})
}

// sum adds m to the breakdown line key, creating it if needed.
func (e *explainer) sum(b Benefit, key string, m Money) {
	for i := range e.breakdown[b] {
		if e.breakdown[b][i].key == key {
			e.breakdown[b][i].m += m
			return
		}
	}
	e.line(b, key, m)
}
