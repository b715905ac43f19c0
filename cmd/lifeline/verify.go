package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/provenance"
)

const verifyUsage = `Usage:
  lifeline verify receipt FILE [--key VERIFIERKEY] [--log URL]
  lifeline verify consistency OLD NEW [--key VERIFIERKEY] [--log URL]

receipt checks a receipt's signed checkpoint and inclusion proof; with
--log it also checks that the log's latest checkpoint extends the
receipt's and still includes the entry. consistency checks that the
checkpoint in file NEW extends the one in file OLD. Both trust only the
verifier key (or LIFELINE_LOG_VERIFIER_KEY) and use only the tiles the log
publishes under URL/log/.
`

func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "receipt" && args[0] != "consistency") {
		fmt.Fprint(stderr, verifyUsage)
		return errUsage
	}
	fs := flag.NewFlagSet("verify "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, verifyUsage) }
	key := fs.String("key", os.Getenv("LIFELINE_LOG_VERIFIER_KEY"), "the log's verifier key (origin+hash+key), or a file holding it")
	logURL := fs.String("log", "", "base URL of the platform publishing the log, e.g. https://lifeline.example")
	files, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return errUsage
	}
	want := map[string]int{"receipt": 1, "consistency": 2}[args[0]]
	if len(files) != want {
		fmt.Fprint(stderr, verifyUsage)
		return errUsage
	}
	verifier, err := loadVerifier(*key)
	if err != nil {
		return err
	}
	var tiles *httpTiles
	if *logURL != "" {
		tiles = &httpTiles{ctx: ctx, base: strings.TrimSuffix(*logURL, "/") + "/log/", client: &http.Client{Timeout: 30 * time.Second}, cache: map[string][]byte{}}
	}
	if args[0] == "receipt" {
		return verifyReceipt(files[0], verifier, tiles, stdout)
	}
	return verifyConsistency(files[0], files[1], verifier, tiles, stdout)
}

// parseInterspersed parses flags wherever they appear among the arguments,
// so "verify receipt FILE --key K" works as people type it.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func loadVerifier(key string) (note.Verifier, error) {
	if key == "" {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "key", "give the log's verifier key with --key (or LIFELINE_LOG_VERIFIER_KEY): a proof is only as good as the key it is checked against")
	}
	if !strings.Contains(key, "+") {
		b, err := os.ReadFile(key)
		if err != nil {
			return nil, fmt.Errorf("read verifier key: %w", err)
		}
		key = strings.TrimSpace(string(b))
	}
	return provenance.NewVerifier(key)
}

func verifyReceipt(file string, verifier note.Verifier, tiles *httpTiles, stdout io.Writer) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	r, err := provenance.ParseReceipt(data)
	if err != nil {
		return err
	}
	c, err := provenance.VerifyReceipt(r, verifier)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "receipt OK: entry %d (leaf %s) is in %s at size %d, root %s\n", r.Index, r.LeafHash, c.Origin, c.Size, c.Hash)
	if tiles == nil {
		return nil
	}
	latest, err := tiles.checkpoint()
	if err != nil {
		return err
	}
	if err := provenance.VerifyConsistencyFromTiles(r.Checkpoint, latest, tiles, verifier); err != nil {
		return err
	}
	lc, err := provenance.OpenCheckpoint(latest, verifier)
	if err != nil {
		return err
	}
	proof, err := provenance.InclusionProofFromTiles(lc, r.Index, tiles)
	if err != nil {
		return err
	}
	if err := tlog.CheckRecord(proof, lc.Size, lc.Hash, r.Index, r.LeafHash); err != nil {
		return lifeline.Errorf(lifeline.EINVALID, "the published log no longer includes the entry: %v", err)
	}
	fmt.Fprintf(stdout, "log OK: the published checkpoint of size %d extends the receipt's and includes entry %d\n", lc.Size, r.Index)
	return nil
}

func verifyConsistency(oldFile, newFile string, verifier note.Verifier, tiles *httpTiles, stdout io.Writer) error {
	old, err := os.ReadFile(oldFile)
	if err != nil {
		return err
	}
	cur, err := os.ReadFile(newFile)
	if err != nil {
		return err
	}
	oc, err := provenance.OpenCheckpoint(old, verifier)
	if err != nil {
		return fmt.Errorf("%s: %w", oldFile, err)
	}
	nc, err := provenance.OpenCheckpoint(cur, verifier)
	if err != nil {
		return fmt.Errorf("%s: %w", newFile, err)
	}
	if tiles == nil && oc.Size != 0 && oc.Size < nc.Size {
		return lifeline.FieldErrorf(lifeline.EINVALID, "log", "give --log URL: checking that one tree extends another needs the published tiles")
	}
	var reader provenance.TileReader = tiles
	if tiles == nil {
		reader = provenance.TileReaderFunc(func(string) ([]byte, error) { return nil, errors.New("no --log given") })
	}
	if err := provenance.VerifyConsistencyFromTiles(old, cur, reader, verifier); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "consistent: the checkpoint of size %d extends the checkpoint of size %d of %s\n", nc.Size, oc.Size, nc.Origin)
	return nil
}

// httpTiles reads the published log over HTTP; tiles are cached for the
// run, as every one is authenticated against a signed root before use.
type httpTiles struct {
	ctx    context.Context
	base   string
	client *http.Client
	cache  map[string][]byte
}

func (h *httpTiles) ReadTile(path string) ([]byte, error) {
	if b, ok := h.cache[path]; ok {
		return b, nil
	}
	b, err := h.get(path)
	if err == nil {
		h.cache[path] = b
	}
	return b, err
}

func (h *httpTiles) checkpoint() ([]byte, error) { return h.get("checkpoint") }

func (h *httpTiles) get(path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(h.ctx, http.MethodGet, h.base+path, nil)
	if err != nil {
		return nil, err
	}
	res, err := h.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s%s: %s", h.base, path, res.Status)
	}
	return io.ReadAll(io.LimitReader(res.Body, 1<<20))
}
