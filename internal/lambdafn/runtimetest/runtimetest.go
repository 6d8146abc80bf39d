// Package runtimetest is a Lambda Runtime API server for tests: a real
// function binary (bootstrap, built with -tags lambda.norpc) started with
// AWS_LAMBDA_RUNTIME_API pointing at it polls it for invocations exactly
// as it polls Lambda. It serves the documented endpoints of API version
// 2018-06-01:
//
//	GET  /2018-06-01/runtime/invocation/next           → the next event, with the
//	     Lambda-Runtime-Aws-Request-Id, -Deadline-Ms, -Invoked-Function-Arn
//	     and -Trace-Id headers (blocks until there is one)
//	POST /2018-06-01/runtime/invocation/{id}/response  → the function's result (202)
//	POST /2018-06-01/runtime/invocation/{id}/error     → the function's error (202)
//	POST /2018-06-01/runtime/init/error                → a failed init (202)
package runtimetest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// FunctionARN is the ARN the server sends as the invoked function.
const FunctionARN = "arn:aws:lambda:eu-north-1:123456789012:function:dele-test"

// Error is an error a function reported.
type Error struct {
	Message    string   `json:"errorMessage"`
	Type       string   `json:"errorType"`
	StackTrace []string `json:"stackTrace,omitempty"`
	// Header is the Lambda-Runtime-Function-Error-Type header.
	Header string `json:"-"`
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

// Server is a Runtime API server.
type Server struct {
	// Addr is the host:port for AWS_LAMBDA_RUNTIME_API.
	Addr string

	srv     *httptest.Server
	queue   chan *invocation
	closed  chan struct{}
	first   chan time.Time
	initErr chan *Error

	mu      sync.Mutex
	pending map[string]*invocation
	nextN   int
	seq     int
}

type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	done     chan result
}

type result struct {
	payload []byte
	err     *Error
}

// New starts a server; it is closed when the test ends.
func New(t testing.TB) *Server {
	s := &Server{
		queue: make(chan *invocation), closed: make(chan struct{}),
		first: make(chan time.Time, 1), initErr: make(chan *Error, 8),
		pending: map[string]*invocation{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.Addr = strings.TrimPrefix(s.srv.URL, "http://")
	t.Cleanup(s.Close)
	return s
}

// Close stops the server, failing requests still waiting for an event.
func (s *Server) Close() {
	select {
	case <-s.closed:
	default:
		close(s.closed)
	}
	s.srv.Close()
}

const prefix = "/2018-06-01/runtime/"

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, prefix)
	switch {
	case r.Method == http.MethodGet && p == "invocation/next":
		s.next(w, r)
	case r.Method == http.MethodPost && p == "init/error":
		e, err := readError(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		select {
		case s.initErr <- e:
		default:
		}
		w.WriteHeader(http.StatusAccepted)
	case r.Method == http.MethodPost && strings.HasPrefix(p, "invocation/"):
		id, what, _ := strings.Cut(strings.TrimPrefix(p, "invocation/"), "/")
		s.mu.Lock()
		inv := s.pending[id]
		delete(s.pending, id)
		s.mu.Unlock()
		if inv == nil {
			http.Error(w, "unknown request id "+id, http.StatusBadRequest)
			return
		}
		switch what {
		case "response":
			b, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			inv.done <- result{payload: b}
		case "error":
			e, err := readError(r)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			inv.done <- result{err: e}
		default:
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	default:
		http.NotFound(w, r)
	}
}

func readError(r *http.Request) (*Error, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	e := &Error{Header: r.Header.Get("Lambda-Runtime-Function-Error-Type")}
	if len(b) > 0 {
		if err := json.Unmarshal(b, e); err != nil {
			return nil, fmt.Errorf("error body is not JSON: %w", err)
		}
	}
	return e, nil
}

func (s *Server) next(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.nextN++
	if s.nextN == 1 {
		s.first <- time.Now()
	}
	s.mu.Unlock()
	select {
	case inv := <-s.queue:
		s.mu.Lock()
		s.pending[inv.id] = inv
		s.mu.Unlock()
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", FunctionARN)
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write(inv.payload)
	case <-r.Context().Done():
	case <-s.closed:
		http.Error(w, "runtime API closed", http.StatusGone)
	}
}

// FirstNext waits for the function's first /next request and returns when
// it arrived: the end of its init phase.
func (s *Server) FirstNext(ctx context.Context) (time.Time, error) {
	select {
	case t := <-s.first:
		s.first <- t // keep it for later callers
		return t, nil
	case <-ctx.Done():
		return time.Time{}, fmt.Errorf("function did not ask for an event: %w", ctx.Err())
	}
}

// InitError waits for a reported init error.
func (s *Server) InitError(ctx context.Context) (*Error, error) {
	select {
	case e := <-s.initErr:
		return e, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("no init error reported: %w", ctx.Err())
	}
}

// Invoke sends payload to the function (when it next polls) and waits for
// its response. A function error is returned as *Error. timeout is the
// invocation's deadline, sent in Lambda-Runtime-Deadline-Ms.
func (s *Server) Invoke(ctx context.Context, payload []byte, timeout time.Duration) ([]byte, error) {
	s.mu.Lock()
	s.seq++
	id := fmt.Sprintf("8476a536-e9f4-11e8-9739-%012d", s.seq)
	s.mu.Unlock()
	inv := &invocation{id: id, payload: payload, deadline: time.Now().Add(timeout), done: make(chan result, 1)}
	select {
	case s.queue <- inv:
	case <-ctx.Done():
		return nil, fmt.Errorf("function did not poll for the event: %w", ctx.Err())
	}
	select {
	case res := <-inv.done:
		if res.err != nil {
			return nil, res.err
		}
		return res.payload, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("function did not answer: %w", ctx.Err())
	}
}
