package provenance

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/lifeline-gov/lifeline"
)

// maxCheckpointLen bounds a checkpoint note, signatures included: generous
// for 16 cosignatures, small enough to parse without care.
const maxCheckpointLen = 16 << 10

// A Checkpoint is the signed head of the log at one size.
type Checkpoint struct {
	Origin     string    // identity of the log, e.g. "gov.example/lifeline/log"
	Size       int64     // number of entries
	Hash       tlog.Hash // RFC 6962 root hash of the first Size entries
	Extensions []string  // optional extra lines; Lifeline writes none
}

// Tree returns the size and root hash as a tlog.Tree.
func (c Checkpoint) Tree() tlog.Tree { return tlog.Tree{N: c.Size, Hash: c.Hash} }

// MarshalText returns the C2SP tlog-checkpoint note text: newline-terminated
// lines of
//
//	<origin>
//	<tree size in decimal, no leading zeros>
//	<root hash, standard padded base64>
//	[<extension line>...]
//
// The origin and extension lines must be non-empty valid UTF-8 without
// control characters. The text is the body of the signed note; see
// SignCheckpoint.
func (c Checkpoint) MarshalText() ([]byte, error) {
	if msg := checkLine(c.Origin); msg != "" {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "origin", "checkpoint origin %s", msg)
	}
	if c.Size < 0 {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "size", "checkpoint size is negative")
	}
	var b bytes.Buffer
	b.WriteString(c.Origin + "\n")
	b.WriteString(strconv.FormatInt(c.Size, 10) + "\n")
	b.WriteString(c.Hash.String() + "\n")
	for _, ext := range c.Extensions {
		if msg := checkLine(ext); msg != "" {
			return nil, lifeline.FieldErrorf(lifeline.EINVALID, "extensions", "checkpoint extension line %s", msg)
		}
		b.WriteString(ext + "\n")
	}
	return b.Bytes(), nil
}

// ParseCheckpoint parses checkpoint note text (no signatures), accepting only
// what MarshalText writes.
func ParseCheckpoint(text []byte) (Checkpoint, error) {
	bad := func(format string, args ...any) (Checkpoint, error) {
		return Checkpoint{}, lifeline.Errorf(lifeline.EINVALID, "malformed checkpoint: "+format, args...)
	}
	if len(text) > maxCheckpointLen {
		return bad("longer than %d bytes", maxCheckpointLen)
	}
	if !utf8.Valid(text) || hasControl(text) {
		return bad("not UTF-8 text")
	}
	if len(text) == 0 || text[len(text)-1] != '\n' {
		return bad("must end with a newline")
	}
	lines := strings.Split(string(text[:len(text)-1]), "\n")
	if len(lines) < 3 {
		return bad("needs origin, size and root hash lines")
	}
	c := Checkpoint{Origin: lines[0]}
	if c.Origin == "" {
		return bad("empty origin")
	}
	size, ok := parseCount(lines[1])
	if !ok {
		return bad("size %q is not a canonical decimal", lines[1])
	}
	c.Size = size
	if c.Hash, ok = parseHash(lines[2]); !ok {
		return bad("root hash is not canonical base64 of 32 bytes")
	}
	for _, ext := range lines[3:] {
		if ext == "" {
			return bad("empty extension line")
		}
		c.Extensions = append(c.Extensions, ext)
	}
	return c, nil
}

// checkLine returns why s cannot be a checkpoint line, or "".
func checkLine(s string) string {
	switch {
	case s == "":
		return "is empty"
	case !utf8.ValidString(s) || hasControl([]byte(s)) || strings.Contains(s, "\n"):
		return "is not UTF-8 text on one line"
	}
	return ""
}

// SignCheckpoint returns c as a C2SP signed note: the checkpoint text, a
// blank line, then one line "— <key name> <base64(key ID || Ed25519
// signature)>" per signer. The log's own signer must be named after the
// origin, as the spec advises, so that verifiers can find its key.
func SignCheckpoint(c Checkpoint, log note.Signer) ([]byte, error) {
	if log.Name() != c.Origin {
		return nil, errors.New("provenance: signer name does not match checkpoint origin")
	}
	text, err := c.MarshalText()
	if err != nil {
		return nil, err
	}
	return note.Sign(&note.Note{Text: string(text)}, log)
}

// OpenCheckpoint verifies the log's signature on a signed checkpoint and
// parses it. Signatures by other keys, such as witness cosignatures, are
// ignored here; see VerifyCosignature.
func OpenCheckpoint(signed []byte, log note.Verifier) (Checkpoint, error) {
	if len(signed) > maxCheckpointLen {
		return Checkpoint{}, lifeline.Errorf(lifeline.EINVALID, "checkpoint is longer than %d bytes", maxCheckpointLen)
	}
	n, err := note.Open(signed, note.VerifierList(log))
	if err != nil {
		return Checkpoint{}, lifeline.Errorf(lifeline.EINVALID, "checkpoint signature does not verify: %v", err)
	}
	c, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return Checkpoint{}, err
	}
	if c.Origin != log.Name() {
		return Checkpoint{}, lifeline.Errorf(lifeline.EINVALID, "checkpoint origin %q is not the log %q", c.Origin, log.Name())
	}
	return c, nil
}

// checkpointText returns the unverified note text of a signed checkpoint,
// for code that holds a checkpoint it signed itself.
func checkpointText(signed []byte) ([]byte, error) {
	i := bytes.LastIndex(signed, []byte("\n\n"))
	if i < 0 {
		return nil, lifeline.Errorf(lifeline.EINVALID, "checkpoint is not a signed note")
	}
	return signed[:i+1], nil
}

// GenerateKey returns a new Ed25519 signing key for a log with the given
// origin, in sumdb/note's encodings: skey is "PRIVATE+KEY+<origin>+<key
// ID>+<base64>" and must be kept secret (mode 0600); vkey is
// "<origin>+<key ID>+<base64>" and is published for verifiers. The origin
// must be a valid key name: no spaces and no "+".
func GenerateKey(rand io.Reader, origin string) (skey, vkey string, err error) {
	if err := CheckOrigin(origin); err != nil {
		return "", "", err
	}
	return note.GenerateKey(rand, origin)
}

// CheckOrigin reports whether origin can name a Lifeline log: a non-empty
// schema-less URL-like string, valid UTF-8, without spaces, "+" or
// control characters, so it is both a checkpoint origin and a note key name.
func CheckOrigin(origin string) error {
	if origin == "" || len(origin) > 255 || !utf8.ValidString(origin) ||
		strings.ContainsFunc(origin, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == '+' }) {
		return lifeline.FieldErrorf(lifeline.EINVALID, "origin", "log origin %q must be non-empty with no spaces, control characters or '+'", origin)
	}
	return nil
}

// NewVerifier parses a log's published verifier key, as given to `lifeline
// verify`, reporting a malformed key as invalid input.
func NewVerifier(vkey string) (note.Verifier, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "key", "malformed log verifier key: %v", err)
	}
	return v, nil
}

// VerifierKey returns the published verifier key for a signer key.
func VerifierKey(skey string) (string, error) {
	// sumdb/note keeps the public half private; derive it from the seed.
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", errors.New("provenance: malformed signer key")
	}
	if _, err := note.NewSigner(skey); err != nil {
		return "", err
	}
	seed, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(seed) != 33 || seed[0] != 1 {
		return "", errors.New("provenance: malformed signer key")
	}
	return note.NewEd25519VerifierKey(parts[2], ed25519.NewKeyFromSeed(seed[1:]).Public().(ed25519.PublicKey))
}
