package rules

import (
	"bytes"
	"fmt"
	"io"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/lifeline-gov/lifeline"
)

// A reform file overrides parameters from given dates:
//
//	name: "Raise the work allowances by £100"
//	parameters:
//	  universal_credit.work_allowance.higher:
//	    - from: 2026-04-06
//	      value: "810.00"
//	      source: "Reform: illustrative"   # optional; defaults to the reform's name
//
// Each value is added to the parameter's history; a value with the same
// date as an existing one replaces it. Any parameter may be overridden,
// including the State Pension age table (unit table).
type yamlReform struct {
	Name       string                 `yaml:"name"`
	Parameters map[string][]yamlValue `yaml:"parameters"`
}

// ParseReform reads a reform file and returns the parameters with the
// reform applied. p is not changed.
func (p *Params) ParseReform(r io.Reader) (*Params, error) {
	b, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, err
	}
	var yr yamlReform
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&yr); err != nil {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "reform", "reform file: %v", err)
	}
	if yr.Name == "" {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "reform.name", "a reform needs a name")
	}
	if len(yr.Parameters) == 0 {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "reform.parameters", "a reform needs at least one parameter")
	}
	out := &Params{defs: make(map[string]*paramDef, len(p.defs)), reforms: append(slices.Clone(p.reforms), yr.Name)}
	for name, d := range p.defs {
		out.defs[name] = d
	}
	for name, vals := range yr.Parameters {
		old := p.defs[name]
		if old == nil {
			return nil, lifeline.FieldErrorf(lifeline.EINVALID, "reform.parameters."+name, "no parameter is called %s", name)
		}
		d := *old
		d.Values = slices.Clone(old.Values)
		for i, yv := range vals {
			if yv.Source == "" {
				yv.Source = "Reform: " + yr.Name
			}
			dv, err := parseDatedValue(yv, d.Unit)
			if err != nil {
				return nil, lifeline.FieldErrorf(lifeline.EINVALID, fmt.Sprintf("reform.parameters.%s[%d]", name, i), "%v", err)
			}
			d.Values = slices.DeleteFunc(d.Values, func(x datedValue) bool { return x.From == dv.From })
			d.Values = append(d.Values, dv)
		}
		sortValues(d.Values)
		out.defs[name] = &d
	}
	out.version = out.fingerprint()
	return out, nil
}
