package http

import (
	"net/http"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/payments"
	"github.com/lifeline-gov/lifeline/rules"
)

// The payments admin API: payment runs, the bank's answer, reconciliation,
// statements, decisions about debts and repayment plans. Translation only: the rules are in
// the payments package.

// unconfigured refuses a payments request on a server without the engine.
func (s *Server) unconfigured() error {
	if s.Payments == nil || s.Payments.Debts == nil {
		return lifeline.Errorf(lifeline.EUNAVAILABLE, "the payments engine is not configured on this server")
	}
	return nil
}

func dateField(field, v string) (rules.Date, error) {
	d, err := rules.ParseDate(v)
	if err != nil {
		return 0, lifeline.FieldErrorf(lifeline.EINVALID, field, "%s %v: use YYYY-MM-DD", field, err)
	}
	return d, nil
}

type payrunRequest struct {
	Date string `json:"date"`
}

// payrun runs (or resumes, or repeats) the payment run for a day.
func (s *Server) payrun() http.HandlerFunc {
	return postJSON(s, http.StatusOK, func(r *http.Request, in payrunRequest, _ string) (any, error) {
		if err := s.unconfigured(); err != nil {
			return nil, err
		}
		d, err := dateField("date", in.Date)
		if err != nil {
			return nil, err
		}
		return s.Payments.Run(r.Context(), d)
	})
}

type returnedItem struct {
	InstructionID string `json:"instruction_id"`
	Amount        string `json:"amount"`
	Code          string `json:"code"`
	Reason        string `json:"reason"`
}

type settleRequest struct {
	Returns []returnedItem `json:"returns"`
}

func (s *Server) settle() http.HandlerFunc {
	return postJSON(s, http.StatusOK, func(r *http.Request, in settleRequest, _ string) (any, error) {
		if err := s.unconfigured(); err != nil {
			return nil, err
		}
		d, err := dateField("date", r.PathValue("date"))
		if err != nil {
			return nil, err
		}
		returns := make([]payments.Return, len(in.Returns))
		for i, it := range in.Returns {
			amt, err := rules.ParseMoney(it.Amount)
			if err != nil || amt <= 0 {
				return nil, lifeline.FieldErrorf(lifeline.EINVALID, "returns.amount", "returns[%d].amount %q must be pounds and pence above zero, like 123.45", i, it.Amount)
			}
			returns[i] = payments.Return{InstructionID: it.InstructionID, Amount: amt, Code: it.Code, Reason: it.Reason}
		}
		return s.Payments.Settle(r.Context(), d, returns, s.Claims)
	})
}

func (s *Server) reconcile() http.HandlerFunc {
	return s.paymentsGet(func(r *http.Request) (any, error) {
		d, err := dateField("date", r.PathValue("date"))
		if err != nil {
			return nil, err
		}
		return s.Payments.Reconcile(r.Context(), d)
	})
}

func (s *Server) statement() http.HandlerFunc {
	return s.paymentsGet(func(r *http.Request) (any, error) {
		d, err := dateField("on", r.URL.Query().Get("on"))
		if err != nil {
			return nil, err
		}
		return s.Payments.Statement(r.Context(), s.Claims, r.PathValue("id"), d)
	})
}

type debtDecisionRequest struct {
	Cause       string `json:"cause"`
	Recoverable *bool  `json:"recoverable"` // absent: recoverable
	PausedUntil string `json:"paused_until"`
	Note        string `json:"note"`
}

func (s *Server) decideDebt() http.HandlerFunc {
	return postJSON(s, http.StatusOK, func(r *http.Request, in debtDecisionRequest, _ string) (any, error) {
		if err := s.unconfigured(); err != nil {
			return nil, err
		}
		dec := payments.DebtDecision{Cause: in.Cause, Recoverable: in.Recoverable == nil || *in.Recoverable, Note: in.Note}
		if in.PausedUntil != "" {
			d, err := dateField("paused_until", in.PausedUntil)
			if err != nil {
				return nil, err
			}
			dec.PausedUntil = d
		}
		person, benefit := r.PathValue("id"), r.PathValue("benefit")
		if _, err := s.Claims.Person(r.Context(), person, time.Time{}, 0); err != nil {
			return nil, err
		}
		if err := s.Payments.Debts.Decide(r.Context(), person, benefit, dec); err != nil {
			return nil, err
		}
		return s.Payments.Debts.State(r.Context(), person, benefit)
	})
}

type debtMovement struct {
	Amount string `json:"amount"`
	Reason string `json:"reason"`
}

// moveDebt records a write-off or a direct repayment; the Idempotency-Key
// (required) names it, so a retry moves the money once.
func (s *Server) moveDebt(kind string) http.HandlerFunc {
	return postJSON(s, http.StatusOK, func(r *http.Request, in debtMovement, key string) (any, error) {
		if err := s.unconfigured(); err != nil {
			return nil, err
		}
		if key == "" {
			return nil, lifeline.FieldErrorf(lifeline.EINVALID, "Idempotency-Key", "send an Idempotency-Key: it names the %s, so that a retry is recorded once", kind)
		}
		amt, err := rules.ParseMoney(in.Amount)
		if err != nil {
			return nil, lifeline.FieldErrorf(lifeline.EINVALID, "amount", "amount %q: %v", in.Amount, err)
		}
		person, benefit := r.PathValue("id"), r.PathValue("benefit")
		if _, err := s.Claims.Person(r.Context(), person, time.Time{}, 0); err != nil {
			return nil, err
		}
		move := s.Payments.Debts.WriteOff
		if kind == "repayment" {
			move = s.Payments.Debts.Repaid
		}
		if err := move(r.Context(), person, benefit, amt, key, in.Reason); err != nil {
			return nil, err
		}
		return map[string]string{"status": "recorded"}, nil
	})
}

type planRequest struct {
	Amount    string `json:"amount"`
	Frequency string `json:"frequency"`
	Start     string `json:"start"`
	Note      string `json:"note"`
}

// agreePlan records a repayment plan; the Idempotency-Key, if sent, makes
// a retry return the plan already agreed.
func (s *Server) agreePlan() http.HandlerFunc {
	return postJSON(s, http.StatusCreated, func(r *http.Request, in planRequest, key string) (any, error) {
		if err := s.unconfigured(); err != nil {
			return nil, err
		}
		amt, err := rules.ParseMoney(in.Amount)
		if err != nil {
			return nil, lifeline.FieldErrorf(lifeline.EINVALID, "amount", "amount %q: %v", in.Amount, err)
		}
		start, err := dateField("start", in.Start)
		if err != nil {
			return nil, err
		}
		person, benefit := r.PathValue("id"), r.PathValue("benefit")
		if _, err := s.Claims.Person(r.Context(), person, time.Time{}, 0); err != nil {
			return nil, err
		}
		return s.Payments.Debts.AgreePlan(r.Context(), person, benefit,
			payments.PlanTerms{Amount: amt, Frequency: in.Frequency, Start: start, Note: in.Note}, key)
	})
}

// listPlans lists a debt's repayment plans as they stand on ?on= (today
// if absent).
func (s *Server) listPlans() http.HandlerFunc {
	return s.paymentsGet(func(r *http.Request) (any, error) {
		var on rules.Date
		if v := r.URL.Query().Get("on"); v != "" {
			d, err := dateField("on", v)
			if err != nil {
				return nil, err
			}
			on = d
		}
		person, benefit := r.PathValue("id"), r.PathValue("benefit")
		if _, err := s.Claims.Person(r.Context(), person, time.Time{}, 0); err != nil {
			return nil, err
		}
		plans, err := s.Payments.Debts.Plans(r.Context(), person, benefit, on)
		if err != nil {
			return nil, err
		}
		return map[string]any{"plans": plans}, nil
	})
}

type planCancellation struct {
	Reason string `json:"reason"`
}

// cancelPlan ends a plan; cancelling it again changes nothing.
func (s *Server) cancelPlan() http.HandlerFunc {
	return postJSON(s, http.StatusOK, func(r *http.Request, in planCancellation, _ string) (any, error) {
		if err := s.unconfigured(); err != nil {
			return nil, err
		}
		id, err := payments.ParsePlanID(r.PathValue("plan"))
		if err != nil {
			return nil, err
		}
		person, benefit := r.PathValue("id"), r.PathValue("benefit")
		if _, err := s.Claims.Person(r.Context(), person, time.Time{}, 0); err != nil {
			return nil, err
		}
		return s.Payments.Debts.CancelPlan(r.Context(), person, benefit, id, in.Reason)
	})
}

// paymentsGet is getJSON for the payments endpoints.
func (s *Server) paymentsGet(do func(r *http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := s.unconfigured()
		var out any
		if err == nil && s.Claims == nil {
			err = lifeline.Errorf(lifeline.EUNAVAILABLE, "the claims service is not configured on this server")
		}
		if err == nil {
			out, err = do(r)
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}
