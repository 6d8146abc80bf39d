// Package httpsrc downloads a source file over HTTP(S) to a temporary file:
// with timeouts, retries with exponential backoff on 5xx, 429 and network
// errors (honouring Retry-After), conditional requests from the previous
// run's ETag and Last-Modified, a size limit, a check that the body is as
// long as Content-Length, and a SHA-256 hash of the raw bytes.
//
// Parsing is left to the source kind's package; a 304 answer is reported as
// Result.NotModified with no file.
package httpsrc

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/dele-opendata/dele/internal/source"
)

// Options control a download. Zero values take the defaults noted.
type Options struct {
	// Client sends the requests; nil uses DefaultClient.
	Client *http.Client
	// Dir is the folder for the temporary file (default os.TempDir()).
	Dir string
	// MaxBytes is the largest body accepted (default 4 GiB).
	MaxBytes int64
	// Attempts is how many requests are made at most (default 4).
	Attempts int
	// Backoff is the wait before the second attempt; it doubles for each
	// further attempt up to MaxBackoff (defaults 1 s and 30 s), with up to
	// 25% random jitter added.
	Backoff, MaxBackoff time.Duration
	// MaxRetryAfter is the longest Retry-After the fetch will wait
	// (default 2 minutes); a longer one fails at once.
	MaxRetryAfter time.Duration
	// ETag and LastModified are the previous run's validators, sent as
	// If-None-Match and If-Modified-Since.
	ETag, LastModified string
	// Header holds extra request headers (Accept, User-Agent, …).
	Header http.Header
}

// DefaultClient is used when Options.Client is nil: a 5-minute limit on a
// whole request, 30 s to connect, 10 s for TLS and 60 s for the response
// headers.
var DefaultClient = &http.Client{
	Timeout: 5 * time.Minute,
	Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	},
}

// Result is a finished download.
type Result struct {
	// Path is the temporary file holding the body; the caller removes it.
	// Empty when NotModified.
	Path string
	// Size is the body length in bytes.
	Size int64
	// ContentHash is the hex SHA-256 of the body.
	ContentHash string
	// ETag, LastModified and ContentType are the response's headers.
	ETag, LastModified, ContentType string
	// NotModified is set when the server answered 304 to a conditional
	// request.
	NotModified bool
	// Attempts is how many requests were made.
	Attempts int
}

// StatusError is an HTTP answer that is neither success nor retried away.
type StatusError struct {
	Code   int
	Status string
}

func (e *StatusError) Error() string { return "HTTP " + e.Status }

// ErrTooLarge means the body exceeded Options.MaxBytes.
var ErrTooLarge = errors.New("download exceeds the size limit")

// Fetch downloads url. Failures are *source.Error values: a truncated body
// (the connection ended before Content-Length) wraps source.ErrTruncated
// and gives the byte counts, a final HTTP error wraps *StatusError.
func Fetch(ctx context.Context, url string, o Options) (*Result, error) {
	if o.Client == nil {
		o.Client = DefaultClient
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 4 << 30
	}
	if o.Attempts <= 0 {
		o.Attempts = 4
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 30 * time.Second
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = 2 * time.Minute
	}
	fail := func(err error) (*Result, error) { return nil, &source.Error{Location: url, Err: err} }
	var last error
	for attempt := 1; ; attempt++ {
		res, retryAfter, err := fetchOnce(ctx, url, o)
		if err == nil {
			res.Attempts = attempt
			return res, nil
		}
		last = err
		if retryAfter < 0 || attempt >= o.Attempts || ctx.Err() != nil {
			return fail(fmt.Errorf("after %d attempt(s): %w", attempt, last))
		}
		wait := min(o.Backoff<<(attempt-1), o.MaxBackoff)
		wait += time.Duration(rand.Int64N(int64(wait)/4 + 1))
		if retryAfter > 0 {
			if retryAfter > o.MaxRetryAfter {
				return fail(fmt.Errorf("the server asks to retry after %s, longer than the %s allowed: %w", retryAfter, o.MaxRetryAfter, last))
			}
			wait = retryAfter
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fail(fmt.Errorf("waiting to retry: %w (last error: %v)", ctx.Err(), last))
		case <-t.C:
		}
	}
}

// fetchOnce makes one request. retryAfter is -1 for a final error, 0 to
// retry with backoff, and the server's wish otherwise.
func fetchOnce(ctx context.Context, url string, o Options) (_ *Result, retryAfter time.Duration, _ error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, -1, err
	}
	for k, v := range o.Header {
		req.Header[k] = v
	}
	if o.ETag != "" {
		req.Header.Set("If-None-Match", o.ETag)
	}
	if o.LastModified != "" {
		req.Header.Set("If-Modified-Since", o.LastModified)
	}
	resp, err := o.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, -1, err
		}
		return nil, 0, err // network errors and timeouts are retried
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return &Result{NotModified: true, ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}, 0, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()), &StatusError{Code: resp.StatusCode, Status: resp.Status}
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, -1, &StatusError{Code: resp.StatusCode, Status: resp.Status}
	}
	if resp.ContentLength > o.MaxBytes {
		return nil, -1, fmt.Errorf("%w: Content-Length %d is over %d bytes", ErrTooLarge, resp.ContentLength, o.MaxBytes)
	}
	f, err := os.CreateTemp(o.Dir, "dele-download-*")
	if err != nil {
		return nil, -1, err
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(resp.Body, o.MaxBytes+1))
	if n > o.MaxBytes {
		return nil, -1, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, o.MaxBytes)
	}
	if err != nil || (resp.ContentLength >= 0 && n != resp.ContentLength) {
		if ctx.Err() != nil {
			return nil, -1, ctx.Err()
		}
		msg := fmt.Sprintf("received %d bytes", n)
		if resp.ContentLength >= 0 {
			msg = fmt.Sprintf("received %d of the %d bytes announced by Content-Length", n, resp.ContentLength)
		}
		if err != nil {
			msg += " (" + err.Error() + ")"
		}
		return nil, 0, fmt.Errorf("%w: %s", source.ErrTruncated, msg)
	}
	if err := f.Close(); err != nil {
		return nil, -1, err
	}
	ok = true
	return &Result{
		Path:         f.Name(),
		Size:         n,
		ContentHash:  hex.EncodeToString(h.Sum(nil)),
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		ContentType:  resp.Header.Get("Content-Type"),
	}, 0, nil
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date. It
// returns 0 when absent or unreadable (retry with backoff).
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
