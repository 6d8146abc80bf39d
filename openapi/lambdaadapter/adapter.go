// Package lambdaadapter runs an http.Handler (the query API) in AWS Lambda
// behind an API Gateway HTTP API with payload format 2.0: it turns the
// event into an *http.Request, records the handler's response and returns
// it as the event response, base64-encoding bodies that are not plain text.
package lambdaadapter

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// Handler returns a Lambda handler serving h. StripPrefix is removed from
// the start of each path (e.g. "/api" when the route is /api/{proxy+}).
func Handler(h http.Handler, stripPrefix string) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		req, err := Request(ctx, ev, stripPrefix)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return Response(rec.Result().StatusCode, rec.Header(), rec.Body.Bytes()), nil
	}
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

// Response builds the payload 2.0 response; bodies that are compressed or
// not text are base64-encoded.
func Response(status int, h http.Header, body []byte) events.APIGatewayV2HTTPResponse {
	res := events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: map[string]string{}}
	for k, v := range h {
		if k == "Set-Cookie" {
			res.Cookies = append(res.Cookies, v...)
			continue
		}
		res.Headers[k] = strings.Join(v, ", ")
	}
	if isText(h) {
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
