package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path"

	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
)

// writeRunRecord stores the run's record under runs/<id>/<run>.json in the
// private store, where `dele runs` lists it.
func writeRunRecord(ctx context.Context, env *Env, res *Result) error {
	rec := publish.RunRecord{
		Dataset: res.Dataset, RunID: res.RunID, Start: res.Start, End: res.Start.Add(res.Duration),
		SourceHash: res.Extract.ContentHash, Rows: res.RowsOut, Rejected: res.Rejected,
		Classification: res.Access, Message: res.Message, Outcome: publish.Outcome(res.Outcome), Version: res.Version,
	}
	if res.Err != nil {
		rec.Error = res.Err.Error()
	}
	return publish.WriteRun(ctx, env.Private, rec)
}

// ReportKey is the key of a run's whole report in the private store; ext
// is "json" (machine) or "txt" (for a data steward). Unlike the published
// report.json, it keeps the validation problems with their values.
func ReportKey(dataset, runID, ext string) string {
	return path.Join("reports", dataset, runID+"."+ext)
}

// writeReports stores the run's whole report, as JSON and as text, in the
// private store: failed and held-back runs publish nothing, and this is
// where a steward reads why.
func writeReports(ctx context.Context, env *Env, r *Report) error {
	if err := publish.CheckID(r.Dataset); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := publish.CheckID(r.RunID); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	for _, f := range []struct {
		ext, mediaType string
		body           []byte
	}{{"json", "application/json", js}, {"txt", "text/plain; charset=utf-8", []byte(r.Text())}} {
		if err := env.Private.Put(ctx, ReportKey(r.Dataset, r.RunID, f.ext), bytes.NewReader(f.body), store.PutOptions{ContentType: f.mediaType}); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	return nil
}
