package provenance

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/lifeline-gov/lifeline"
)

// Entry is one record of the provenance log: a Decision, a Disclosure or a
// LedgerBatch. Entries carry identifiers and hashes, never personal data.
type Entry interface {
	// Kind names the entry type on its header line.
	Kind() string
	// MarshalEntry returns the entry's canonical encoding.
	MarshalEntry() ([]byte, error)
}

// Entry kinds, as written on the header line.
const (
	KindDecision    = "decision"
	KindDisclosure  = "disclosure"
	KindLedgerBatch = "ledger-batch"
)

// EntryVersion is the first word of every entry's header line. A new
// encoding gets a new version; old entries stay readable forever.
const EntryVersion = "lifeline-provenance/v1"

// Limits keep an entry far below the 65,535 bytes an entry bundle allows.
const (
	maxTextLen  = 256
	maxEntryLen = 4096
)

// A Decision commits to an award decision for one period.
type Decision struct {
	AwardID      string
	PeriodStart  string // civil date, YYYY-MM-DD
	PeriodEnd    string // civil date, YYYY-MM-DD, inclusive, not before PeriodStart
	RulesVersion string
	InputsHash   [sha256.Size]byte // SHA-256 of the decision's inputs, kept elsewhere
	AmountPence  int64             // amount awarded for the period; never negative
}

// A Disclosure commits to one disclosure of data to a partner.
type Disclosure struct {
	AgreementID  string
	PartnerID    string
	Purpose      string
	LegalBasis   string
	RequestHash  [sha256.Size]byte
	ResponseHash [sha256.Size]byte
}

// A LedgerBatch commits to the head of a hash-chained ledger batch.
type LedgerBatch struct {
	ChainID  string
	Sequence int64 // position of the batch in its chain; never negative
	HeadHash [sha256.Size]byte
}

func (Decision) Kind() string    { return KindDecision }
func (Disclosure) Kind() string  { return KindDisclosure }
func (LedgerBatch) Kind() string { return KindLedgerBatch }

// MarshalEntry encodes d as UTF-8 text, one field a line, each line ending in
// a newline, in exactly this order:
//
//	lifeline-provenance/v1 decision
//	award <award id>
//	period <start YYYY-MM-DD> <end YYYY-MM-DD>
//	rules <rules version>
//	inputs <base64 SHA-256 of the inputs>
//	amount <pence as a decimal integer>
//
// Text values are 1 to 256 bytes of printable UTF-8 with no leading or
// trailing space; identifiers (award, rules) contain no spaces at all.
// Base64 is standard padded base64 (RFC 4648 §4) of exactly 32 bytes.
// Integers are decimal with no sign and no leading zeros.
func (d Decision) MarshalEntry() ([]byte, error) {
	var w entryWriter
	w.header(KindDecision)
	w.id("award", d.AwardID)
	w.period(d.PeriodStart, d.PeriodEnd)
	w.id("rules", d.RulesVersion)
	w.hash("inputs", d.InputsHash)
	w.int("amount", d.AmountPence)
	return w.finish()
}

// MarshalEntry encodes d like Decision.MarshalEntry, with these lines:
//
//	lifeline-provenance/v1 disclosure
//	agreement <agreement id>
//	partner <partner id>
//	purpose <purpose, free text>
//	basis <legal basis, free text, e.g. a statute section>
//	request <base64 SHA-256 of the request>
//	response <base64 SHA-256 of the response>
func (d Disclosure) MarshalEntry() ([]byte, error) {
	var w entryWriter
	w.header(KindDisclosure)
	w.id("agreement", d.AgreementID)
	w.id("partner", d.PartnerID)
	w.text("purpose", d.Purpose)
	w.text("basis", d.LegalBasis)
	w.hash("request", d.RequestHash)
	w.hash("response", d.ResponseHash)
	return w.finish()
}

// MarshalEntry encodes b like Decision.MarshalEntry, with these lines:
//
//	lifeline-provenance/v1 ledger-batch
//	chain <chain id>
//	sequence <decimal integer>
//	head <base64 SHA-256 head hash of the batch>
func (b LedgerBatch) MarshalEntry() ([]byte, error) {
	var w entryWriter
	w.header(KindLedgerBatch)
	w.id("chain", b.ChainID)
	w.int("sequence", b.Sequence)
	w.hash("head", b.HeadHash)
	return w.finish()
}

// LeafHash returns the RFC 6962 leaf hash of an encoded entry: the hash that
// goes into the Merkle tree and into a receipt.
func LeafHash(entry []byte) tlog.Hash {
	return tlog.RecordHash(entry)
}

// ParseEntry decodes an entry written by MarshalEntry. It accepts only the
// canonical encoding: any other byte string is an error, so that equal
// entries always have equal leaf hashes.
func ParseEntry(data []byte) (Entry, error) {
	if len(data) > maxEntryLen {
		return nil, lifeline.Errorf(lifeline.EINVALID, "provenance entry is longer than %d bytes", maxEntryLen)
	}
	r, err := newEntryReader(data)
	if err != nil {
		return nil, err
	}
	var e Entry
	switch r.kind {
	case KindDecision:
		var d Decision
		d.AwardID = r.id("award")
		d.PeriodStart, d.PeriodEnd = r.period()
		d.RulesVersion = r.id("rules")
		d.InputsHash = r.hash("inputs")
		d.AmountPence = r.int("amount")
		e = d
	case KindDisclosure:
		var d Disclosure
		d.AgreementID = r.id("agreement")
		d.PartnerID = r.id("partner")
		d.Purpose = r.text("purpose")
		d.LegalBasis = r.text("basis")
		d.RequestHash = r.hash("request")
		d.ResponseHash = r.hash("response")
		e = d
	case KindLedgerBatch:
		var b LedgerBatch
		b.ChainID = r.id("chain")
		b.Sequence = r.int("sequence")
		b.HeadHash = r.hash("head")
		e = b
	default:
		return nil, lifeline.Errorf(lifeline.EINVALID, "provenance entry has unknown kind %q", r.kind)
	}
	if err := r.finish(); err != nil {
		return nil, err
	}
	return e, nil
}

// entryWriter builds an entry, keeping the first error so the Marshal
// methods read as the format they write.
type entryWriter struct {
	buf []byte
	err error
}

func (w *entryWriter) header(kind string) {
	w.buf = append(w.buf, EntryVersion+" "+kind+"\n"...)
}

func (w *entryWriter) line(key, value string) {
	w.buf = append(w.buf, key...)
	w.buf = append(w.buf, ' ')
	w.buf = append(w.buf, value...)
	w.buf = append(w.buf, '\n')
}

func (w *entryWriter) fail(key, format string, args ...any) {
	if w.err == nil {
		w.err = lifeline.FieldErrorf(lifeline.EINVALID, key, format, args...)
	}
}

func (w *entryWriter) id(key, value string) {
	if msg := checkText(value, false); msg != "" {
		w.fail(key, "%s %s", key, msg)
	}
	w.line(key, value)
}

func (w *entryWriter) text(key, value string) {
	if msg := checkText(value, true); msg != "" {
		w.fail(key, "%s %s", key, msg)
	}
	w.line(key, value)
}

func (w *entryWriter) period(start, end string) {
	s, ok1 := parseDate(start)
	e, ok2 := parseDate(end)
	switch {
	case !ok1 || !ok2:
		w.fail("period", "period dates must be YYYY-MM-DD")
	case e.Before(s):
		w.fail("period", "period ends before it starts")
	}
	w.line("period", start+" "+end)
}

func (w *entryWriter) hash(key string, h [sha256.Size]byte) {
	w.line(key, base64.StdEncoding.EncodeToString(h[:]))
}

func (w *entryWriter) int(key string, n int64) {
	if n < 0 {
		w.fail(key, "%s must not be negative", key)
	}
	w.line(key, strconv.FormatInt(n, 10))
}

func (w *entryWriter) finish() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	return w.buf, nil
}

// entryReader walks the lines of an entry in order, keeping the first error.
type entryReader struct {
	kind  string
	lines []string
	err   error
}

func newEntryReader(data []byte) (*entryReader, error) {
	if !utf8.Valid(data) {
		return nil, lifeline.Errorf(lifeline.EINVALID, "provenance entry is not valid UTF-8")
	}
	if len(data) == 0 || data[len(data)-1] != '\n' {
		return nil, lifeline.Errorf(lifeline.EINVALID, "provenance entry must end with a newline")
	}
	lines := strings.Split(string(data[:len(data)-1]), "\n")
	version, kind, ok := strings.Cut(lines[0], " ")
	if !ok || version != EntryVersion {
		return nil, lifeline.Errorf(lifeline.EINVALID, "provenance entry does not start with %q", EntryVersion)
	}
	return &entryReader{kind: kind, lines: lines[1:]}, nil
}

func (r *entryReader) fail(key, format string, args ...any) {
	if r.err == nil {
		r.err = lifeline.FieldErrorf(lifeline.EINVALID, key, format, args...)
	}
}

// next returns the value of the next line, which must have the given key.
func (r *entryReader) next(key string) (string, bool) {
	if r.err != nil {
		return "", false
	}
	if len(r.lines) == 0 {
		r.fail(key, "provenance entry is missing %s", key)
		return "", false
	}
	k, v, ok := strings.Cut(r.lines[0], " ")
	r.lines = r.lines[1:]
	if !ok || k != key {
		r.fail(key, "provenance entry has %q where %s was expected", k, key)
		return "", false
	}
	return v, true
}

func (r *entryReader) id(key string) string   { return r.textValue(key, false) }
func (r *entryReader) text(key string) string { return r.textValue(key, true) }

func (r *entryReader) textValue(key string, spaces bool) string {
	v, ok := r.next(key)
	if !ok {
		return ""
	}
	if msg := checkText(v, spaces); msg != "" {
		r.fail(key, "%s %s", key, msg)
	}
	return v
}

func (r *entryReader) period() (start, end string) {
	v, ok := r.next("period")
	if !ok {
		return "", ""
	}
	start, end, _ = strings.Cut(v, " ")
	s, ok1 := parseDate(start)
	e, ok2 := parseDate(end)
	switch {
	case !ok1 || !ok2:
		r.fail("period", "period must be two dates YYYY-MM-DD separated by a space")
	case e.Before(s):
		r.fail("period", "period ends before it starts")
	}
	return start, end
}

func (r *entryReader) hash(key string) [sha256.Size]byte {
	var h [sha256.Size]byte
	v, ok := r.next(key)
	if !ok {
		return h
	}
	h, ok = parseHash(v)
	if !ok {
		r.fail(key, "%s must be the canonical base64 of 32 bytes", key)
	}
	return h
}

func (r *entryReader) int(key string) int64 {
	v, ok := r.next(key)
	if !ok {
		return 0
	}
	n, ok := parseCount(v)
	if !ok {
		r.fail(key, "%s must be a non-negative decimal integer with no leading zeros", key)
	}
	return n
}

func (r *entryReader) finish() error {
	if r.err == nil && len(r.lines) > 0 {
		r.fail("", "provenance entry has extra lines")
	}
	return r.err
}

// checkText returns why s is not an acceptable text value, or "".
// Free text may contain single spaces between words; identifiers none.
func checkText(s string, spaces bool) string {
	switch {
	case s == "":
		return "must not be empty"
	case len(s) > maxTextLen:
		return "must be at most 256 bytes"
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	case strings.HasPrefix(s, " ") || strings.HasSuffix(s, " "):
		return "must not start or end with a space"
	case !spaces && strings.Contains(s, " "):
		return "must not contain spaces"
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) {
			return "must not contain control characters"
		}
	}
	return ""
}

// parseDate accepts only the canonical YYYY-MM-DD form of a real date.
func parseDate(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Format(time.DateOnly) != s {
		return time.Time{}, false
	}
	return t, true
}

// parseHash accepts only the canonical padded base64 of 32 bytes.
func parseHash(s string) ([sha256.Size]byte, bool) {
	var h [sha256.Size]byte
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != len(h) || base64.StdEncoding.EncodeToString(b) != s {
		return h, false
	}
	copy(h[:], b)
	return h, true
}

// parseCount accepts a non-negative decimal int64 with no sign or leading zeros.
func parseCount(s string) (int64, bool) {
	if s == "" || len(s) > 1 && s[0] == '0' || s[0] < '0' || s[0] > '9' {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// hasControl reports whether b holds an ASCII control character other than newline.
func hasControl(b []byte) bool {
	return bytes.ContainsFunc(b, func(r rune) bool { return r < 0x20 && r != '\n' || r == 0x7f })
}
