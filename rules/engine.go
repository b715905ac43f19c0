package rules

import (
	"bytes"
	"encoding/json"
	"io"
)

// Engine calculates entitlement under one set of parameters. It is safe for
// concurrent use.
type Engine struct {
	params *Params
}

// NewEngine returns an engine over params; nil means DefaultParams().
func NewEngine(params *Params) *Engine {
	if params == nil {
		params = DefaultParams()
	}
	return &Engine{params: params}
}

// Params returns the engine's parameters.
func (e *Engine) Params() *Params { return e.params }

// Rates resolves the parameters for a period, once, for Rates.Compute.
func (e *Engine) Rates(p Period) (*Rates, error) { return e.params.Rates(p) }

// Result is every benefit for one situation, with explanations.
type Result struct {
	Period   Period
	Benefits [NumBenefits]BenefitResult
}

// BenefitResult is one benefit's outcome and how it was reached.
type BenefitResult struct {
	Benefit   Benefit
	Eligible  bool
	Amount    Money
	Breakdown []BreakdownLine
	Reasons   []Reason
}

// BreakdownLine is one named amount in a breakdown.
type BreakdownLine struct {
	Key    string
	Amount Money
}

// Calculate works out every benefit for the situation, explained. The only
// errors are for a period outside the published rates (field "period").
func (e *Engine) Calculate(s Situation) (Result, error) {
	r, err := e.params.Rates(s.Period)
	if err != nil {
		return Result{}, err
	}
	return r.Explain(&s.Household), nil
}

// Explain computes h with explanations.
func (r *Rates) Explain(h *Household) Result {
	var out Amounts
	ex := &explainer{}
	r.compute(h, &out, ex)
	res := Result{Period: r.Period}
	for b := Benefit(0); b < NumBenefits; b++ {
		br := &res.Benefits[b]
		br.Benefit = b
		br.Eligible = out.Benefits[b].Eligible
		br.Amount = out.Benefits[b].Amount
		br.Reasons = ex.reasons[b]
		for _, it := range ex.breakdown[b] {
			br.Breakdown = append(br.Breakdown, BreakdownLine{it.key, it.m})
		}
		if len(br.Reasons) == 0 {
			br.Reasons = append(br.Reasons, Reason{Text: notApplicable[b]})
		}
	}
	u := &out.UC
	res.Benefits[UniversalCredit].Breakdown = []BreakdownLine{
		{"standard_allowance", u.StandardAllowance},
		{"child", u.Child},
		{"disabled_child", u.DisabledChild},
		{"lcwra", u.LCWRA},
		{"carer", u.Carer},
		{"childcare", u.Childcare},
		{"housing", u.Housing},
		{"maximum_amount", u.MaximumAmount},
		{"earned_income_deduction", u.EarnedIncomeDeduction},
		{"unearned_income_deduction", u.UnearnedIncomeDeduction},
		{"tariff_income", u.TariffIncome},
		{"benefit_cap_reduction", u.BenefitCapReduction},
	}
	return res
}

var notApplicable = [NumBenefits]string{
	UniversalCredit:           "No Universal Credit is payable.",
	StatePension:              "Not assessed: no adult's National Insurance record (ni_qualifying_years) is given.",
	PensionCredit:             "No Pension Credit is payable.",
	CarersAllowance:           "No adult cares for someone for 35 hours or more a week.",
	PIP:                       "Not assessed: no adult's PIP points are given.",
	AttendanceAllowance:       "No adult has attendance needs.",
	ChildBenefit:              "No children.",
	BereavementSupportPayment: "No partner has died (partner_died_on is not given).",
}

// MarshalJSON writes the result in the public contract's shape:
//
//	{"period": "2025-06", "benefits": {"universal_credit": {"eligible": true,
//	  "amount": "1234.56", "frequency": "monthly", "breakdown": {...},
//	  "reasons": [{"text": "...", "amount": "...", "citation": "..."}]}, ...}}
//
// Benefits and breakdown lines keep the engine's order; money is a decimal
// string with two places; a reason without an amount omits "amount".
func (res Result) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"period":`)
	writeJSONString(&b, res.Period.String())
	b.WriteString(`,"benefits":{`)
	for i := range res.Benefits {
		br := &res.Benefits[i]
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(&b, br.Benefit.Key())
		b.WriteString(`:{"eligible":`)
		if br.Eligible {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
		b.WriteString(`,"amount":"`)
		b.WriteString(br.Amount.String())
		b.WriteString(`","frequency":`)
		writeJSONString(&b, br.Benefit.Frequency())
		b.WriteString(`,"breakdown":{`)
		for j, l := range br.Breakdown {
			if j > 0 {
				b.WriteByte(',')
			}
			writeJSONString(&b, l.Key)
			b.WriteString(`:"`)
			b.WriteString(l.Amount.String())
			b.WriteByte('"')
		}
		b.WriteString(`},"reasons":[`)
		for j, r := range br.Reasons {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"text":`)
			writeJSONString(&b, r.Text)
			if r.HasAmount {
				b.WriteString(`,"amount":"`)
				b.WriteString(r.Amount.String())
				b.WriteByte('"')
			}
			if r.Citation != "" {
				b.WriteString(`,"citation":`)
				writeJSONString(&b, r.Citation)
			}
			b.WriteByte('}')
		}
		b.WriteString("]}")
	}
	b.WriteString("}}")
	return b.Bytes(), nil
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s)
	b.Write(enc)
}

// EncodeResult writes res to w as indented JSON followed by a newline: the
// output of "lifeline calc" and the body of POST /v1/calculate.
func EncodeResult(w io.Writer, res Result) error {
	raw, err := res.MarshalJSON()
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err = w.Write(out.Bytes())
	return err
}
