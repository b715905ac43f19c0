package http

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lifeline-gov/lifeline"
)

// FuzzDecodeAppend feeds the append decoder arbitrary bodies and headers: it
// must never panic, and whatever it accepts must be a valid request.
func FuzzDecodeAppend(f *testing.F) {
	seeds := []struct{ stream, expected, body string }{
		{"person-1", "0", `{"events":[{"type":"registered","subject":"person-1","data":{"a":1}}]}`},
		{"s", "any", `{"events":[{"type":"a","occurred_at":"2026-01-01T00:00:00Z","metadata":{"actor":"x"}}]}`},
		{"s", "7", `{"events":[]}`},
		{"S S", "", `{"events":[{"type":"a"}]}`},
		{"s", "-1", `{"events":[{"type":"a","data":null}]}`},
		{"s", "", `{"events":[{"type":"a","occurred_at":"yesterday"}]}`},
		{"s", "", `{"events":[{"type":"a","extra":1}]}`},
		{"s", "", `[1,2,3]`},
		{"s", "", `{"events":[{"type":"a"}]}{}`},
		{"s", "", "\x00\xff"},
	}
	for _, s := range seeds {
		f.Add(s.stream, s.expected, s.body)
	}
	f.Fuzz(func(t *testing.T, stream, expected, body string) {
		r := httptest.NewRequest("POST", "/v1/streams/x/events", strings.NewReader(body))
		r.SetPathValue("stream", stream)
		r.Header.Set("Expected-Version", expected)
		r.Header.Set("Content-Type", "application/json")
		req, err := decodeAppend(r)
		if err != nil {
			if lifeline.ErrorCode(err) == lifeline.EINTERNAL || lifeline.ErrorMessage(err) == "" {
				t.Fatalf("decode error without a code or message: %v", err)
			}
			return
		}
		if err := req.Validate(); err != nil {
			t.Fatalf("accepted a request that does not validate: %v", err)
		}
	})
}

// FuzzQueryParams checks the query parsers never panic and only accept what
// they promise.
func FuzzQueryParams(f *testing.F) {
	for _, s := range []string{"after=3&limit=10", "limit=0", "limit=99999", "after=-1", "as_at=2026-04-06T09:00:00Z", "as_at=%zz", "after=1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, query string) {
		r := httptest.NewRequest("GET", "/v1/events", nil)
		r.URL.RawQuery = query
		if after, err := queryInt(r, "after", 0); err == nil && after < 0 {
			t.Fatalf("accepted after=%d", after)
		}
		if limit, err := queryLimit(r); err == nil && (limit < 1 || limit > lifeline.MaxReadLimit) {
			t.Fatalf("accepted limit=%d", limit)
		}
		queryTime(r, "as_at")
	})
}
