package catalogfn

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/dele-opendata/dele/internal/lambdafn/fntest"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/store/memstore"
)

func invoke(t *testing.T, c *Catalog, payload []byte) *Result {
	t.Helper()
	out, err := lambda.NewHandler(c.Handle).Invoke(context.Background(), payload)
	if err != nil {
		t.Fatal(err)
	}
	var res Result
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("response %s: %v", out, err)
	}
	return &res
}

// TestCatalogS3Event feeds the documented S3 put event for a published
// manifest: the catalog, OpenAPI document and portal are written; the same
// event again is covered by that regeneration; a direct invocation always
// regenerates.
func TestCatalogS3Event(t *testing.T) {
	ctx := context.Background()
	public, private := memstore.New(), memstore.New()
	fntest.Publish(t, public, private, fntest.Dataset)
	// The regeneration starts after the event's time (2026-11-23T06:01:12Z).
	clock := time.Date(2026, 11, 23, 6, 1, 30, 0, time.UTC)
	c := &Catalog{Public: public, Private: private, Config: fntest.Config(t), Definitions: fntest.Definitions(t),
		Now: func() time.Time { return clock }}

	res := invoke(t, c, fntest.Event(t, "s3-put-event.json"))
	if !res.Regenerated || strings.Join(res.Keys, " ") != "datasets/normpriser-raolje/latest.json" {
		t.Fatalf("result %+v", res)
	}
	ttl, err := store.ReadAll(ctx, public, "catalog.ttl")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ttl), "normpriser-raolje") || !strings.Contains(string(ttl), "dcat:Distribution") {
		t.Fatalf("catalog.ttl lacks the published dataset:\n%.2000s", ttl)
	}
	doc, err := store.ReadAll(ctx, public, "openapi.json")
	if err != nil || !strings.Contains(string(doc), "/datasets/normpriser-raolje/rows") {
		t.Fatalf("openapi.json: %v\n%.500s", err, doc)
	}
	for _, key := range []string{"index.html", "datasets/normpriser-raolje/index.html", "en/index.html"} {
		if _, err := public.Stat(ctx, key); err != nil {
			t.Errorf("portal page %s: %v", key, err)
		}
	}

	// The same event again, delivered late: covered.
	clock = clock.Add(time.Minute)
	if res := invoke(t, c, fntest.Event(t, "s3-put-event.json")); res.Regenerated || !strings.Contains(res.Reason, "covered") {
		t.Fatalf("repeated event: %+v", res)
	}
	// The EventBridge form of an event after the regeneration started.
	eb := strings.Replace(string(fntest.Event(t, "eventbridge-object-created.json")), "2026-11-23T06:01:12Z", "2026-11-23T06:02:00Z", 1)
	if res := invoke(t, c, []byte(eb)); !res.Regenerated {
		t.Fatalf("EventBridge event: %+v", res)
	}
	// A direct invocation.
	if res := invoke(t, c, []byte(`{"reason":"manual"}`)); !res.Regenerated || res.Reason != "direct invocation: manual" {
		t.Fatalf("direct invocation: %+v", res)
	}
	// An event for another object does nothing.
	other := strings.Replace(string(fntest.Event(t, "s3-put-event.json")), "latest.json", "versions/x/data.csv", 1)
	if res := invoke(t, c, []byte(other)); res.Regenerated {
		t.Fatalf("event for a data file: %+v", res)
	}
}

// TestCatalogDebounce: the function waits before regenerating, and gives
// up when the invocation's deadline comes first.
func TestCatalogDebounce(t *testing.T) {
	public, private := memstore.New(), memstore.New()
	c := &Catalog{Public: public, Private: private, Config: fntest.Config(t), Definitions: fntest.Definitions(t),
		Debounce: time.Hour}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Handle(ctx, fntest.Event(t, "s3-put-event.json")); err == nil {
		t.Fatal("no error at the deadline")
	}
	if _, err := public.Stat(context.Background(), "catalog.ttl"); err == nil {
		t.Fatal("regenerated despite the deadline")
	}
}
