package sharing

import (
	"crypto/ed25519"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

var (
	testKey   = ed25519.NewKeyFromSeed(make([]byte, 32))
	otherKey  = ed25519.NewKeyFromSeed([]byte("another key of thirty-two bytes!"))
	testKeys  = map[string]ed25519.PublicKey{"tk-0": testKey.Public().(ed25519.PublicKey)}
	issuedAt  = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	goodToken = Token{Issuer: "lifeline", Audience: Audience, Partner: "p1", ID: "j1", IssuedAt: issuedAt, ExpiresAt: issuedAt.Add(TokenLifetime)}
)

// forge signs an arbitrary header and claims, as an attacker might.
func forge(header, claims map[string]any, key ed25519.PrivateKey) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	s := b64(h) + "." + b64(c)
	return s + "." + b64(ed25519.Sign(key, []byte(s)))
}

func claimsOf(t Token) map[string]any {
	return map[string]any{"iss": t.Issuer, "aud": t.Audience, "sub": t.Partner, "client_id": t.Partner, "jti": t.ID,
		"iat": t.IssuedAt.Unix(), "exp": t.ExpiresAt.Unix()}
}

func TestParseToken(t *testing.T) {
	edHeader := map[string]any{"alg": "EdDSA", "typ": "at+jwt", "kid": "tk-0"}
	with := func(k string, v any) map[string]any {
		c := claimsOf(goodToken)
		c[k] = v
		return c
	}
	valid := SignToken(goodToken, "tk-0", testKey)
	parts := strings.Split(valid, ".")
	tests := []struct {
		name  string
		token string
		now   time.Time
		want  string // part of the error; "" for success
	}{
		{"valid", valid, issuedAt.Add(time.Minute), ""},
		{"valid within the clock skew after expiry", valid, issuedAt.Add(TokenLifetime + 20*time.Second), ""},
		{"expired", valid, issuedAt.Add(TokenLifetime + time.Minute), "has expired"},
		{"not yet valid", valid, issuedAt.Add(-time.Minute), "not valid yet"},
		{"empty", "", issuedAt, "not a compact JWS"},
		{"two parts", parts[0] + "." + parts[1], issuedAt, "not a compact JWS"},
		{"padded base64", parts[0] + "=." + parts[1] + "." + parts[2], issuedAt, "base64url"},
		{"tampered claims", parts[0] + "." + b64([]byte(`{"sub":"p2"}`)) + "." + parts[2], issuedAt, "signature does not verify"},
		{"signed by another key", SignToken(goodToken, "tk-0", otherKey), issuedAt, "signature does not verify"},
		{"unknown key id", SignToken(goodToken, "tk-9", testKey), issuedAt, "unknown or retired key"},
		{"alg none", b64([]byte(`{"alg":"none","typ":"at+jwt","kid":"tk-0"}`)) + "." + parts[1] + ".", issuedAt, `signed with "none"`},
		{"alg HS256", forge(map[string]any{"alg": "HS256", "typ": "at+jwt", "kid": "tk-0"}, claimsOf(goodToken), testKey), issuedAt, `signed with "HS256"`},
		{"wrong typ", forge(map[string]any{"alg": "EdDSA", "typ": "JWT", "kid": "tk-0"}, claimsOf(goodToken), testKey), issuedAt, "not at+jwt"},
		{"key carried in the header", forge(map[string]any{"alg": "EdDSA", "typ": "at+jwt", "kid": "tk-0", "jwk": "x"}, claimsOf(goodToken), testKey), issuedAt, "header is malformed"},
		{"other issuer", forge(edHeader, with("iss", "evil"), testKey), issuedAt, "was issued by"},
		{"other audience", forge(edHeader, with("aud", "other-api"), testKey), issuedAt, "is for audience"},
		{"no partner", forge(edHeader, with("sub", ""), testKey), issuedAt, "names no partner"},
		{"subject is not the client", forge(edHeader, with("client_id", "p2"), testKey), issuedAt, "names no partner"},
		{"lives too long", forge(edHeader, with("exp", issuedAt.Add(time.Hour).Unix()), testKey), issuedAt, "lifetime"},
		{"unknown claim", forge(edHeader, with("scope", "all"), testKey), issuedAt, "claims are malformed"},
		{"exp as a string", forge(edHeader, with("exp", "soon"), testKey), issuedAt, "claims are malformed"},
		{"unknown confirmation", forge(edHeader, with("cnf", map[string]string{"jkt": "x"}), testKey), issuedAt, "unsupported confirmation"},
		{"oversized", strings.Repeat("a", maxTokenBytes+1), issuedAt, "over 4096 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseToken(tt.token, testKeys, "lifeline", Audience, tt.now)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("ParseToken: %v", err)
				}
				if got != goodToken {
					t.Fatalf("got %+v, want %+v", got, goodToken)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestTokenCarriesCertificateBinding(t *testing.T) {
	bound := goodToken
	bound.CertThumbprint = "abc"
	got, err := ParseToken(SignToken(bound, "tk-0", testKey), testKeys, "lifeline", Audience, issuedAt)
	if err != nil || got.CertThumbprint != "abc" {
		t.Fatalf("got %+v, %v; want the thumbprint carried", got, err)
	}
}

func FuzzParseToken(f *testing.F) {
	f.Add(SignToken(goodToken, "tk-0", testKey))
	f.Add("a.b.c")
	f.Add(b64([]byte(`{"alg":"EdDSA","typ":"at+jwt","kid":"tk-0"}`)) + ".e30.")
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := ParseToken(raw, testKeys, "lifeline", Audience, issuedAt)
		if err != nil {
			return
		}
		// Anything accepted must have been signed by the key: re-signing
		// what it says must give a token that verifies too, and it must be
		// within its lifetime.
		if tok.Partner == "" || tok.ExpiresAt.Sub(tok.IssuedAt) > TokenLifetime {
			t.Fatalf("accepted %+v", tok)
		}
		if !ed25519.Verify(testKeys["tk-0"], []byte(raw[:strings.LastIndex(raw, ".")]), mustUnb64(t, raw[strings.LastIndex(raw, ".")+1:])) {
			t.Fatalf("accepted a token whose signature does not verify: %q", raw)
		}
	})
}

func mustUnb64(t *testing.T, s string) []byte {
	b, err := unb64(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCompileCondition(t *testing.T) {
	uc := Subject{Age: 40, Receives: []string{"universal_credit"}, Benefits: []BenefitPaid{{Name: "universal_credit", Amount: 40014, Frequency: "monthly"}}, PostcodeDistrict: "LS1"}
	none := Subject{Age: 70, Receives: []string{}}
	req := Request{Purpose: "free-school-meals", Fields: []string{"receives_benefit"}}
	tests := []struct {
		src     string
		person  Subject
		want    bool
		wantErr string
	}{
		{"", none, true, ""},
		{`"universal_credit" in person.receives`, uc, true, ""},
		{`"universal_credit" in person.receives`, none, false, ""},
		{`person.age >= 66 && !person.deceased`, none, true, ""},
		{`person.benefits.exists(b, b.name == "universal_credit" && b.amount < 50000)`, uc, true, ""},
		{`person.postcode_district in ["LS1", "LS2"] && request.purpose == "free-school-meals"`, uc, true, ""},
		{`"pip" in request.fields`, uc, false, ""},
		{`person.age`, uc, false, "must give true or false"},
		{`person.salary > 0`, uc, false, "not valid CEL"},
		{`person.age >`, uc, false, "not valid CEL"},
		{`nosuchvar == 1`, uc, false, "not valid CEL"},
		{strings.Repeat("true && ", 300) + "true", uc, false, "keep it under"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			c, err := compileCondition(tt.src)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.holds(req, tt.person)
			if err != nil || got != tt.want {
				t.Fatalf("holds = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestConditionCostIsBounded(t *testing.T) {
	c, err := compileCondition(`person.receives.all(a, person.receives.all(b, person.receives.all(c, a + b + c != "")))`)
	if err != nil {
		t.Fatal(err)
	}
	many := make([]string, 200)
	for i := range many {
		many[i] = "x"
	}
	ok, err := c.holds(Request{}, Subject{Receives: many})
	if err == nil || ok {
		t.Fatalf("holds = %v, %v; want a refusal once the cost limit is reached", ok, err)
	}
}

func FuzzCompileCondition(f *testing.F) {
	for _, s := range []string{`"universal_credit" in person.receives`, `person.age > 1`, `request.fields.size() == 1`, `(`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		c, err := compileCondition(src)
		if err != nil {
			return
		}
		// Whatever compiles evaluates to a bool or a refusal, never a panic.
		c.holds(Request{Purpose: "x"}, Subject{Receives: []string{"pip"}})
	})
}
