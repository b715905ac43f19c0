package rules

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// spaBand is one row of the State Pension age table: people born between
// bornFrom and bornTo inclusive reach pension age either on a fixed date or
// at an age in years and months.
type spaBand struct {
	bornFrom, bornTo Date
	reachedOn        Date // zero when the band gives an age
	years, months    int
	source           string
}

type yamlBand struct {
	BornFrom  string `yaml:"born_from"`
	BornTo    string `yaml:"born_to"`
	ReachedOn string `yaml:"reached_on"`
	Years     int    `yaml:"years"`
	Months    int    `yaml:"months"`
	Source    string `yaml:"source"`
}

func parseSPATable(n *yaml.Node) ([]spaBand, error) {
	var rows []yamlBand
	if err := n.Decode(&rows); err != nil {
		return nil, fmt.Errorf("table: %v", err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("table has no bands")
	}
	bands := make([]spaBand, len(rows))
	for i, row := range rows {
		b := &bands[i]
		var err error
		if b.bornFrom, err = ParseDate(row.BornFrom); err != nil {
			return nil, fmt.Errorf("band %d born_from %v", i, err)
		}
		if b.bornTo, err = ParseDate(row.BornTo); err != nil {
			return nil, fmt.Errorf("band %d born_to %v", i, err)
		}
		if row.ReachedOn != "" {
			if b.reachedOn, err = ParseDate(row.ReachedOn); err != nil {
				return nil, fmt.Errorf("band %d reached_on %v", i, err)
			}
		} else if row.Years < 50 || row.Years > 80 || row.Months < 0 || row.Months > 11 {
			return nil, fmt.Errorf("band %d: give reached_on, or years (50-80) and months (0-11)", i)
		}
		b.years, b.months, b.source = row.Years, row.Months, row.Source
		if b.source == "" {
			return nil, fmt.Errorf("band %d has no source", i)
		}
		if b.bornTo < b.bornFrom || (i > 0 && b.bornFrom <= bands[i-1].bornTo) {
			return nil, fmt.Errorf("band %d is out of order or overlaps the one before", i)
		}
	}
	return bands, nil
}

// pensionAgeDate returns the day a person born on dob reaches State Pension
// age, and the index of the band used (-1 if dob is outside the table, when
// the latest band's rule is assumed).
func (r *Rates) pensionAgeDate(dob Date) (Date, int) {
	// The bands are in order and do not overlap: binary search.
	lo, hi := 0, len(r.spa)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if r.spa[mid].bornTo < dob {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(r.spa) && dob >= r.spa[lo].bornFrom {
		b := &r.spa[lo]
		if b.reachedOn != 0 {
			return b.reachedOn, lo
		}
		return dob.AddMonths(b.years*12 + b.months), lo
	}
	b := &r.spa[len(r.spa)-1]
	if dob < r.spa[0].bornFrom {
		b = &r.spa[0]
	}
	if b.reachedOn != 0 {
		return b.reachedOn, -1
	}
	return dob.AddMonths(b.years*12 + b.months), -1
}

// PensionAge returns the date on which a person born on dob reaches State
// Pension age under the parameters in force for the period.
func (r *Rates) PensionAge(dob Date) Date {
	d, _ := r.pensionAgeDate(dob)
	return d
}
