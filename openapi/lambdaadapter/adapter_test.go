package lambdaadapter_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/dele-opendata/dele/openapi"
	"github.com/dele-opendata/dele/openapi/internal/apitest"
	"github.com/dele-opendata/dele/openapi/lambdaadapter"
)

// TestAPIInLambda serves the query API through the adapter with events
// as API Gateway sends them (payload 2.0, route /api/{proxy+}).
func TestAPIInLambda(t *testing.T) {
	ctx := context.Background()
	st, defs, err := apitest.Fixture(ctx, 1000, 200)
	if err != nil {
		t.Fatal(err)
	}
	h, err := openapi.NewHandler(ctx, openapi.Options{Config: apitest.Config("https://abc.execute-api.eu-north-1.amazonaws.com/api"),
		Definitions: defs, Store: st, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	fn := lambdaadapter.Handler(h, "/api")
	ev := func(path, query string, headers map[string]string) events.APIGatewayV2HTTPRequest {
		e := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "GET /api/{proxy+}", RawPath: path, RawQueryString: query,
			Headers: map[string]string{"host": "abc.execute-api.eu-north-1.amazonaws.com"}}
		for k, v := range headers {
			e.Headers[k] = v
		}
		e.RequestContext.HTTP.Method = "GET"
		e.RequestContext.HTTP.Path = path
		return e
	}
	res, err := fn(ctx, ev("/api/datasets/tilskudd/rows", "kommunenummer=0301&limit=5&sort=-id", nil))
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Next string
		Rows []struct {
			ID            int64
			Kommunenummer string
		}
	}
	if res.StatusCode != 200 || res.IsBase64Encoded {
		t.Fatalf("status %d base64 %v: %s", res.StatusCode, res.IsBase64Encoded, res.Body)
	}
	if err := json.Unmarshal([]byte(res.Body), &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Rows) != 5 || page.Rows[0].Kommunenummer != "0301" || page.Rows[0].ID <= page.Rows[1].ID {
		t.Errorf("rows %+v", page.Rows)
	}
	if !strings.HasPrefix(page.Next, "https://abc.execute-api.eu-north-1.amazonaws.com/api/datasets/tilskudd/rows?") || res.Headers["Link"] == "" {
		t.Errorf("next %q, Link %q", page.Next, res.Headers["Link"])
	}
	// gzip comes back base64-encoded.
	res, err = fn(ctx, ev("/api/datasets/tilskudd/rows", "limit=200", map[string]string{"accept-encoding": "gzip, br"}))
	if err != nil {
		t.Fatal(err)
	}
	if !res.IsBase64Encoded || res.Headers["Content-Encoding"] != "gzip" {
		t.Fatalf("gzip response: base64 %v, headers %v", res.IsBase64Encoded, res.Headers)
	}
	raw, _ := base64.StdEncoding.DecodeString(res.Body)
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !json.Valid(plain) {
		t.Errorf("gunzipped body is not JSON: %.100s", plain)
	}
	// Problems and 304 pass through.
	res, _ = fn(ctx, ev("/api/datasets/tilskudd/rows", "belop.gt=x", nil))
	if res.StatusCode != 400 || res.Headers["Content-Type"] != "application/problem+json" || !strings.Contains(res.Body, `"parameter":"belop.gt"`) {
		t.Errorf("bad filter: %d %v %s", res.StatusCode, res.Headers, res.Body)
	}
	res, _ = fn(ctx, ev("/api/datasets", "", nil))
	etag := res.Headers["Etag"]
	res, _ = fn(ctx, ev("/api/datasets", "", map[string]string{"if-none-match": etag}))
	if etag == "" || res.StatusCode != 304 {
		t.Errorf("ETag %q, conditional status %d", etag, res.StatusCode)
	}
}

// TestTooLargeInLambda: Lambda buffers the response, so the API does not
// stream there: a page whose body would pass the adapter's cap is a 400
// problem with a hint (not a failed invocation), in every format; gzip
// counts as sent.
func TestTooLargeInLambda(t *testing.T) {
	ctx := context.Background()
	st, defs, err := apitest.Fixture(ctx, 3000, 500)
	if err != nil {
		t.Fatal(err)
	}
	h, err := openapi.NewHandler(ctx, openapi.Options{Config: apitest.Config("https://abc.execute-api.eu-north-1.amazonaws.com/api"),
		Definitions: defs, Store: st, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	const limit = 64 << 10
	fn := lambdaadapter.HandlerMaxBody(h, "/api", limit)
	ev := func(query, enc string) events.APIGatewayV2HTTPRequest {
		e := events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: "/api/datasets/tilskudd/rows", RawQueryString: query,
			Headers: map[string]string{"host": "abc.execute-api.eu-north-1.amazonaws.com"}}
		if enc != "" {
			e.Headers["accept-encoding"] = enc
		}
		e.RequestContext.HTTP.Method = "GET"
		return e
	}
	body := func(res events.APIGatewayV2HTTPResponse) []byte {
		if !res.IsBase64Encoded {
			return []byte(res.Body)
		}
		b, err := base64.StdEncoding.DecodeString(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, format := range []string{"json", "csv", "ndjson"} {
		res, err := fn(ctx, ev("limit=3000&format="+format, ""))
		if err != nil {
			t.Fatalf("%s: the invocation failed: %v", format, err)
		}
		var p struct {
			Status                  int
			Parameter, Detail, Hint string
		}
		if res.StatusCode != 400 || res.Headers["Content-Type"] != "application/problem+json" || json.Unmarshal(body(res), &p) != nil ||
			p.Parameter != "limit" || !strings.Contains(p.Detail, "too large") || !strings.Contains(p.Hint, "select") {
			t.Errorf("%s, 3000 rows: %d %v %s", format, res.StatusCode, res.Headers, body(res))
		}
		// Fewer rows fit, and arrive whole with their length.
		res, err = fn(ctx, ev("limit=100&format="+format, ""))
		if err != nil || res.StatusCode != 200 || len(body(res)) > limit || res.Headers["Content-Length"] != strconv.Itoa(len(body(res))) {
			t.Errorf("%s, 100 rows: %v %d %v", format, err, res.StatusCode, res.Headers)
		}
	}
	// Gzip: the compressed body is what counts.
	plain, _ := fn(ctx, ev("limit=3000&select=id,kommunenummer,aktiv,aar", ""))
	zipped, _ := fn(ctx, ev("limit=3000&select=id,kommunenummer,aktiv,aar", "gzip"))
	if plain.StatusCode != 400 || zipped.StatusCode != 200 || zipped.Headers["Content-Encoding"] != "gzip" || len(body(zipped)) > limit {
		t.Errorf("3000 rows, 4 columns: plain %d, gzip %d %v (%d bytes)", plain.StatusCode, zipped.StatusCode, zipped.Headers, len(body(zipped)))
	}
	// The default cap serves pages up to MaxBodyBytes.
	res, err := lambdaadapter.Handler(h, "/api")(ctx, ev("limit=3000", ""))
	if err != nil || res.StatusCode != 200 || len(body(res)) <= limit {
		t.Errorf("default cap, 3000 rows: %v %d, %d bytes", err, res.StatusCode, len(body(res)))
	}
}

// TestPayloadFits: a body of MaxBodyBytes, however it has to be escaped,
// gives an event response within Lambda's payload limit that decodes back
// to the same bytes; a handler that writes more gets a 500 problem
// instead of a failed invocation.
func TestPayloadFits(t *testing.T) {
	n := lambdaadapter.MaxBodyBytes
	for _, tc := range []struct {
		name, ctype string
		body        []byte
	}{
		{"plain JSON", "application/json", bytes.Repeat([]byte(`{"a":1}`), n/7)},
		{"quotes", "application/json", bytes.Repeat([]byte(`"`), n)},
		{"HTML characters", "text/csv", bytes.Repeat([]byte(`<&>`), n/3)},
		{"control characters", "application/x-ndjson", bytes.Repeat([]byte{1}, n)},
		{"æøå", "text/csv; charset=utf-8", bytes.Repeat([]byte("æøå"), n/6)},
		{"line separators", "application/json", bytes.Repeat([]byte("\u2028"), n/3)},
		{"invalid UTF-8", "text/csv", bytes.Repeat([]byte{0xff, 'a'}, n/2)},
		{"binary", "application/octet-stream", bytes.Repeat([]byte{0, 200}, n/2)},
	} {
		h := http.Header{"Content-Type": {tc.ctype}, "Etag": {`W/"abc"`}}
		res := lambdaadapter.Response(200, h, tc.body)
		payload, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		if len(payload) > lambdaadapter.PayloadLimit {
			t.Errorf("%s: payload of %d bytes for a body of %d", tc.name, len(payload), len(tc.body))
		}
		var back events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(payload, &back); err != nil {
			t.Fatal(err)
		}
		got := []byte(back.Body)
		if back.IsBase64Encoded {
			if got, err = base64.StdEncoding.DecodeString(back.Body); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(got, tc.body) {
			t.Errorf("%s: the body does not decode back (base64 %v)", tc.name, back.IsBase64Encoded)
		}
	}
	// Small text stays readable.
	if res := lambdaadapter.Response(200, http.Header{"Content-Type": {"application/json"}}, []byte(`{"rows":[{"id":1}]}`)); res.IsBase64Encoded {
		t.Error("a short JSON body was base64-encoded")
	}

	big := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(make([]byte, 5<<20))
	})
	res, err := lambdaadapter.Handler(big, "")(context.Background(), events.APIGatewayV2HTTPRequest{RawPath: "/big"})
	if err != nil || res.StatusCode != 500 || res.Headers["Content-Type"] != "application/problem+json" || !strings.Contains(res.Body, "AWS Lambda") {
		t.Errorf("oversize response: %v %d %v %.200s", err, res.StatusCode, res.Headers, res.Body)
	}
}
