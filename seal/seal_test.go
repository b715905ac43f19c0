package seal_test

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/lifeline-gov/lifeline/seal"
)

func TestSealAndOpen(t *testing.T) {
	master := bytes.Repeat([]byte{7}, seal.KeySize)
	k, err := seal.NewKeyring(master, rand.Reader, 10)
	if err != nil {
		t.Fatal(err)
	}
	key, wrapped, err := k.NewKey("person-1")
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := k.Seal(key, "event-1", []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("secret")) {
		t.Fatal("sealed data contains the plaintext")
	}
	if got, err := seal.Open(key, "event-1", sealed); err != nil || string(got) != "secret" {
		t.Errorf("Open = %q, %v", got, err)
	}
	if _, err := seal.Open(key, "event-2", sealed); err == nil {
		t.Error("a payload moved to another event must not open")
	}

	k.Forget("person-1")
	if _, ok := k.Cached("person-1"); ok {
		t.Fatal("forgotten key still cached")
	}
	again, err := k.Unwrap("person-1", wrapped)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := seal.Open(again, "event-1", sealed); err != nil || string(got) != "secret" {
		t.Errorf("after unwrap: %q, %v", got, err)
	}
	if _, err := k.Unwrap("person-2", wrapped); err == nil {
		t.Error("a wrapped key moved to another subject must not unwrap")
	}
	other, _ := seal.NewKeyring(bytes.Repeat([]byte{8}, seal.KeySize), rand.Reader, 10)
	if _, err := other.Unwrap("person-1", wrapped); err == nil {
		t.Error("a wrapped key must not unwrap under another master key")
	}
}

func TestCacheIsBounded(t *testing.T) {
	k, _ := seal.NewKeyring(make([]byte, seal.KeySize), rand.Reader, 3)
	for _, s := range []string{"a", "b", "c", "d", "e"} {
		k.NewKey(s)
	}
	n := 0
	for _, s := range []string{"a", "b", "c", "d", "e"} {
		if _, ok := k.Cached(s); ok {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d keys cached, want the limit of 3", n)
	}
}

func TestLoadMasterKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "master.key")
	first, err := seal.LoadMasterKey("", path)
	if err != nil || len(first) != seal.KeySize {
		t.Fatalf("first load: %d bytes, %v", len(first), err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	second, err := seal.LoadMasterKey("", path)
	if err != nil || !bytes.Equal(first, second) {
		t.Error("second load returned a different key")
	}
	fromEnv, err := seal.LoadMasterKey("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", path)
	if err != nil || string(fromEnv) != "0123456789abcdef0123456789abcdef" {
		t.Errorf("env key = %q, %v", fromEnv, err)
	}
	for _, bad := range []string{"not base64!", "c2hvcnQ="} {
		if _, err := seal.LoadMasterKey(bad, path); err == nil {
			t.Errorf("accepted master key %q", bad)
		}
	}
}

// A derived key depends on the master key and the purpose, and on nothing
// else.
func TestDeriveKey(t *testing.T) {
	m1, m2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	k := seal.DeriveKey(m1, "index")
	if len(k) != 32 || !bytes.Equal(k, seal.DeriveKey(m1, "index")) {
		t.Fatalf("DeriveKey is not a stable 32-byte key: %x", k)
	}
	for _, other := range [][]byte{seal.DeriveKey(m2, "index"), seal.DeriveKey(m1, "other"), seal.KeyCheck(m1)} {
		if bytes.Equal(k, other) {
			t.Errorf("two different derivations gave the same key %x", k)
		}
	}
}
