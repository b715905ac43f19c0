package provenance

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/lifeline-gov/lifeline"
)

// ReceiptVersion is the version number written in every receipt.
const ReceiptVersion = 1

// maxReceiptLen bounds a receipt: a checkpoint plus 64 proof hashes fit
// easily.
const maxReceiptLen = 64 << 10

// A Receipt proves that an entry is in the log: the entry's index and leaf
// hash, a signed checkpoint, and the inclusion proof from the leaf to that
// checkpoint's root.
type Receipt struct {
	Index      int64
	LeafHash   tlog.Hash
	Checkpoint []byte           // signed note, as served at /log/checkpoint
	Proof      tlog.RecordProof // RFC 6962 audit path, leaf to root
	Entry      []byte           // the encoded entry, if the holder may see it; else nil
}

// receiptJSON is the wire form of a Receipt.
type receiptJSON struct {
	Version    int      `json:"version"`
	Index      int64    `json:"index"`
	LeafHash   string   `json:"leaf_hash"`
	Checkpoint string   `json:"checkpoint"`
	Proof      []string `json:"inclusion_proof"`
	Entry      string   `json:"entry,omitempty"`
}

var receiptFields = []string{"version", "index", "leaf_hash", "checkpoint", "inclusion_proof", "entry"}

// MarshalJSON writes a receipt as one JSON object:
//
//	{
//	  "version": 1,
//	  "index": <entry index, from 0>,
//	  "leaf_hash": "<base64 RFC 6962 leaf hash>",
//	  "checkpoint": "<signed checkpoint note, verbatim>",
//	  "inclusion_proof": ["<base64 hash>", ...],
//	  "entry": "<base64 encoded entry>"            (optional)
//	}
//
// Hashes are standard padded base64 of 32 bytes. The proof lists the
// sibling hashes from the leaf upwards, as tlog.ProveRecord returns them.
func (r Receipt) MarshalJSON() ([]byte, error) {
	j := receiptJSON{
		Version:    ReceiptVersion,
		Index:      r.Index,
		LeafHash:   r.LeafHash.String(),
		Checkpoint: string(r.Checkpoint),
		Proof:      make([]string, len(r.Proof)),
	}
	for i, h := range r.Proof {
		j.Proof[i] = h.String()
	}
	if r.Entry != nil {
		j.Entry = base64.StdEncoding.EncodeToString(r.Entry)
	}
	return json.Marshal(j)
}

// UnmarshalJSON parses a receipt as ParseReceipt does.
func (r *Receipt) UnmarshalJSON(data []byte) error {
	got, err := ParseReceipt(data)
	if err != nil {
		return err
	}
	*r = got
	return nil
}

// ParseReceipt parses a receipt written by MarshalJSON. It rejects unknown,
// duplicate, missing or misspelled fields, trailing data and non-canonical
// hashes. Parsing checks only the form; VerifyReceipt checks the proof.
func ParseReceipt(data []byte) (Receipt, error) {
	bad := func(format string, args ...any) (Receipt, error) {
		return Receipt{}, lifeline.Errorf(lifeline.EINVALID, "malformed receipt: "+format, args...)
	}
	if len(data) > maxReceiptLen {
		return bad("longer than %d bytes", maxReceiptLen)
	}
	present, err := objectKeys(data, receiptFields)
	if err != nil {
		return bad("%v", err)
	}
	for _, k := range receiptFields[:5] {
		if !present[k] {
			return bad("missing %q", k)
		}
	}
	var j receiptJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return bad("%v", err)
	}
	if j.Version != ReceiptVersion {
		return bad("unsupported version %d", j.Version)
	}
	if j.Index < 0 {
		return bad("negative index")
	}
	r := Receipt{Index: j.Index, Checkpoint: []byte(j.Checkpoint)}
	var ok bool
	if r.LeafHash, ok = parseHash(j.LeafHash); !ok {
		return bad("leaf_hash is not canonical base64 of 32 bytes")
	}
	if len(j.Proof) > 64 {
		return bad("inclusion proof is longer than any tree needs")
	}
	r.Proof = make(tlog.RecordProof, len(j.Proof))
	for i, s := range j.Proof {
		if r.Proof[i], ok = parseHash(s); !ok {
			return bad("inclusion_proof[%d] is not canonical base64 of 32 bytes", i)
		}
	}
	if present["entry"] {
		e, err := base64.StdEncoding.Strict().DecodeString(j.Entry)
		if err != nil || len(e) == 0 || base64.StdEncoding.EncodeToString(e) != j.Entry {
			return bad("entry is not canonical base64")
		}
		r.Entry = e
	}
	if _, err := checkpointText(r.Checkpoint); err != nil {
		return bad("checkpoint is not a signed note")
	}
	return r, nil
}

// objectKeys checks that data is exactly one JSON object whose keys are
// distinct and spelled exactly as in allowed, and returns the keys present.
// encoding/json alone would accept duplicates and any letter case.
func objectKeys(data []byte, allowed []string) (map[string]bool, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	present := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		if !slices.Contains(allowed, key) {
			return nil, errors.New("unknown field " + strconv.Quote(key))
		}
		if present[key] {
			return nil, errors.New("duplicate field " + strconv.Quote(key))
		}
		present[key] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the object")
	}
	return present, nil
}

// NewReceipt makes the receipt for entry index under a checkpoint the log
// signed itself. r must serve the stored hashes of a tree at least as large
// as the checkpoint. The proof is checked before it is handed out.
func NewReceipt(signedCheckpoint []byte, index int64, entry []byte, r tlog.HashReader) (Receipt, error) {
	text, err := checkpointText(signedCheckpoint)
	if err != nil {
		return Receipt{}, err
	}
	c, err := ParseCheckpoint(text)
	if err != nil {
		return Receipt{}, err
	}
	if index < 0 || index >= c.Size {
		return Receipt{}, lifeline.Errorf(lifeline.EINVALID, "entry %d is not in the checkpoint of size %d", index, c.Size)
	}
	proof, err := tlog.ProveRecord(c.Size, index, r)
	if err != nil {
		return Receipt{}, err
	}
	leaf := LeafHash(entry)
	if err := tlog.CheckRecord(proof, c.Size, c.Hash, index, leaf); err != nil {
		return Receipt{}, errors.New("provenance: stored hashes disagree with the checkpoint: " + err.Error())
	}
	return Receipt{
		Index:      index,
		LeafHash:   leaf,
		Checkpoint: slices.Clone(signedCheckpoint),
		Proof:      proof,
		Entry:      slices.Clone(entry),
	}, nil
}

// VerifyReceipt checks a receipt against the log's verifier key: the
// checkpoint's signature, that the entry (if present) hashes to the leaf,
// and that the inclusion proof leads from the leaf to the checkpoint's root.
// It returns the verified checkpoint.
func VerifyReceipt(r Receipt, log note.Verifier) (Checkpoint, error) {
	c, err := OpenCheckpoint(r.Checkpoint, log)
	if err != nil {
		return Checkpoint{}, err
	}
	if r.Entry != nil && LeafHash(r.Entry) != r.LeafHash {
		return Checkpoint{}, lifeline.Errorf(lifeline.EINVALID, "receipt entry does not match its leaf hash")
	}
	if r.Index < 0 || r.Index >= c.Size {
		return Checkpoint{}, lifeline.Errorf(lifeline.EINVALID, "receipt index %d is outside the checkpoint of size %d", r.Index, c.Size)
	}
	if err := tlog.CheckRecord(r.Proof, c.Size, c.Hash, r.Index, r.LeafHash); err != nil {
		return Checkpoint{}, lifeline.Errorf(lifeline.EINVALID, "receipt inclusion proof does not verify: %v", err)
	}
	return c, nil
}
