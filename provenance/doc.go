// Package provenance is the pure core of Lifeline's provenance log: a Merkle
// transparency log that commits to decisions, disclosures and ledger batches
// without holding personal data, published in the C2SP formats so that
// anyone can check it with standard tools (golang.org/x/mod/sumdb/tlog and
// note, or any tlog-tiles client). It does no I/O and reads no clock: stores
// and servers hand it what it needs through small interfaces.
//
// # Formats
//
//   - Entries (Decision, Disclosure, LedgerBatch): canonical UTF-8 text,
//     versioned by the header line "lifeline-provenance/v1 <kind>"; see
//     Decision.MarshalEntry. ParseEntry accepts only canonical bytes, so an
//     entry has exactly one leaf hash.
//   - Leaf and node hashes: RFC 6962 (SHA-256 with 0x00/0x01 prefixes), as
//     tlog.RecordHash and tlog.NodeHash compute them; see LeafHash.
//   - Tiles: C2SP tlog-tiles, height 8, at tile/<L>/<N>[.p/<W>]; entry
//     bundles (big-endian uint16 length, then the entry, repeated) at
//     tile/entries/<N>[.p/<W>]; see TilePath and MarshalEntryBundle.
//   - Checkpoints: C2SP tlog-checkpoint text (origin, size, base64 root)
//     signed as a C2SP signed note with the log's Ed25519 key, whose name is
//     the origin; see Checkpoint.MarshalText and SignCheckpoint.
//   - Cosignatures: C2SP tlog-cosignature Ed25519 "cosignature/v1" lines
//     (signature type 0x04, a uint64 timestamp before the signature),
//     appended to the served checkpoint by MergeCosignatures.
//   - Receipts: JSON with the entry index, leaf hash, signed checkpoint and
//     inclusion proof, optionally the entry; see Receipt.MarshalJSON.
//
// # How the store uses it
//
// The store keeps three append-only tables in the database: entries by
// index, stored hashes by stored hash index (tlog.StoredHashIndex), and
// published resources by path (or it regenerates resources on demand from
// the first two). To append a batch of encoded entries to a log of size n,
// in one transaction:
//
//  1. compute LeafHash of each entry;
//  2. AppendHashes(n, leaves, store) and write the hashes it returns at
//     indexes from tlog.StoredHashIndex(0, n) on;
//  3. HashTiles(n, n+k, store) and EntryBundles(n, n+k, store) give the
//     resources to publish (full ones never change; a partial one is
//     superseded by a wider one at the same path without the .p/W);
//  4. tlog.TreeHash(n+k, store) gives the root; build a Checkpoint with the
//     configured origin and SignCheckpoint it with the log key, at least
//     once a second while there are new entries, and store it.
//
// The signing key comes from GenerateKey (store skey with mode 0600;
// publish vkey, which VerifierKey can also derive from skey) or from
// configuration; the origin must satisfy CheckOrigin. NewReceipt makes a
// receipt for an entry under a stored checkpoint. Witness cosignatures are
// checked and merged with MergeCosignatures against the partners' keys
// (ParseCosignerKey); the store keeps the lines and serves the merged note.
//
// # How the HTTP layer uses it
//
// Serve the latest merged checkpoint at /log/checkpoint (text/plain;
// charset=utf-8, no caching beyond a few seconds) and each resource at
// /log/<path> (application/octet-stream; immutable caching for full tiles
// and bundles, see Resource.Full). Clients, such as `lifeline verify`,
// implement TileReader with GETs under /log/ and call VerifyReceipt,
// VerifyConsistency, VerifyConsistencyFromTiles, InclusionProofFromTiles
// and VerifyEntryBundle; every fetched tile is authenticated against a
// signed root before use.
//
// Errors that describe bad input or a failed proof are *lifeline.Error with
// code EINVALID; anything else is an internal or fetch error.
package provenance
