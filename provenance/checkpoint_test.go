package provenance

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/lifeline-gov/lifeline"
)

func TestCheckpointText(t *testing.T) {
	h, _ := tlog.ParseHash("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
	tests := []struct {
		c    Checkpoint
		text string
	}{
		{Checkpoint{Origin: "example.com/behind-the-sofa", Size: 20852163, Hash: h},
			"example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"},
		{Checkpoint{Origin: "o", Size: 0, Hash: h, Extensions: []string{"ext one", "two"}},
			"o\n0\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\next one\ntwo\n"},
	}
	for _, tt := range tests {
		got, err := tt.c.MarshalText()
		if err != nil || string(got) != tt.text {
			t.Fatalf("MarshalText = %q, %v; want %q", got, err, tt.text)
		}
		back, err := ParseCheckpoint(got)
		if err != nil || back.Origin != tt.c.Origin || back.Size != tt.c.Size || back.Hash != tt.c.Hash ||
			strings.Join(back.Extensions, "|") != strings.Join(tt.c.Extensions, "|") {
			t.Fatalf("ParseCheckpoint = %+v, %v; want %+v", back, err, tt.c)
		}
	}
}

func TestParseCheckpointRejects(t *testing.T) {
	const hash = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
	for _, text := range []string{
		"",
		"o\n1\n" + hash,         // no final newline
		"o\n1\n",                // no hash
		"\n1\n" + hash + "\n",   // empty origin
		"o\n01\n" + hash + "\n", // leading zero
		"o\n+1\n" + hash + "\n", // sign
		"o\n-1\n" + hash + "\n", // negative
		"o\n1 \n" + hash + "\n", // trailing space
		"o\n99999999999999999999\n" + hash + "\n",
		"o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n", // spare bits set
		"o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n",  // unpadded
		"o\n1\n" + hash + "\n\n",                               // empty extension
		"o\n1\n" + hash + "\nx\r\n",                            // control character
		"o\xff\n1\n" + hash + "\n",                             // not UTF-8
	} {
		if c, err := ParseCheckpoint([]byte(text)); lifeline.ErrorCode(err) != lifeline.EINVALID {
			t.Errorf("ParseCheckpoint(%q) = %+v, %v; want EINVALID", text, c, err)
		}
	}
	for _, c := range []Checkpoint{{Origin: ""}, {Origin: "a\nb"}, {Origin: "o", Size: -1}, {Origin: "o", Extensions: []string{""}}} {
		if _, err := c.MarshalText(); err == nil {
			t.Errorf("MarshalText(%+v) succeeded", c)
		}
	}
}

func TestSignAndOpenCheckpoint(t *testing.T) {
	s, v, _ := testKeys(t, testOrigin)
	m := newMemLog()
	m.append(t, testEntries(0, 10)...)
	signed := m.checkpoint(t, s)
	c, err := OpenCheckpoint(signed, v)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := tlog.TreeHash(10, m)
	if c.Origin != testOrigin || c.Size != 10 || c.Hash != root {
		t.Fatalf("OpenCheckpoint = %+v", c)
	}

	_, other, _ := testKeysSeed(t, testOrigin, 2)
	otherName, _, _ := testKeys(t, "other.example/log")
	text, _ := checkpointText(signed)
	tampered := []struct {
		name   string
		signed []byte
		v      note.Verifier
	}{
		{"changed size", bytes.Replace(signed, []byte("\n10\n"), []byte("\n11\n"), 1), v},
		{"changed root", bytes.Replace(signed, []byte(root.String()), []byte(tlog.RecordHash(nil).String()), 1), v},
		{"changed signature", flipSignature(signed), v},
		{"other key", signed, other},
		{"no signature", append(text, '\n'), v},
		{"only unknown signature", mustSign(t, text, otherName), v},
		{"truncated", signed[:len(signed)-2], v},
	}
	for _, tt := range tampered {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := OpenCheckpoint(tt.signed, tt.v); lifeline.ErrorCode(err) != lifeline.EINVALID {
				t.Fatalf("OpenCheckpoint err = %v, want EINVALID", err)
			}
		})
	}

	if _, err := SignCheckpoint(Checkpoint{Origin: "someone.else/log"}, s); err == nil {
		t.Error("SignCheckpoint signed another origin")
	}
}

func TestGenerateKey(t *testing.T) {
	for _, origin := range []string{"", "a b", "a+b", "a\tb", "a\nb"} {
		if _, _, err := GenerateKey(rand.NewChaCha8([32]byte{}), origin); err == nil {
			t.Errorf("GenerateKey(%q) succeeded", origin)
		}
	}
	skey, vkey, err := GenerateKey(rand.NewChaCha8([32]byte{3}), "gov.example/lifeline")
	if err != nil {
		t.Fatal(err)
	}
	got, err := VerifierKey(skey)
	if err != nil || got != vkey {
		t.Fatalf("VerifierKey = %q, %v; want %q", got, err, vkey)
	}
	if _, err := VerifierKey(vkey); err == nil {
		t.Error("VerifierKey accepted a verifier key")
	}
}

func testKeysSeed(t *testing.T, origin string, seed byte) (note.Signer, note.Verifier, string) {
	t.Helper()
	skey, vkey, err := GenerateKey(rand.NewChaCha8([32]byte{seed}), origin)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := note.NewSigner(skey)
	v, _ := note.NewVerifier(vkey)
	return s, v, vkey
}

func mustSign(t *testing.T, text []byte, s note.Signer) []byte {
	t.Helper()
	b, err := note.Sign(&note.Note{Text: string(text)}, s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// flipSignature changes one bit inside the first signature's Ed25519 bytes.
func flipSignature(signed []byte) []byte {
	out := bytes.Clone(signed)
	i := bytes.Index(out, []byte("\n\n— "))
	j := bytes.IndexByte(out[i+6:], ' ') + i + 6 // after the key name
	k := j + 1 + 20                              // well inside the base64
	if out[k] == 'A' {
		out[k] = 'B'
	} else {
		out[k] = 'A'
	}
	return out
}

func TestNewVerifier(t *testing.T) {
	_, _, vkey := testKeys(t, testOrigin)
	if v, err := NewVerifier(vkey); err != nil || v.Name() != testOrigin {
		t.Fatalf("NewVerifier = %v, %v", v, err)
	}
	if _, err := NewVerifier(vkey[:len(vkey)-2]); lifeline.ErrorCode(err) != lifeline.EINVALID {
		t.Fatalf("truncated key: err = %v, want EINVALID", err)
	}
}
