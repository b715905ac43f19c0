package http

import (
	"bytes"
	"net/http"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/rules"
)

// calculate handles POST /v1/calculate: the same contract as `lifeline calc`
// (docs/RULES.md). It is a pure function of its input, so a retry with the
// same Idempotency-Key gets the same answer without anything being stored.
func (s *Server) calculate(w http.ResponseWriter, r *http.Request) {
	if s.Rules == nil {
		s.writeError(w, r, lifeline.Errorf(lifeline.EUNAVAILABLE, "the rules engine is not configured on this server"))
		return
	}
	if err := checkJSON(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	situation, err := rules.DecodeSituation(r.Body) // it bounds what it reads
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.Rules.Calculate(situation)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := rules.EncodeResult(&buf, res); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(buf.Bytes())
}
