// Package seal encrypts personal data at rest with one key per data subject.
//
// Each subject has a random 256-bit data key. Stores keep it only wrapped
// (AES-256-GCM) by the master key, with the subject as associated data so a
// wrapped key cannot be moved to another subject. Payloads are sealed with
// AES-256-GCM under the data key, with the event id as associated data so a
// sealed payload cannot be moved to another event. Destroying the wrapped key
// is how a subject's data is disposed of, even in an append-only log.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"io"
	"sync"
)

// KeySize is the size of master and data keys in bytes (AES-256).
const KeySize = 32

// Keyring wraps and unwraps data keys and caches the unwrapped ones.
type Keyring struct {
	master cipher.AEAD
	rand   io.Reader

	mu    sync.Mutex
	cache map[string]cipher.AEAD
	limit int
}

// NewKeyring returns a keyring under master, drawing keys and nonces from
// rand and caching at most cacheSize unwrapped data keys.
func NewKeyring(master []byte, rand io.Reader, cacheSize int) (*Keyring, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("seal: master key is %d bytes, want %d", len(master), KeySize)
	}
	aead, err := newAEAD(master)
	if err != nil {
		return nil, err
	}
	return &Keyring{master: aead, rand: rand, cache: make(map[string]cipher.AEAD), limit: cacheSize}, nil
}

// Cached returns subject's data key if it is in the cache.
func (k *Keyring) Cached(subject string) (cipher.AEAD, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	a, ok := k.cache[subject]
	return a, ok
}

// NewKey creates a data key for subject, caches it, and returns it with its
// wrapped form for the store to keep.
func (k *Keyring) NewKey(subject string) (cipher.AEAD, []byte, error) {
	key := make([]byte, KeySize)
	if _, err := io.ReadFull(k.rand, key); err != nil {
		return nil, nil, err
	}
	wrapped, err := k.seal(k.master, []byte(subject), key)
	if err != nil {
		return nil, nil, err
	}
	aead, err := newAEAD(key)
	clear(key)
	if err != nil {
		return nil, nil, err
	}
	k.put(subject, aead)
	return aead, wrapped, nil
}

// Unwrap opens a wrapped data key of subject and caches it.
func (k *Keyring) Unwrap(subject string, wrapped []byte) (cipher.AEAD, error) {
	key, err := open(k.master, []byte(subject), wrapped)
	if err != nil {
		return nil, fmt.Errorf("seal: unwrap key of %q: %w", subject, err)
	}
	aead, err := newAEAD(key)
	clear(key)
	if err != nil {
		return nil, err
	}
	k.put(subject, aead)
	return aead, nil
}

// Forget drops subject's key from the cache, as part of erasing it.
func (k *Keyring) Forget(subject string) {
	k.mu.Lock()
	delete(k.cache, subject)
	k.mu.Unlock()
}

// Seal encrypts plaintext under key, bound to id.
func (k *Keyring) Seal(key cipher.AEAD, id string, plaintext []byte) ([]byte, error) {
	return k.seal(key, []byte(id), plaintext)
}

// Open decrypts what Seal produced for id.
func Open(key cipher.AEAD, id string, sealed []byte) ([]byte, error) {
	return open(key, []byte(id), sealed)
}

func (k *Keyring) put(subject string, a cipher.AEAD) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.cache) >= k.limit {
		for s := range k.cache { // drop an arbitrary entry: cheap and good enough
			delete(k.cache, s)
			break
		}
	}
	k.cache[subject] = a
}

// seal returns nonce || ciphertext.
func (k *Keyring) seal(a cipher.AEAD, ad, plaintext []byte) ([]byte, error) {
	out := make([]byte, a.NonceSize(), a.NonceSize()+len(plaintext)+a.Overhead())
	if _, err := io.ReadFull(k.rand, out); err != nil {
		return nil, err
	}
	return a.Seal(out, out, plaintext, ad), nil
}

func open(a cipher.AEAD, ad, sealed []byte) ([]byte, error) {
	if len(sealed) < a.NonceSize() {
		return nil, errors.New("sealed data is too short")
	}
	return a.Open(nil, sealed[:a.NonceSize()], sealed[a.NonceSize():], ad)
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}
