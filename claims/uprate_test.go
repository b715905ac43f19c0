package claims_test

import (
	"strings"
	"testing"
	"time"

	"github.com/lifeline-gov/lifeline/claims"
	"github.com/lifeline-gov/lifeline/rules"
)

// Awards decided before the new rates were loaded are revised from the
// up-rating date and no earlier; running the up-rating again changes
// nothing, because its progress is recorded.
func TestUprating(t *testing.T) {
	eachStore(t, func(t *testing.T, st store) {
		old, err := rules.DefaultParams().ParseReform(strings.NewReader(`
name: "2026/27 up-rating not yet applied"
parameters:
  universal_credit.standard_allowance.single_25_or_over:
    - {from: 2026-04-06, value: "400.14"}
`))
		if err != nil {
			t.Fatal(err)
		}
		before := claims.New(st, claims.Config{Params: old, IndexKey: []byte("test index key"), Now: func() time.Time { return today }})
		var seeds []claims.SeedPerson
		for i := range 30 {
			seeds = append(seeds, claims.SeedPerson{Benefit: rules.UniversalCredit, Start: rules.MakeDate(2026, 3, 1+i%28),
				Details: claims.Details{NINO: "QQ000000A", DateOfBirth: rules.MakeDate(1980, 1, 1), Address: claims.Address{Lines: []string{"1 Road"}, Postcode: "LS1 1AA"}}})
		}
		ids, err := before.Seed(t.Context(), seeds)
		if err != nil {
			t.Fatal(err)
		}
		a := start(t, st)
		var rep claims.UpratingReport
		a.call("POST", "/v1/admin/uprating", map[string]any{"from": "2026-04-06"}, "", 200, &rep)
		if rep.Awards != 30 || rep.Revised != 30 || rep.RulesVersion != rules.DefaultParams().Version() {
			t.Fatalf("report %+v, want 30 awards revised under %s", rep, rules.DefaultParams().Version())
		}
		awards, err := a.svc.PersonAwards(t.Context(), ids[0])
		if err != nil {
			t.Fatal(err)
		}
		aw := awards[0]
		for _, p := range aw.Periods {
			want := money(t, "424.90")
			if p.Start < rules.MakeDate(2026, 4, 6) {
				want = money(t, "400.14")
			}
			if p.Amount != want {
				t.Errorf("period from %s: %s, want %s", p.Start, p.Amount, want)
			}
		}
		rev := aw.Revisions[len(aw.Revisions)-1]
		if rev.CauseType != "uprating" || rev.Underpayment == 0 {
			t.Errorf("revision %+v, want an up-rating with arrears for the periods already due", rev)
		}
		again, err := a.svc.Uprate(t.Context(), rules.MakeDate(2026, 4, 6), 4, nil)
		if err != nil {
			t.Fatal(err)
		}
		if again.Awards != 0 || again.Resumed != 30 {
			t.Errorf("second run %+v, want nothing done and 30 resumed", again)
		}
		a.call("POST", "/v1/admin/uprating", map[string]any{"from": "2030-04-06"}, "", 400, nil)
	})
}
