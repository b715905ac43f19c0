package sharing_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/claims"
	lhttp "github.com/lifeline-gov/lifeline/http"
	"github.com/lifeline-gov/lifeline/postgres"
	"github.com/lifeline-gov/lifeline/postgres/pgtest"
	"github.com/lifeline-gov/lifeline/provenance"
	"github.com/lifeline-gov/lifeline/provenance/publish"
	"github.com/lifeline-gov/lifeline/rules"
	"github.com/lifeline-gov/lifeline/sharing"
	"github.com/lifeline-gov/lifeline/sqlite"
)

// These tests drive the data sharing API over HTTP on a real store, as a
// partner and an administrator would. The clock starts at noon on 23
// November 2026 and tests move it to make tokens expire.

var (
	noon      = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	masterKey = bytes.Repeat([]byte{0x42}, 32)
	quiet     = slog.New(slog.DiscardHandler)
)

type store interface {
	lifeline.EventLog
	lifeline.SubscriptionStore
	lifeline.ProvenanceLog
}

var backends = []struct {
	name string
	open func(t *testing.T) store
}{
	{"sqlite", func(t *testing.T) store {
		db, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{MasterKey: masterKey, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}},
	{"postgres", func(t *testing.T) store {
		url, _ := pgtest.NewDatabase(t)
		db, err := postgres.Open(context.Background(), url, postgres.Options{MasterKey: masterKey, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}},
}

func eachStore(t *testing.T, f func(t *testing.T, p *platform)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { f(t, newPlatform(t, b.open(t))) })
	}
}

// platform is one running platform with two people: Ada receives Universal
// Credit, Bob State Pension.
type platform struct {
	t        *testing.T
	url      string
	st       store
	claims   *claims.Service
	sharing  *sharing.Service
	verifier note.Verifier
	now      atomic.Pointer[time.Time]
	ada, bob string
}

const (
	adaNINO = "QQ123456A"
	bobNINO = "QQ654321B"
)

func newPlatform(t *testing.T, st store) *platform {
	p := &platform{t: t, st: st}
	p.now.Store(&noon)
	clock := func() time.Time { return *p.now.Load() }
	skey, vkey, err := provenance.GenerateKey(rand.Reader, "lifeline.test/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	p.verifier, _ = note.NewVerifier(vkey)
	notary := publish.NewNotary(st, signer)
	t.Cleanup(notary.Close)
	p.claims = claims.New(st, claims.Config{IndexKey: []byte("test index key"), AllowSpecimenNINO: true, Now: clock})
	p.sharing = sharing.New(st, p.claims, notary, sharing.Config{Issuer: "https://lifeline.test", MasterKey: masterKey, AllowSpecimenNINO: true, Now: clock})
	ids, err := p.claims.Seed(t.Context(), []claims.SeedPerson{
		{Benefit: rules.UniversalCredit, Start: rules.MakeDate(2026, 6, 10), Details: claims.Details{NINO: adaNINO, GivenNames: "Ada", FamilyName: "Lovelace",
			DateOfBirth: rules.MakeDate(1985, 12, 10), Address: claims.Address{Lines: []string{"1 Calculating Row"}, Postcode: "LS1 4AP"}}},
		{Benefit: rules.StatePension, Start: rules.MakeDate(2026, 1, 5), Details: claims.Details{NINO: bobNINO, GivenNames: "Bob", FamilyName: "Babbage",
			DateOfBirth: rules.MakeDate(1955, 3, 1), Address: claims.Address{Lines: []string{"2 Engine Lane"}, Postcode: "LS2 7AB"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	p.ada, p.bob = ids[0], ids[1]
	srv := httptest.NewServer((&lhttp.Server{Log: st, Claims: p.claims, Sharing: p.sharing, Logger: quiet,
		Provenance: &publish.Log{Store: st, Verifier: p.verifier, Logger: quiet}}).Handler())
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

// do makes a request and decodes the answer into out, failing unless the
// status is want. It returns the body.
func (p *platform) do(method, path, token string, body any, key string, want int, out any) []byte {
	p.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, p.url+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	return p.send(req, want, out)
}

func (p *platform) send(req *http.Request, want int, out any) []byte {
	p.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		p.t.Fatalf("%s %s: status %d, want %d: %s", req.Method, req.URL.Path, resp.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			p.t.Fatalf("%s %s: %v: %s", req.Method, req.URL.Path, err, b)
		}
	}
	return b
}

type credentials struct {
	ID     string `json:"client_id"`
	Secret string `json:"client_secret"`
	SID    string `json:"secret_id"`
}

// partner registers a partner and returns its credentials.
func (p *platform) partner(name string) credentials {
	var out struct {
		ID          string      `json:"id"`
		Credentials credentials `json:"credentials"`
	}
	p.do("POST", "/v1/admin/partners", "", map[string]any{"name": name, "kind": "council", "contact": "dpo@" + strings.ReplaceAll(strings.ToLower(name), " ", "") + ".gov.uk"}, "", 201, &out)
	if out.Credentials.ID != out.ID || !strings.HasPrefix(out.Credentials.Secret, "lls_") {
		p.t.Fatalf("partner %+v", out)
	}
	return out.Credentials
}

// token gets an access token with HTTP Basic client authentication.
func (p *platform) token(c credentials, want int) string {
	p.t.Helper()
	req, _ := http.NewRequest("POST", p.url+"/v1/oauth/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.Secret))
	var out struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
		Error       string `json:"error"`
	}
	p.send(req, want, &out)
	if want == 200 && (out.TokenType != "Bearer" || out.ExpiresIn != 300 || out.AccessToken == "") {
		p.t.Fatalf("token response %+v", out)
	}
	if want == 401 && out.Error != "invalid_client" {
		p.t.Fatalf("error %q, want invalid_client", out.Error)
	}
	return out.AccessToken
}

// ctrTerms is a council tax reduction agreement for partner.
func ctrTerms(partner string) map[string]any {
	return map[string]any{
		"partner_id": partner, "title": "Council tax reduction", "purposes": []string{"council-tax-reduction"},
		"legal_gateway": "Welfare Reform Act 2012 s131; Social Security (Information-sharing in relation to Welfare Services etc.) Regulations 2012 (SI 2012/1483) reg 4",
		"benefits":      []string{"universal_credit", "pension_credit"},
		"fields":        []string{"receives_benefit", "benefits", "amounts"},
		"condition":     `"universal_credit" in person.receives || person.age >= 66`,
		"daily_limit":   5, "start": "2026-04-01", "end": "2027-03-31", "matching": true,
		"reason": "Signed by both parties on 1 April 2026.",
	}
}

func (p *platform) agreement(terms map[string]any) string {
	var a sharing.Agreement
	p.do("POST", "/v1/admin/agreements", "", terms, "", 201, &a)
	if a.Version != 1 || a.ID == "" {
		p.t.Fatalf("agreement %+v", a)
	}
	return a.ID
}

func (p *platform) disclosures(person string) []sharing.Disclosure {
	var out []sharing.Disclosure
	p.do("GET", "/v1/people/"+person+"/disclosures", "", nil, "", 200, &out)
	return out
}

func (p *platform) logSize() int64 {
	n, err := p.st.ProvenanceSize(p.t.Context())
	if err != nil {
		p.t.Fatal(err)
	}
	return n
}

type answer struct {
	DisclosureID string          `json:"disclosure_id"`
	Agreement    string          `json:"agreement"`
	ConditionMet bool            `json:"condition_met"`
	Data         map[string]any  `json:"data"`
	Receipt      json.RawMessage `json:"receipt"`
}

func query(agreement, nino, dob string, fields ...string) map[string]any {
	return map[string]any{"agreement": agreement, "purpose": "council-tax-reduction",
		"person": map[string]string{"nino": nino, "date_of_birth": dob}, "fields": fields}
}

func TestPartnerQuery(t *testing.T) {
	eachStore(t, func(t *testing.T, p *platform) {
		council := p.partner("Leeds City Council")
		ag := p.agreement(ctrTerms(council.ID))
		tok := p.token(council, 200)

		// Ada receives UC: the council learns that, and the amount, and
		// nothing it did not ask for.
		var a answer
		p.do("POST", "/v1/partner/queries", tok, query(ag, "qq 12 34 56 a", "1985-12-10", "receives_benefit", "amounts"), "q1", 200, &a)
		if !a.ConditionMet || a.Agreement != ag+"@v1" || len(a.Data) != 2 || a.Data["receives_benefit"] != true {
			t.Fatalf("answer %+v", a)
		}
		awards, err := p.claims.PersonAwards(t.Context(), p.ada)
		if err != nil {
			t.Fatal(err)
		}
		last := awards[0].Periods[len(awards[0].Periods)-1]
		amounts := a.Data["amounts"].([]any)
		if len(amounts) != 1 || amounts[0].(map[string]any)["amount"] != last.Amount.String() || amounts[0].(map[string]any)["benefit"] != "universal_credit" {
			t.Fatalf("amounts %v, want one UC period of %s", amounts, last.Amount)
		}

		// The receipt proves the disclosure is in the log.
		r, err := provenance.ParseReceipt(a.Receipt)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := provenance.VerifyReceipt(r, p.verifier); err != nil {
			t.Fatalf("receipt does not verify: %v", err)
		}
		e, err := provenance.ParseEntry(r.Entry)
		if err != nil {
			t.Fatal(err)
		}
		if d, ok := e.(provenance.Disclosure); !ok || d.PartnerID != council.ID || d.AgreementID != ag+"@v1" || d.Purpose != "council-tax-reduction" {
			t.Fatalf("entry %+v", e)
		}

		// Ada can see who was told what, when, why and under which law.
		ds := p.disclosures(p.ada)
		if len(ds) != 1 || ds[0].PartnerName != "Leeds City Council" || ds[0].ID != a.DisclosureID || ds[0].LogIndex != r.Index ||
			!strings.Contains(ds[0].LegalGateway, "s131") || ds[0].Kind != "query" {
			t.Fatalf("Ada's disclosures %+v", ds)
		}

		// A retry with the same key is the same disclosure, recorded once.
		var again answer
		p.do("POST", "/v1/partner/queries", tok, query(ag, adaNINO, "1985-12-10", "receives_benefit", "amounts"), "q1", 200, &again)
		if again.DisclosureID != a.DisclosureID || len(p.disclosures(p.ada)) != 1 {
			t.Fatalf("retry gave %s (first %s), %d disclosures", again.DisclosureID, a.DisclosureID, len(p.disclosures(p.ada)))
		}
		// The same key for another person is refused.
		p.do("POST", "/v1/partner/queries", tok, query(ag, bobNINO, "1955-03-01", "receives_benefit"), "q1", 422, nil)

		// Bob gets State Pension, which the agreement does not cover, but he
		// is over 66, so the condition holds and the answer is "no benefit".
		var b answer
		p.do("POST", "/v1/partner/queries", tok, query(ag, bobNINO, "1955-03-01", "receives_benefit", "benefits"), "", 200, &b)
		if !b.ConditionMet || b.Data["receives_benefit"] != false || len(b.Data["benefits"].([]any)) != 0 {
			t.Fatalf("Bob: %+v", b)
		}

		// A wrong date of birth finds nobody and discloses nothing.
		before := p.logSize()
		p.do("POST", "/v1/partner/queries", tok, query(ag, adaNINO, "1985-12-11", "receives_benefit"), "", 404, nil)
		if p.logSize() != before || len(p.disclosures(p.ada)) != 1 {
			t.Fatal("a failed match was recorded as a disclosure")
		}

		// The daily limit of 5 counts every disclosure (q1, Bob, and the
		// reservation the reused key did not make): two more, then 429.
		p.do("POST", "/v1/partner/queries", tok, query(ag, adaNINO, "1985-12-10", "benefits"), "", 200, nil)
		p.do("POST", "/v1/partner/queries", tok, query(ag, adaNINO, "1985-12-10", "benefits"), "", 200, nil)
		p.do("POST", "/v1/partner/queries", tok, query(ag, adaNINO, "1985-12-10", "benefits"), "", 200, nil)
		body := p.do("POST", "/v1/partner/queries", tok, query(ag, adaNINO, "1985-12-10", "benefits"), "", 429, nil)
		if !strings.Contains(string(body), "allows 5 disclosures a day") {
			t.Fatalf("limit error %s", body)
		}
		// Tomorrow the count starts again.
		tomorrow := noon.Add(24 * time.Hour)
		p.now.Store(&tomorrow)
		p.do("POST", "/v1/partner/queries", p.token(council, 200), query(ag, adaNINO, "1985-12-10", "benefits"), "", 200, nil)
	})
}

func TestConditionNotMet(t *testing.T) {
	eachStore(t, func(t *testing.T, p *platform) {
		council := p.partner("Bradford Council")
		terms := ctrTerms(council.ID)
		terms["condition"] = `"universal_credit" in person.receives`
		terms["benefits"] = []string{"universal_credit", "state_pension"}
		ag := p.agreement(terms)
		var b answer
		p.do("POST", "/v1/partner/queries", p.token(council, 200), query(ag, bobNINO, "1955-03-01", "amounts"), "", 200, &b)
		if b.ConditionMet || len(b.Data) != 0 {
			t.Fatalf("Bob: %+v, want the condition unmet and nothing disclosed", b)
		}
		// That the condition did not hold is itself recorded.
		if ds := p.disclosures(p.bob); len(ds) != 1 || ds[0].ConditionMet {
			t.Fatalf("Bob's disclosures %+v", ds)
		}
	})
}

// TestAuthorisation refuses every request that a partner's credentials or
// agreement do not allow, with a reason, and discloses nothing.
func TestAuthorisation(t *testing.T) {
	eachStore(t, func(t *testing.T, p *platform) {
		council := p.partner("Leeds City Council")
		other := p.partner("Wakefield Council")
		ag := p.agreement(ctrTerms(council.ID))
		otherAg := p.agreement(ctrTerms(other.ID))
		future := ctrTerms(council.ID)
		future["start"], future["end"] = "2027-04-01", "2028-03-31"
		futureAg := p.agreement(future)
		ended := ctrTerms(council.ID)
		ended["start"], ended["end"] = "2025-04-01", "2026-03-31"
		endedAg := p.agreement(ended)
		noMatch := ctrTerms(council.ID)
		noMatch["matching"] = false
		noMatchAg := p.agreement(noMatch)

		tok := p.token(council, 200)
		expired := tok
		later := noon.Add(6 * time.Minute)
		p.now.Store(&later)
		tok = p.token(council, 200)
		forged := tok[:strings.LastIndex(tok, ".")+1] + base64.RawURLEncoding.EncodeToString(make([]byte, 64))

		// Wrong credentials get no token.
		p.token(credentials{ID: council.ID, Secret: "lls_wrong"}, 401)
		p.token(credentials{ID: "not-a-partner", Secret: council.Secret}, 401)
		p.token(credentials{ID: other.ID, Secret: council.Secret}, 401)

		goodQuery := query(ag, adaNINO, "1985-12-10", "receives_benefit")
		match := map[string]any{"agreement": ag, "purpose": "council-tax-reduction", "hashes": []string{base64.RawURLEncoding.EncodeToString(make([]byte, 32))}}
		with := func(m map[string]any, k string, v any) map[string]any {
			c := map[string]any{}
			for kk, vv := range m {
				c[kk] = vv
			}
			c[k] = v
			return c
		}
		tests := []struct {
			name   string
			method string
			path   string
			token  string
			body   any
			status int
			reason string
		}{
			{"no token", "POST", "/v1/partner/queries", "", goodQuery, 401, "no access token"},
			{"no token, matching", "POST", "/v1/partner/matches", "", match, 401, "no access token"},
			{"no token, agreements", "GET", "/v1/partner/agreements", "", nil, 401, "no access token"},
			{"garbage token", "POST", "/v1/partner/queries", "not.a.token", goodQuery, 401, "access token"},
			{"forged signature", "POST", "/v1/partner/queries", forged, goodQuery, 401, "signature does not verify"},
			{"expired token", "POST", "/v1/partner/queries", expired, goodQuery, 401, "has expired"},
			{"expired token, matching", "POST", "/v1/partner/matches", expired, match, 401, "has expired"},
			{"another partner's agreement", "POST", "/v1/partner/queries", tok, with(goodQuery, "agreement", otherAg), 403, "you have no agreement"},
			{"another partner's agreement, matching", "POST", "/v1/partner/matches", tok, with(match, "agreement", otherAg), 403, "you have no agreement"},
			{"another partner's agreement, read", "GET", "/v1/partner/agreements/" + otherAg, tok, nil, 403, "you have no agreement"},
			{"no such agreement", "POST", "/v1/partner/queries", tok, with(goodQuery, "agreement", "0190f5a0-0000-7000-8000-000000000000"), 403, "you have no agreement"},
			{"purpose the agreement lacks", "POST", "/v1/partner/queries", tok, with(goodQuery, "purpose", "housing-benefit"), 403, "does not cover the purpose"},
			{"purpose the agreement lacks, matching", "POST", "/v1/partner/matches", tok, with(match, "purpose", "fraud-investigation"), 403, "does not cover the purpose"},
			{"field outside the agreement", "POST", "/v1/partner/queries", tok, query(ag, adaNINO, "1985-12-10", "receives_benefit", "address"), 403, `field "address" is outside`},
			{"no such field", "POST", "/v1/partner/queries", tok, query(ag, adaNINO, "1985-12-10", "bank_account"), 403, `field "bank_account" is outside`},
			{"agreement not started", "POST", "/v1/partner/queries", tok, with(goodQuery, "agreement", futureAg), 403, "starts on 2027-04-01"},
			{"agreement ended", "POST", "/v1/partner/queries", tok, with(goodQuery, "agreement", endedAg), 403, "ended on 2026-03-31"},
			{"matching not agreed", "POST", "/v1/partner/matches", tok, with(match, "agreement", noMatchAg), 403, "does not allow matching"},
			{"no fields", "POST", "/v1/partner/queries", tok, query(ag, adaNINO, "1985-12-10"), 400, "list the fields"},
			{"bad NINO", "POST", "/v1/partner/queries", tok, query(ag, "12345", "1985-12-10", "benefits"), 400, "not a valid National Insurance number"},
			{"bad hash", "POST", "/v1/partner/matches", tok, with(match, "hashes", []string{"QQ123456A"}), 400, "not base64url"},
			{"unknown request field", "POST", "/v1/partner/queries", tok, with(goodQuery, "everything", true), 400, "everything"},
		}
		before := p.logSize()
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var problem lhttp.Problem
				p.do(tt.method, tt.path, tt.token, tt.body, "", tt.status, &problem)
				if !strings.Contains(problem.Detail, tt.reason) || problem.Code == "" {
					t.Fatalf("refusal %+v does not say %q", problem, tt.reason)
				}
			})
		}
		if n := len(p.disclosures(p.ada)); n != 0 || p.logSize() != before {
			t.Fatalf("refused requests disclosed: %d disclosures, log grew by %d", n, p.logSize()-before)
		}

		// A revoked secret gets no more tokens; the other secret still does.
		var second credentials
		p.do("POST", "/v1/admin/partners/"+council.ID+"/secrets", "", nil, "", 201, &second)
		p.do("POST", "/v1/admin/partners/"+council.ID+"/secrets/"+council.SID+"/revoke", "", nil, "", 200, nil)
		p.token(council, 401)
		p.do("GET", "/v1/partner/agreements", p.token(second, 200), nil, "", 200, nil)
	})
}

func TestMatching(t *testing.T) {
	eachStore(t, func(t *testing.T, p *platform) {
		council := p.partner("Leeds City Council")
		ag := p.agreement(ctrTerms(council.ID))
		tok := p.token(council, 200)
		var a struct {
			MatchingKey string `json:"matching_key"`
		}
		p.do("GET", "/v1/partner/agreements/"+ag, tok, nil, "", 200, &a)
		key, err := base64.RawURLEncoding.DecodeString(a.MatchingKey)
		if err != nil || len(key) != 32 {
			t.Fatalf("matching key %q", a.MatchingKey)
		}
		// The partner hashes its own people's numbers; the platform never
		// sees them.
		hash := func(nino string) string {
			m := hmac.New(sha256.New, key)
			m.Write([]byte("nino:" + nino))
			return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
		}
		var got struct {
			Matches []string        `json:"matches"`
			Receipt json.RawMessage `json:"receipt"`
		}
		// Ada claims UC (covered); Bob claims only State Pension (not
		// covered); the third is nobody we know.
		p.do("POST", "/v1/partner/matches", tok, map[string]any{"agreement": ag, "purpose": "council-tax-reduction",
			"hashes": []string{hash(adaNINO), hash(bobNINO), hash("QQ999999D")}}, "", 200, &got)
		if len(got.Matches) != 1 || got.Matches[0] != hash(adaNINO) {
			t.Fatalf("matches %v, want only Ada's", got.Matches)
		}
		r, err := provenance.ParseReceipt(got.Receipt)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := provenance.VerifyReceipt(r, p.verifier); err != nil {
			t.Fatal(err)
		}
		if ds := p.disclosures(p.ada); len(ds) != 1 || ds[0].Kind != "match" {
			t.Fatalf("Ada's disclosures %+v", ds)
		}
		if ds := p.disclosures(p.bob); len(ds) != 0 {
			t.Fatalf("Bob was not matched but has disclosures %+v", ds)
		}
		// Hashes made with another agreement's key match nothing.
		other := p.agreement(ctrTerms(council.ID))
		p.do("POST", "/v1/partner/matches", tok, map[string]any{"agreement": other, "purpose": "council-tax-reduction",
			"hashes": []string{hash(adaNINO)}}, "", 200, &got)
		if len(got.Matches) != 0 {
			t.Fatalf("a hash under another key matched: %v", got.Matches)
		}
	})
}

func TestAgreementVersions(t *testing.T) {
	eachStore(t, func(t *testing.T, p *platform) {
		council := p.partner("Leeds City Council")
		ag := p.agreement(ctrTerms(council.ID))
		change := ctrTerms(council.ID)
		change["fields"] = []string{"receives_benefit"}
		change["reason"] = "Data minimisation review: amounts are not needed."
		change["version"] = 1
		var v2 sharing.Agreement
		p.do("PUT", "/v1/admin/agreements/"+ag, "", change, "", 200, &v2)
		if v2.Version != 2 || len(v2.Fields) != 1 {
			t.Fatalf("v2 %+v", v2)
		}
		// A change made from a stale copy is refused.
		p.do("PUT", "/v1/admin/agreements/"+ag, "", change, "", 409, nil)
		var versions []sharing.Agreement
		p.do("GET", "/v1/admin/agreements/"+ag+"/versions", "", nil, "", 200, &versions)
		if len(versions) != 2 || versions[0].Reason == versions[1].Reason || len(versions[0].Fields) != 3 {
			t.Fatalf("versions %+v", versions)
		}
		// Queries are governed by the latest version.
		tok := p.token(council, 200)
		p.do("POST", "/v1/partner/queries", tok, query(ag, adaNINO, "1985-12-10", "amounts"), "", 403, nil)
		var a answer
		p.do("POST", "/v1/partner/queries", tok, query(ag, adaNINO, "1985-12-10", "receives_benefit"), "", 200, &a)
		if a.Agreement != ag+"@v2" {
			t.Fatalf("governed by %s, want v2", a.Agreement)
		}

		bad := []struct {
			field, value any
			want         string
		}{
			{"condition", "person.age", "must give true or false"},
			{"condition", "person.income > 0", "not valid CEL"},
			{"fields", []string{"bank_account"}, `field "bank_account"`},
			{"benefits", []string{"jobseekers"}, `benefit "jobseekers"`},
			{"purposes", []string{"Council Tax"}, "lower case"},
			{"end", "2020-01-01", "ends"},
			{"daily_limit", 0, "daily_limit"},
			{"legal_gateway", "", "name the law"},
			{"partner_id", "0190f5a0-0000-7000-8000-000000000000", "no partner"},
		}
		for _, b := range bad {
			terms := ctrTerms(council.ID)
			terms[b.field.(string)] = b.value
			var problem lhttp.Problem
			p.do("POST", "/v1/admin/agreements", "", terms, "", 400, &problem)
			if !strings.Contains(problem.Detail, b.want) || problem.Field != b.field {
				t.Errorf("%s = %v: %+v, want %q naming the field", b.field, b.value, problem, b.want)
			}
		}
		var all []sharing.Agreement
		p.do("GET", "/v1/admin/agreements", "", nil, "", 200, &all)
		if len(all) != 1 {
			t.Fatalf("%d agreements after refused ones, want 1", len(all))
		}
	})
}

func TestTokenKeyRotation(t *testing.T) {
	eachStore(t, func(t *testing.T, p *platform) {
		council := p.partner("Leeds City Council")
		old := p.token(council, 200)
		var rotated struct {
			Kid string `json:"kid"`
		}
		p.do("POST", "/v1/admin/token-keys/rotate", "", nil, "", 200, &rotated)
		if rotated.Kid != "tk-1" {
			t.Fatalf("rotated to %q", rotated.Kid)
		}
		var jwks struct {
			Keys []map[string]string `json:"keys"`
		}
		p.do("GET", "/v1/oauth/jwks", "", nil, "", 200, &jwks)
		if len(jwks.Keys) != 2 || jwks.Keys[0]["kid"] != "tk-1" || jwks.Keys[1]["kid"] != "tk-0" || jwks.Keys[0]["crv"] != "Ed25519" {
			t.Fatalf("jwks %+v", jwks)
		}
		// Tokens signed by the previous key last until they expire.
		p.do("GET", "/v1/partner/agreements", old, nil, "", 200, nil)
		p.do("GET", "/v1/partner/agreements", p.token(council, 200), nil, "", 200, nil)
		p.do("POST", "/v1/admin/token-keys/rotate", "", nil, "", 200, nil)
		p.do("GET", "/v1/partner/agreements", old, nil, "", 401, nil)
	})
}
