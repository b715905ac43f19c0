package payments

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/rules"
)

// weeks returns n weekly periods from start, each of amount pence.
func weeks(start rules.Date, n int, amount rules.Money) []Period {
	ps := make([]Period, n)
	for i := range ps {
		s := start.AddDays(7 * i)
		ps[i] = Period{N: i + 1, Start: s, End: s.AddDays(6), Amount: amount}
	}
	return ps
}

// months returns n monthly periods from start (same day each month).
func months(start rules.Date, n int, amount rules.Money) []Period {
	ps := make([]Period, n)
	for i := range ps {
		s := start.AddMonths(i)
		ps[i] = Period{N: i + 1, Start: s, End: start.AddMonths(i + 1).AddDays(-1), Amount: amount}
	}
	return ps
}

func payDates(dues []Due) []string {
	var out []string
	for _, x := range dues {
		out = append(out, x.PayDate.String())
	}
	return out
}

func TestScheduleUniversalCredit(t *testing.T) {
	for _, c := range []struct {
		name       string
		start, end string
		want       string
	}{
		// A claim on 8 March: the first assessment period ends 7 April and
		// is paid 14 April (the worked example in the sources).
		{"first payment 7 days after the period", "2026-03-08", "2026-04-07", "2026-04-14"},
		{"due on Spring bank holiday Monday", "2026-04-19", "2026-05-18", "2026-05-22"},
		{"period ending on the Friday before a bank holiday Monday", "2026-07-29", "2026-08-28", "2026-09-04"},
		{"due on Christmas Day, a Friday", "2026-11-19", "2026-12-18", "2026-12-24"},
		{"due on Boxing Day, a Saturday", "2026-11-20", "2026-12-19", "2026-12-24"},
		{"due on a Saturday", "2026-01-01", "2026-01-31", "2026-02-06"},
		{"due on New Year's Day 2027", "2026-11-26", "2026-12-25", "2026-12-31"},
	} {
		dues, err := Schedule("universal_credit", "", d(c.start), []Period{{N: 1, Start: d(c.start), End: d(c.end), Amount: 40014}})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		want := []Due{{Periods: []int{1}, PayDate: d(c.want), Amount: 40014}}
		if !reflect.DeepEqual(dues, want) {
			t.Errorf("%s: got %+v, want %+v", c.name, dues, want)
		}
	}
	// A year of assessment periods from 15 January 2026, each paid alone.
	dues, err := Schedule("universal_credit", "", d("2026-01-15"), months(d("2026-01-15"), 12, 50000))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2026-02-21", "2026-03-21", "2026-04-21", "2026-05-21", "2026-06-21", "2026-07-21",
		"2026-08-21", "2026-09-21", "2026-10-21", "2026-11-21", "2026-12-21", "2027-01-21"}
	for i, w := range want { // move the weekend ones back by hand
		day := d(w)
		for Weekday(day) == time.Saturday || Weekday(day) == time.Sunday {
			day = day.AddDays(-1)
		}
		want[i] = day.String()
	}
	if got := payDates(dues); !slices.Equal(got, want) {
		t.Errorf("monthly UC pay dates %v, want %v", got, want)
	}
	for i, x := range dues {
		if !slices.Equal(x.Periods, []int{i + 1}) || x.Amount != 50000 {
			t.Errorf("due %d: %+v", i, x)
		}
	}
}

func TestNINOPayDay(t *testing.T) {
	for nino, want := range map[string]time.Weekday{
		"QQ123400C": time.Monday, "QQ123419C": time.Monday,
		"QQ123420C": time.Tuesday, "QQ123439C": time.Tuesday,
		"QQ123440C": time.Wednesday, "QQ123459C": time.Wednesday,
		"QQ123460C": time.Thursday, "QQ123479C": time.Thursday,
		"QQ123480C": time.Friday, "QQ123499C": time.Friday,
		"qq 12 34 56 a": time.Wednesday,
		"AB123412C":     time.Monday,
	} {
		got, err := NINOPayDay(nino)
		if err != nil || got != want {
			t.Errorf("NINOPayDay(%q) = %s, %v; want %s", nino, got, err, want)
		}
	}
	for _, bad := range []string{"", "QQ12345C", "QQ1234567", "ZZ123456C"} {
		if _, err := NINOPayDay(bad); lifeline.ErrorCode(err) != lifeline.EINVALID {
			t.Errorf("NINOPayDay(%q): %v, want EINVALID", bad, err)
		}
	}
}

func TestScheduleStatePension(t *testing.T) {
	monday := d("2026-01-05")
	for _, c := range []struct {
		name  string
		nino  string
		start rules.Date
		n     int
		want  []string
	}{
		{"Monday pay day (00-19)", "QQ123412C", monday, 8, []string{"2026-02-02", "2026-03-02"}},
		{"Tuesday pay day (20-39)", "QQ123425C", monday, 8, []string{"2026-02-03", "2026-03-03"}},
		{"Wednesday pay day (40-59)", "QQ123456C", monday, 8, []string{"2026-02-04", "2026-03-04"}},
		{"Thursday pay day (60-79)", "QQ123479C", monday, 8, []string{"2026-02-05", "2026-03-05"}},
		{"Friday pay day (80-99)", "QQ123490C", monday, 8, []string{"2026-02-06", "2026-03-06"}},
		// Weeks run Thursday to Wednesday: a block ending on the Wednesday
		// pay day is paid that day.
		{"block ends on the pay day", "QQ123456C", d("2026-01-08"), 4, []string{"2026-02-04"}},
		{"short final block", "QQ123412C", monday, 6, []string{"2026-02-02", "2026-02-16"}},
		{"pay day on Easter Monday", "QQ123412C", d("2026-03-09"), 4, []string{"2026-04-02"}},
		{"pay day on Good Friday", "QQ123499C", d("2026-03-07"), 4, []string{"2026-04-02"}},
	} {
		dues, err := Schedule("state_pension", c.nino, c.start, weeks(c.start, c.n, 23000))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := payDates(dues); !slices.Equal(got, c.want) {
			t.Errorf("%s: pay dates %v, want %v", c.name, got, c.want)
		}
		// Four-week grouping, in order, every week once.
		var all []int
		for i, x := range dues {
			wantN := min(4, c.n-4*i)
			if len(x.Periods) != wantN || x.Amount != rules.Money(wantN)*23000 {
				t.Errorf("%s: due %d covers %v for %s", c.name, i, x.Periods, x.Amount)
			}
			all = append(all, x.Periods...)
		}
		if want := []int{1, 2, 3, 4, 5, 6, 7, 8}[:c.n]; !slices.Equal(all, want) {
			t.Errorf("%s: periods %v, want %v", c.name, all, want)
		}
	}
	// Pension Credit follows the same pay days.
	dues, err := Schedule("pension_credit", "QQ123479C", monday, weeks(monday, 4, 1000))
	if err != nil || !slices.Equal(payDates(dues), []string{"2026-02-05"}) {
		t.Errorf("pension credit: %v %v", payDates(dues), err)
	}
	if _, err := Schedule("state_pension", "not a nino", monday, weeks(monday, 4, 1000)); lifeline.ErrorCode(err) != lifeline.EINVALID {
		t.Errorf("bad NINO: %v", err)
	}
}

func TestScheduleFourWeekly(t *testing.T) {
	for _, c := range []struct {
		name, benefit string
		start         string
		n             int
		want          []string
	}{
		{"PIP from a Tuesday", "pip", "2026-06-02", 8, []string{"2026-06-30", "2026-07-28"}},
		{"Carer's Allowance, award ended after 5 weeks", "carers_allowance", "2026-07-01", 5, []string{"2026-07-29", "2026-08-05"}},
		{"Attendance Allowance due on Christmas Day", "attendance_allowance", "2026-11-27", 4, []string{"2026-12-24"}},
		{"Child Benefit on the Monday after", "child_benefit", "2026-01-05", 8, []string{"2026-02-02", "2026-03-02"}},
		{"Child Benefit from a Wednesday", "child_benefit", "2026-01-07", 4, []string{"2026-02-09"}},
		{"Child Benefit due on Easter Monday", "child_benefit", "2026-03-09", 4, []string{"2026-04-02"}},
	} {
		start := d(c.start)
		dues, err := Schedule(c.benefit, "", start, weeks(start, c.n, 10000))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := payDates(dues); !slices.Equal(got, c.want) {
			t.Errorf("%s: pay dates %v, want %v", c.name, got, c.want)
		}
	}
}

func TestScheduleBereavementSupport(t *testing.T) {
	dues, err := Schedule("bereavement_support_payment", "", d("2026-05-01"), []Period{
		{N: 1, Start: d("2026-05-01"), End: d("2026-05-31"), Amount: 35000},
		{N: 2, Start: d("2026-07-31"), End: d("2026-08-30"), Amount: 35000}, // due on the August bank holiday
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := payDates(dues); !slices.Equal(got, []string{"2026-06-01", "2026-08-28"}) {
		t.Errorf("pay dates %v", got)
	}
}

func TestScheduleZeroAmounts(t *testing.T) {
	ps := months(d("2026-01-15"), 3, 30000)
	ps[1].Amount = 0
	dues, err := Schedule("universal_credit", "", d("2026-01-15"), ps)
	if err != nil {
		t.Fatal(err)
	}
	if len(dues) != 3 || dues[1].Periods[0] != 2 || dues[1].Amount != 0 {
		t.Errorf("a nil month is still due on its day, for nothing: %+v", dues)
	}
	// Zero weeks inside a block are still covered by its payment.
	ws := weeks(d("2026-01-05"), 8, 0)
	ws[2].Amount, ws[3].Amount = 100, 200
	dues, err = Schedule("state_pension", "QQ123412C", d("2026-01-05"), ws)
	if err != nil {
		t.Fatal(err)
	}
	want := []Due{{Periods: []int{1, 2, 3, 4}, PayDate: d("2026-02-02"), Amount: 300}, {Periods: []int{5, 6, 7, 8}, PayDate: d("2026-03-02"), Amount: 0}}
	if !reflect.DeepEqual(dues, want) {
		t.Errorf("got %+v, want %+v", dues, want)
	}
	dues, err = Schedule("pip", "", d("2026-01-05"), weeks(d("2026-01-05"), 4, 0))
	if err != nil || len(dues) != 1 || dues[0].Amount != 0 {
		t.Errorf("all zero: %+v %v", dues, err)
	}
	if dues, err := Schedule("pip", "", d("2026-01-05"), nil); err != nil || len(dues) != 0 {
		t.Errorf("no periods: %+v %v", dues, err)
	}
}

func TestScheduleErrors(t *testing.T) {
	start := d("2026-01-05")
	good := weeks(start, 4, 100)
	mod := func(f func(ps []Period)) []Period { ps := slices.Clone(good); f(ps); return ps }
	for _, c := range []struct {
		name    string
		benefit string
		start   rules.Date
		periods []Period
	}{
		{"unknown benefit", "jobseekers_allowance", start, good},
		{"empty benefit", "", start, good},
		{"ends before it starts", "pip", start, mod(func(ps []Period) { ps[1].End = ps[1].Start.AddDays(-1) })},
		{"starts before the award", "pip", start, mod(func(ps []Period) { ps[0].Start = start.AddDays(-1) })},
		{"duplicate period", "pip", start, mod(func(ps []Period) { ps[2].N = 1 })},
		{"negative amount", "pip", start, mod(func(ps []Period) { ps[3].Amount = -1 })},
		{"not a date", "pip", start, mod(func(ps []Period) { ps[3].End = rules.MakeDate(2026, 2, 30) })},
		{"bad award start", "pip", 0, good},
		{"pay day beyond the calendar", "universal_credit", d("2027-11-29"), []Period{{N: 1, Start: d("2027-11-29"), End: d("2027-12-28"), Amount: 1}}},
	} {
		_, err := Schedule(c.benefit, "QQ123456C", c.start, c.periods)
		if lifeline.ErrorCode(err) != lifeline.EINVALID {
			t.Errorf("%s: got %v, want EINVALID", c.name, err)
		}
	}
}

func TestScheduleDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, benefit := range []string{"state_pension", "pension_credit", "pip", "carers_allowance", "attendance_allowance", "child_benefit", "universal_credit", "bereavement_support_payment"} {
		start := d("2026-02-11")
		var ps []Period
		if benefit == "universal_credit" || benefit == "bereavement_support_payment" {
			ps = months(start, 10, 0)
		} else {
			ps = weeks(start, 30, 0)
		}
		for i := range ps {
			ps[i].Amount = rules.Money(rng.IntN(3) * 1000)
		}
		first, err := Schedule(benefit, "QQ123466C", start, ps)
		if err != nil {
			t.Fatalf("%s: %v", benefit, err)
		}
		var total, want rules.Money
		for _, x := range first {
			total += x.Amount
		}
		for _, p := range ps {
			want += p.Amount
		}
		if total != want {
			t.Errorf("%s: dues total %s, periods total %s", benefit, total, want)
		}
		for range 5 {
			shuffled := slices.Clone(ps)
			rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			again, err := Schedule(benefit, "QQ123466C", start, shuffled)
			if err != nil || !reflect.DeepEqual(first, again) {
				t.Fatalf("%s: shuffled input gave a different schedule", benefit)
			}
		}
		for i := 1; i < len(first); i++ {
			if first[i].PayDate <= first[i-1].PayDate {
				t.Errorf("%s: pay dates out of order: %v", benefit, payDates(first))
			}
		}
	}
}
