package provenance

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/lifeline-gov/lifeline"
)

func TestEntryGolden(t *testing.T) {
	inputs := sha256.Sum256([]byte("inputs"))
	tests := []struct {
		name  string
		entry Entry
		want  string
	}{
		{"decision", Decision{AwardID: "a1", PeriodStart: "2026-04-06", PeriodEnd: "2026-05-05", RulesVersion: "uc-2026.1", InputsHash: inputs, AmountPence: 39291}, "" +
			"lifeline-provenance/v1 decision\n" +
			"award a1\n" +
			"period 2026-04-06 2026-05-05\n" +
			"rules uc-2026.1\n" +
			"inputs MjgVI+Yxl8kptn95OoCYvtCuOm+pAmNP28xvpFZ/M0Y=\n" +
			"amount 39291\n"},
		{"disclosure", Disclosure{AgreementID: "dsa-7", PartnerID: "council.example", Purpose: "free school meals", LegalBasis: "Welfare Reform Act 2012 s.131", RequestHash: inputs, ResponseHash: inputs}, "" +
			"lifeline-provenance/v1 disclosure\n" +
			"agreement dsa-7\n" +
			"partner council.example\n" +
			"purpose free school meals\n" +
			"basis Welfare Reform Act 2012 s.131\n" +
			"request MjgVI+Yxl8kptn95OoCYvtCuOm+pAmNP28xvpFZ/M0Y=\n" +
			"response MjgVI+Yxl8kptn95OoCYvtCuOm+pAmNP28xvpFZ/M0Y=\n"},
		{"ledger batch", LedgerBatch{ChainID: "ledger", Sequence: 0, HeadHash: inputs}, "" +
			"lifeline-provenance/v1 ledger-batch\n" +
			"chain ledger\n" +
			"sequence 0\n" +
			"head MjgVI+Yxl8kptn95OoCYvtCuOm+pAmNP28xvpFZ/M0Y=\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.entry.MarshalEntry()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("MarshalEntry:\n%s\nwant:\n%s", got, tt.want)
			}
			back, err := ParseEntry(got)
			if err != nil {
				t.Fatal(err)
			}
			if back != tt.entry {
				t.Fatalf("ParseEntry = %+v, want %+v", back, tt.entry)
			}
			if back.Kind() != tt.entry.Kind() {
				t.Fatalf("Kind = %q", back.Kind())
			}
		})
	}
}

func TestEntryMarshalRejects(t *testing.T) {
	ok := Decision{AwardID: "a1", PeriodStart: "2026-04-06", PeriodEnd: "2026-05-05", RulesVersion: "r1"}
	tests := []struct {
		name  string
		entry Entry
		field string
	}{
		{"empty award", with(ok, func(d *Decision) { d.AwardID = "" }), "award"},
		{"space in id", with(ok, func(d *Decision) { d.AwardID = "a 1" }), "award"},
		{"newline in id", with(ok, func(d *Decision) { d.RulesVersion = "r1\namount 5" }), "rules"},
		{"bad date", with(ok, func(d *Decision) { d.PeriodEnd = "2026-02-30" }), "period"},
		{"short date", with(ok, func(d *Decision) { d.PeriodStart = "2026-4-06" }), "period"},
		{"end before start", with(ok, func(d *Decision) { d.PeriodEnd = "2026-04-05" }), "period"},
		{"negative amount", with(ok, func(d *Decision) { d.AmountPence = -1 }), "amount"},
		{"long id", with(ok, func(d *Decision) { d.AwardID = strings.Repeat("a", 257) }), "award"},
		{"bad UTF-8", with(ok, func(d *Decision) { d.AwardID = "\xff" }), "award"},
		{"purpose with trailing space", Disclosure{AgreementID: "a", PartnerID: "p", Purpose: "x ", LegalBasis: "b"}, "purpose"},
		{"purpose with tab", Disclosure{AgreementID: "a", PartnerID: "p", Purpose: "x\ty", LegalBasis: "b"}, "purpose"},
		{"negative sequence", LedgerBatch{ChainID: "c", Sequence: -5}, "sequence"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.entry.MarshalEntry()
			if lifeline.ErrorCode(err) != lifeline.EINVALID || lifeline.ErrorField(err) != tt.field {
				t.Fatalf("err = %v, want EINVALID on field %s", err, tt.field)
			}
		})
	}
}

func with(d Decision, f func(*Decision)) Decision { f(&d); return d }

func TestParseEntryRejectsNonCanonical(t *testing.T) {
	good := testEntry(0)
	if _, err := ParseEntry(good); err != nil {
		t.Fatal(err)
	}
	replace := func(old, new string) []byte {
		if !bytes.Contains(good, []byte(old)) {
			t.Fatalf("test entry lacks %q", old)
		}
		return bytes.Replace(good, []byte(old), []byte(new), 1)
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"no final newline", good[:len(good)-1]},
		{"CRLF", bytes.ReplaceAll(good, []byte("\n"), []byte("\r\n"))},
		{"extra line", append(append([]byte{}, good...), "note x\n"...)},
		{"blank line at end", append(append([]byte{}, good...), '\n')},
		{"other version", replace("provenance/v1", "provenance/v2")},
		{"unknown kind", replace("decision", "payment")},
		{"leading zero amount", replace("amount 0", "amount 00")},
		{"plus amount", replace("amount 0", "amount +0")},
		{"minus zero", replace("amount 0", "amount -0")},
		{"reordered keys", replace("award award-0", "rules award-0")},
		{"double space", replace("award award-0", "award  award-0")},
		{"unpadded base64", replace("=\namount", "\namount")},
		{"two dates missing", replace("period 2026-04-06 2026-05-05", "period 2026-04-06")},
		{"bad UTF-8", replace("award-0", "award-\xff")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseEntry(tt.data); lifeline.ErrorCode(err) != lifeline.EINVALID {
				t.Fatalf("ParseEntry(%q) err = %v, want EINVALID", tt.data, err)
			}
		})
	}
}

func TestParseEntryRejectsNonCanonicalBase64(t *testing.T) {
	// The last base64 character of a 32-byte hash carries two spare bits; a
	// lenient decoder would accept four spellings of the same hash.
	good := string(testEntry(2))
	i := strings.Index(good, "=\n") - 1
	c := good[i]
	rejected := 0
	for _, d := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" {
		if byte(d) == c {
			continue
		}
		bad := good[:i] + string(d) + good[i+1:]
		e, err := ParseEntry([]byte(bad))
		if err == nil {
			again, _ := e.MarshalEntry()
			if string(again) != bad {
				t.Fatalf("accepted non-canonical %q", bad)
			}
			continue
		}
		rejected++
	}
	if rejected != 3*16 {
		t.Fatalf("rejected %d spellings, want the 48 with spare bits set", rejected)
	}
}
