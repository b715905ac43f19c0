package modulus

import "testing"

// BenchmarkCheck runs the published cases, which between them take every
// method and exception path; go test -bench . -run ^$ ./modulus/ reports checks/s.
func BenchmarkCheck(b *testing.B) {
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		tc := publishedCases[n%len(publishedCases)]
		if _, err := Check(tc.sortCode, tc.account); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "checks/s")
}

// BenchmarkCheckFormatted adds the cost of parsing 12-34-56 style input.
func BenchmarkCheckFormatted(b *testing.B) {
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := Check("20-29-59", "6374 8472"); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "checks/s")
}
