package payments

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/rules"
)

// recovery_order.yaml says which of a person's debts a payment recovers and
// in what order (the legal priority order), and how long a repayment plan's
// missed instalment waits before deductions make it good. Its format is
// described at its top.

//go:embed recovery_order.yaml
var orderFile []byte

// recoveryOrder is recovery_order.yaml, parsed: each parameter's values in
// date order.
type recoveryOrder struct {
	priority []priorityValue
	home     []homeValue
	grace    []graceValue
}

type priorityValue struct {
	from rules.Date
	rank map[string]int // cause -> place in the order, 0 first
}

type homeValue struct {
	from     rules.Date
	benefits []string // tried in this order
	debtsOf  []string // debts that may be recovered from another benefit
}

type graceValue struct {
	from rules.Date
	days int
}

var loadOrder = sync.OnceValues(func() (*recoveryOrder, error) {
	return parseOrder(orderFile)
})

// priorityAt returns, for day, the place of each cause in the legal order.
func (o *recoveryOrder) priorityAt(day rules.Date) (map[string]int, error) {
	for i := len(o.priority) - 1; i >= 0; i-- {
		if o.priority[i].from <= day {
			return o.priority[i].rank, nil
		}
	}
	return nil, lifeline.FieldErrorf(lifeline.EINVALID, "day", "no priority order (recovery.priority) in force on %s", day)
}

// homeAt returns the home benefits in force on day.
func (o *recoveryOrder) homeAt(day rules.Date) (homeValue, error) {
	for i := len(o.home) - 1; i >= 0; i-- {
		if o.home[i].from <= day {
			return o.home[i], nil
		}
	}
	return homeValue{}, lifeline.FieldErrorf(lifeline.EINVALID, "day", "no home benefits (recovery.home_benefits) in force on %s", day)
}

// graceAt returns the plan grace days in force on day.
func (o *recoveryOrder) graceAt(day rules.Date) (int, error) {
	for i := len(o.grace) - 1; i >= 0; i-- {
		if o.grace[i].from <= day {
			return o.grace[i].days, nil
		}
	}
	return 0, lifeline.FieldErrorf(lifeline.EINVALID, "day", "no plan grace days (recovery.plan_grace_days) in force on %s", day)
}

func parseOrder(b []byte) (*recoveryOrder, error) {
	type category struct {
		Category string   `yaml:"category"`
		Causes   []string `yaml:"causes"`
		Law      string   `yaml:"law"`
	}
	type value struct {
		From     string     `yaml:"from"`
		Source   string     `yaml:"source"`
		Order    []category `yaml:"order"`
		Benefits []string   `yaml:"benefits"`
		DebtsOf  []string   `yaml:"debts_of"`
		Value    *int       `yaml:"value"`
	}
	type param struct {
		Description string  `yaml:"description"`
		Law         string  `yaml:"law"`
		Values      []value `yaml:"values"`
	}
	var raw struct {
		Priority *param `yaml:"recovery.priority"`
		Home     *param `yaml:"recovery.home_benefits"`
		Grace    *param `yaml:"recovery.plan_grace_days"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("recovery_order.yaml: %v", err)
	}
	out := &recoveryOrder{}
	for _, p := range []struct {
		name string
		p    *param
	}{{"recovery.priority", raw.Priority}, {"recovery.home_benefits", raw.Home}, {"recovery.plan_grace_days", raw.Grace}} {
		if p.p == nil {
			return nil, fmt.Errorf("recovery_order.yaml: %s is missing", p.name)
		}
		if p.p.Description == "" || p.p.Law == "" || len(p.p.Values) == 0 {
			return nil, fmt.Errorf("recovery_order.yaml: %s needs a description, a law and values", p.name)
		}
		var last rules.Date
		for _, v := range p.p.Values {
			from, err := rules.ParseDate(v.From)
			if err != nil {
				return nil, fmt.Errorf("recovery_order.yaml: %s from %q %v", p.name, v.From, err)
			}
			if from <= last {
				return nil, fmt.Errorf("recovery_order.yaml: %s values are not in date order", p.name)
			}
			last = from
			if strings.TrimSpace(v.Source) == "" {
				return nil, fmt.Errorf("recovery_order.yaml: %s from %s has no source", p.name, v.From)
			}
			bad := func(format string, args ...any) error {
				return fmt.Errorf("recovery_order.yaml: %s from %s: "+format, append([]any{p.name, v.From}, args...)...)
			}
			switch p.name {
			case "recovery.priority":
				if len(v.Benefits) > 0 || len(v.DebtsOf) > 0 || v.Value != nil {
					return nil, bad("takes only order")
				}
				rank := map[string]int{}
				seen := map[string]bool{}
				for i, c := range v.Order {
					if c.Category == "" || seen[c.Category] || strings.TrimSpace(c.Law) == "" {
						return nil, bad("category %d needs a name of its own and a law", i+1)
					}
					seen[c.Category] = true
					for _, cause := range c.Causes {
						if !slices.Contains(causes, cause) {
							return nil, bad("category %s: no cause %q", c.Category, cause)
						}
						if _, dup := rank[cause]; dup {
							return nil, bad("cause %s is in two categories", cause)
						}
						rank[cause] = i
					}
				}
				for _, cause := range causes {
					if _, ok := rank[cause]; !ok {
						return nil, bad("cause %s is in no category", cause)
					}
				}
				out.priority = append(out.priority, priorityValue{from: from, rank: rank})
			case "recovery.home_benefits":
				if len(v.Order) > 0 || v.Value != nil || len(v.Benefits) == 0 {
					return nil, bad("takes benefits and debts_of")
				}
				for _, list := range [][]string{v.Benefits, v.DebtsOf} {
					for i, b := range list {
						if _, ok := benefitCodes[b]; !ok || slices.Contains(list[:i], b) {
							return nil, bad("benefit %q is unknown or listed twice", b)
						}
					}
				}
				for _, b := range v.Benefits {
					if recoveryKinds[b] == recoverNone {
						return nil, bad("nothing may be deducted from %s, so it cannot recover other benefits' debts", b)
					}
				}
				out.home = append(out.home, homeValue{from: from, benefits: v.Benefits, debtsOf: v.DebtsOf})
			case "recovery.plan_grace_days":
				if len(v.Order) > 0 || len(v.Benefits) > 0 || len(v.DebtsOf) > 0 || v.Value == nil || *v.Value < 0 || *v.Value > 90 {
					return nil, bad("takes only a value, 0 to 90 days")
				}
				out.grace = append(out.grace, graceValue{from: from, days: *v.Value})
			}
		}
	}
	return out, nil
}
