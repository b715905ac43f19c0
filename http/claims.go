package http

import (
	"net/http"
	"strconv"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/claims"
	"github.com/lifeline-gov/lifeline/rules"
)

// The claims API: people, life events, claims, awards and tasks. Each
// handler decodes, calls the claims service and encodes; the rules live in
// the service.

// maxClientKey leaves room for the prefixes the service adds to a key.
const maxClientKey = 150

func (s *Server) claimsReady(w http.ResponseWriter, r *http.Request) bool {
	if s.Claims == nil {
		s.writeError(w, r, lifeline.Errorf(lifeline.EUNAVAILABLE, "the claims service is not configured on this server"))
		return false
	}
	return true
}

// idempotencyKey returns the request's Idempotency-Key, checked.
func idempotencyKey(r *http.Request) (string, error) {
	k := r.Header.Get("Idempotency-Key")
	if len(k) > maxClientKey {
		return "", lifeline.FieldErrorf(lifeline.EINVALID, "Idempotency-Key", "Idempotency-Key is %d bytes; the limit is %d", len(k), maxClientKey)
	}
	return k, nil
}

// postJSON decodes a JSON body into a T and calls do with it and the key.
func postJSON[T any](s *Server, status int, do func(r *http.Request, in T, key string) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.claimsReady(w, r) {
			return
		}
		var in T
		key, err := idempotencyKey(r)
		if err == nil {
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
		writeJSON(w, status, out)
	}
}

// getJSON calls do and encodes what it returns.
func getJSON(s *Server, do func(r *http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.claimsReady(w, r) {
			return
		}
		out, err := do(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

func (s *Server) registerPerson() http.HandlerFunc {
	return postJSON(s, http.StatusCreated, func(r *http.Request, in claims.Registration, key string) (any, error) {
		return s.Claims.RegisterPerson(r.Context(), in, key)
	})
}

func (s *Server) getPerson() http.HandlerFunc {
	return getJSON(s, func(r *http.Request) (any, error) {
		asAt, err := queryTime(r, "as_at")
		if err != nil {
			return nil, err
		}
		var on rules.Date
		if v := r.URL.Query().Get("on"); v != "" {
			if on, err = rules.ParseDate(v); err != nil {
				return nil, lifeline.FieldErrorf(lifeline.EINVALID, "on", "on %v: use YYYY-MM-DD", err)
			}
		}
		return s.Claims.Person(r.Context(), r.PathValue("id"), asAt, on)
	})
}

func (s *Server) personAwards() http.HandlerFunc {
	return getJSON(s, func(r *http.Request) (any, error) {
		awards, err := s.Claims.PersonAwards(r.Context(), r.PathValue("id"))
		return map[string]any{"awards": awards}, err
	})
}

func (s *Server) recordLifeEvent() http.HandlerFunc {
	return postJSON(s, http.StatusAccepted, func(r *http.Request, in claims.LifeEventReport, key string) (any, error) {
		return s.Claims.RecordLifeEvent(r.Context(), in, key)
	})
}

func (s *Server) getLifeEvent() http.HandlerFunc {
	return getJSON(s, func(r *http.Request) (any, error) {
		return s.Claims.LifeEvent(r.Context(), r.PathValue("id"))
	})
}

func (s *Server) submitClaim() http.HandlerFunc {
	return postJSON(s, http.StatusAccepted, func(r *http.Request, in claims.ClaimRequest, key string) (any, error) {
		return s.Claims.SubmitClaim(r.Context(), in, key)
	})
}

func (s *Server) getClaim() http.HandlerFunc {
	return getJSON(s, func(r *http.Request) (any, error) {
		asAt, err := queryTime(r, "as_at")
		if err != nil {
			return nil, err
		}
		return s.Claims.Claim(r.Context(), r.PathValue("id"), asAt)
	})
}

type withdrawal struct {
	Reason string `json:"reason"`
}

func (s *Server) withdrawClaim() http.HandlerFunc {
	return postJSON(s, http.StatusOK, func(r *http.Request, in withdrawal, _ string) (any, error) {
		return s.Claims.WithdrawClaim(r.Context(), r.PathValue("id"), in.Reason)
	})
}

func (s *Server) getAward() http.HandlerFunc {
	return getJSON(s, func(r *http.Request) (any, error) {
		asAt, err := queryTime(r, "as_at")
		if err != nil {
			return nil, err
		}
		return s.Claims.Award(r.Context(), r.PathValue("id"), asAt)
	})
}

func (s *Server) listTasks() http.HandlerFunc {
	return getJSON(s, func(r *http.Request) (any, error) {
		tasks, err := s.Claims.Tasks(r.Context(), r.URL.Query().Get("status"))
		return map[string]any{"tasks": tasks}, err
	})
}

type upratingRequest struct {
	From string `json:"from"`
}

// uprate runs the annual up-rating to the end and reports what it did; a
// request cut off part way leaves the progress recorded, and the next
// request resumes it.
func (s *Server) uprate() http.HandlerFunc {
	return postJSON(s, http.StatusOK, func(r *http.Request, in upratingRequest, _ string) (any, error) {
		from, err := rules.ParseDate(in.From)
		if err != nil {
			return nil, lifeline.FieldErrorf(lifeline.EINVALID, "from", "from %v: use YYYY-MM-DD, e.g. 2026-04-06", err)
		}
		return s.Claims.Uprate(r.Context(), from, 8, nil)
	})
}

// decisionReceipt proves that the decision on one period of an award is in
// the provenance log, under the latest published checkpoint.
func (s *Server) decisionReceipt() http.HandlerFunc {
	return getJSON(s, func(r *http.Request) (any, error) {
		if s.Notary == nil {
			return nil, lifeline.Errorf(lifeline.ENOTFOUND, "this platform publishes no provenance log")
		}
		n, err := strconv.Atoi(r.PathValue("n"))
		if err != nil || n < 0 {
			return nil, lifeline.FieldErrorf(lifeline.EINVALID, "n", "the period number must be a whole number, as each of the award's periods gives it in n")
		}
		index, err := s.Claims.DecisionIndex(r.Context(), r.PathValue("id"), n)
		if err != nil {
			return nil, err
		}
		return s.Notary.Receipt(r.Context(), index)
	})
}
