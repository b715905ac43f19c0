// Package http serves Lifeline's JSON API, health checks and metrics. It
// translates between HTTP and the domain; it holds no business rules.
package http

import (
	"context"
	_ "embed"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/claims"
	"github.com/lifeline-gov/lifeline/metrics"
	"github.com/lifeline-gov/lifeline/payments"
	"github.com/lifeline-gov/lifeline/provenance/publish"
	"github.com/lifeline-gov/lifeline/rules"
	"github.com/lifeline-gov/lifeline/sharing"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 1 << 20

// Server holds what the handlers need. Set the fields, then call Handler.
type Server struct {
	Log     lifeline.EventLog
	Rules   *rules.Engine
	Ready   func(ctx context.Context) error // reports whether the store is reachable
	Metrics *metrics.Metrics
	Logger  *slog.Logger
	// Provenance serves the provenance log under /log/; nil serves none.
	Provenance *publish.Log
	// Claims serves people, life events, claims and awards; nil serves none.
	Claims *claims.Service
	// Payments serves payment runs, statements and debts; nil serves none.
	Payments *payments.Runner
	// Sharing serves partners, agreements and the partner API; nil serves
	// none.
	Sharing *sharing.Service
	// Notary gives receipts for entries of the provenance log; nil gives
	// none.
	Notary *publish.Notary
}

// route is one endpoint; the OpenAPI test checks the document against these.
type route struct {
	method, path string
	handler      http.HandlerFunc
	documented   bool // part of the /v1 API and so of the OpenAPI document
}

func (s *Server) routes() []route {
	return []route{
		{"GET", "/healthz", s.healthz, false},
		{"GET", "/readyz", s.readyz, false},
		{"GET", "/metrics", s.metrics, false},
		{"GET", "/v1/openapi.json", s.openapi, true},
		{"POST", "/v1/streams/{stream}/events", s.appendEvents, true},
		{"GET", "/v1/streams/{stream}", s.readStream, true},
		{"GET", "/v1/events", s.readAll, true},
		{"POST", "/v1/calculate", s.calculate, true},
		{"POST", "/v1/people", s.registerPerson(), true},
		{"GET", "/v1/people/{id}", s.getPerson(), true},
		{"GET", "/v1/people/{id}/awards", s.personAwards(), true},
		{"POST", "/v1/life-events", s.recordLifeEvent(), true},
		{"GET", "/v1/life-events/{id}", s.getLifeEvent(), true},
		{"POST", "/v1/claims", s.submitClaim(), true},
		{"GET", "/v1/claims/{id}", s.getClaim(), true},
		{"POST", "/v1/claims/{id}/withdraw", s.withdrawClaim(), true},
		{"GET", "/v1/awards/{id}", s.getAward(), true},
		{"GET", "/v1/awards/{id}/periods/{n}/receipt", s.decisionReceipt(), true},
		{"GET", "/v1/tasks", s.listTasks(), true},
		{"POST", "/v1/admin/uprating", s.uprate(), true},
		{"POST", "/v1/admin/payruns", s.payrun(), true},
		{"POST", "/v1/admin/payruns/{date}/settlement", s.settle(), true},
		{"GET", "/v1/admin/payruns/{date}/reconciliation", s.reconcile(), true},
		{"GET", "/v1/people/{id}/statement", s.statement(), true},
		{"POST", "/v1/people/{id}/debts/{benefit}/decisions", s.decideDebt(), true},
		{"POST", "/v1/people/{id}/debts/{benefit}/write-offs", s.moveDebt("write-off"), true},
		{"POST", "/v1/people/{id}/debts/{benefit}/repayments", s.moveDebt("repayment"), true},
		{"POST", "/v1/people/{id}/debts/{benefit}/plans", s.agreePlan(), true},
		{"GET", "/v1/people/{id}/debts/{benefit}/plans", s.listPlans(), true},
		{"POST", "/v1/people/{id}/debts/{benefit}/plans/{plan}/cancellation", s.cancelPlan(), true},
		{"POST", "/v1/oauth/token", s.token, true},
		{"GET", "/v1/oauth/jwks", s.jwks(), true},
		{"POST", "/v1/admin/partners", s.registerPartner(), true},
		{"GET", "/v1/admin/partners", s.listPartners(), true},
		{"GET", "/v1/admin/partners/{id}", s.getPartner(), true},
		{"POST", "/v1/admin/partners/{id}/secrets", s.issueSecret(), true},
		{"POST", "/v1/admin/partners/{id}/secrets/{secret}/revoke", s.revokeSecret(), true},
		{"PUT", "/v1/admin/partners/{id}/certificate", s.setCertificate(), true},
		{"POST", "/v1/admin/token-keys/rotate", s.rotateTokenKey(), true},
		{"POST", "/v1/admin/agreements", s.makeAgreement(), true},
		{"GET", "/v1/admin/agreements", s.listAgreements(), true},
		{"GET", "/v1/admin/agreements/{id}", s.getAgreement(), true},
		{"PUT", "/v1/admin/agreements/{id}", s.changeAgreement(), true},
		{"GET", "/v1/admin/agreements/{id}/versions", s.agreementVersions(), true},
		{"GET", "/v1/partner/agreements", s.partnerAgreements(), true},
		{"GET", "/v1/partner/agreements/{id}", s.partnerAgreement(), true},
		{"POST", "/v1/partner/queries", s.partnerQuery(), true},
		{"POST", "/v1/partner/matches", s.partnerMatch(), true},
		{"GET", "/v1/people/{id}/disclosures", s.personDisclosures(), true},
		{"POST", "/v1/partner/feeds", s.createFeed(), true},
		{"GET", "/v1/partner/feeds", s.partnerFeeds(), true},
		{"GET", "/v1/partner/feeds/{id}", s.partnerFeed(), true},
		{"DELETE", "/v1/partner/feeds/{id}", s.cancelFeed(), true},
		{"GET", "/v1/partner/feeds/{id}/items", s.feedItems(), true},
		{"POST", "/v1/partner/feeds/{id}/ack", s.ackFeed(), true},
		{"GET", "/v1/partner/webhook-key", s.webhookKey(), true},
		{"GET", "/v1/life-events/{id}/notifications", s.lifeEventNotifications(), true},
		{"GET", "/v1/admin/feeds", s.adminFeeds(), true},
		{"GET", "/v1/admin/feeds/{id}/deliveries", s.feedDeliveries(false), true},
		{"GET", "/v1/admin/feeds/{id}/dead-letters", s.feedDeliveries(true), true},
		{"POST", "/v1/admin/feeds/{id}/redrive", s.redriveFeed(), true},
		{"GET", "/log/checkpoint", s.logCheckpoint, false},
		{"POST", "/log/cosignatures", s.addCosignature, false},
		{"GET", "/log/tile/{path...}", s.logTile, false},
		{"GET", "/log/tile/entries/{path...}", s.logTile, false},
	}
}

// Handler returns the server's routes wrapped in logging, metrics, panic
// recovery and cross-origin protection.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.HandleFunc(rt.method+" "+rt.path, rt.handler)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, lifeline.Errorf(lifeline.ENOTFOUND, "no such endpoint: %s %s; see /v1/openapi.json", r.Method, r.URL.Path))
	})
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, lifeline.Errorf(lifeline.EFORBIDDEN, "cross-origin request refused"))
	}))
	return s.observe(csrf.Handler(mux))
}

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		began := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				s.logger().ErrorContext(r.Context(), "panic serving request", "path", r.URL.Path, "panic", v)
				if sw.status == 0 {
					s.writeError(sw, r, lifeline.Errorf(lifeline.EINTERNAL, "panic"))
				}
			}
			took := time.Since(began)
			route := r.Pattern
			if route == "" || route == "/" {
				route = "unmatched"
			}
			if s.Metrics != nil {
				s.Metrics.Requests.WithLabelValues(route, r.Method, strconv.Itoa(sw.status)).Inc()
				s.Metrics.Latency.WithLabelValues(route, r.Method).Observe(took.Seconds())
			}
			if sw.status >= 500 {
				s.logger().WarnContext(r.Context(), "request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "took", took)
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "alive"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if s.Ready != nil {
		if err := s.Ready(ctx); err != nil {
			s.logger().WarnContext(ctx, "not ready", "err", err)
			s.writeError(w, r, lifeline.Errorf(lifeline.EUNAVAILABLE, "the store is not reachable"))
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	if s.Metrics == nil {
		s.writeError(w, r, lifeline.Errorf(lifeline.ENOTFOUND, "metrics are not enabled"))
		return
	}
	s.Metrics.Handler().ServeHTTP(w, r)
}

//go:embed openapi.json
var openapiDoc []byte

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openapiDoc)
}
