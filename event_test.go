package lifeline_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-gov/lifeline"
)

func TestValidateAppendRequest(t *testing.T) {
	ok := lifeline.NewEvent{Type: "address-changed", Data: json.RawMessage(`{}`)}
	tests := []struct {
		name      string
		req       lifeline.AppendRequest
		wantCode  string
		wantField string
	}{
		{"valid", lifeline.AppendRequest{Stream: "person-1", Expected: lifeline.ExpectAny, Events: []lifeline.NewEvent{ok}}, "", ""},
		{"stream with a colon and dots", lifeline.AppendRequest{Stream: "award:uc.2026", Expected: 3, Events: []lifeline.NewEvent{ok}}, "", ""},
		{"empty stream", lifeline.AppendRequest{Expected: lifeline.ExpectAny, Events: []lifeline.NewEvent{ok}}, lifeline.EINVALID, "stream"},
		{"upper-case stream", lifeline.AppendRequest{Stream: "Person-1", Events: []lifeline.NewEvent{ok}}, lifeline.EINVALID, "stream"},
		{"stream of 201 characters", lifeline.AppendRequest{Stream: strings.Repeat("a", 201), Events: []lifeline.NewEvent{ok}}, lifeline.EINVALID, "stream"},
		{"expected below any", lifeline.AppendRequest{Stream: "s", Expected: -2, Events: []lifeline.NewEvent{ok}}, lifeline.EINVALID, "expected_version"},
		{"key too long", lifeline.AppendRequest{Stream: "s", IdempotencyKey: strings.Repeat("k", 201), Events: []lifeline.NewEvent{ok}}, lifeline.EINVALID, "idempotency_key"},
		{"no events", lifeline.AppendRequest{Stream: "s"}, lifeline.EINVALID, "events"},
		{"too many events", lifeline.AppendRequest{Stream: "s", Events: make([]lifeline.NewEvent, lifeline.MaxEventsPerAppend+1)}, lifeline.EINVALID, "events"},
		{"type with a space", lifeline.AppendRequest{Stream: "s", Events: []lifeline.NewEvent{ok, {Type: "bad type"}}}, lifeline.EINVALID, "events[1].type"},
		{"bad subject", lifeline.AppendRequest{Stream: "s", Events: []lifeline.NewEvent{{Type: "a", Subject: "Ada Lovelace"}}}, lifeline.EINVALID, "events[0].subject"},
		{"data not JSON", lifeline.AppendRequest{Stream: "s", Events: []lifeline.NewEvent{{Type: "a", Data: json.RawMessage(`{`)}}}, lifeline.EINVALID, "events[0].data"},
		{"occurred_at out of range", lifeline.AppendRequest{Stream: "s", Events: []lifeline.NewEvent{{Type: "a", OccurredAt: time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)}}}, lifeline.EINVALID, "events[0].occurred_at"},
		{"correlation id too long", lifeline.AppendRequest{Stream: "s", Events: []lifeline.NewEvent{{Type: "a", Metadata: lifeline.Metadata{CorrelationID: strings.Repeat("c", lifeline.MaxMetadataBytes+1)}}}}, lifeline.EINVALID, "events[0].metadata.correlation_id"},
		{"actor too long", lifeline.AppendRequest{Stream: "s", Events: []lifeline.NewEvent{ok, {Type: "a", Metadata: lifeline.Metadata{Actor: strings.Repeat("a", lifeline.MaxMetadataBytes+1)}}}}, lifeline.EINVALID, "events[1].metadata.actor"},
		{"data too large", lifeline.AppendRequest{Stream: "s", Events: []lifeline.NewEvent{{Type: "a", Data: json.RawMessage(`"` + strings.Repeat("x", lifeline.MaxEventDataBytes) + `"`)}}}, lifeline.ETOOLARGE, "events[0].data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.req.Validate()
			if got := lifeline.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
			if got := lifeline.ErrorField(err); got != tt.wantField {
				t.Errorf("field = %q, want %q", got, tt.wantField)
			}
			if err != nil && lifeline.ErrorMessage(err) == "" {
				t.Error("error has no message")
			}
		})
	}
}

func TestMissingDataBecomesEmptyObject(t *testing.T) {
	req := lifeline.AppendRequest{Stream: "s", Events: []lifeline.NewEvent{{Type: "a"}}}
	if err := req.Validate(); err != nil {
		t.Fatal(err)
	}
	if string(req.Events[0].Data) != "{}" {
		t.Errorf("data = %s, want {}", req.Events[0].Data)
	}
}

func TestFingerprint(t *testing.T) {
	base := func() lifeline.AppendRequest {
		return lifeline.AppendRequest{Stream: "s", Expected: 1, Events: []lifeline.NewEvent{{Type: "a", Subject: "p", Data: json.RawMessage(`{"x":1}`)}}}
	}
	orig := base()
	want := orig.Fingerprint()
	same := base()
	same.Expected = lifeline.ExpectAny
	same.Events[0].Metadata.CorrelationID = "retry-2"
	if !bytes.Equal(want, same.Fingerprint()) {
		t.Error("a retry with new metadata must have the same fingerprint")
	}
	changes := map[string]func(*lifeline.AppendRequest){
		"stream":   func(r *lifeline.AppendRequest) { r.Stream = "t" },
		"type":     func(r *lifeline.AppendRequest) { r.Events[0].Type = "b" },
		"subject":  func(r *lifeline.AppendRequest) { r.Events[0].Subject = "q" },
		"data":     func(r *lifeline.AppendRequest) { r.Events[0].Data = json.RawMessage(`{"x":2}`) },
		"occurred": func(r *lifeline.AppendRequest) { r.Events[0].OccurredAt = time.Unix(1, 0) },
		"more":     func(r *lifeline.AppendRequest) { r.Events = append(r.Events, r.Events[0]) },
		// Length-prefixing keeps field boundaries: "ab"+"" is not "a"+"b".
		"boundary": func(r *lifeline.AppendRequest) { r.Stream = "sa"; r.Events[0].Type = "" },
	}
	for name, change := range changes {
		r := base()
		change(&r)
		if bytes.Equal(want, r.Fingerprint()) {
			t.Errorf("changing %s kept the fingerprint", name)
		}
	}
}

func TestNewID(t *testing.T) {
	now := time.Date(2026, 4, 6, 9, 0, 0, 123e6, time.UTC)
	v7 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		id, err := lifeline.NewID(now, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if !v7.MatchString(id) || seen[id] {
			t.Fatalf("%q is not a fresh UUIDv7", id)
		}
		seen[id] = true
	}
	id, _ := lifeline.NewID(now, rand.Reader)
	// The first 48 bits are the Unix time in milliseconds.
	if want := fmt.Sprintf("%012x", now.UnixMilli()); strings.ReplaceAll(id, "-", "")[:12] != want {
		t.Errorf("id %s does not start with the time %s", id, want)
	}
}

func TestErrorHelpers(t *testing.T) {
	wrapped := fmt.Errorf("append: %w", lifeline.FieldErrorf(lifeline.ECONFLICT, "expected_version", "stream is at version %d", 3))
	if lifeline.ErrorCode(wrapped) != lifeline.ECONFLICT || lifeline.ErrorField(wrapped) != "expected_version" ||
		lifeline.ErrorMessage(wrapped) != "stream is at version 3" {
		t.Errorf("wrapped *Error lost its code, field or message: %v", wrapped)
	}
	other := fmt.Errorf("disk on fire")
	if lifeline.ErrorCode(other) != lifeline.EINTERNAL || strings.Contains(lifeline.ErrorMessage(other), "fire") {
		t.Error("a foreign error must be internal and must not leak its text")
	}
	if lifeline.ErrorCode(nil) != "" || lifeline.ErrorMessage(nil) != "" {
		t.Error("nil must have no code or message")
	}
}
