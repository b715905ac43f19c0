package http

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/lifeline-gov/lifeline"
)

// Cache lifetimes of the published log. A full tile or bundle never changes
// (C2SP tlog-tiles); a partial one is replaced by wider ones and the
// checkpoint moves every second, so caches must come back soon.
const (
	cacheFull       = "public, max-age=31536000, immutable"
	cachePartial    = "public, max-age=10"
	cacheCheckpoint = "public, max-age=1"
)

// logCheckpoint serves the latest signed checkpoint, cosignatures merged
// in, as a C2SP signed note.
func (s *Server) logCheckpoint(w http.ResponseWriter, r *http.Request) {
	if s.Provenance == nil {
		s.writeError(w, r, lifeline.Errorf(lifeline.ENOTFOUND, "this platform publishes no provenance log"))
		return
	}
	_, signed, err := s.Provenance.Checkpoint(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", cacheCheckpoint)
	w.Header().Set("Content-Length", strconv.Itoa(len(signed)))
	w.Write(signed)
}

// logTile serves a hash tile or entry bundle at its C2SP tlog-tiles path;
// 404 for anything outside the latest checkpoint's tree.
func (s *Server) logTile(w http.ResponseWriter, r *http.Request) {
	if s.Provenance == nil {
		s.writeError(w, r, lifeline.Errorf(lifeline.ENOTFOUND, "this platform publishes no provenance log"))
		return
	}
	res, err := s.Provenance.Tile(r.Context(), strings.TrimPrefix(r.URL.Path, "/log/"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	if res.Full() {
		w.Header().Set("Cache-Control", cacheFull)
	} else {
		w.Header().Set("Cache-Control", cachePartial)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(res.Data)))
	w.Write(res.Data)
}
