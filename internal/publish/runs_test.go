package publish_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/store/memstore"
)

func TestRunRecords(t *testing.T) {
	priv := memstore.New()
	ctx := t.Context()
	start := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
	for i, o := range []publish.Outcome{publish.OutcomePublished, publish.OutcomeFailed, publish.OutcomeUnchanged} {
		r := publish.RunRecord{Dataset: "skoler", RunID: publish.NewRunID(start.Add(time.Duration(i) * time.Hour)), Start: start.Add(time.Duration(i) * time.Hour), Outcome: o}
		if o == publish.OutcomeFailed {
			r.Error = "extract: source not found"
		}
		if err := publish.WriteRun(ctx, priv, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := publish.WriteRun(ctx, priv, publish.RunRecord{Dataset: "bygg", RunID: "r", Start: start, Outcome: publish.OutcomeHeldBack}); err != nil {
		t.Fatal(err)
	}
	runs, err := publish.ListRuns(ctx, priv, "skoler")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range runs {
		got = append(got, string(r.Outcome))
	}
	if fmt.Sprint(got) != "[unchanged failed published]" || runs[1].Error == "" {
		t.Errorf("ListRuns(skoler) outcomes = %v, want newest first", got)
	}
	if !regexp.MustCompile(`^20261125T050000Z-[0-9a-f]{8}$`).MatchString(runs[0].RunID) {
		t.Errorf("run id %q", runs[0].RunID)
	}
	all, err := publish.ListRuns(ctx, priv, "")
	if err != nil || len(all) != 4 {
		t.Errorf("ListRuns(all) = %d runs, %v", len(all), err)
	}
	if _, err := priv.Stat(ctx, "runs/bygg/r.json"); err != nil {
		t.Errorf("run record key: %v", err)
	}
	for name, r := range map[string]publish.RunRecord{
		"bad outcome": {Dataset: "d", RunID: "r", Outcome: "maybe"},
		"bad run id":  {Dataset: "d", RunID: "a/b", Outcome: publish.OutcomeFailed},
		"bad dataset": {Dataset: "..", RunID: "r", Outcome: publish.OutcomeFailed},
	} {
		if err := publish.WriteRun(ctx, priv, r); err == nil {
			t.Errorf("%s: WriteRun succeeded", name)
		}
	}
}

// corrupting returns altered content for data files, as a faulty disk or
// proxy would: the read-back check must catch it before the switch.
type corrupting struct{ store.Store }

func (c corrupting) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	rc, err := c.Store.Get(ctx, key)
	if err != nil || !strings.HasSuffix(key, ".parquet") {
		return rc, err
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return nil, err
	}
	b[len(b)/2] ^= 0x20
	return io.NopCloser(strings.NewReader(string(b))), nil
}

func TestVerifyCatchesCorruption(t *testing.T) {
	pub, priv := memstore.New(), memstore.New()
	clk := newClock()
	good := &publish.Publisher{Public: pub, Private: priv, Now: clk.Now}
	first, err := good.Publish(t.Context(), input(t, "d", "v1"))
	if err != nil {
		t.Fatal(err)
	}
	clk.Tick()
	bad := &publish.Publisher{Public: corrupting{pub}, Private: priv, Now: clk.Now}
	_, err = bad.Publish(t.Context(), input(t, "d", "v2"))
	if !errors.Is(err, publish.ErrVerify) {
		t.Fatalf("publish over a corrupting store: %v, want ErrVerify", err)
	}
	if m := checkLatest(t, pub, "d"); m.Version != first.Version {
		t.Errorf("latest moved to %s", m.Version)
	}
	if v := versions(t, pub, "d"); len(v) != 1 {
		t.Errorf("the unverified version was left behind: %v", v)
	}
}

// ListRuns reads the records internal/pipeline writes (its Result as JSON).
func TestListRunsPipelineRecord(t *testing.T) {
	priv := memstore.New()
	rec := `{"dataset":"valglokaler","runId":"20261125T030000Z-0a1b2c3d","outcome":"held-back","start":"2026-11-25T03:00:00Z",
	"duration":1500000000,"rowsIn":10,"rowsOut":8,"rejected":2,"access":"NON_PUBLIC","message":"fødselsnummer i kolonne fnr","extract":{}}`
	if err := priv.Put(t.Context(), publish.RunKey("valglokaler", "20261125T030000Z-0a1b2c3d"), strings.NewReader(rec), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	runs, err := publish.ListRuns(t.Context(), priv, "valglokaler")
	if err != nil || len(runs) != 1 {
		t.Fatalf("ListRuns = %v, %v", runs, err)
	}
	r := runs[0]
	if r.Outcome != publish.OutcomeHeldBack || r.Rows != 8 || r.Rejected != 2 || r.Classification != "NON_PUBLIC" || r.Duration != 1500*time.Millisecond || r.Message == "" {
		t.Errorf("pipeline record read as %+v", r)
	}
}
