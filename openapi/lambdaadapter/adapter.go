// Package lambdaadapter runs an http.Handler (the query API) in AWS Lambda
// behind an API Gateway HTTP API with payload format 2.0: it turns the
// event into an *http.Request, records the handler's response and returns
// it as the event response, base64-encoding bodies that are not plain text.
//
// A Lambda response is buffered and at most 6 MB (PayloadLimit), so the
// query API cannot stream here: each request is marked with
// openapi.WithBufferedResponse(ctx, MaxBodyBytes), and the handler answers
// a rows page whose body would pass MaxBodyBytes with a 400 problem and a
// hint instead of a response Lambda would refuse.
package lambdaadapter

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/dele-opendata/dele/openapi"
)

const (
	// PayloadLimit is the most a synchronous Lambda invocation may return
	// (6 MB); a larger response fails the invocation.
	PayloadLimit = 6 << 20
	// MaxBodyBytes caps the body of a response, as sent: base64 makes it
	// 4/3 as large (at most 5.33 MiB), which leaves room in PayloadLimit
	// for the headers and the event's JSON.
	MaxBodyBytes = 4 << 20
)

// Handler returns a Lambda handler serving h with bodies of at most
// MaxBodyBytes. StripPrefix is removed from the start of each path (e.g.
// "/api" when the route is /api/{proxy+}).
func Handler(h http.Handler, stripPrefix string) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return HandlerMaxBody(h, stripPrefix, MaxBodyBytes)
}

// HandlerMaxBody is Handler with bodies of at most maxBody bytes (at
// most MaxBodyBytes). A response that still would not fit in
// PayloadLimit is replaced by a 500 problem rather than failing the
// invocation.
func HandlerMaxBody(h http.Handler, stripPrefix string, maxBody int) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	maxBody = min(maxBody, MaxBodyBytes)
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		req, err := Request(ctx, ev, stripPrefix)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		req = req.WithContext(openapi.WithBufferedResponse(req.Context(), maxBody))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		res := Response(rec.Result().StatusCode, rec.Header(), rec.Body.Bytes())
		if n := payloadSize(res); n > PayloadLimit {
			return tooLarge(req, n), nil
		}
		return res, nil
	}
}

// payloadSize estimates the size of the response's JSON from above: the
// body as encoded, and every header with its quoting.
func payloadSize(res events.APIGatewayV2HTTPResponse) int {
	n := len(res.Body) + 256
	for k, v := range res.Headers {
		n += len(k) + len(v) + 8
	}
	for _, c := range res.Cookies {
		n += len(c) + 4
	}
	return n
}

// tooLarge is the answer to a request whose response Lambda cannot return.
func tooLarge(req *http.Request, n int) events.APIGatewayV2HTTPResponse {
	body, _ := json.Marshal(map[string]any{"type": "about:blank", "title": http.StatusText(http.StatusInternalServerError),
		"status": http.StatusInternalServerError, "instance": req.URL.Path,
		"detail": fmt.Sprintf("the response has about %d bytes, more than the %d AWS Lambda can return", n, PayloadLimit)})
	return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusInternalServerError,
		Headers: map[string]string{"Content-Type": "application/problem+json", "Cache-Control": "no-store", "Access-Control-Allow-Origin": "*"},
		Body:    string(body)}
}

// Request converts a payload 2.0 event into an *http.Request.
func Request(ctx context.Context, ev events.APIGatewayV2HTTPRequest, stripPrefix string) (*http.Request, error) {
	p := ev.RawPath
	if p == "" {
		p = "/"
	}
	if stripPrefix != "" {
		p = strings.TrimPrefix(p, strings.TrimRight(stripPrefix, "/"))
		if p == "" || p[0] != '/' {
			p = "/" + p
		}
	}
	u := &url.URL{Path: p, RawQuery: ev.RawQueryString}
	if host := ev.Headers["host"]; host != "" {
		u.Host = host
	} else {
		u.Host = ev.RequestContext.DomainName
	}
	u.Scheme = "https"
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return nil, fmt.Errorf("lambdaadapter: body of %s %s: %w", ev.RequestContext.HTTP.Method, p, err)
		}
		body = b
	}
	method := ev.RequestContext.HTTP.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("lambdaadapter: %s %s: %w", method, p, err)
	}
	for k, v := range ev.Headers {
		// Payload 2.0 joins repeated headers with commas.
		req.Header.Set(k, v)
	}
	if len(ev.Cookies) > 0 {
		req.Header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	req.RemoteAddr = ev.RequestContext.HTTP.SourceIP
	req.RequestURI = u.RequestURI()
	req.Host = u.Host
	return req, nil
}

// Response builds the payload 2.0 response. Bodies that are compressed or
// not text are base64-encoded, and so is text that is not valid UTF-8 or
// whose JSON string (as the Lambda runtime writes it, with HTML escaping)
// would be longer than its base64: the payload is then at most 4/3 of the
// body.
func Response(status int, h http.Header, body []byte) events.APIGatewayV2HTTPResponse {
	res := events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: map[string]string{}}
	for k, v := range h {
		if k == "Set-Cookie" {
			res.Cookies = append(res.Cookies, v...)
			continue
		}
		res.Headers[k] = strings.Join(v, ", ")
	}
	if isText(h) && utf8.Valid(body) && jsonStringLen(body) <= base64.StdEncoding.EncodedLen(len(body)) {
		res.Body = string(body)
	} else {
		res.Body = base64.StdEncoding.EncodeToString(body)
		res.IsBase64Encoded = true
	}
	return res
}

func isText(h http.Header) bool {
	if h.Get("Content-Encoding") != "" {
		return false
	}
	ct := h.Get("Content-Type")
	return ct == "" || strings.HasPrefix(ct, "text/") || strings.Contains(ct, "json") || strings.Contains(ct, "xml")
}

// jsonStringLen returns the length of body as a JSON string without its
// quotes, as encoding/json writes it with HTML escaping (valid UTF-8).
func jsonStringLen(body []byte) int {
	n := 0
	for i := 0; i < len(body); {
		c := body[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f':
				n += 2
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(body[i:])
		if r == '\u2028' || r == '\u2029' {
			n += 6
		} else {
			n += size
		}
		i += size
	}
	return n
}
