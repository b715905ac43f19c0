package http

import (
	"net/http"

	"github.com/lifeline-gov/lifeline"
)

// appendEvents handles POST /v1/streams/{stream}/events.
func (s *Server) appendEvents(w http.ResponseWriter, r *http.Request) {
	req, err := decodeAppend(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.Log.Append(r.Context(), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if res.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeJSON(w, http.StatusCreated, res)
}

// streamPage is the body of GET /v1/streams/{stream}.
type streamPage struct {
	Stream string           `json:"stream"`
	Events []lifeline.Event `json:"events"`
}

// readStream handles GET /v1/streams/{stream}?from_version=&limit=&as_at=.
func (s *Server) readStream(w http.ResponseWriter, r *http.Request) {
	var q lifeline.StreamQuery
	var err error
	stream := r.PathValue("stream")
	if err = lifeline.ValidateStreamName(stream); err == nil {
		if q.FromVersion, err = queryInt(r, "from_version", 1); err == nil {
			if q.Limit, err = queryLimit(r); err == nil {
				q.AsAt, err = queryTime(r, "as_at")
			}
		}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	events, err := s.Log.ReadStream(r.Context(), stream, q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, streamPage{Stream: stream, Events: nonNil(events)})
}

// eventPage is the body of GET /v1/events: a page of the whole log and where
// the next page starts.
type eventPage struct {
	Events    []lifeline.Event `json:"events"`
	NextAfter int64            `json:"next_after"`
}

// readAll handles GET /v1/events?after=&limit=.
func (s *Server) readAll(w http.ResponseWriter, r *http.Request) {
	after, err := queryInt(r, "after", 0)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := queryLimit(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	events, err := s.Log.ReadAll(r.Context(), after, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	next := after
	if len(events) > 0 {
		next = events[len(events)-1].Position
	}
	writeJSON(w, http.StatusOK, eventPage{Events: nonNil(events), NextAfter: next})
}

func nonNil(es []lifeline.Event) []lifeline.Event {
	if es == nil {
		return []lifeline.Event{}
	}
	return es
}
