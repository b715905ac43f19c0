package storetest

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifeline-gov/lifeline"
)

var uuidv7 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func testAppendAndReadStream(t *testing.T, b Backend) {
	clk := newClock()
	s := b.New(t, Config{Now: clk.Now}).Store()
	occurred := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	meta := lifeline.Metadata{Actor: "agent-7", Channel: "phone", CorrelationID: "c-1", CausationID: "e-0"}
	res := mustAppend(t, s, lifeline.AppendRequest{Stream: "person-1", Expected: lifeline.ExpectNoStream, Events: []lifeline.NewEvent{
		{Type: "person-registered", OccurredAt: occurred, Subject: "person-1", Data: []byte(`{"name":"Ada"}`), Metadata: meta},
		{Type: "address-changed", Subject: "person-1", Data: []byte(`{"postcode":"SW1A 1AA"}`)},
		{Type: "note-added", Data: []byte(`{"n":3}`)},
	}})
	want := lifeline.AppendResult{Stream: "person-1", FirstVersion: 1, LastVersion: 3, FirstPosition: 1, LastPosition: 3, RecordedAt: clk.Now()}
	if !res.RecordedAt.Equal(want.RecordedAt) {
		t.Errorf("RecordedAt = %v, want %v", res.RecordedAt, want.RecordedAt)
	}
	res.RecordedAt = want.RecordedAt
	if res != want {
		t.Errorf("Append result = %+v, want %+v", res, want)
	}

	got, err := s.ReadStream(ctx(t), "person-1", lifeline.StreamQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("read %d events, want 3", len(got))
	}
	ids := map[string]bool{}
	for i, e := range got {
		if e.Version != int64(i+1) || e.Position != int64(i+1) || e.Stream != "person-1" {
			t.Errorf("event %d: stream %q version %d position %d", i, e.Stream, e.Version, e.Position)
		}
		if !uuidv7.MatchString(e.ID) || ids[e.ID] {
			t.Errorf("event %d: id %q is not a fresh UUIDv7", i, e.ID)
		}
		ids[e.ID] = true
		if !e.RecordedAt.Equal(clk.Now()) {
			t.Errorf("event %d: recorded_at %v, want %v", i, e.RecordedAt, clk.Now())
		}
		if e.Erased {
			t.Errorf("event %d: erased", i)
		}
	}
	first := got[0]
	if first.Type != "person-registered" || first.Subject != "person-1" || !first.OccurredAt.Equal(occurred) || first.Metadata != meta {
		t.Errorf("first event = %+v", first)
	}
	if !jsonEqual(first.Data, `{"name":"Ada"}`) {
		t.Errorf("first data = %s", first.Data)
	}
	if !got[1].OccurredAt.Equal(clk.Now()) {
		t.Errorf("occurred_at defaults to recorded time: got %v", got[1].OccurredAt)
	}
	if !jsonEqual(got[2].Data, `{"n":3}`) || got[2].Subject != "" {
		t.Errorf("third event = %+v", got[2])
	}
	if n, err := s.ReadStream(ctx(t), "person-404", lifeline.StreamQuery{}); err != nil || len(n) != 0 {
		t.Errorf("reading a missing stream = %v, %v; want no events and no error", n, err)
	}
}

func testExpectedVersion(t *testing.T, b Backend) {
	s := b.New(t, Config{}).Store()
	mustAppend(t, s, lifeline.AppendRequest{Stream: "s", Expected: lifeline.ExpectAny, Events: []lifeline.NewEvent{event("a", `{}`), event("a", `{}`)}})
	tests := []struct {
		name     string
		stream   string
		expected lifeline.Expected
		wantErr  string
		wantLast int64
	}{
		{"exact match", "s", 2, "", 4},
		{"stale version", "s", 2, lifeline.ECONFLICT, 0},
		{"future version", "s", 9, lifeline.ECONFLICT, 0},
		{"no stream but it exists", "s", lifeline.ExpectNoStream, lifeline.ECONFLICT, 0},
		{"any", "s", lifeline.ExpectAny, "", 6},
		{"no stream on a new one", "t", lifeline.ExpectNoStream, "", 2},
		{"exact on a missing stream", "u", 1, lifeline.ECONFLICT, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := head(t, s)
			res, err := s.Append(ctx(t), lifeline.AppendRequest{Stream: tt.stream, Expected: tt.expected,
				Events: []lifeline.NewEvent{event("b", `{}`), event("b", `{}`)}})
			if tt.wantErr != "" {
				wantCode(t, err, tt.wantErr)
				if f := lifeline.ErrorField(err); f != "expected_version" {
					t.Errorf("conflict names field %q, want expected_version", f)
				}
				if h := head(t, s); h != before {
					t.Errorf("a conflicting append moved the head from %d to %d", before, h)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.LastVersion != tt.wantLast {
				t.Errorf("last version = %d, want %d", res.LastVersion, tt.wantLast)
			}
		})
	}
}

func testRejectsInvalidAppend(t *testing.T, b Backend) {
	s := b.New(t, Config{}).Store()
	tests := []struct {
		name  string
		req   lifeline.AppendRequest
		field string
	}{
		{"bad stream name", lifeline.AppendRequest{Stream: "Has Spaces", Expected: lifeline.ExpectAny, Events: []lifeline.NewEvent{event("a", `{}`)}}, "stream"},
		{"no events", lifeline.AppendRequest{Stream: "s", Expected: lifeline.ExpectAny}, "events"},
		{"bad type", lifeline.AppendRequest{Stream: "s", Expected: lifeline.ExpectAny, Events: []lifeline.NewEvent{event("Bad Type", `{}`)}}, "events[0].type"},
		{"bad json", lifeline.AppendRequest{Stream: "s", Expected: lifeline.ExpectAny, Events: []lifeline.NewEvent{event("a", `{}`), event("a", `{"x":`)}}, "events[1].data"},
		{"bad version", lifeline.AppendRequest{Stream: "s", Expected: -5, Events: []lifeline.NewEvent{event("a", `{}`)}}, "expected_version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Append(ctx(t), tt.req)
			wantCode(t, err, lifeline.EINVALID)
			if f := lifeline.ErrorField(err); f != tt.field {
				t.Errorf("field = %q, want %q", f, tt.field)
			}
		})
	}
	if h := head(t, s); h != 0 {
		t.Errorf("invalid appends wrote events: head = %d", h)
	}
}

func testIdempotency(t *testing.T, b Backend) {
	s := b.New(t, Config{}).Store()
	req := lifeline.AppendRequest{Stream: "s", Expected: lifeline.ExpectNoStream, IdempotencyKey: "key-1",
		Events: []lifeline.NewEvent{event("a", `{"x":1}`)}}
	first := mustAppend(t, s, req)
	again := mustAppend(t, s, req) // ExpectNoStream would now conflict: the key wins
	if !again.Replayed || first.Replayed {
		t.Errorf("Replayed: first %v, again %v; want false, true", first.Replayed, again.Replayed)
	}
	again.Replayed = false
	if !again.RecordedAt.Equal(first.RecordedAt) {
		t.Errorf("replayed recorded_at %v, want %v", again.RecordedAt, first.RecordedAt)
	}
	again.RecordedAt = first.RecordedAt
	if again != first {
		t.Errorf("replayed result %+v, want the original %+v", again, first)
	}
	if h := head(t, s); h != 1 {
		t.Errorf("head = %d after a retried append, want 1", h)
	}
	other := req
	other.Events = []lifeline.NewEvent{event("a", `{"x":2}`)}
	_, err := s.Append(ctx(t), other)
	wantCode(t, err, lifeline.EIDEMPOTENCY)
	if f := lifeline.ErrorField(err); f != "idempotency_key" {
		t.Errorf("reused key names field %q, want idempotency_key", f)
	}
	if h := head(t, s); h != 1 {
		t.Errorf("head = %d after a reused key, want 1", h)
	}
}

func testIdempotencyAcrossRestart(t *testing.T, b Backend) {
	db := b.New(t, Config{})
	s := db.Store()
	req := lifeline.AppendRequest{Stream: "s", Expected: lifeline.ExpectAny, IdempotencyKey: "restart-key",
		Events: []lifeline.NewEvent{event("a", `{}`), event("a", `{}`)}}
	first := mustAppend(t, s, req)
	s.Close()
	s2 := db.Open(t, Config{})
	again := mustAppend(t, s2, req)
	if !again.Replayed || again.LastPosition != first.LastPosition {
		t.Errorf("after restart: %+v, want a replay of %+v", again, first)
	}
	if h := head(t, s2); h != 2 {
		t.Errorf("head = %d, want 2", h)
	}
}

func testConcurrentIdempotentRetries(t *testing.T, b Backend) {
	s := b.New(t, Config{}).Store()
	var wg sync.WaitGroup
	results := make([]lifeline.AppendResult, 20)
	errs := make([]error, 20)
	for i := range results {
		wg.Go(func() {
			results[i], errs[i] = s.Append(ctx(t), lifeline.AppendRequest{Stream: "s", Expected: lifeline.ExpectAny,
				IdempotencyKey: "same", Events: []lifeline.NewEvent{event("a", `{}`)}})
		})
	}
	wg.Wait()
	fresh := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("retry %d: %v", i, err)
		}
		if !results[i].Replayed {
			fresh++
		}
		if results[i].FirstPosition != 1 {
			t.Errorf("retry %d landed at %d, want 1", i, results[i].FirstPosition)
		}
	}
	if fresh != 1 || head(t, s) != 1 {
		t.Errorf("%d appends were not replays and head is %d; want exactly one write", fresh, head(t, s))
	}
}

func testReadAllOrder(t *testing.T, b Backend) {
	s := b.New(t, Config{}).Store()
	for i := range 10 {
		mustAppend(t, s, lifeline.AppendRequest{Stream: fmt.Sprintf("s-%d", i%3), Expected: lifeline.ExpectAny,
			Events: []lifeline.NewEvent{event("a", fmt.Sprintf(`{"i":%d}`, i))}})
	}
	all, err := s.ReadAll(ctx(t), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 10 {
		t.Fatalf("ReadAll returned %d events, want 10", len(all))
	}
	for i, e := range all {
		if e.Position != int64(i+1) || !jsonEqual(e.Data, fmt.Sprintf(`{"i":%d}`, i)) {
			t.Errorf("event %d: position %d data %s", i, e.Position, e.Data)
		}
	}
	page, err := s.ReadAll(ctx(t), 4, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 3 || page[0].Position != 5 || page[2].Position != 7 {
		t.Errorf("ReadAll(after 4, limit 3) = positions %v, want 5..7", positions(page))
	}
	if end, _ := s.ReadAll(ctx(t), 10, 5); len(end) != 0 {
		t.Errorf("ReadAll past the head returned %d events", len(end))
	}
}

func testConcurrentAppends(t *testing.T, b Backend) {
	s := b.New(t, Config{}).Store()
	const writers, each = 16, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				_, err := s.Append(ctx(t), lifeline.AppendRequest{Stream: fmt.Sprintf("w-%d", w%4), Expected: lifeline.ExpectAny,
					Events: []lifeline.NewEvent{event("a", fmt.Sprintf(`{"w":%d,"i":%d}`, w, i))}})
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		})
	}
	wg.Wait()
	all, err := s.ReadAll(ctx(t), 0, lifeline.MaxReadLimit)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != writers*each {
		t.Fatalf("read %d events, want %d", len(all), writers*each)
	}
	versions := map[string]int64{}
	for i, e := range all {
		if e.Position != int64(i+1) {
			t.Fatalf("position %d at index %d: positions are not gap-free", e.Position, i)
		}
		versions[e.Stream]++
		if e.Version != versions[e.Stream] {
			t.Fatalf("%s: version %d follows %d", e.Stream, e.Version, versions[e.Stream]-1)
		}
	}
}

func testConcurrentExactVersions(t *testing.T, b Backend) {
	s := b.New(t, Config{}).Store()
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, lost := 0, 0
	for range 10 {
		wg.Go(func() {
			_, err := s.Append(ctx(t), lifeline.AppendRequest{Stream: "race", Expected: lifeline.ExpectNoStream,
				Events: []lifeline.NewEvent{event("a", `{}`)}})
			mu.Lock()
			defer mu.Unlock()
			switch lifeline.ErrorCode(err) {
			case "":
				won++
			case lifeline.ECONFLICT:
				lost++
			default:
				t.Errorf("append: %v", err)
			}
		})
	}
	wg.Wait()
	if won != 1 || lost != 9 {
		t.Errorf("%d appends won and %d conflicted; want 1 and 9", won, lost)
	}
}

func testReadStreamRange(t *testing.T, b Backend) {
	s := b.New(t, Config{}).Store()
	evs := make([]lifeline.NewEvent, 10)
	for i := range evs {
		evs[i] = event("a", fmt.Sprintf(`{"v":%d}`, i+1))
	}
	mustAppend(t, s, lifeline.AppendRequest{Stream: "s", Expected: lifeline.ExpectAny, Events: evs})
	got, err := s.ReadStream(ctx(t), "s", lifeline.StreamQuery{FromVersion: 4, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Version != 4 || got[2].Version != 6 {
		t.Errorf("from 4 limit 3 = versions %v, want 4..6", versionsOf(got))
	}
}

func testReadStreamAsAt(t *testing.T, b Backend) {
	clk := newClock()
	s := b.New(t, Config{Now: clk.Now}).Store()
	t1 := clk.Now()
	mustAppend(t, s, lifeline.AppendRequest{Stream: "s", Expected: lifeline.ExpectAny, Events: []lifeline.NewEvent{event("a", `{"n":1}`)}})
	t2 := clk.Advance(time.Hour)
	mustAppend(t, s, lifeline.AppendRequest{Stream: "s", Expected: lifeline.ExpectAny, Events: []lifeline.NewEvent{event("a", `{"n":2}`), event("a", `{"n":3}`)}})
	clk.Advance(time.Hour)
	mustAppend(t, s, lifeline.AppendRequest{Stream: "s", Expected: lifeline.ExpectAny, Events: []lifeline.NewEvent{event("a", `{"n":4}`)}})
	tests := []struct {
		asAt time.Time
		want int
	}{
		{t1.Add(-time.Second), 0},
		{t1, 1},
		{t2.Add(-time.Nanosecond), 1},
		{t2, 3},
		{t2.Add(90 * time.Minute), 4},
	}
	for _, tt := range tests {
		got, err := s.ReadStream(ctx(t), "s", lifeline.StreamQuery{AsAt: tt.asAt})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tt.want {
			t.Errorf("as at %v: %d events, want %d", tt.asAt, len(got), tt.want)
		}
	}
}

func testWaitForAppend(t *testing.T, b Backend) {
	s := b.New(t, Config{}).Store()
	mustAppend(t, s, lifeline.AppendRequest{Stream: "s", Expected: lifeline.ExpectAny, Events: []lifeline.NewEvent{event("a", `{}`)}})
	if err := s.WaitForAppend(ctx(t), 0); err != nil {
		t.Errorf("waiting for a position already passed: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- s.WaitForAppend(ctx(t), 1) }()
	select {
	case err := <-done:
		t.Fatalf("WaitForAppend returned before an append: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	mustAppend(t, s, lifeline.AppendRequest{Stream: "s", Expected: lifeline.ExpectAny, Events: []lifeline.NewEvent{event("a", `{}`)}})
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("WaitForAppend: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WaitForAppend did not wake within 5s of an append")
	}
	short, cancel := contextWithTimeout(t, 50*time.Millisecond)
	defer cancel()
	if err := s.WaitForAppend(short, 99); err == nil {
		t.Error("WaitForAppend returned nil when its context ended")
	}
}

func positions(es []lifeline.Event) []int64 {
	var p []int64
	for _, e := range es {
		p = append(p, e.Position)
	}
	return p
}

func versionsOf(es []lifeline.Event) []int64 {
	var v []int64
	for _, e := range es {
		v = append(v, e.Version)
	}
	return v
}

func jsonEqual(got []byte, want string) bool {
	var a, b any
	if json.Unmarshal(got, &a) != nil || json.Unmarshal([]byte(want), &b) != nil {
		return false
	}
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// testTimesFarFromNow: an occurred_at the store cannot keep exactly is
// refused, not stored as some other time, and as-at reads far in the past
// or future mean what they say.
func testTimesFarFromNow(t *testing.T, b Backend) {
	s := b.New(t, Config{}).Store()
	for _, at := range []time.Time{
		time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		_, err := s.Append(ctx(t), lifeline.AppendRequest{Stream: "far", Expected: lifeline.ExpectAny, Events: []lifeline.NewEvent{
			{Type: "a", OccurredAt: at, Data: []byte(`{}`)},
		}})
		if err == nil {
			es, err := s.ReadStream(ctx(t), "far", lifeline.StreamQuery{})
			if err != nil {
				t.Fatal(err)
			}
			if got := es[len(es)-1].OccurredAt; !got.Equal(at) {
				t.Errorf("occurred_at %v was stored as %v", at, got)
			}
			continue
		}
		wantCode(t, err, lifeline.EINVALID)
	}
	mustAppend(t, s, lifeline.AppendRequest{Stream: "s", Expected: lifeline.ExpectAny, Events: []lifeline.NewEvent{event("a", `{}`)}})
	for _, tt := range []struct {
		asAt time.Time
		want int
	}{
		{time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), 0},
		{time.Date(1650, 1, 1, 0, 0, 0, 0, time.UTC), 0},
		{time.Date(2500, 1, 1, 0, 0, 0, 0, time.UTC), 1},
		{time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), 1},
	} {
		got, err := s.ReadStream(ctx(t), "s", lifeline.StreamQuery{AsAt: tt.asAt})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tt.want {
			t.Errorf("as at %v: %d events, want %d", tt.asAt, len(got), tt.want)
		}
	}
}

// testReadEvent: an event read by its id is exactly the event ReadStream
// returns, sealed or not, and erased once its subject is.
func testReadEvent(t *testing.T, b Backend) {
	clk := newClock()
	s := b.New(t, Config{Now: clk.Now}).Store()
	meta := lifeline.Metadata{Actor: "agent-7", Channel: "phone", CorrelationID: "c-1", CausationID: "e-0"}
	mustAppend(t, s, lifeline.AppendRequest{Stream: "person-1", Expected: lifeline.ExpectNoStream, Events: []lifeline.NewEvent{
		{Type: "person-registered", OccurredAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Subject: "person-1",
			Data: []byte(`{"name":"Ada"}`), Metadata: meta},
		event("note-added", `{"n":1}`),
	}})
	clk.Advance(time.Second)
	mustAppend(t, s, lifeline.AppendRequest{Stream: "case-9", Expected: lifeline.ExpectNoStream, Events: []lifeline.NewEvent{
		event("case-opened", `{"case":9}`),
		{Type: "member-added", Subject: "person-2", Data: []byte(`{"name":"Grace"}`)},
	}})

	// readAll reads both streams as ReadStream returns them.
	readAll := func() []lifeline.Event {
		t.Helper()
		var all []lifeline.Event
		for _, stream := range []string{"person-1", "case-9"} {
			es, err := s.ReadStream(ctx(t), stream, lifeline.StreamQuery{})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, es...)
		}
		if len(all) != 4 {
			t.Fatalf("read %d events, want 4", len(all))
		}
		return all
	}
	// checkByID reads every event of want by its id and compares.
	checkByID := func(when string, want []lifeline.Event) {
		t.Helper()
		for _, w := range want {
			got, err := s.ReadEvent(ctx(t), w.ID)
			if err != nil {
				t.Errorf("%s: ReadEvent(%s): %v", when, w.ID, err)
				continue
			}
			if diff := eventDiff(got, w); diff != "" {
				t.Errorf("%s: ReadEvent(%s) differs from ReadStream: %s", when, w.ID, diff)
			}
		}
	}

	before := readAll()
	for i, data := range []string{`{"name":"Ada"}`, `{"n":1}`, `{"case":9}`, `{"name":"Grace"}`} {
		if before[i].Erased || !jsonEqual(before[i].Data, data) {
			t.Fatalf("event %d read as %s (erased %v), want %s", i, before[i].Data, before[i].Erased, data)
		}
	}
	checkByID("before erasure", before)

	unknown, err := lifeline.NewID(clk.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sealed := before[0].ID
	tests := []struct {
		name     string
		id       string
		wantCode string // "" when the id names before[0]
	}{
		{"upper-case id", strings.ToUpper(sealed), ""},
		{"unknown id", unknown, lifeline.ENOTFOUND},
		{"nil uuid", "00000000-0000-0000-0000-000000000000", lifeline.ENOTFOUND},
		{"not a uuid", "not-a-uuid", lifeline.EINVALID},
		{"empty", "", lifeline.EINVALID},
		{"no hyphens", strings.ReplaceAll(sealed, "-", ""), lifeline.EINVALID},
		{"not hex", "g" + sealed[1:], lifeline.EINVALID},
		{"braced", "{" + sealed + "}", lifeline.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ReadEvent(ctx(t), tt.id)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatal(err)
				}
				if diff := eventDiff(got, before[0]); diff != "" {
					t.Errorf("ReadEvent(%q) differs from ReadStream: %s", tt.id, diff)
				}
				return
			}
			wantCode(t, err, tt.wantCode)
			if tt.wantCode == lifeline.EINVALID {
				if f := lifeline.ErrorField(err); f != "id" {
					t.Errorf("field %q, want id", f)
				}
			}
		})
	}

	if err := s.EraseSubject(ctx(t), "person-1"); err != nil {
		t.Fatal(err)
	}
	after := readAll()
	for i, e := range after {
		erased := i == 0 // only the event sealed for person-1
		if e.Erased != erased || (erased && string(e.Data) != "null") || (!erased && !bytes.Equal(e.Data, before[i].Data)) {
			t.Errorf("after erasure, ReadStream gives event %d erased %v with data %s", i, e.Erased, e.Data)
		}
	}
	checkByID("after erasure", after)
}

// eventDiff describes how got differs from want, field by field; "" if not.
func eventDiff(got, want lifeline.Event) string {
	var d []string
	field := func(name string, g, w any) {
		d = append(d, fmt.Sprintf("%s = %v, want %v", name, g, w))
	}
	if got.ID != want.ID {
		field("id", got.ID, want.ID)
	}
	if got.Stream != want.Stream {
		field("stream", got.Stream, want.Stream)
	}
	if got.Version != want.Version {
		field("version", got.Version, want.Version)
	}
	if got.Position != want.Position {
		field("position", got.Position, want.Position)
	}
	if got.Type != want.Type {
		field("type", got.Type, want.Type)
	}
	if !got.OccurredAt.Equal(want.OccurredAt) {
		field("occurred_at", got.OccurredAt, want.OccurredAt)
	}
	if !got.RecordedAt.Equal(want.RecordedAt) {
		field("recorded_at", got.RecordedAt, want.RecordedAt)
	}
	if got.Subject != want.Subject {
		field("subject", got.Subject, want.Subject)
	}
	if got.Metadata != want.Metadata {
		field("metadata", got.Metadata, want.Metadata)
	}
	if got.Erased != want.Erased {
		field("erased", got.Erased, want.Erased)
	}
	if !bytes.Equal(got.Data, want.Data) {
		field("data", string(got.Data), string(want.Data))
	}
	return strings.Join(d, "; ")
}

func testRejectsInvalidRead(t *testing.T, b Backend) {
	s := b.New(t, Config{}).Store()
	_, err := s.ReadStream(ctx(t), "Not A Stream", lifeline.StreamQuery{})
	wantCode(t, err, lifeline.EINVALID)
	for _, limit := range []int{-1, lifeline.MaxReadLimit + 1} {
		_, err := s.ReadStream(ctx(t), "s", lifeline.StreamQuery{Limit: limit})
		wantCode(t, err, lifeline.EINVALID)
		_, err = s.ReadAll(ctx(t), 0, limit)
		wantCode(t, err, lifeline.EINVALID)
		if f := lifeline.ErrorField(err); f != "limit" {
			t.Errorf("limit %d: field %q, want limit", limit, f)
		}
	}
}
