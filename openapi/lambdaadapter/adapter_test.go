package lambdaadapter_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
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
