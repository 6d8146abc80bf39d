package jsonsrc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	neturl "net/url"
	"strconv"
	"time"
)

// Client fetches URLs over HTTP with timeouts and retries. The zero value is
// not usable; use NewClient. It is safe for concurrent use.
type Client struct {
	// HTTP does the requests. Its Timeout bounds each attempt, body
	// included.
	HTTP *http.Client
	// MaxRetries is how many times a request is retried after a 5xx or 429
	// answer or a network error (so at most MaxRetries+1 attempts).
	MaxRetries int
	// BaseDelay is the first backoff delay; it doubles on each retry, with
	// jitter, up to MaxDelay.
	BaseDelay, MaxDelay time.Duration
	// MaxRetryAfter caps the wait a server may ask for with Retry-After.
	// A longer wait fails the request instead of stalling the run.
	MaxRetryAfter time.Duration
	// UserAgent is sent with every request.
	UserAgent string
	// Sleep waits between attempts; tests replace it to record the delays.
	Sleep func(ctx context.Context, d time.Duration) error
}

// NewClient returns a Client with a per-attempt timeout, 4 retries, and a
// backoff from 500 ms to 30 s; Retry-After is honoured up to 5 minutes.
func NewClient(timeout time.Duration) *Client {
	return &Client{
		HTTP:          &http.Client{Timeout: timeout},
		MaxRetries:    4,
		BaseDelay:     500 * time.Millisecond,
		MaxDelay:      30 * time.Second,
		MaxRetryAfter: 5 * time.Minute,
		UserAgent:     "dele (open data publishing)",
		Sleep:         sleep,
	}
}

// DefaultClient is used when Options.Client is nil: 60 s per attempt.
var DefaultClient = NewClient(60 * time.Second)

// StatusError is an HTTP answer that is neither a success nor retried
// (or still failing after the last retry).
type StatusError struct {
	URL        string
	StatusCode int
	Status     string
	// Attempts is how many requests were made.
	Attempts int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("GET %s: %s (after %d attempts)", e.URL, e.Status, e.Attempts)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryable reports whether an answer with this status is worth retrying.
func retryable(code int) bool {
	return code == http.StatusTooManyRequests || code >= 500
}

// Get fetches url with the given request headers and returns the response
// of the first attempt that succeeds (status 2xx or 304). The caller closes
// the body. 5xx and 429 answers and network errors are retried with
// exponential backoff; a Retry-After header (seconds or HTTP date) sets the
// wait instead. Other statuses fail at once with a *StatusError.
func (c *Client) Get(ctx context.Context, url string, header http.Header) (*http.Response, error) {
	var lastErr error
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		for k, v := range header {
			req.Header[k] = v
		}
		if c.UserAgent != "" && req.Header.Get("User-Agent") == "" {
			req.Header.Set("User-Agent", c.UserAgent)
		}
		resp, err := c.HTTP.Do(req)
		var ue *neturl.Error
		if errors.As(err, &ue) {
			ue.URL = Redact(ue.URL)
		}
		var wait time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			lastErr = err
		case resp.StatusCode < 300 || resp.StatusCode == http.StatusNotModified:
			return resp, nil
		default:
			// Drain a little so the connection can be reused, then close.
			_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
			resp.Body.Close()
			lastErr = &StatusError{URL: Redact(url), StatusCode: resp.StatusCode, Status: resp.Status, Attempts: attempt + 1}
			if !retryable(resp.StatusCode) {
				return nil, lastErr
			}
			if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				if d > c.MaxRetryAfter {
					return nil, fmt.Errorf("%w; the server asks to wait %s, longer than %s", lastErr, d, c.MaxRetryAfter)
				}
				wait = d
			}
		}
		if attempt >= c.MaxRetries {
			return nil, lastErr
		}
		if wait == 0 {
			wait = c.backoff(attempt)
		}
		if err := c.Sleep(ctx, wait); err != nil {
			return nil, errors.Join(err, lastErr)
		}
	}
}

// backoff is the delay before retry number attempt+1: BaseDelay·2^attempt,
// capped at MaxDelay, with up to 25 % jitter subtracted.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.BaseDelay << min(attempt, 20)
	if d > c.MaxDelay || d <= 0 {
		d = c.MaxDelay
	}
	return d - time.Duration(rand.Int64N(int64(d)/4+1))
}

// retryAfter parses a Retry-After value: delay seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
