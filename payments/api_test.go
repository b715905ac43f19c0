package payments_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-gov/lifeline/claims"
	lhttp "github.com/lifeline-gov/lifeline/http"
	"github.com/lifeline-gov/lifeline/ledger"
	"github.com/lifeline-gov/lifeline/payments"
	"github.com/lifeline-gov/lifeline/rules"
	"github.com/lifeline-gov/lifeline/sqlite"
)

// The repayment plan endpoints of the JSON API, end to end: the handlers
// are translation only (http/payments.go), so this checks the wire format,
// the status codes and that a refused request records nothing.
func TestPlanAPI(t *testing.T) {
	db, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{MasterKey: bytes.Repeat([]byte{7}, 32), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := time.Date(2026, 10, 20, 10, 0, 0, 0, time.UTC)
	svc := claims.New(db, claims.Config{IndexKey: []byte("k"), AllowSpecimenNINO: true, Now: func() time.Time { return clock }})
	run := &payments.Runner{Claims: svc, Ledger: db, Dir: t.TempDir(), Debts: &payments.Debts{Log: db, Ledger: db, Now: func() time.Time { return clock }}}
	ts := httptest.NewServer((&lhttp.Server{Log: db, Rules: rules.NewEngine(nil), Claims: svc, Payments: run, Logger: slog.New(slog.DiscardHandler)}).Handler())
	t.Cleanup(ts.Close)
	p, err := svc.RegisterPerson(t.Context(), claims.Registration{NINO: "QQ000001B", GivenNames: "Plan", FamilyName: "Test",
		DateOfBirth: "1985-05-05", Address: claims.Address{Lines: []string{"1 Road"}, Postcode: "LS1 1AA"}, IdentityConfidence: "high"}, "")
	if err != nil {
		t.Fatal(err)
	}
	applied, err := db.Post(t.Context(), ledger.Batch{{ID: "test-overpayment", Debit: ledger.AccountID{Kind: ledger.Debt, Benefit: "UC", Owner: p.ID},
		Credit: ledger.AccountID{Kind: ledger.Expense, Benefit: "UC"}, Amount: 10000, Code: "overpayment", Time: clock}})
	if err == nil {
		err = applied.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
	base := "/v1/people/" + p.ID + "/debts/universal_credit/plans"
	do := func(method, path, body string, header map[string]string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var m map[string]any
		json.Unmarshal(b, &m)
		return res.StatusCode, m
	}
	plans := func() []any {
		t.Helper()
		status, b := do("GET", base, "", nil)
		if status != 200 {
			t.Fatalf("GET plans: %d %v", status, b)
		}
		return b["plans"].([]any)
	}
	for _, c := range []struct {
		name, path, body string
		status           int
		code, field      string
	}{
		{"an amount that is not money", base, `{"amount":"25","frequency":"weekly","start":"2026-10-26"}`, 400, "invalid", "amount"},
		{"a zero amount", base, `{"amount":"0.00","frequency":"weekly","start":"2026-10-26"}`, 400, "invalid", "amount"},
		{"fortnightly", base, `{"amount":"25.00","frequency":"fortnightly","start":"2026-10-26"}`, 400, "invalid", "frequency"},
		{"no start", base, `{"amount":"25.00","frequency":"weekly"}`, 400, "invalid", "start"},
		{"a start in the past", base, `{"amount":"25.00","frequency":"weekly","start":"2026-10-01"}`, 400, "invalid", "start"},
		{"an unknown field", base, `{"amount":"25.00","frequency":"weekly","start":"2026-10-26","colour":"red"}`, 400, "invalid", "colour"},
		{"no such benefit", "/v1/people/" + p.ID + "/debts/jobseekers_allowance/plans", `{"amount":"25.00","frequency":"weekly","start":"2026-10-26"}`, 400, "invalid", "benefit"},
		{"no such person", "/v1/people/00000000-0000-7000-8000-000000000000/debts/universal_credit/plans", `{"amount":"25.00","frequency":"weekly","start":"2026-10-26"}`, 404, "not_found", ""},
	} {
		status, b := do("POST", c.path, c.body, nil)
		if status != c.status || b["code"] != c.code || (c.field != "" && b["field"] != c.field) {
			t.Errorf("%s: %d %v, want %d %s on %q", c.name, status, b, c.status, c.code, c.field)
		}
	}
	if n := len(plans()); n != 0 {
		t.Fatalf("%d plans after refused requests, want none", n)
	}
	key := map[string]string{"Idempotency-Key": "plan-1"}
	status, b := do("POST", base, `{"amount":"25.00","frequency":"weekly","start":"2026-10-26","note":"by phone"}`, key)
	if status != 201 || b["id"] != 1.0 || b["total"] != "100.00" || b["instalment_count"] != 4.0 || b["status"] != "active" || b["final_due"] != "2026-11-16" {
		t.Fatalf("agree: %d %v", status, b)
	}
	if status, b := do("POST", base, `{"amount":"25.00","frequency":"weekly","start":"2026-10-26","note":"by phone"}`, key); status != 201 || b["id"] != 1.0 {
		t.Errorf("a retry: %d %v", status, b)
	}
	if status, b := do("POST", base, `{"amount":"50.00","frequency":"weekly","start":"2026-10-26"}`, key); status != 422 || b["code"] != "idempotency_key_reused" {
		t.Errorf("the key reused: %d %v", status, b)
	}
	if status, b := do("POST", base, `{"amount":"50.00","frequency":"weekly","start":"2026-10-26"}`, nil); status != 409 || b["code"] != "conflict" {
		t.Errorf("a second plan: %d %v", status, b)
	}
	if status, b := do("POST", "/v1/people/"+p.ID+"/debts/universal_credit/repayments", `{"amount":"25.00","reason":"card"}`, map[string]string{"Idempotency-Key": "r1"}); status != 200 {
		t.Fatalf("repayment: %d %v", status, b)
	}
	clock = time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	list := plans()
	if len(list) != 1 {
		t.Fatalf("plans %v", list)
	}
	pl := list[0].(map[string]any)
	if pl["paid"] != "25.00" || pl["arrears"] != "25.00" || pl["instalments_paid"] != 1.0 || pl["instalments_missed"] != 1.0 || pl["debt_outstanding"] != "75.00" {
		t.Errorf("plan on 3 November: %v", pl)
	}
	if status, b := do("GET", base+"?on=2026-10-26", "", nil); status != 200 || b["plans"].([]any)[0].(map[string]any)["arrears"] != "0.00" {
		t.Errorf("as at 26 October: %d %v", status, b)
	}
	if status, b := do("GET", base+"?on=26/10/2026", "", nil); status != 400 || b["field"] != "on" {
		t.Errorf("a bad date: %d %v", status, b)
	}
	for _, c := range []struct {
		name, path, body string
		status           int
		code             string
	}{
		{"no reason", base + "/1/cancellation", `{}`, 400, "invalid"},
		{"a plan id that is not a number", base + "/one/cancellation", `{"reason":"x"}`, 400, "invalid"},
		{"no such plan", base + "/2/cancellation", `{"reason":"x"}`, 404, "not_found"},
		{"cancelled", base + "/1/cancellation", `{"reason":"back on benefit"}`, 200, ""},
		{"cancelled again: the same", base + "/1/cancellation", `{"reason":"back on benefit"}`, 200, ""},
	} {
		status, b := do("POST", c.path, c.body, nil)
		if status != c.status || (c.code != "" && b["code"] != c.code) || (c.status == 200 && (b["status"] != "cancelled" || b["ended_on"] != "2026-11-03")) {
			t.Errorf("%s: %d %v", c.name, status, b)
		}
	}
}
