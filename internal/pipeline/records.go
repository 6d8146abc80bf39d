package pipeline

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/dele-opendata/dele/internal/store"
)

// runRecord is what the private store keeps of every run.
type runRecord struct {
	*Result
	Error string `json:"error,omitempty"`
}

// writeRunRecord stores the run's record under runs/<id>/<run>.json in the
// private store.
func writeRunRecord(ctx context.Context, env *Env, res *Result) error {
	rec := runRecord{Result: res}
	if res.Err != nil {
		rec.Error = res.Err.Error()
	}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return fmt.Errorf("encode run record: %w", err)
	}
	return env.Private.Put(ctx, "runs/"+res.Dataset+"/"+res.RunID+".json", bytesReader(b), store.PutOptions{ContentType: "application/json"})
}
