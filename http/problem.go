package http

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/lifeline-gov/lifeline"
)

// Problem is an RFC 9457 problem detail, with Lifeline's stable code and the
// offending field where there is one.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	Field  string `json:"field,omitempty"`
}

// statuses maps each error code to its HTTP status: the only place that does.
var statuses = map[string]int{
	lifeline.ECONFLICT:     http.StatusConflict,
	lifeline.EIDEMPOTENCY:  http.StatusUnprocessableEntity,
	lifeline.EINTERNAL:     http.StatusInternalServerError,
	lifeline.EINVALID:      http.StatusBadRequest,
	lifeline.ENOTFOUND:     http.StatusNotFound,
	lifeline.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	lifeline.EUNAVAILABLE:  http.StatusServiceUnavailable,
	lifeline.EUNAUTHORIZED: http.StatusUnauthorized,
	lifeline.EFORBIDDEN:    http.StatusForbidden,
	lifeline.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	lifeline.ELIMIT:        http.StatusTooManyRequests,
}

// ErrorStatus returns the HTTP status for err's code.
func ErrorStatus(err error) int {
	if s, ok := statuses[lifeline.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// writeError sends err as problem+json. Internal errors are logged with their
// detail and shown to the caller without it.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := lifeline.ErrorCode(err)
	status := ErrorStatus(err)
	if code == lifeline.EINTERNAL {
		s.logger().ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	p := Problem{
		Type:   "urn:lifeline:problem:" + code,
		Title:  http.StatusText(status),
		Status: status,
		Detail: lifeline.ErrorMessage(err),
		Code:   code,
		Field:  lifeline.ErrorField(err),
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		slog.Debug("write response", "err", err)
	}
}
