package provenance

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/lifeline-gov/lifeline"
)

func TestReceiptRoundTrip(t *testing.T) {
	s, v, _ := testKeys(t, testOrigin)
	for _, size := range []int{1, 2, 3, 7, 8, 255, 256, 257, 600} {
		m := newMemLog()
		m.append(t, testEntries(0, size)...)
		signed := m.checkpoint(t, s)
		for _, i := range slices.Compact([]int{0, 1 % size, size / 2, size - 2 + size%2, size - 1}) {
			r, err := NewReceipt(signed, int64(i), m.entries[i], m)
			if err != nil {
				t.Fatalf("size %d, entry %d: %v", size, i, err)
			}
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			back, err := ParseReceipt(b)
			if err != nil {
				t.Fatalf("ParseReceipt(%s): %v", b, err)
			}
			c, err := VerifyReceipt(back, v)
			if err != nil {
				t.Fatalf("size %d, entry %d: %v", size, i, err)
			}
			if c.Size != int64(size) {
				t.Fatalf("verified checkpoint size %d", c.Size)
			}
		}
	}
}

func TestReceiptTampering(t *testing.T) {
	s, v, _ := testKeys(t, testOrigin)
	m := newMemLog()
	m.append(t, testEntries(0, 300)...)
	signed := m.checkpoint(t, s)
	good, err := NewReceipt(signed, 77, m.entries[77], m)
	if err != nil {
		t.Fatal(err)
	}
	m2 := newMemLog()
	m2.append(t, testEntries(0, 299)...)
	older := m2.checkpoint(t, s)

	tests := []struct {
		name   string
		change func(*Receipt)
	}{
		{"index", func(r *Receipt) { r.Index = 78 }},
		{"index past the tree", func(r *Receipt) { r.Index = 300 }},
		{"leaf hash", func(r *Receipt) { r.LeafHash[0] ^= 1 }},
		{"leaf hash and no entry", func(r *Receipt) { r.LeafHash[0] ^= 1; r.Entry = nil }},
		{"entry", func(r *Receipt) { r.Entry = m.entries[78] }},
		{"proof hash", func(r *Receipt) { r.Proof[3][31] ^= 0x80 }},
		{"proof too short", func(r *Receipt) { r.Proof = r.Proof[:len(r.Proof)-1] }},
		{"proof too long", func(r *Receipt) { r.Proof = append(r.Proof, tlog.Hash{}) }},
		{"checkpoint of another size", func(r *Receipt) { r.Checkpoint = older }},
		{"checkpoint size", func(r *Receipt) { r.Checkpoint = bytes.Replace(r.Checkpoint, []byte("\n300\n"), []byte("\n301\n"), 1) }},
		{"checkpoint signature", func(r *Receipt) { r.Checkpoint = flipSignature(r.Checkpoint) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := good
			r.Proof = slices.Clone(good.Proof)
			tt.change(&r)
			if _, err := VerifyReceipt(r, v); lifeline.ErrorCode(err) != lifeline.EINVALID {
				t.Fatalf("VerifyReceipt err = %v, want EINVALID", err)
			}
		})
	}
	if _, err := VerifyReceipt(good, v); err != nil {
		t.Fatalf("untampered receipt: %v", err)
	}
}

func TestParseReceiptRejects(t *testing.T) {
	s, _, _ := testKeys(t, testOrigin)
	m := newMemLog()
	m.append(t, testEntries(0, 5)...)
	r, err := NewReceipt(m.checkpoint(t, s), 2, m.entries[2], m)
	if err != nil {
		t.Fatal(err)
	}
	good, _ := json.Marshal(r)
	var fields map[string]any
	if err := json.Unmarshal(good, &fields); err != nil {
		t.Fatal(err)
	}
	edit := func(f func(map[string]any)) string {
		c := map[string]any{}
		for k, v := range fields {
			c[k] = v
		}
		f(c)
		b, _ := json.Marshal(c)
		return string(b)
	}
	leaf := fields["leaf_hash"].(string)
	tests := []struct{ name, data string }{
		{"empty", ""},
		{"array", "[]"},
		{"trailing data", string(good) + "{}"},
		{"duplicate field", strings.Replace(string(good), `"index":2`, `"index":2,"index":3`, 1)},
		{"other case", strings.Replace(string(good), `"index"`, `"Index"`, 1)},
		{"unknown field", edit(func(m map[string]any) { m["comment"] = "x" })},
		{"missing checkpoint", edit(func(m map[string]any) { delete(m, "checkpoint") })},
		{"missing proof", edit(func(m map[string]any) { delete(m, "inclusion_proof") })},
		{"version 2", edit(func(m map[string]any) { m["version"] = 2 })},
		{"negative index", edit(func(m map[string]any) { m["index"] = -1 })},
		{"fractional index", edit(func(m map[string]any) { m["index"] = 1.5 })},
		{"index as string", edit(func(m map[string]any) { m["index"] = "2" })},
		{"short hash", edit(func(m map[string]any) { m["leaf_hash"] = leaf[:40] + "=" })},
		{"non-canonical hash", edit(func(m map[string]any) { m["leaf_hash"] = leaf[:42] + spareBits(leaf[42]) + "=" })},
		{"hash with newline", edit(func(m map[string]any) { m["leaf_hash"] = leaf[:20] + "\n" + leaf[20:] })},
		{"bad proof hash", edit(func(m map[string]any) { m["inclusion_proof"] = []string{"AAAA"} })},
		{"null entry", edit(func(m map[string]any) { m["entry"] = nil })},
		{"unpadded entry", edit(func(m map[string]any) { m["entry"] = "YQ" })},
		{"checkpoint not a note", edit(func(m map[string]any) { m["checkpoint"] = "o\n1\n" })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseReceipt([]byte(tt.data)); lifeline.ErrorCode(err) != lifeline.EINVALID {
				t.Fatalf("ParseReceipt(%s) err = %v, want EINVALID", tt.data, err)
			}
		})
	}
	if _, err := ParseReceipt(good); err != nil {
		t.Fatalf("ParseReceipt(good): %v", err)
	}
}

// spareBits returns another base64 digit with the same top four bits as c.
func spareBits(c byte) string {
	const digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	i := strings.IndexByte(digits, c)
	return string(digits[i^1])
}

func TestNewReceiptRejects(t *testing.T) {
	s, _, _ := testKeys(t, testOrigin)
	m := newMemLog()
	m.append(t, testEntries(0, 5)...)
	signed := m.checkpoint(t, s)
	if _, err := NewReceipt(signed, 5, m.entries[4], m); err == nil {
		t.Error("receipt for an entry past the checkpoint")
	}
	if _, err := NewReceipt(signed, 3, m.entries[4], m); err == nil {
		t.Error("receipt for the wrong entry")
	}
}
