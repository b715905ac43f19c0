package rules

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed params/*.yaml
var paramFiles embed.FS

// Parameter file format (rules/params/*.yaml, and reform files):
//
//	universal_credit.taper:            # the parameter's name
//	  description: "Taper: ..."       # what it is
//	  law: "SI 2013/376 reg 22(1)(b)"  # where the law sets it
//	  unit: percent                    # money | percent | count | bool | date | table
//	  values:                          # one value per effective date
//	    - from: 2023-04-10
//	      value: "55"
//	      source: "SI 2013/376 reg 22(1)(b) as amended by SI 2021/1283"
//
// money is a decimal string with two places ("1234.56"); percent a decimal
// string with at most two places ("55", "85.5"); count an integer; date
// YYYY-MM-DD. A value is in force from its date until the next value's.
type paramDef struct {
	Name        string
	Description string
	Law         string
	Unit        string
	Values      []datedValue
}

type datedValue struct {
	From   Date
	Source string
	v      value
}

// value holds one parsed parameter value; which field is used depends on the unit.
type value struct {
	money Money
	count int64 // count, percent (in basis points), bool (0 or 1)
	date  Date
	table []spaBand
}

type yamlParam struct {
	Description string      `yaml:"description"`
	Law         string      `yaml:"law"`
	Unit        string      `yaml:"unit"`
	Values      []yamlValue `yaml:"values"`
}

type yamlValue struct {
	From   string    `yaml:"from"`
	Value  yaml.Node `yaml:"value"`
	Source string    `yaml:"source"`
}

// Params is a complete, validated set of parameters: the published law plus
// any reforms applied to it. It is immutable once built.
type Params struct {
	defs    map[string]*paramDef
	reforms []string
	version string
}

// DefaultParams returns the embedded parameters. It panics only if the
// embedded files are broken, which the tests rule out.
func DefaultParams() *Params {
	p, err := loadEmbedded()
	if err != nil {
		panic("rules: embedded parameters: " + err.Error())
	}
	return p
}

func loadEmbedded() (*Params, error) {
	p := &Params{defs: map[string]*paramDef{}}
	names, err := fs.Glob(paramFiles, "params/*.yaml")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		b, err := paramFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		defs, err := parseParamYAML(b, name)
		if err != nil {
			return nil, err
		}
		for _, d := range defs {
			if _, dup := p.defs[d.Name]; dup {
				return nil, fmt.Errorf("%s: parameter %s defined twice", name, d.Name)
			}
			p.defs[d.Name] = d
		}
	}
	for _, s := range registry {
		d, ok := p.defs[s.name]
		if !ok {
			return nil, fmt.Errorf("parameter %s is missing from rules/params", s.name)
		}
		if d.Unit != s.unit {
			return nil, fmt.Errorf("parameter %s: unit is %s, want %s", s.name, d.Unit, s.unit)
		}
	}
	for name := range p.defs {
		if registryIndex(name) < 0 {
			return nil, fmt.Errorf("parameter %s is not used by the engine", name)
		}
	}
	p.version = p.fingerprint()
	return p, nil
}

// LastDay is the last day the published rates cover: no period ending
// after it can be assessed until the next up-rating is loaded.
func (p *Params) LastDay() Date {
	d := p.defs["coverage.last_day"]
	if d == nil || len(d.Values) == 0 {
		return 0
	}
	return d.Values[len(d.Values)-1].v.date
}

// Version names this exact set of parameters, e.g. "rules-3f2a9c01d4e5":
// a hash of every name, date and value, so that a decision records which
// law it applied and an up-rating can tell what was decided under older rates.
func (p *Params) Version() string { return p.version }

func (p *Params) fingerprint() string {
	h := sha256.New()
	for _, name := range p.Names() {
		for _, dv := range p.defs[name].Values {
			fmt.Fprintf(h, "%s\x00%d\x00%d\x00%d\x00%d\x00%v\n", name, dv.From, dv.v.money, dv.v.count, dv.v.date, dv.v.table)
		}
	}
	return "rules-" + hex.EncodeToString(h.Sum(nil)[:6])
}

func parseParamYAML(b []byte, file string) ([]*paramDef, error) {
	var raw map[string]yamlParam
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	var out []*paramDef
	for name, yp := range raw {
		d := &paramDef{Name: name, Description: yp.Description, Law: yp.Law, Unit: yp.Unit}
		if len(yp.Values) == 0 {
			return nil, fmt.Errorf("%s: %s has no values", file, name)
		}
		for i, yv := range yp.Values {
			dv, err := parseDatedValue(yv, yp.Unit)
			if err != nil {
				return nil, fmt.Errorf("%s: %s values[%d]: %v", file, name, i, err)
			}
			d.Values = append(d.Values, dv)
		}
		sortValues(d.Values)
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func sortValues(vs []datedValue) {
	sort.SliceStable(vs, func(i, j int) bool { return vs[i].From < vs[j].From })
}

func parseDatedValue(yv yamlValue, unit string) (datedValue, error) {
	from, err := ParseDate(yv.From)
	if err != nil {
		return datedValue{}, fmt.Errorf("from %q %v", yv.From, err)
	}
	if strings.TrimSpace(yv.Source) == "" {
		return datedValue{}, fmt.Errorf("from %s: every value needs a source", yv.From)
	}
	v, err := parseValue(&yv.Value, unit)
	if err != nil {
		return datedValue{}, fmt.Errorf("from %s: %v", yv.From, err)
	}
	return datedValue{From: from, Source: yv.Source, v: v}, nil
}

func parseValue(n *yaml.Node, unit string) (value, error) {
	if unit == "table" {
		t, err := parseSPATable(n)
		return value{table: t}, err
	}
	if n.Kind != yaml.ScalarNode {
		return value{}, fmt.Errorf("value must be a single %s", unit)
	}
	s := n.Value
	switch unit {
	case "money":
		m, err := ParseMoney(s)
		if err != nil {
			return value{}, fmt.Errorf("money value %q %v", s, err)
		}
		return value{money: m}, nil
	case "percent":
		bp, err := parsePercent(s)
		return value{count: bp}, err
	case "count":
		c, ok := digits(s)
		if !ok || s == "" || len(s) > 6 {
			return value{}, fmt.Errorf("count %q must be a whole number", s)
		}
		return value{count: int64(c)}, nil
	case "bool":
		switch s {
		case "true":
			return value{count: 1}, nil
		case "false":
			return value{count: 0}, nil
		}
		return value{}, fmt.Errorf("bool %q must be true or false", s)
	case "date":
		d, err := ParseDate(s)
		if err != nil {
			return value{}, fmt.Errorf("date %q %v", s, err)
		}
		return value{date: d}, nil
	}
	return value{}, fmt.Errorf("unknown unit %q", unit)
}

// parsePercent reads "55" or "85.5" or "12.25" as basis points (5500, 8550, 1225).
func parsePercent(s string) (int64, error) {
	whole, frac, _ := strings.Cut(s, ".")
	w, ok := digits(whole)
	if !ok || whole == "" || len(whole) > 3 || len(frac) > 2 {
		return 0, fmt.Errorf("percent %q must be a number with at most two decimal places", s)
	}
	f, ok := digits(frac)
	if !ok {
		return 0, fmt.Errorf("percent %q must be a number with at most two decimal places", s)
	}
	if len(frac) == 1 {
		f *= 10
	}
	bp := int64(w*100 + f)
	if bp > 10000 {
		return 0, fmt.Errorf("percent %q is over 100", s)
	}
	return bp, nil
}

// Names lists every parameter name, sorted.
func (p *Params) Names() []string {
	names := make([]string, 0, len(p.defs))
	for n := range p.defs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Reforms names the reforms applied, in order.
func (p *Params) Reforms() []string { return slices.Clone(p.reforms) }

// Source returns the value of a parameter in force on day and its source,
// formatted for people; ok is false if there is none.
func (p *Params) Source(name string, on Date) (val, source string, ok bool) {
	d := p.defs[name]
	if d == nil {
		return "", "", false
	}
	dv, ok := d.at(on)
	if !ok {
		return "", "", false
	}
	return formatValue(dv.v, d.Unit), dv.Source, true
}

func formatValue(v value, unit string) string {
	switch unit {
	case "money":
		return v.money.String()
	case "percent":
		return fmt.Sprintf("%d.%02d%%", v.count/100, v.count%100)
	case "bool":
		return fmt.Sprint(v.count == 1)
	case "date":
		return v.date.String()
	case "table":
		return fmt.Sprintf("table of %d bands", len(v.table))
	}
	return fmt.Sprint(v.count)
}

func (d *paramDef) at(on Date) (datedValue, bool) {
	i := sort.Search(len(d.Values), func(i int) bool { return d.Values[i].From > on })
	if i == 0 {
		return datedValue{}, false
	}
	return d.Values[i-1], true
}
