package provenance

import (
	"bytes"
	"crypto/ed25519"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/lifeline-gov/lifeline"
)

type witness struct {
	name string
	key  ed25519.PrivateKey
	v    note.Verifier
}

func newWitness(t *testing.T, name string, seed byte) witness {
	t.Helper()
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, 32))
	v, err := NewCosignatureVerifier(name, key.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	return witness{name, key, v}
}

// cosign returns w's cosignature line on a signed checkpoint at time ts.
func (w witness) cosign(t *testing.T, signed []byte, ts uint64) string {
	t.Helper()
	s, err := NewCosigner(w.name, w.key, ts)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := checkpointText(signed)
	out, err := note.Sign(&note.Note{Text: string(text)}, s)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(out[len(text)+1:]), "\n")
}

// The cosignature in the C2SP tlog-cosignature example carries the
// timestamp of its example signed message, 1679315147.
func TestCosignatureSpecExampleTimestamp(t *testing.T) {
	sig := note.Signature{Name: "witness.example.com/w1", Base64: "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA=="}
	if got := signatureTime(sig); got != 1679315147 {
		t.Fatalf("timestamp %d, want 1679315147", got)
	}
	if got := string(cosignatureMessage(1679315147, []byte("example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"))); got !=
		"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n" {
		t.Fatalf("message %q", got)
	}
}

func TestCosignatures(t *testing.T) {
	s, v, _ := testKeys(t, testOrigin)
	m := newMemLog()
	m.append(t, testEntries(0, 20)...)
	signed := m.checkpoint(t, s)
	w1, w2, stranger := newWitness(t, "hmrc.example/witness", 1), newWitness(t, "council.example/witness", 2), newWitness(t, "stranger.example/w", 3)

	line := w1.cosign(t, signed, 1700000000)
	ts, err := VerifyCosignature(signed, line, w1.v)
	if err != nil || ts != 1700000000 {
		t.Fatalf("VerifyCosignature = %d, %v", ts, err)
	}

	tampered := map[string]string{
		"other witness key": w2.cosign(t, signed, 1700000000),
		"changed timestamp": flipBase64(line, 10), // inside the uint64 timestamp
		"changed signature": flipBase64(line, 60),
		"two lines":         line + "\n" + line,
		"not a line":        "hello",
	}
	for name, l := range tampered {
		if _, err := VerifyCosignature(signed, l, w1.v); lifeline.ErrorCode(err) != lifeline.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", name, err)
		}
	}
	other := newMemLog()
	other.append(t, testEntries(0, 21)...)
	if _, err := VerifyCosignature(other.checkpoint(t, s), line, w1.v); err == nil {
		t.Error("cosignature verified on another checkpoint")
	}

	witnesses := []note.Verifier{w1.v, w2.v}
	served, err := MergeCosignatures(signed, v, witnesses, []string{line, w2.cosign(t, signed, 1700000005)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenCheckpoint(served, v); err != nil {
		t.Fatalf("served checkpoint no longer opens: %v", err)
	}
	n, err := note.Open(served, note.VerifierList(v, w1.v, w2.v))
	if err != nil || len(n.Sigs) != 3 {
		t.Fatalf("served checkpoint: %v, %d signatures", err, len(n.Sigs))
	}

	// A newer cosignature replaces an older one; an older one does not.
	newer := w1.cosign(t, signed, 1700000100)
	served2, err := MergeCosignatures(served, v, witnesses, []string{newer, w1.cosign(t, signed, 1600000000)})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(served2, []byte(newer+"\n")) || bytes.Contains(served2, []byte(line)) || bytes.Count(served2, []byte("— ")) != 3 {
		t.Fatalf("merge kept the wrong cosignatures:\n%s", served2)
	}

	for name, lines := range map[string][]string{
		"unknown witness":        {stranger.cosign(t, signed, 1)},
		"bad cosignature":        {tampered["changed timestamp"]},
		"for another checkpoint": {w1.cosign(t, other.checkpoint(t, s), 5)},
	} {
		if _, err := MergeCosignatures(signed, v, witnesses, lines); lifeline.ErrorCode(err) != lifeline.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", name, err)
		}
	}
	if _, err := MergeCosignatures(flipSignature(signed), v, witnesses, []string{line}); err == nil {
		t.Error("merged onto a checkpoint with a bad log signature")
	}
}

func TestCosignerKey(t *testing.T) {
	w := newWitness(t, "hmrc.example/witness", 9)
	vkey, err := CosignerKey(w.name, w.key.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	v, err := ParseCosignerKey(vkey)
	if err != nil || v.Name() != w.name || v.KeyHash() != w.v.KeyHash() {
		t.Fatalf("ParseCosignerKey(%q) = %v, %v", vkey, v, err)
	}
	// A log key (type 0x01) is not a cosigner key.
	_, _, logKey := testKeys(t, testOrigin)
	for _, bad := range []string{"", logKey, strings.Replace(vkey, "+", "+0", 1), vkey[:len(vkey)-4] + "AAA=", "a b" + vkey[strings.Index(vkey, "+"):]} {
		if _, err := ParseCosignerKey(bad); err == nil {
			t.Errorf("ParseCosignerKey(%q) succeeded", bad)
		}
	}
}

// flipBase64 changes the i'th base64 character of a signature line.
func flipBase64(line string, i int) string {
	j := strings.LastIndex(line, " ") + 1 + i
	c := byte('A')
	if line[j] == 'A' {
		c = 'B'
	}
	return line[:j] + string(c) + line[j+1:]
}
