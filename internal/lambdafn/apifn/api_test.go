package apifn

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/dele-opendata/dele/internal/lambdafn/fntest"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/store/memstore"
)

// TestAPIRows feeds the documented API Gateway HTTP API (payload 2.0)
// request for a rows query.
func TestAPIRows(t *testing.T) {
	public := memstore.New()
	fntest.Publish(t, public, memstore.New(), fntest.Dataset)
	a := &API{Public: public, Config: fntest.Config(t), Definitions: fntest.Definitions(t), Prefix: "/api", CacheDir: t.TempDir()}
	out, err := lambda.NewHandler(a.Handle).Invoke(context.Background(), fntest.Event(t, "apigw-v2-request.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || res.IsBase64Encoded {
		t.Fatalf("status %d: %s", res.StatusCode, res.Body)
	}
	var page struct {
		Rows []struct {
			Crude string  `json:"crude"`
			Date  string  `json:"date"`
			NOK   float64 `json:"nok_bbl"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(res.Body), &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Rows) != 3 || page.Rows[0].Crude == "" || page.Rows[0].Date == "" || page.Rows[0].NOK <= 0 {
		t.Fatalf("rows %+v in %s", page.Rows, res.Body)
	}
}

// brokenStore fails every read.
type brokenStore struct{ store.Store }

func (brokenStore) Get(context.Context, string) (io.ReadCloser, error) {
	return nil, errors.New("connection refused")
}

func (brokenStore) List(context.Context, string) ([]store.ObjectInfo, error) {
	return nil, errors.New("connection refused")
}

// TestAPIUnavailable: when the bucket cannot be read the function answers
// 503 with a problem document, and builds the handler on a later request.
func TestAPIUnavailable(t *testing.T) {
	a := &API{Public: brokenStore{memstore.New()}, Config: fntest.Config(t), Definitions: fntest.Definitions(t), Prefix: "/api", CacheDir: t.TempDir()}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(fntest.Event(t, "apigw-v2-request.json"), &ev); err != nil {
		t.Fatal(err)
	}
	res, err := a.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 503 || !strings.Contains(res.Body, "try again") {
		t.Fatalf("status %d: %s", res.StatusCode, res.Body)
	}
	public := memstore.New()
	fntest.Publish(t, public, memstore.New(), fntest.Dataset)
	a.Public = public
	if res, err := a.Handle(context.Background(), ev); err != nil || res.StatusCode != 200 {
		t.Fatalf("after recovery: %v %d %s", err, res.StatusCode, res.Body)
	}
}
