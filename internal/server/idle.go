package server

import (
	"net/http"
	"time"
)

// DefaultWriteIdle is how long `dele serve` lets a response make no
// progress. A download on a slow line keeps going as long as the client
// accepts some bytes within it; a client that stops reading is cut off.
const DefaultWriteIdle = 60 * time.Second

// IdleWrites bounds how long h's responses may stall: before the handler
// runs and before every write or flush, the connection's write deadline
// is set idle ahead. A client that stops reading (a stalled download, a
// streamed query page nobody consumes) then makes the blocked write fail
// after idle, the handler returns and the connection is closed, instead
// of holding a goroutine and its buffers for ever. A server-wide
// WriteTimeout would also cut off large downloads on slow lines.
func IdleWrites(h http.Handler, idle time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		iw := &idleWriter{ResponseWriter: w, rc: http.NewResponseController(w), idle: idle}
		iw.extend()
		h.ServeHTTP(iw, r)
	})
}

// idleWriter extends the write deadline as a response makes progress.
type idleWriter struct {
	http.ResponseWriter
	rc   *http.ResponseController
	idle time.Duration
}

// extend moves the write deadline idle ahead. Writers that cannot set
// one (httptest recorders, Lambda adapters) are left as they are.
func (w *idleWriter) extend() { _ = w.rc.SetWriteDeadline(time.Now().Add(w.idle)) }

// Write writes p with the deadline moved ahead.
func (w *idleWriter) Write(p []byte) (int, error) {
	w.extend()
	return w.ResponseWriter.Write(p)
}

// FlushError flushes with the deadline moved ahead
// (http.ResponseController uses it).
func (w *idleWriter) FlushError() error {
	w.extend()
	return w.rc.Flush()
}

// Flush implements http.Flusher.
func (w *idleWriter) Flush() { _ = w.FlushError() }

// Unwrap gives http.ResponseController the underlying writer.
func (w *idleWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
