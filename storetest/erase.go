package storetest

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/lifeline-gov/lifeline"
)

// testErasure proves that erasing a subject's key disposes of their data:
// reads mark the events erased instead of failing, other subjects are
// untouched, and no plaintext of theirs is anywhere in the database files.
func testErasure(t *testing.T, b Backend) {
	db := b.New(t, Config{})
	s := db.Store()
	const secretA = "ERASE-ME-4471-Ada-Lovelace"
	const secretB = "KEEP-ME-9925-Grace-Hopper"
	for range 3 {
		mustAppend(t, s, lifeline.AppendRequest{Stream: "person-a", Expected: lifeline.ExpectAny, Events: []lifeline.NewEvent{
			{Type: "note", Subject: "person-a", Data: []byte(`{"text":"` + secretA + `"}`)},
		}})
		mustAppend(t, s, lifeline.AppendRequest{Stream: "person-b", Expected: lifeline.ExpectAny, Events: []lifeline.NewEvent{
			{Type: "note", Subject: "person-b", Data: []byte(`{"text":"` + secretB + `"}`)},
		}})
	}
	// An event in another stream that names person-a is sealed with their key too.
	mustAppend(t, s, lifeline.AppendRequest{Stream: "household-1", Expected: lifeline.ExpectAny, Events: []lifeline.NewEvent{
		{Type: "member-joined", Subject: "person-a", Data: []byte(`{"who":"` + secretA + `"}`)},
	}})

	if err := s.EraseSubject(ctx(t), "person-a"); err != nil {
		t.Fatal(err)
	}
	if err := s.EraseSubject(ctx(t), "person-nobody"); err != nil {
		t.Errorf("erasing an unknown subject: %v", err)
	}

	check := func(s Store, when string) {
		all, err := s.ReadAll(ctx(t), 0, 100)
		if err != nil {
			t.Fatalf("%s: ReadAll after erasure: %v", when, err)
		}
		if len(all) != 7 {
			t.Fatalf("%s: %d events, want 7: erasure must not remove events", when, len(all))
		}
		for _, e := range all {
			erased := e.Subject == "person-a"
			if e.Erased != erased {
				t.Errorf("%s: event %d of %s: erased = %v, want %v", when, e.Position, e.Subject, e.Erased, erased)
			}
			if erased && string(e.Data) != "null" {
				t.Errorf("%s: erased event %d still has data %s", when, e.Position, e.Data)
			}
			if !erased && !bytes.Contains(e.Data, []byte(secretB)) {
				t.Errorf("%s: event %d of person-b lost its data: %s", when, e.Position, e.Data)
			}
		}
		if es, err := s.ReadStream(ctx(t), "person-a", lifeline.StreamQuery{}); err != nil || len(es) != 3 || !es[0].Erased {
			t.Errorf("%s: ReadStream(person-a) = %d events, %v", when, len(es), err)
		}
	}
	check(s, "before restart")
	s.Close()
	s = db.Open(t, Config{})
	check(s, "after restart")

	files := db.Files(t)
	if len(files) == 0 {
		t.Fatal("backend listed no database files to search")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue // a running server removed it (PostgreSQL's relcache file): nothing to search
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{secretA, secretB} {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("plaintext %q found in %s", secret, f)
			}
		}
	}

	// The subject can come back: new data gets a new key and is readable.
	mustAppend(t, s, lifeline.AppendRequest{Stream: "person-a", Expected: lifeline.ExpectAny, Events: []lifeline.NewEvent{
		{Type: "note", Subject: "person-a", Data: []byte(`{"text":"new"}`)},
	}})
	es, err := s.ReadStream(ctx(t), "person-a", lifeline.StreamQuery{FromVersion: 4})
	if err != nil || len(es) != 1 || es[0].Erased || !jsonEqual(es[0].Data, `{"text":"new"}`) {
		t.Errorf("event after erasure = %+v, %v; want readable", es, err)
	}
}

// testRefusesWrongMasterKey: a store started with another master key than
// the one its data is sealed under must refuse to start, not fail every read.
func testRefusesWrongMasterKey(t *testing.T, b Backend) {
	db := b.New(t, Config{})
	mustAppend(t, db.Store(), lifeline.AppendRequest{Stream: "s", Expected: lifeline.ExpectAny, Events: []lifeline.NewEvent{
		{Type: "note", Subject: "person-a", Data: []byte(`{}`)},
	}})
	db.Store().Close()
	err := db.OpenWithKey(t, []byte("another master key, not the same"))
	if err == nil || !strings.Contains(err.Error(), "master key") {
		t.Fatalf("opening under another master key: %v; want an error about the master key", err)
	}
	s := db.Open(t, Config{})
	if es, err := s.ReadStream(ctx(t), "s", lifeline.StreamQuery{}); err != nil || len(es) != 1 || es[0].Erased {
		t.Errorf("with the right key again: %v, %v", es, err)
	}
}
