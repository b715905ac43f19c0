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
	"path/filepath"
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
		return createMasterKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read master key file: %w", err)
	}
	return decodeKey(string(b), path)
}

// createMasterKey writes a new key so that a crash leaves either no key
// file or a whole one: it is written and synced under a temporary name,
// linked into place (which fails if another process got there first, whose
// key then wins), and the directory is synced so the name survives a crash.
func createMasterKey(path string) ([]byte, error) {
	key := make([]byte, KeySize)
	rand.Read(key)
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create master key file: %w", err)
	}
	defer os.Remove(tmp)
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("write master key file: %w", err)
	}
	if err := os.Link(tmp, path); errors.Is(err, fs.ErrExist) {
		return LoadMasterKey("", path)
	} else if err != nil {
		return nil, fmt.Errorf("install master key file: %w", err)
	}
	if dir, err := os.Open(filepath.Dir(path)); err == nil {
		err = dir.Sync()
		dir.Close()
		if err != nil {
			return nil, fmt.Errorf("sync the master key's directory: %w", err)
		}
	}
	return key, nil
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

// DeriveKey returns a 32-byte key for one purpose, derived from the master
// key, so that each use (such as the keyed hash that indexes National
// Insurance numbers) has its own key and no second secret to manage.
func DeriveKey(master []byte, purpose string) []byte {
	mac := hmac.New(sha256.New, master)
	mac.Write([]byte("lifeline derived key v1: " + purpose))
	return mac.Sum(nil)
}

// ErrWrongMasterKey says a database was sealed under another master key.
var ErrWrongMasterKey = errors.New("the master key does not match the one this database was created with: " +
	"set LIFELINE_MASTER_KEY (or the data directory's master.key) to that key")
