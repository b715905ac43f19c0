package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/lifeline-gov/lifeline"
)

// decodeJSON reads r's body into v strictly: JSON media type, size limit,
// no unknown fields, nothing after the value. Errors say what to fix.
func decodeJSON(r *http.Request, v any) error {
	if err := checkJSON(r); err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return lifeline.Errorf(lifeline.EINVALID, "could not read the request body: %v", err)
	}
	if len(body) > MaxBodyBytes {
		return lifeline.Errorf(lifeline.ETOOLARGE, "request body is over %d bytes: send fewer events per request", MaxBodyBytes)
	}
	return unmarshalStrict(body, v)
}

// checkJSON refuses a body declared as anything but JSON.
func checkJSON(r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return lifeline.Errorf(lifeline.EUNSUPPORTED, "Content-Type %q is not supported: send application/json", ct)
		}
	}
	return nil
}

// unmarshalStrict decodes one JSON value with no unknown fields.
func unmarshalStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return lifeline.Errorf(lifeline.EINVALID, "request body has data after the JSON value: send exactly one JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return lifeline.Errorf(lifeline.EINVALID, "request body has data after the JSON value: send exactly one JSON object")
	}
	return nil
}

// jsonError turns a decoding error into a message that names the problem.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tim *time.ParseError
	switch {
	case errors.Is(err, io.EOF):
		return lifeline.Errorf(lifeline.EINVALID, "request body is empty: send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return lifeline.Errorf(lifeline.EINVALID, "request body is not valid JSON: it ends too soon")
	case errors.As(err, &syntax):
		return lifeline.Errorf(lifeline.EINVALID, "request body is not valid JSON at byte %d: %v", syntax.Offset, syntax)
	case errors.As(err, &typ):
		return lifeline.FieldErrorf(lifeline.EINVALID, typ.Field, "field %q must be %s, not JSON %s", typ.Field, jsonKind(typ.Type), typ.Value)
	case errors.As(err, &tim):
		return lifeline.Errorf(lifeline.EINVALID, "a time is not valid: %q; use RFC 3339, e.g. 2026-04-06T09:00:00Z", tim.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return lifeline.FieldErrorf(lifeline.EINVALID, field, "unknown field %q: see /v1/openapi.json for the fields this endpoint takes", field)
	}
	return lifeline.Errorf(lifeline.EINVALID, "request body could not be read as JSON: %v", err)
}

// jsonKind names the JSON a Go type is decoded from, so that errors speak
// JSON rather than naming the server's Go types.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "another type"
}

// appendBody is the body of POST /v1/streams/{stream}/events.
type appendBody struct {
	Events []lifeline.NewEvent `json:"events"`
}

// decodeAppend builds an append request from the path, headers and body.
func decodeAppend(r *http.Request) (lifeline.AppendRequest, error) {
	req := lifeline.AppendRequest{Stream: r.PathValue("stream"), IdempotencyKey: r.Header.Get("Idempotency-Key")}
	if err := lifeline.ValidateStreamName(req.Stream); err != nil {
		return req, err
	}
	var err error
	if req.Expected, err = parseExpected(r.Header.Get("Expected-Version")); err != nil {
		return req, err
	}
	var body appendBody
	if err := decodeJSON(r, &body); err != nil {
		return req, err
	}
	req.Events = body.Events
	for i := range req.Events {
		e := &req.Events[i]
		if e.Metadata.Channel == "" {
			e.Metadata.Channel = "api"
		}
		if e.Metadata.CorrelationID == "" {
			e.Metadata.CorrelationID = r.Header.Get("X-Request-Id")
		}
	}
	return req, req.Validate()
}

// parseExpected reads the Expected-Version header: "any" (or absent), 0 for
// a new stream, or the exact current version.
func parseExpected(h string) (lifeline.Expected, error) {
	if h == "" || h == "any" {
		return lifeline.ExpectAny, nil
	}
	n, err := strconv.ParseInt(h, 10, 64)
	if err != nil || n < 0 {
		return 0, lifeline.FieldErrorf(lifeline.EINVALID, "Expected-Version",
			"Expected-Version %q is not valid: use \"any\", 0 for a new stream, or the stream's current version", h)
	}
	return lifeline.Expected(n), nil
}

// queryInt reads an optional non-negative integer query parameter.
func queryInt(r *http.Request, name string, def int64) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, lifeline.FieldErrorf(lifeline.EINVALID, name, "%s=%q is not valid: use a whole number, 0 or more", name, s)
	}
	return n, nil
}

// queryLimit reads ?limit=, 1 to MaxReadLimit.
func queryLimit(r *http.Request) (int, error) {
	n, err := queryInt(r, "limit", lifeline.DefaultReadLimit)
	if err != nil {
		return 0, err
	}
	if n < 1 || n > lifeline.MaxReadLimit {
		return 0, lifeline.FieldErrorf(lifeline.EINVALID, "limit", "limit=%d is out of range: use 1 to %d", n, lifeline.MaxReadLimit)
	}
	return int(n), nil
}

// queryTime reads an optional RFC 3339 time.
func queryTime(r *http.Request, name string) (time.Time, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, lifeline.FieldErrorf(lifeline.EINVALID, name, "%s=%q is not a valid time: use RFC 3339, e.g. 2026-04-06T09:00:00Z", name, s)
	}
	return t, nil
}
