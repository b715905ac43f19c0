package publish

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/lifeline-gov/lifeline/provenance"
)

// KeyFile is the signing key's file name in the data directory.
const KeyFile = "log.key"

// LoadKey returns the log's signer and its verifier key (the line to
// publish, "<origin>+<hash>+<key>"). The signer key is skey if not empty
// (from LIFELINE_LOG_KEY), else read from path, else generated for origin
// and written to path with mode 0600, never overwriting a file. A key made
// for another origin is refused: checkpoints are signed in the origin's name.
func LoadKey(skey, path, origin string) (note.Signer, string, error) {
	if err := provenance.CheckOrigin(origin); err != nil {
		return nil, "", err
	}
	if skey == "" {
		b, err := os.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if skey, err = createKey(path, origin); err != nil {
				return nil, "", err
			}
		case err != nil:
			return nil, "", fmt.Errorf("read log key: %w", err)
		default:
			skey = strings.TrimSpace(string(b))
		}
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, "", fmt.Errorf("log key: %w", err)
	}
	if signer.Name() != origin {
		return nil, "", fmt.Errorf("the log key is for origin %q, not %q: give --log-origin %q or another key", signer.Name(), origin, signer.Name())
	}
	vkey, err := provenance.VerifierKey(skey)
	if err != nil {
		return nil, "", fmt.Errorf("log key: %w", err)
	}
	return signer, vkey, nil
}

func createKey(path, origin string) (string, error) {
	skey, _, err := provenance.GenerateKey(rand.Reader, origin)
	if err != nil {
		return "", err
	}
	// O_EXCL: two processes starting together must not both write a key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("create log key: %w", err)
	}
	if _, err := f.WriteString(skey + "\n"); err != nil {
		f.Close()
		os.Remove(path)
		return "", fmt.Errorf("write log key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", fmt.Errorf("write log key: %w", err)
	}
	return skey, f.Close()
}
