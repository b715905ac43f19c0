package sharing

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/lifeline-gov/lifeline"
)

// Access tokens are JSON Web Tokens (RFC 7519) in the JWT profile for OAuth
// 2.0 access tokens (RFC 9068: typ "at+jwt"), signed with Ed25519 (JWS alg
// "EdDSA", RFC 8037). The platform is both issuer and resource server, so
// only EdDSA with one of its own key ids is accepted: no "none", no HMAC,
// no key carried in the token.

// TokenLifetime is how long an access token lives. Short, so a revoked
// secret or a changed agreement takes effect within minutes.
const TokenLifetime = 5 * time.Minute

// clockSkew is the slack allowed between the issuer's clock and a
// verifier's (the same platform, but several instances).
const clockSkew = 30 * time.Second

// maxTokenBytes bounds what ParseToken will read.
const maxTokenBytes = 4096

// Token is what an access token says.
type Token struct {
	Issuer    string    // iss: the platform's origin
	Audience  string    // aud: the partner API
	Partner   string    // sub and client_id: the partner it was issued to
	ID        string    // jti
	IssuedAt  time.Time // iat
	ExpiresAt time.Time // exp
	// CertThumbprint binds the token to the partner's TLS client
	// certificate (RFC 8705 cnf "x5t#S256", base64url SHA-256 of the DER);
	// empty when the partner has none registered.
	CertThumbprint string
}

type tokenHeader struct {
	Alg string `json:"alg"`
	Typ string `json:"typ"`
	Kid string `json:"kid"`
}

type tokenClaims struct {
	Iss      string            `json:"iss"`
	Aud      string            `json:"aud"`
	Sub      string            `json:"sub"`
	ClientID string            `json:"client_id"`
	Jti      string            `json:"jti"`
	Iat      int64             `json:"iat"`
	Exp      int64             `json:"exp"`
	Cnf      map[string]string `json:"cnf,omitempty"`
}

// SignToken encodes t as a compact JWS signed by key, named kid.
func SignToken(t Token, kid string, key ed25519.PrivateKey) string {
	h, _ := json.Marshal(tokenHeader{Alg: "EdDSA", Typ: "at+jwt", Kid: kid})
	c := tokenClaims{Iss: t.Issuer, Aud: t.Audience, Sub: t.Partner, ClientID: t.Partner, Jti: t.ID,
		Iat: t.IssuedAt.Unix(), Exp: t.ExpiresAt.Unix()}
	if t.CertThumbprint != "" {
		c.Cnf = map[string]string{"x5t#S256": t.CertThumbprint}
	}
	b, _ := json.Marshal(c)
	signing := b64(h) + "." + b64(b)
	return signing + "." + b64(ed25519.Sign(key, []byte(signing)))
}

// ParseToken checks a compact JWS against the verifier keys by key id and
// returns what it says. It refuses anything malformed, signed by another
// key or algorithm, issued for another issuer or audience, not yet valid,
// expired, or living longer than TokenLifetime. Errors are EUNAUTHORIZED
// with a message fit for the caller.
func ParseToken(raw string, keys map[string]ed25519.PublicKey, issuer, audience string, now time.Time) (Token, error) {
	bad := func(format string, args ...any) (Token, error) {
		return Token{}, lifeline.Errorf(lifeline.EUNAUTHORIZED, "access token "+format, args...)
	}
	if len(raw) > maxTokenBytes {
		return bad("is over %d bytes", maxTokenBytes)
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return bad("is not a compact JWS (three base64url parts separated by dots)")
	}
	hb, err1 := unb64(parts[0])
	cb, err2 := unb64(parts[1])
	sig, err3 := unb64(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return bad("is not base64url without padding")
	}
	var h tokenHeader
	if err := strictJSON(hb, &h); err != nil {
		return bad("header is malformed: %v", err)
	}
	if h.Alg != "EdDSA" {
		return bad("is signed with %q; only EdDSA tokens issued by this platform are accepted", truncate(h.Alg, 20))
	}
	if h.Typ != "at+jwt" {
		return bad("has type %q, not at+jwt", truncate(h.Typ, 20))
	}
	pub, ok := keys[h.Kid]
	if !ok {
		return bad("is signed with an unknown or retired key; get a new token from /v1/oauth/token")
	}
	if !ed25519.Verify(pub, []byte(parts[0]+"."+parts[1]), sig) {
		return bad("signature does not verify")
	}
	var c tokenClaims
	if err := strictJSON(cb, &c); err != nil {
		return bad("claims are malformed: %v", err)
	}
	switch {
	case c.Iss != issuer:
		return bad("was issued by %q, not this platform", truncate(c.Iss, 80))
	case c.Aud != audience:
		return bad("is for audience %q, not %q", truncate(c.Aud, 80), audience)
	case c.Sub == "" || c.Sub != c.ClientID:
		return bad("names no partner")
	case c.Exp-c.Iat > int64(TokenLifetime/time.Second) || c.Exp <= c.Iat:
		return bad("lifetime is not between 1 second and %s", TokenLifetime)
	case now.Add(clockSkew).Unix() < c.Iat:
		return bad("is not valid yet")
	case now.Add(-clockSkew).Unix() >= c.Exp:
		return bad("has expired; get a new one from /v1/oauth/token")
	}
	t := Token{Issuer: c.Iss, Audience: c.Aud, Partner: c.Sub, ID: c.Jti,
		IssuedAt: time.Unix(c.Iat, 0).UTC(), ExpiresAt: time.Unix(c.Exp, 0).UTC()}
	for k, v := range c.Cnf {
		if k != "x5t#S256" {
			return bad("has an unsupported confirmation method %q", truncate(k, 20))
		}
		t.CertThumbprint = v
	}
	return t, nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func unb64(s string) ([]byte, error) { return base64.RawURLEncoding.Strict().DecodeString(s) }

// strictJSON decodes one JSON object, refusing unknown fields and trailing
// data.
func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return lifeline.Errorf(lifeline.EINVALID, "trailing data after the object")
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
