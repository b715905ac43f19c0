package sharing

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/seal"
)

// Partner event types.
const (
	partnerRegistered  = "partner-registered"
	secretIssued       = "partner-secret-issued"
	secretRevoked      = "partner-secret-revoked"
	certificateSet     = "partner-certificate-set"
	tokenKeyRotated    = "token-key-rotated"
	partnerIndexStream = "partners"
	tokenKeyStream     = "token-keys"
)

func partnerStream(id string) string { return "partner-" + id }

// Partner is an organisation the platform shares data with.
type Partner struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Kind is department, council, nhs or adviser.
	Kind    string `json:"kind"`
	Contact string `json:"contact"` // an email address for the data protection officer
	// CertThumbprint, when set, binds the partner's tokens to its TLS
	// client certificate (RFC 8705): base64url SHA-256 of the DER.
	CertThumbprint string       `json:"cert_thumbprint,omitempty"`
	Secrets        []SecretInfo `json:"secrets"`
	RegisteredAt   time.Time    `json:"registered_at"`
	Version        int64        `json:"version"`
	hashes         map[string][]byte
}

// SecretInfo describes one client secret without revealing it.
type SecretInfo struct {
	ID        string     `json:"id"`
	IssuedAt  time.Time  `json:"issued_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// PartnerKinds are the kinds of organisation a partner may be.
var PartnerKinds = []string{"department", "council", "nhs", "adviser"}

// NewPartner is a partner as an administrator registers it.
type NewPartner struct {
	Name           string `json:"name"`
	Kind           string `json:"kind"`
	Contact        string `json:"contact"`
	CertThumbprint string `json:"cert_thumbprint,omitempty"`
}

// IssuedSecret is a client secret, shown once when issued and never again:
// only its hash is kept.
type IssuedSecret struct {
	PartnerID string `json:"client_id"`
	ID        string `json:"secret_id"`
	Secret    string `json:"client_secret"`
}

func (p NewPartner) check() error {
	switch {
	case strings.TrimSpace(p.Name) == "" || len(p.Name) > 200:
		return lifeline.FieldErrorf(lifeline.EINVALID, "name", "give the organisation's name, 1 to 200 characters")
	case !oneOf(p.Kind, PartnerKinds):
		return lifeline.FieldErrorf(lifeline.EINVALID, "kind", "kind %q is not one of %s", truncate(p.Kind, 40), strings.Join(PartnerKinds, ", "))
	case !strings.Contains(p.Contact, "@") || len(p.Contact) > 200 || strings.ContainsAny(p.Contact, " \t\r\n"):
		return lifeline.FieldErrorf(lifeline.EINVALID, "contact", "give the data protection contact's email address")
	}
	return checkThumbprint(p.CertThumbprint)
}

func checkThumbprint(t string) error {
	if t == "" {
		return nil
	}
	if b, err := unb64(t); err != nil || len(b) != sha256.Size {
		return lifeline.FieldErrorf(lifeline.EINVALID, "cert_thumbprint", "give the base64url (no padding) SHA-256 of the certificate's DER encoding, 43 characters")
	}
	return nil
}

// RegisterPartner registers a partner and issues its first client secret.
func (s *Service) RegisterPartner(ctx context.Context, p NewPartner, key string) (*Partner, IssuedSecret, error) {
	if err := p.check(); err != nil {
		return nil, IssuedSecret{}, err
	}
	id, err := s.newID()
	if err != nil {
		return nil, IssuedSecret{}, err
	}
	if key != "" {
		key = "partner:" + key
	}
	res, err := s.append(ctx, partnerIndexStream, lifeline.ExpectAny, key, event(ctx, "partner-listed", "", map[string]string{"id": id}))
	if err != nil {
		return nil, IssuedSecret{}, err
	}
	if res.Replayed {
		// A secret cannot be shown twice, so a retry says so rather than
		// issuing a second one silently.
		return nil, IssuedSecret{}, lifeline.Errorf(lifeline.ECONFLICT, "this request was already made with that Idempotency-Key; its client secret was shown then and is not kept; list partners with GET /v1/admin/partners and issue a new secret if it was lost")
	}
	secret, e, err := s.newSecret(ctx, id)
	if err != nil {
		return nil, IssuedSecret{}, err
	}
	reg := event(ctx, partnerRegistered, "", p)
	if _, err := s.append(ctx, partnerStream(id), lifeline.ExpectNoStream, "", reg, e); err != nil {
		return nil, IssuedSecret{}, err
	}
	partner, err := s.Partner(ctx, id)
	return partner, secret, err
}

// newSecret makes a client secret and the event that records its hash.
// Secrets are 256 random bits, so a plain SHA-256 is a safe hash to keep:
// there is nothing to guess by brute force.
func (s *Service) newSecret(ctx context.Context, partnerID string) (IssuedSecret, lifeline.NewEvent, error) {
	var raw [32]byte
	if _, err := io.ReadFull(s.rand, raw[:]); err != nil {
		return IssuedSecret{}, lifeline.NewEvent{}, err
	}
	sid, err := s.newID()
	if err != nil {
		return IssuedSecret{}, lifeline.NewEvent{}, err
	}
	secret := "lls_" + b64(raw[:])
	h := sha256.Sum256([]byte(secret))
	e := event(ctx, secretIssued, "", map[string]string{"secret_id": sid, "sha256": b64(h[:])})
	return IssuedSecret{PartnerID: partnerID, ID: sid, Secret: secret}, e, nil
}

// IssueSecret issues another client secret; the older ones stay valid until
// revoked, so a partner can rotate without an outage.
func (s *Service) IssueSecret(ctx context.Context, partnerID string) (IssuedSecret, error) {
	p, err := s.Partner(ctx, partnerID)
	if err != nil {
		return IssuedSecret{}, err
	}
	active := 0
	for _, sec := range p.Secrets {
		if sec.RevokedAt == nil {
			active++
		}
	}
	if active >= 2 {
		return IssuedSecret{}, lifeline.Errorf(lifeline.ECONFLICT, "partner %s already has two active secrets; revoke one before issuing another", partnerID)
	}
	secret, e, err := s.newSecret(ctx, partnerID)
	if err != nil {
		return IssuedSecret{}, err
	}
	_, err = s.append(ctx, partnerStream(partnerID), lifeline.Expected(p.Version), "", e)
	forget(s, s.partners, partnerID)
	return secret, err
}

// RevokeSecret revokes a client secret. Tokens already issued with it
// lapse within TokenLifetime.
func (s *Service) RevokeSecret(ctx context.Context, partnerID, secretID string) (*Partner, error) {
	p, err := s.Partner(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	found := false
	for _, sec := range p.Secrets {
		if sec.ID == secretID {
			found = true
			if sec.RevokedAt != nil {
				return p, nil
			}
		}
	}
	if !found {
		return nil, lifeline.FieldErrorf(lifeline.ENOTFOUND, "secret_id", "partner %s has no secret %s", partnerID, truncate(secretID, 40))
	}
	if _, err := s.append(ctx, partnerStream(partnerID), lifeline.Expected(p.Version), "", event(ctx, secretRevoked, "", map[string]string{"secret_id": secretID})); err != nil {
		return nil, err
	}
	return s.Partner(ctx, partnerID)
}

// SetCertificate binds (or, with "", unbinds) the partner's TLS client
// certificate.
func (s *Service) SetCertificate(ctx context.Context, partnerID, thumbprint string) (*Partner, error) {
	if err := checkThumbprint(thumbprint); err != nil {
		return nil, err
	}
	p, err := s.Partner(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	if _, err := s.append(ctx, partnerStream(partnerID), lifeline.Expected(p.Version), "", event(ctx, certificateSet, "", map[string]string{"cert_thumbprint": thumbprint})); err != nil {
		return nil, err
	}
	return s.Partner(ctx, partnerID)
}

// Partner returns a partner as folded from its stream.
func (s *Service) Partner(ctx context.Context, id string) (*Partner, error) {
	p, err := s.readPartner(ctx, id)
	if err == nil {
		keep(s, s.partners, id, p)
	}
	return p, err
}

func (s *Service) readPartner(ctx context.Context, id string) (*Partner, error) {
	if _, err := lifeline.ParseID(id); err != nil {
		return nil, lifeline.FieldErrorf(lifeline.ENOTFOUND, "partner_id", "no partner %s", truncate(id, 40))
	}
	events, err := s.readStream(ctx, partnerStream(id))
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, lifeline.FieldErrorf(lifeline.ENOTFOUND, "partner_id", "no partner %s", id)
	}
	p := &Partner{ID: id, hashes: map[string][]byte{}}
	for _, e := range events {
		var d map[string]string
		switch e.Type {
		case partnerRegistered:
			var np NewPartner
			if err := json.Unmarshal(e.Data, &np); err != nil {
				return nil, err
			}
			p.Name, p.Kind, p.Contact, p.CertThumbprint, p.RegisteredAt = np.Name, np.Kind, np.Contact, np.CertThumbprint, e.RecordedAt
		case secretIssued:
			if err := json.Unmarshal(e.Data, &d); err != nil {
				return nil, err
			}
			h, err := unb64(d["sha256"])
			if err != nil {
				return nil, err
			}
			p.hashes[d["secret_id"]] = h
			p.Secrets = append(p.Secrets, SecretInfo{ID: d["secret_id"], IssuedAt: e.RecordedAt})
		case secretRevoked:
			if err := json.Unmarshal(e.Data, &d); err != nil {
				return nil, err
			}
			delete(p.hashes, d["secret_id"])
			for i := range p.Secrets {
				if p.Secrets[i].ID == d["secret_id"] {
					at := e.RecordedAt
					p.Secrets[i].RevokedAt = &at
				}
			}
		case certificateSet:
			if err := json.Unmarshal(e.Data, &d); err != nil {
				return nil, err
			}
			p.CertThumbprint = d["cert_thumbprint"]
		}
		p.Version = e.Version
	}
	return p, nil
}

// Partners lists every partner, oldest first.
func (s *Service) Partners(ctx context.Context) ([]*Partner, error) {
	events, err := s.readStream(ctx, partnerIndexStream)
	if err != nil {
		return nil, err
	}
	out := []*Partner{}
	for _, e := range events {
		var d map[string]string
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return nil, err
		}
		p, err := s.Partner(ctx, d["id"])
		if lifeline.ErrorCode(err) == lifeline.ENOTFOUND {
			continue // listed, but the registration never finished
		}
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// IssuedToken is an OAuth 2.0 access token response (RFC 6749 s5.1).
type IssuedToken struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
}

// IssueToken runs the client credentials grant (RFC 6749 s4.4): a partner
// authenticated by id and secret, and by its certificate if it has one
// bound, gets a short-lived access token. Every failure is the same
// EUNAUTHORIZED, so a caller learns nothing about which part was wrong.
func (s *Service) IssueToken(ctx context.Context, partnerID, secret, certThumbprint string) (IssuedToken, error) {
	refused := lifeline.Errorf(lifeline.EUNAUTHORIZED, "client authentication failed: check the client_id and client_secret, and that the request presents the partner's registered TLS client certificate if it has one")
	p, err := s.Partner(ctx, partnerID)
	if lifeline.ErrorCode(err) == lifeline.ENOTFOUND {
		return IssuedToken{}, refused
	}
	if err != nil {
		return IssuedToken{}, err
	}
	h := sha256.Sum256([]byte(secret))
	ok := 0
	for _, want := range p.hashes {
		ok |= subtle.ConstantTimeCompare(want, h[:])
	}
	if ok != 1 || (p.CertThumbprint != "" && subtle.ConstantTimeCompare([]byte(p.CertThumbprint), []byte(certThumbprint)) != 1) {
		return IssuedToken{}, refused
	}
	gen, err := s.tokenKeyGeneration(ctx, false)
	if err != nil {
		return IssuedToken{}, err
	}
	jti, err := s.newID()
	if err != nil {
		return IssuedToken{}, err
	}
	now := s.now().UTC().Truncate(time.Second)
	tok := SignToken(Token{Issuer: s.issuer, Audience: Audience, Partner: p.ID, ID: jti, IssuedAt: now,
		ExpiresAt: now.Add(TokenLifetime), CertThumbprint: p.CertThumbprint}, keyID(gen), s.tokenKey(gen))
	return IssuedToken{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int(TokenLifetime / time.Second)}, nil
}

// Authenticate checks a bearer token, and the TLS client certificate when
// the token is bound to one, and returns the partner.
func (s *Service) Authenticate(ctx context.Context, bearer, certThumbprint string) (*Partner, error) {
	if bearer == "" {
		return nil, lifeline.Errorf(lifeline.EUNAUTHORIZED, "no access token: send Authorization: Bearer <token> from POST /v1/oauth/token")
	}
	tok, err := s.verifiedToken(ctx, bearer)
	if err != nil {
		return nil, err
	}
	if tok.CertThumbprint != "" && subtle.ConstantTimeCompare([]byte(tok.CertThumbprint), []byte(certThumbprint)) != 1 {
		return nil, lifeline.Errorf(lifeline.EUNAUTHORIZED, "the access token is bound to a TLS client certificate that this request did not present")
	}
	if p, ok := fresh(s, s.partners, tok.Partner); ok {
		return p, nil
	}
	p, err := s.Partner(ctx, tok.Partner)
	if lifeline.ErrorCode(err) == lifeline.ENOTFOUND {
		return nil, lifeline.Errorf(lifeline.EUNAUTHORIZED, "the access token names no partner of this platform")
	}
	if err != nil {
		return nil, err
	}
	keep(s, s.partners, p.ID, p)
	return p, nil
}

// verifiedTokenTTL bounds how long a verified token is trusted without
// checking its signature again, so a key rotation reaches it soon.
const verifiedTokenTTL = 10 * time.Second

type verified struct {
	tok Token
	gen int // the generation of the key that signed it
	at  time.Time
}

// verifiedToken parses and verifies a bearer token, remembering tokens
// verified in the last verifiedTokenTTL: a partner sends the same token
// with every request, and checking an Ed25519 signature each time was a
// tenth of a query's work.
func (s *Service) verifiedToken(ctx context.Context, bearer string) (Token, error) {
	now := s.now()
	s.mu.Lock()
	v, ok := s.tokens[bearer]
	s.mu.Unlock()
	if ok && now.Sub(v.at) < verifiedTokenTTL && now.Add(-clockSkew).Before(v.tok.ExpiresAt) {
		gen, err := s.tokenKeyGeneration(ctx, false)
		if err != nil {
			return Token{}, err
		}
		if v.gen >= gen-1 { // its key is still one the platform accepts
			return v.tok, nil
		}
	}
	keys, err := s.verifierKeys(ctx, bearer)
	if err != nil {
		return Token{}, err
	}
	tok, err := ParseToken(bearer, keys, s.issuer, Audience, now)
	if err != nil {
		return Token{}, err
	}
	s.mu.Lock()
	if len(s.tokens) >= 10_000 {
		clear(s.tokens)
	}
	gen, _ := strconv.Atoi(strings.TrimPrefix(peekKeyID(bearer), "tk-"))
	s.tokens[bearer] = verified{tok, gen, now}
	s.mu.Unlock()
	return tok, nil
}

// Token signing keys are derived from the master key by generation, so no
// private key is stored and every instance derives the same one. A rotation
// moves to the next generation; tokens signed by the one before stay valid
// until they expire.

func keyID(gen int) string { return "tk-" + strconv.Itoa(gen) }

func (s *Service) tokenKey(gen int) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(seal.DeriveKey(s.master, fmt.Sprintf("partner access token signing key %d", gen)))
}

// keyGenerationTTL is how long an instance trusts the generation it read
// before reading again, so a rotation elsewhere reaches it.
const keyGenerationTTL = 10 * time.Second

func (s *Service) tokenKeyGeneration(ctx context.Context, fresh bool) (int, error) {
	s.mu.Lock()
	gen, read := s.keyGen, s.keyRead
	s.mu.Unlock()
	if !fresh && !read.IsZero() && s.now().Sub(read) < keyGenerationTTL {
		return gen, nil
	}
	events, err := s.log.ReadStream(ctx, tokenKeyStream, lifeline.StreamQuery{FromVersion: 1, Limit: lifeline.MaxReadLimit})
	if err != nil {
		return 0, err
	}
	gen = len(events) // generation 0 until the first rotation
	s.mu.Lock()
	s.keyGen, s.keyRead = gen, s.now()
	s.mu.Unlock()
	return gen, nil
}

// RotateTokenKey moves token signing to a new key and returns its id.
func (s *Service) RotateTokenKey(ctx context.Context) (string, error) {
	gen, err := s.tokenKeyGeneration(ctx, true)
	if err != nil {
		return "", err
	}
	if _, err := s.append(ctx, tokenKeyStream, lifeline.Expected(gen), "", event(ctx, tokenKeyRotated, "", map[string]int{"generation": gen + 1})); err != nil {
		return "", err
	}
	if _, err := s.tokenKeyGeneration(ctx, true); err != nil {
		return "", err
	}
	return keyID(gen + 1), nil
}

// verifierKeys returns the keys a token may be signed with: the current
// generation and the one before. A token naming a newer generation makes
// the instance read the generation again.
func (s *Service) verifierKeys(ctx context.Context, bearer string) (map[string]ed25519.PublicKey, error) {
	gen, err := s.tokenKeyGeneration(ctx, false)
	if err != nil {
		return nil, err
	}
	if kid := peekKeyID(bearer); strings.HasPrefix(kid, "tk-") {
		if n, err := strconv.Atoi(kid[3:]); err == nil && n > gen {
			if gen, err = s.tokenKeyGeneration(ctx, true); err != nil {
				return nil, err
			}
		}
	}
	return s.publicKeys(gen), nil
}

func (s *Service) publicKeys(gen int) map[string]ed25519.PublicKey {
	keys := map[string]ed25519.PublicKey{}
	for g := max(0, gen-1); g <= gen; g++ {
		keys[keyID(g)] = s.tokenKey(g).Public().(ed25519.PublicKey)
	}
	return keys
}

// peekKeyID reads a token's kid without trusting it.
func peekKeyID(token string) string {
	head, _, _ := strings.Cut(token, ".")
	b, err := unb64(head)
	if err != nil {
		return ""
	}
	var h tokenHeader
	json.Unmarshal(b, &h)
	return h.Kid
}

// JWKS returns the public token keys as a JSON Web Key Set (RFC 7517, OKP
// keys per RFC 8037), so partners can check tokens themselves.
func (s *Service) JWKS(ctx context.Context) (map[string]any, error) {
	gen, err := s.tokenKeyGeneration(ctx, false)
	if err != nil {
		return nil, err
	}
	var keys []map[string]string
	for g := gen; g >= max(0, gen-1); g-- {
		pub := s.tokenKey(g).Public().(ed25519.PublicKey)
		keys = append(keys, map[string]string{"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig",
			"kid": keyID(g), "x": base64.RawURLEncoding.EncodeToString(pub)})
	}
	return map[string]any{"keys": keys}, nil
}

func oneOf(s string, set []string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}
