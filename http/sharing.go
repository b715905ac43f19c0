package http

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/sharing"
)

// The data sharing API: the OAuth 2.0 token endpoint, administration of
// partners and agreements, the partner API under /v1/partner/ (bearer
// tokens), a person's disclosure history, and the witnesses' cosignature
// endpoint of the provenance log.

func (s *Server) sharingReady() error {
	if s.Sharing == nil {
		return lifeline.Errorf(lifeline.EUNAVAILABLE, "data sharing is not configured on this server")
	}
	return nil
}

// sharingJSON decodes a JSON body (unless T is struct{}) and answers with
// what do returns.
func sharingJSON[T any](s *Server, status int, do func(r *http.Request, in T, key string) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in T
		err := s.sharingReady()
		key := ""
		if err == nil {
			key, err = idempotencyKey(r)
		}
		if _, none := any(in).(struct{}); err == nil && !none {
			err = decodeJSON(r, &in)
		}
		var out any
		if err == nil {
			out, err = do(r, in, key)
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, status, out)
	}
}

// partnerJSON is sharingJSON for the partner API: the caller must present
// a valid access token (and its certificate, if the token is bound to one).
func partnerJSON[T any](s *Server, status int, do func(r *http.Request, p *sharing.Partner, in T, key string) (any, error)) http.HandlerFunc {
	return sharingJSON(s, status, func(r *http.Request, in T, key string) (any, error) {
		p, err := s.Sharing.Authenticate(r.Context(), bearer(r), certThumbprint(r))
		if err != nil {
			return nil, err
		}
		ctx := sharing.WithActor(r.Context(), "partner:"+p.ID)
		return do(r.WithContext(ctx), p, in, key)
	})
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// certThumbprint is the RFC 8705 thumbprint of the TLS client certificate
// the request presented, or "".
func certThumbprint(r *http.Request) string {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return ""
	}
	sum := sha256.Sum256(r.TLS.PeerCertificates[0].Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// token is the OAuth 2.0 token endpoint for the client credentials grant
// (RFC 6749 s4.4). Clients authenticate with HTTP Basic or with
// client_id and client_secret in the form body; errors are RFC 6749 s5.2
// JSON, which OAuth client libraries understand, not problem+json.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	oauthError := func(status int, code, desc string) {
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="lifeline-partner-api"`)
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
	}
	if err := s.sharingReady(); err != nil {
		s.writeError(w, r, err)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		oauthError(http.StatusBadRequest, "invalid_request", "send the request as application/x-www-form-urlencoded")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<10))
	if err != nil {
		oauthError(http.StatusBadRequest, "invalid_request", "the body could not be read")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		oauthError(http.StatusBadRequest, "invalid_request", "the body is not form-encoded")
		return
	}
	if gt := form.Get("grant_type"); gt != "client_credentials" {
		oauthError(http.StatusBadRequest, "unsupported_grant_type", "only grant_type=client_credentials is supported")
		return
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		// RFC 6749 s2.3.1: the Basic credentials are form-encoded first.
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
		if form.Has("client_secret") {
			oauthError(http.StatusBadRequest, "invalid_request", "authenticate one way: Basic or client_secret in the body, not both")
			return
		}
	} else {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	tok, err := s.Sharing.IssueToken(r.Context(), id, secret, certThumbprint(r))
	switch {
	case lifeline.ErrorCode(err) == lifeline.EUNAUTHORIZED:
		oauthError(http.StatusUnauthorized, "invalid_client", lifeline.ErrorMessage(err))
	case err != nil:
		s.writeError(w, r, err)
	default:
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
		writeJSON(w, http.StatusOK, tok)
	}
}

func (s *Server) jwks() http.HandlerFunc {
	return sharingJSON(s, http.StatusOK, func(r *http.Request, _ struct{}, _ string) (any, error) {
		return s.Sharing.JWKS(r.Context())
	})
}

// Administration.

// newPartner is the answer to registering a partner: the partner and its
// first secret, shown this once.
type newPartner struct {
	*sharing.Partner
	Credentials sharing.IssuedSecret `json:"credentials"`
}

func (s *Server) registerPartner() http.HandlerFunc {
	return sharingJSON(s, http.StatusCreated, func(r *http.Request, in sharing.NewPartner, key string) (any, error) {
		p, secret, err := s.Sharing.RegisterPartner(r.Context(), in, key)
		if err != nil {
			return nil, err
		}
		return newPartner{p, secret}, nil
	})
}

func (s *Server) listPartners() http.HandlerFunc {
	return sharingJSON(s, http.StatusOK, func(r *http.Request, _ struct{}, _ string) (any, error) {
		return s.Sharing.Partners(r.Context())
	})
}

func (s *Server) getPartner() http.HandlerFunc {
	return sharingJSON(s, http.StatusOK, func(r *http.Request, _ struct{}, _ string) (any, error) {
		return s.Sharing.Partner(r.Context(), r.PathValue("id"))
	})
}

func (s *Server) issueSecret() http.HandlerFunc {
	return sharingJSON(s, http.StatusCreated, func(r *http.Request, _ struct{}, _ string) (any, error) {
		return s.Sharing.IssueSecret(r.Context(), r.PathValue("id"))
	})
}

func (s *Server) revokeSecret() http.HandlerFunc {
	return sharingJSON(s, http.StatusOK, func(r *http.Request, _ struct{}, _ string) (any, error) {
		return s.Sharing.RevokeSecret(r.Context(), r.PathValue("id"), r.PathValue("secret"))
	})
}

func (s *Server) setCertificate() http.HandlerFunc {
	type body struct {
		CertThumbprint string `json:"cert_thumbprint"`
	}
	return sharingJSON(s, http.StatusOK, func(r *http.Request, in body, _ string) (any, error) {
		return s.Sharing.SetCertificate(r.Context(), r.PathValue("id"), in.CertThumbprint)
	})
}

func (s *Server) rotateTokenKey() http.HandlerFunc {
	return sharingJSON(s, http.StatusOK, func(r *http.Request, _ struct{}, _ string) (any, error) {
		kid, err := s.Sharing.RotateTokenKey(r.Context())
		return map[string]string{"kid": kid}, err
	})
}

func (s *Server) makeAgreement() http.HandlerFunc {
	return sharingJSON(s, http.StatusCreated, func(r *http.Request, in sharing.AgreementChange, key string) (any, error) {
		return s.Sharing.MakeAgreement(r.Context(), in, key)
	})
}

func (s *Server) changeAgreement() http.HandlerFunc {
	return sharingJSON(s, http.StatusOK, func(r *http.Request, in sharing.AgreementChange, _ string) (any, error) {
		return s.Sharing.ChangeAgreement(r.Context(), r.PathValue("id"), in)
	})
}

func (s *Server) listAgreements() http.HandlerFunc {
	return sharingJSON(s, http.StatusOK, func(r *http.Request, _ struct{}, _ string) (any, error) {
		return s.Sharing.Agreements(r.Context(), r.URL.Query().Get("partner_id"))
	})
}

func (s *Server) getAgreement() http.HandlerFunc {
	return sharingJSON(s, http.StatusOK, func(r *http.Request, _ struct{}, _ string) (any, error) {
		v, err := queryInt(r, "version", 0)
		if err != nil {
			return nil, err
		}
		return s.Sharing.Agreement(r.Context(), r.PathValue("id"), v)
	})
}

func (s *Server) agreementVersions() http.HandlerFunc {
	return sharingJSON(s, http.StatusOK, func(r *http.Request, _ struct{}, _ string) (any, error) {
		return s.Sharing.AgreementVersions(r.Context(), r.PathValue("id"))
	})
}

// The partner API.

// partnerAgreement is an agreement as its partner sees it, with the
// matching key when it allows matching.
type partnerAgreement struct {
	*sharing.Agreement
	MatchingKey string `json:"matching_key,omitempty"`
}

func (s *Server) partnerAgreements() http.HandlerFunc {
	return partnerJSON(s, http.StatusOK, func(r *http.Request, p *sharing.Partner, _ struct{}, _ string) (any, error) {
		return s.Sharing.Agreements(r.Context(), p.ID)
	})
}

func (s *Server) partnerAgreement() http.HandlerFunc {
	return partnerJSON(s, http.StatusOK, func(r *http.Request, p *sharing.Partner, _ struct{}, _ string) (any, error) {
		a, err := s.Sharing.Agreement(r.Context(), r.PathValue("id"), 0)
		if lifeline.ErrorCode(err) == lifeline.ENOTFOUND || (err == nil && a.PartnerID != p.ID) {
			return nil, lifeline.Errorf(lifeline.EFORBIDDEN, "you have no agreement %s", r.PathValue("id"))
		}
		if err != nil {
			return nil, err
		}
		out := partnerAgreement{Agreement: a}
		if a.Matching || len(a.Events) > 0 { // feed items name people by the same keyed hash
			out.MatchingKey = base64.RawURLEncoding.EncodeToString(s.Sharing.MatchKey(a.ID))
		}
		return out, nil
	})
}

func (s *Server) partnerQuery() http.HandlerFunc {
	return partnerJSON(s, http.StatusOK, func(r *http.Request, p *sharing.Partner, in sharing.Query, key string) (any, error) {
		return s.Sharing.Query(r.Context(), p, in, key)
	})
}

func (s *Server) partnerMatch() http.HandlerFunc {
	return partnerJSON(s, http.StatusOK, func(r *http.Request, p *sharing.Partner, in sharing.MatchRequest, key string) (any, error) {
		return s.Sharing.Match(r.Context(), p, in, key)
	})
}

func (s *Server) personDisclosures() http.HandlerFunc {
	return sharingJSON(s, http.StatusOK, func(r *http.Request, _ struct{}, _ string) (any, error) {
		return s.Sharing.Disclosures(r.Context(), r.PathValue("id"))
	})
}

// addCosignature takes a witness's cosignature of the latest checkpoint:
// the body is one or more C2SP signed-note signature lines ("— <name>
// <base64>"), each checked against the witnesses this log knows.
func (s *Server) addCosignature(w http.ResponseWriter, r *http.Request) {
	if s.Provenance == nil {
		s.writeError(w, r, lifeline.Errorf(lifeline.ENOTFOUND, "this platform publishes no provenance log"))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<10))
	if err != nil {
		s.writeError(w, r, lifeline.Errorf(lifeline.EINVALID, "the body could not be read"))
		return
	}
	n := 0
	for line := range strings.Lines(string(body)) {
		line = strings.TrimRight(line, "\n")
		if line == "" {
			continue
		}
		if err := s.Provenance.AddCosignature(r.Context(), line); err != nil {
			s.writeError(w, r, err)
			return
		}
		n++
	}
	if n == 0 {
		s.writeError(w, r, lifeline.Errorf(lifeline.EINVALID, "send one or more cosignature lines, each \"— <witness name> <base64 signature>\""))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"stored": strconv.Itoa(n)})
}

// Event feeds.

func (s *Server) createFeed() http.HandlerFunc {
	return partnerJSON(s, http.StatusCreated, func(r *http.Request, p *sharing.Partner, in sharing.NewFeedSubscription, key string) (any, error) {
		return s.Sharing.CreateSubscription(r.Context(), p, in, key)
	})
}

func (s *Server) partnerFeeds() http.HandlerFunc {
	return partnerJSON(s, http.StatusOK, func(r *http.Request, p *sharing.Partner, _ struct{}, _ string) (any, error) {
		return s.Sharing.Subscriptions(r.Context(), p.ID)
	})
}

func (s *Server) partnerFeed() http.HandlerFunc {
	return partnerJSON(s, http.StatusOK, func(r *http.Request, p *sharing.Partner, _ struct{}, _ string) (any, error) {
		return s.Sharing.Subscription(r.Context(), p, r.PathValue("id"))
	})
}

func (s *Server) cancelFeed() http.HandlerFunc {
	return partnerJSON(s, http.StatusOK, func(r *http.Request, p *sharing.Partner, _ struct{}, _ string) (any, error) {
		return s.Sharing.CancelSubscription(r.Context(), p, r.PathValue("id"))
	})
}

func (s *Server) feedItems() http.HandlerFunc {
	return partnerJSON(s, http.StatusOK, func(r *http.Request, p *sharing.Partner, _ struct{}, _ string) (any, error) {
		after, err := queryInt(r, "after", 0)
		if err != nil {
			return nil, err
		}
		limit, err := queryLimit(r)
		if err != nil {
			return nil, err
		}
		return s.Sharing.FeedItems(r.Context(), p, r.PathValue("id"), after, limit)
	})
}

func (s *Server) ackFeed() http.HandlerFunc {
	return partnerJSON(s, http.StatusOK, func(r *http.Request, p *sharing.Partner, in sharing.Ack, _ string) (any, error) {
		n, err := s.Sharing.Acknowledge(r.Context(), p, r.PathValue("id"), in)
		return map[string]int{"acknowledged": n}, err
	})
}

func (s *Server) webhookKey() http.HandlerFunc {
	return sharingJSON(s, http.StatusOK, func(r *http.Request, _ struct{}, _ string) (any, error) {
		return map[string]string{"alg": "Ed25519", "header": sharing.WebhookSignatureHeader,
			"public_key": base64.RawURLEncoding.EncodeToString(s.Sharing.WebhookPublicKey())}, nil
	})
}

func (s *Server) lifeEventNotifications() http.HandlerFunc {
	return sharingJSON(s, http.StatusOK, func(r *http.Request, _ struct{}, _ string) (any, error) {
		return s.Sharing.NotificationsFor(r.Context(), r.PathValue("id"))
	})
}

func (s *Server) adminFeeds() http.HandlerFunc {
	return sharingJSON(s, http.StatusOK, func(r *http.Request, _ struct{}, _ string) (any, error) {
		return s.Sharing.Subscriptions(r.Context(), r.URL.Query().Get("partner_id"))
	})
}

func (s *Server) feedDeliveries(dead bool) http.HandlerFunc {
	return sharingJSON(s, http.StatusOK, func(r *http.Request, _ struct{}, _ string) (any, error) {
		if dead {
			return s.Sharing.DeadLetters(r.Context(), r.PathValue("id"))
		}
		return s.Sharing.Deliveries(r.Context(), r.PathValue("id"))
	})
}

func (s *Server) redriveFeed() http.HandlerFunc {
	type body struct {
		Items []string `json:"items"`
	}
	return sharingJSON(s, http.StatusOK, func(r *http.Request, in body, _ string) (any, error) {
		n, err := s.Sharing.Redrive(r.Context(), r.PathValue("id"), in.Items)
		return map[string]int{"redriven": n}, err
	})
}
