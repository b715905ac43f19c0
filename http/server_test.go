package http

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/metrics"
	"github.com/lifeline-gov/lifeline/rules"
	"github.com/lifeline-gov/lifeline/sqlite"
)

func newTestServer(t *testing.T) *httptest.Server {
	t.Helper()
	db, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{MasterKey: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := &Server{Log: db, Rules: rules.NewEngine(nil), Ready: db.Ping, Metrics: metrics.New()}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts
}

type call struct {
	method, path, body string
	header             map[string]string
}

func do(t *testing.T, ts *httptest.Server, c call) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(c.method, ts.URL+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var m map[string]any
	json.Unmarshal(body, &m)
	return res, m
}

func TestAPI(t *testing.T) {
	ts := newTestServer(t)
	steps := []struct {
		name       string
		call       call
		wantStatus int
		wantCode   string // problem code for errors
		wantField  string
		check      func(t *testing.T, res *http.Response, body map[string]any)
	}{
		{name: "append to a new stream",
			call:       call{"POST", "/v1/streams/person-1/events", `{"events":[{"type":"registered","subject":"person-1","data":{"name":"Ada"}},{"type":"moved","data":{"postcode":"SW1A 1AA"}}]}`, map[string]string{"Expected-Version": "0", "Idempotency-Key": "k1"}},
			wantStatus: 201,
			check: func(t *testing.T, _ *http.Response, b map[string]any) {
				if b["first_position"] != 1.0 || b["last_version"] != 2.0 || b["replayed"] != false {
					t.Errorf("result = %v", b)
				}
			}},
		{name: "the same request retried is replayed",
			call:       call{"POST", "/v1/streams/person-1/events", `{"events":[{"type":"registered","subject":"person-1","data":{"name":"Ada"}},{"type":"moved","data":{"postcode":"SW1A 1AA"}}]}`, map[string]string{"Expected-Version": "0", "Idempotency-Key": "k1"}},
			wantStatus: 201,
			check: func(t *testing.T, res *http.Response, b map[string]any) {
				if res.Header.Get("Idempotent-Replayed") != "true" || b["last_position"] != 2.0 {
					t.Errorf("replay = %v, header %q", b, res.Header.Get("Idempotent-Replayed"))
				}
			}},
		{name: "the key reused for another request",
			call:       call{"POST", "/v1/streams/person-1/events", `{"events":[{"type":"other"}]}`, map[string]string{"Idempotency-Key": "k1"}},
			wantStatus: 422, wantCode: "idempotency_key_reused", wantField: "idempotency_key"},
		{name: "stale expected version",
			call:       call{"POST", "/v1/streams/person-1/events", `{"events":[{"type":"moved"}]}`, map[string]string{"Expected-Version": "1"}},
			wantStatus: 409, wantCode: "conflict", wantField: "expected_version"},
		{name: "bad expected version",
			call:       call{"POST", "/v1/streams/person-1/events", `{"events":[{"type":"moved"}]}`, map[string]string{"Expected-Version": "latest"}},
			wantStatus: 400, wantCode: "invalid", wantField: "Expected-Version"},
		{name: "malformed JSON",
			call:       call{"POST", "/v1/streams/person-1/events", `{"events":[`, nil},
			wantStatus: 400, wantCode: "invalid"},
		{name: "unknown field",
			call:       call{"POST", "/v1/streams/person-1/events", `{"events":[{"type":"a","colour":"red"}]}`, nil},
			wantStatus: 400, wantCode: "invalid", wantField: "colour"},
		{name: "wrong type of value",
			call:       call{"POST", "/v1/streams/person-1/events", `{"events":[{"type":7}]}`, nil},
			wantStatus: 400, wantCode: "invalid", wantField: "events.type"},
		{name: "trailing data",
			call:       call{"POST", "/v1/streams/person-1/events", `{"events":[{"type":"a"}]} {}`, nil},
			wantStatus: 400, wantCode: "invalid"},
		{name: "bad stream name",
			call:       call{"POST", "/v1/streams/Person%201/events", `{"events":[{"type":"a"}]}`, nil},
			wantStatus: 400, wantCode: "invalid", wantField: "stream"},
		{name: "no events",
			call:       call{"POST", "/v1/streams/person-1/events", `{"events":[]}`, nil},
			wantStatus: 400, wantCode: "invalid", wantField: "events"},
		{name: "body too large",
			call:       call{"POST", "/v1/streams/person-1/events", `{"events":[{"type":"a","data":"` + strings.Repeat("x", MaxBodyBytes) + `"}]}`, nil},
			wantStatus: 413, wantCode: "too_large"},
		{name: "not JSON",
			call:       call{"POST", "/v1/streams/person-1/events", `type=a`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}},
			wantStatus: 415, wantCode: "unsupported"},
		{name: "oversized request id copied into every event",
			call:       call{"POST", "/v1/streams/person-1/events", `{"events":[{"type":"a"},{"type":"b"}]}`, map[string]string{"X-Request-Id": strings.Repeat("r", 4000)}},
			wantStatus: 400, wantCode: "invalid", wantField: "events[0].metadata.correlation_id"},
		{name: "read the stream",
			call:       call{"GET", "/v1/streams/person-1", "", nil},
			wantStatus: 200,
			check: func(t *testing.T, _ *http.Response, b map[string]any) {
				evs := b["events"].([]any)
				if len(evs) != 2 {
					t.Fatalf("%d events, want 2 (nothing refused above may have been written)", len(evs))
				}
				first := evs[0].(map[string]any)
				if first["data"].(map[string]any)["name"] != "Ada" || first["subject"] != "person-1" {
					t.Errorf("first event = %v", first)
				}
			}},
		{name: "read as at a time before anything",
			call:       call{"GET", "/v1/streams/person-1?as_at=2000-01-01T00:00:00Z", "", nil},
			wantStatus: 200,
			check: func(t *testing.T, _ *http.Response, b map[string]any) {
				if n := len(b["events"].([]any)); n != 0 {
					t.Errorf("%d events as at 2000, want 0", n)
				}
			}},
		{name: "bad as_at",
			call:       call{"GET", "/v1/streams/person-1?as_at=yesterday", "", nil},
			wantStatus: 400, wantCode: "invalid", wantField: "as_at"},
		{name: "read the log",
			call:       call{"GET", "/v1/events?after=1&limit=5", "", nil},
			wantStatus: 200,
			check: func(t *testing.T, _ *http.Response, b map[string]any) {
				if n := len(b["events"].([]any)); n != 1 || b["next_after"] != 2.0 {
					t.Errorf("page = %v", b)
				}
			}},
		{name: "bad limit",
			call:       call{"GET", "/v1/events?limit=0", "", nil},
			wantStatus: 400, wantCode: "invalid", wantField: "limit"},
		{name: "bad after",
			call:       call{"GET", "/v1/events?after=-3", "", nil},
			wantStatus: 400, wantCode: "invalid", wantField: "after"},
		{name: "unknown endpoint",
			call:       call{"GET", "/v1/nothing", "", nil},
			wantStatus: 404, wantCode: "not_found"},
		{name: "alive", call: call{"GET", "/healthz", "", nil}, wantStatus: 200},
		{name: "ready", call: call{"GET", "/readyz", "", nil}, wantStatus: 200},
		{name: "metrics", call: call{"GET", "/metrics", "", nil}, wantStatus: 200}, // its text is checked after the table
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			res, body := do(t, ts, st.call)
			if res.StatusCode != st.wantStatus {
				t.Fatalf("status = %d, want %d; body %v", res.StatusCode, st.wantStatus, body)
			}
			if st.wantCode != "" {
				if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("Content-Type = %q, want application/problem+json", ct)
				}
				if body["code"] != st.wantCode || body["field"] != nonEmpty(st.wantField) || body["detail"] == "" || body["status"] != float64(st.wantStatus) {
					t.Errorf("problem = %v, want code %q field %q", body, st.wantCode, st.wantField)
				}
			}
			if st.check != nil {
				st.check(t, res, body)
			}
		})
	}
	res, err := ts.Client().Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{`lifeline_http_requests_total{method="POST",route="POST /v1/streams/{stream}/events",status="201"} 2`, "lifeline_http_request_duration_seconds_bucket"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// nonEmpty returns want as it appears in a decoded problem: absent when "".
func nonEmpty(want string) any {
	if want == "" {
		return nil
	}
	return want
}

func TestCrossOriginWriteIsRefused(t *testing.T) {
	ts := newTestServer(t)
	res, body := do(t, ts, call{"POST", "/v1/streams/s/events", `{"events":[{"type":"a"}]}`,
		map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}})
	if res.StatusCode != 403 || body["code"] != "forbidden" {
		t.Errorf("cross-origin POST: %d %v, want 403 forbidden", res.StatusCode, body)
	}
}

func TestCalculate(t *testing.T) {
	ts := newTestServer(t)
	// A single claimant over 25 in June 2025, no other income: the 2025/26
	// standard allowance of £400.14 is the award.
	res, body := do(t, ts, call{"POST", "/v1/calculate",
		`{"period":"2025-06","household":{"country":"england","adults":[{"id":"a1","date_of_birth":"1990-01-01"}]}}`, nil})
	if res.StatusCode != 200 {
		t.Fatalf("status %d: %v", res.StatusCode, body)
	}
	uc := body["benefits"].(map[string]any)["universal_credit"].(map[string]any)
	if uc["amount"] != "400.14" || uc["eligible"] != true {
		t.Errorf("universal credit = %v, want 400.14", uc)
	}
	res, body = do(t, ts, call{"POST", "/v1/calculate", `{"period":"2025-06","household":{"adults":[{"id":"a1","date_of_birth":"1990-02-30"}]}}`, nil})
	if res.StatusCode != 400 || body["field"] != "household.adults[0].date_of_birth" {
		t.Errorf("impossible date: %d %v", res.StatusCode, body)
	}
}

// TestDecodeErrorsSpeakJSON: a value of the wrong type is described in JSON
// terms, not by the server's Go types.
func TestDecodeErrorsSpeakJSON(t *testing.T) {
	for _, body := range []string{`{"events":"x"}`, `{"events":[{"type":7}]}`, `{"events":[{"metadata":[]}]}`} {
		r := httptest.NewRequest("POST", "/v1/streams/s/events", strings.NewReader(body))
		r.SetPathValue("stream", "s")
		_, err := decodeAppend(r)
		if msg := lifeline.ErrorMessage(err); err == nil || strings.Contains(msg, "lifeline.") || strings.Contains(msg, "[]") {
			t.Errorf("%s: %q", body, msg)
		}
	}
}
