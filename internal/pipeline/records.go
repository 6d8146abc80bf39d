package pipeline

import (
	"context"

	"github.com/dele-opendata/dele/internal/publish"
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
