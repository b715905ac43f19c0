package sharing

import (
	"reflect"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/ext"

	"github.com/lifeline-gov/lifeline"
)

// An agreement's condition is a CEL expression (cel.dev) that must be true
// for a disclosure. It sees two variables:
//
//	request.purpose   string        the purpose the request gave
//	request.fields    list(string)  the fields it asked for
//	person.age        int           age in whole years on the day
//	person.receives   list(string)  benefits in payment on the day, e.g. "universal_credit"
//	person.benefits   list(Benefit) each with name, amount (pence per period), frequency, start
//	person.deceased   bool
//	person.postcode_district string the outward code of the address, e.g. "LS1"
//
// For example a free school meals agreement might say
// `"universal_credit" in person.receives`.
//
// Conditions are type-checked when the agreement is saved, and must give a
// bool; evaluation is bounded by a cost limit, so no condition can hold a
// request up.

// Request is what a condition sees of the request.
type Request struct {
	Purpose string   `cel:"purpose"`
	Fields  []string `cel:"fields"`
}

// Subject is what a condition sees of the person.
type Subject struct {
	Age              int64         `cel:"age"`
	Receives         []string      `cel:"receives"`
	Benefits         []BenefitPaid `cel:"benefits"`
	Deceased         bool          `cel:"deceased"`
	PostcodeDistrict string        `cel:"postcode_district"`
}

// BenefitPaid is one benefit in payment.
type BenefitPaid struct {
	Name      string `cel:"name"`
	Amount    int64  `cel:"amount"` // pence per period
	Frequency string `cel:"frequency"`
	Start     string `cel:"start"` // YYYY-MM-DD
}

// maxConditionLen and conditionCostLimit bound a condition's size and the
// work one evaluation may do.
const (
	maxConditionLen    = 2000
	conditionCostLimit = 10_000
)

var celEnv = func() *cel.Env {
	env, err := cel.NewEnv(
		ext.NativeTypes(reflect.TypeFor[Request](), reflect.TypeFor[Subject](), reflect.TypeFor[BenefitPaid](), ext.ParseStructTags(true)),
		cel.Variable("request", cel.ObjectType("sharing.Request")),
		cel.Variable("person", cel.ObjectType("sharing.Subject")),
	)
	if err != nil {
		panic("sharing: " + err.Error())
	}
	return env
}()

// condition is a compiled agreement condition; nil program means "always".
type condition struct {
	program cel.Program
}

// compileCondition type-checks src and prepares it for evaluation.
func compileCondition(src string) (*condition, error) {
	if strings.TrimSpace(src) == "" {
		return &condition{}, nil
	}
	if len(src) > maxConditionLen {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "condition", "the condition is %d characters; keep it under %d", len(src), maxConditionLen)
	}
	ast, iss := celEnv.Compile(src)
	if iss.Err() != nil {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "condition", "the condition is not valid CEL over request and person: %s", iss.Err())
	}
	if ast.OutputType() != cel.BoolType {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "condition", "the condition gives %s; it must give true or false", ast.OutputType())
	}
	prg, err := celEnv.Program(ast, cel.CostLimit(conditionCostLimit))
	if err != nil {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "condition", "the condition cannot be evaluated: %s", err)
	}
	return &condition{program: prg}, nil
}

// holds evaluates the condition. An evaluation error (such as exceeding
// the cost limit) is a refusal, never a disclosure.
func (c *condition) holds(req Request, person Subject) (bool, error) {
	if c.program == nil {
		return true, nil
	}
	out, _, err := c.program.Eval(map[string]any{"request": req, "person": person})
	if err != nil {
		return false, lifeline.Errorf(lifeline.EFORBIDDEN, "the agreement's condition could not be evaluated for this person (%s), so nothing is disclosed", err)
	}
	ok, isBool := out.Value().(bool)
	return ok && isBool, nil
}

// conditionFor returns the agreement version's compiled condition, compiling
// it on first use.
func (s *Service) conditionFor(a *Agreement) (*condition, error) {
	key := a.Ref()
	s.mu.Lock()
	c, ok := s.conditions[key]
	s.mu.Unlock()
	if ok {
		return c, nil
	}
	c, err := compileCondition(a.Condition)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.conditions[key] = c
	s.mu.Unlock()
	return c, nil
}
