package openapi_test

import (
	"context"
	"io"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/openapi"
	"github.com/dele-opendata/dele/openapi/internal/apitest"
)

type problemBody struct {
	Title, Detail, Parameter, Hint string
	Status                         int
}

// checkProblem checks a problem+json answer with the given status.
func checkProblem(t *testing.T, a *testAPI, path string, status int, param, detail string) problemBody {
	t.Helper()
	res, b := a.get(path)
	if res.StatusCode != status || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("GET %.120s: %d %s %.300s, want %d problem+json", path, res.StatusCode, res.Header.Get("Content-Type"), b, status)
	}
	var p problemBody
	decode(t, b, &p)
	if p.Status != status || p.Parameter != param || !strings.Contains(p.Detail, detail) || p.Hint == "" {
		t.Errorf("GET %.120s: problem %+v, want parameter %q, detail containing %q and a hint", path, p, param, detail)
	}
	return p
}

// TestLimits: every limit on one request is enforced with a problem that
// says what to do, and a request just inside it is served.
func TestLimits(t *testing.T) {
	a := newTestAPI(t, nil, func(o *openapi.Options) {
		o.Limits.MaxFilters = 4
		o.Limits.MaxResponseBytes = 4000
	})
	rows := "/datasets/tilskudd/rows?"

	t.Run("page size", func(t *testing.T) {
		checkProblem(t, a, rows+"limit=10001", 400, "limit", "")
		if res, b := a.get(rows + "limit=10&select=id"); res.StatusCode != 200 {
			t.Errorf("limit=10: %d %s", res.StatusCode, b)
		}
	})
	t.Run("filters", func(t *testing.T) {
		four := query("id.gt", "1", "id.lt", "2000", "aar.gte", "2015", "aar.lte", "2024")
		if res, b := a.get(rows + four + "&limit=5&select=id"); res.StatusCode != 200 {
			t.Errorf("4 filters: %d %s", res.StatusCode, b)
		}
		checkProblem(t, a, rows+four+"&aktiv=true", 400, "filters", "5 filters")
	})
	t.Run("values in one filter", func(t *testing.T) {
		vals := strings.TrimSuffix(strings.Repeat("0301,", openapi.MaxInValues+1), ",")
		checkProblem(t, a, rows+"kommunenummer.in="+vals, 400, "kommunenummer.in", "")
	})
	t.Run("query length", func(t *testing.T) {
		long := strings.Repeat("x", 9000)
		checkProblem(t, a, rows+"mottaker.contains="+long, 414, "", "more than 8192")
		// The other paths too: no parsing happens before the check.
		checkProblem(t, a, "/datasets?"+long, 414, "", "")
	})
	t.Run("response size", func(t *testing.T) {
		for _, format := range []string{"json", "csv", "ndjson"} {
			p := checkProblem(t, a, rows+"limit=200&format="+format, 400, "limit", "too large")
			if !strings.Contains(p.Hint, "select") {
				t.Errorf("%s: hint %q does not suggest select", format, p.Hint)
			}
			if res, b := a.get(rows + "limit=5&format=" + format); res.StatusCode != 200 {
				t.Errorf("%s, 5 rows: %d %s", format, res.StatusCode, b)
			}
		}
	})
	t.Run("cells", func(t *testing.T) {
		a := newTestAPI(t, nil, func(o *openapi.Options) { o.Limits.MaxCells = 800 })
		checkProblem(t, a, rows+"limit=101", 400, "limit", "cells")
		if res, b := a.get(rows + "limit=800&select=id"); res.StatusCode != 200 {
			t.Errorf("800 cells: %d %.200s", res.StatusCode, b)
		}
	})
}

// slowStore delays metadata reads (until the request's deadline) or
// ranged reads (by a fixed time) when switched on.
type slowStore struct {
	*apitest.MapStore
	slowStat  atomic.Bool
	rangeWait atomic.Int64 // nanoseconds per ranged read
}

func (s *slowStore) Stat(ctx context.Context, key string) (store.ObjectInfo, error) {
	if s.slowStat.Load() {
		<-ctx.Done()
		return store.ObjectInfo{}, ctx.Err()
	}
	return s.MapStore.Stat(ctx, key)
}

func (s *slowStore) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	time.Sleep(time.Duration(s.rangeWait.Load()))
	return s.MapStore.GetRange(ctx, key, off, n)
}

// TestTimeout: a request that runs out of time, waiting for the store or
// scanning, gets 503 with Retry-After, and the handler recovers.
func TestTimeout(t *testing.T) {
	st, _, err := apitest.Fixture(context.Background(), fixtureRows, fixtureGroup)
	if err != nil {
		t.Fatal(err)
	}
	slow := &slowStore{MapStore: st}
	a := newTestAPI(t, st, func(o *openapi.Options) {
		o.Store = slow
		o.Limits.Timeout = 300 * time.Millisecond
	})
	path := "/datasets/tilskudd/rows?" + url.Values{"mottaker.contains": {"no such name"}}.Encode()

	slow.slowStat.Store(true)
	start := time.Now()
	res, _ := a.get(path)
	if res.Header.Get("Retry-After") == "" {
		t.Errorf("503 without Retry-After")
	}
	checkProblem(t, a, path, 503, "", "longer than 300ms")
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("two timed-out requests took %s", d)
	}

	// A scan that reads slowly is stopped between row groups.
	slow.slowStat.Store(false)
	slow.rangeWait.Store(int64(40 * time.Millisecond))
	checkProblem(t, a, path, 503, "", "longer than")

	slow.rangeWait.Store(0)
	if res, b := a.get(path); res.StatusCode != 200 {
		t.Errorf("after the store recovered: %d %s", res.StatusCode, b)
	}
}
