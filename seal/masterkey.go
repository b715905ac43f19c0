package seal

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// LoadMasterKey returns the master key: from env (base64, 32 bytes) when it is
// set, otherwise from the file at path, which is created with mode 0600 and a
// fresh random key on first use.
func LoadMasterKey(env, path string) ([]byte, error) {
	if env != "" {
		return decodeKey(env, "LIFELINE_MASTER_KEY")
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key := make([]byte, KeySize)
		rand.Read(key)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("create master key file: %w", err)
		}
		if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
			f.Close()
			return nil, fmt.Errorf("write master key file: %w", err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, fmt.Errorf("sync master key file: %w", err)
		}
		return key, f.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("read master key file: %w", err)
	}
	return decodeKey(string(b), path)
}

func decodeKey(s, from string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("master key in %s must be %d bytes in standard base64 (e.g. from `head -c32 /dev/urandom | base64`)", from, KeySize)
	}
	return key, nil
}

// KeyCheck returns a value that identifies master without revealing it. A
// store keeps it on first start and compares it on every start after, so a
// wrong master key is refused at once instead of failing every read.
func KeyCheck(master []byte) []byte {
	mac := hmac.New(sha256.New, master)
	mac.Write([]byte("lifeline master key check v1"))
	return mac.Sum(nil)[:16]
}

// ErrWrongMasterKey says a database was sealed under another master key.
var ErrWrongMasterKey = errors.New("the master key does not match the one this database was created with: " +
	"set LIFELINE_MASTER_KEY (or the data directory's master.key) to that key")
