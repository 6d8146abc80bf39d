package publish

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/dele-opendata/dele/internal/store"
)

// Outcome is how a run ended.
type Outcome string

// Run outcomes.
const (
	// OutcomePublished: a new version was published.
	OutcomePublished Outcome = "published"
	// OutcomeUnchanged: the content equalled the latest version's.
	OutcomeUnchanged Outcome = "unchanged"
	// OutcomeMetadataOnly: a dataset declared non-public got only its
	// catalog entry.
	OutcomeMetadataOnly Outcome = "metadata-only"
	// OutcomeHeldBack: the classifier or validation kept the data back.
	OutcomeHeldBack Outcome = "held-back"
	// OutcomeFailed: the run stopped with an error.
	OutcomeFailed Outcome = "failed"
)

// RunRecord is what one pipeline run of one dataset did. Every run writes
// one to the private store (WriteRun), whatever its outcome. The JSON
// names match the records internal/pipeline writes, so ListRuns reads both.
type RunRecord struct {
	Dataset string    `json:"dataset"`
	RunID   string    `json:"runId"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end,omitzero"`
	// Duration is End-Start (WriteRun fills it when End is set).
	Duration   time.Duration `json:"duration"`
	SourceHash string        `json:"sourceHash,omitempty"`
	// Rows is the number of rows published (valid rows).
	Rows     int64 `json:"rowsOut"`
	Rejected int64 `json:"rejected"`
	// Classification is the access decision (PUBLIC, RESTRICTED,
	// NON_PUBLIC).
	Classification string `json:"access,omitempty"`
	// Message explains a hold-back or failure for the data steward.
	Message string  `json:"message,omitempty"`
	Outcome Outcome `json:"outcome"`
	Error   string  `json:"error,omitempty"`
	// Version is the published (or unchanged latest) version, if any.
	Version  string   `json:"version,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// RunKey is the key of a run record in the private store.
func RunKey(dataset, runID string) string {
	return path.Join("runs", dataset, runID+".json")
}

// NewRunID returns a run id that sorts by start time:
// 20261125T132501Z-<8 random hex digits>.
func NewRunID(start time.Time) string {
	var b [4]byte
	rand.Read(b[:])
	return start.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// WriteRun stores the run record in the private store.
func WriteRun(ctx context.Context, private store.Store, r RunRecord) error {
	if err := CheckID(r.Dataset); err != nil {
		return fmt.Errorf("write run record: dataset id: %w", err)
	}
	if err := CheckID(r.RunID); err != nil {
		return fmt.Errorf("write run record %s: run id: %w", r.Dataset, err)
	}
	switch r.Outcome {
	case OutcomePublished, OutcomeUnchanged, OutcomeMetadataOnly, OutcomeHeldBack, OutcomeFailed:
	default:
		return fmt.Errorf("write run record %s/%s: unknown outcome %q", r.Dataset, r.RunID, r.Outcome)
	}
	if !r.End.IsZero() {
		r.Duration = r.End.Sub(r.Start)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("write run record %s/%s: %w", r.Dataset, r.RunID, err)
	}
	if err := private.Put(ctx, RunKey(r.Dataset, r.RunID), bytes.NewReader(b), store.PutOptions{ContentType: "application/json"}); err != nil {
		return fmt.Errorf("write run record %s/%s: %w", r.Dataset, r.RunID, err)
	}
	return nil
}

// ListRuns returns the dataset's run records, newest first. An empty
// dataset id lists the runs of every dataset.
func ListRuns(ctx context.Context, private store.Store, dataset string) ([]RunRecord, error) {
	prefix := "runs/"
	if dataset != "" {
		if err := CheckID(dataset); err != nil {
			return nil, fmt.Errorf("list runs: dataset id: %w", err)
		}
		prefix += dataset + "/"
	}
	infos, err := private.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("list runs %s: %w", dataset, err)
	}
	var runs []RunRecord
	for _, o := range infos {
		if !strings.HasSuffix(o.Key, ".json") {
			continue
		}
		b, err := store.ReadAll(ctx, private, o.Key)
		if errors.Is(err, store.ErrNotExist) {
			continue // deleted while listing
		}
		if err != nil {
			return nil, fmt.Errorf("list runs %s: %w", dataset, err)
		}
		var r RunRecord
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("list runs %s: %s: %w", dataset, o.Key, err)
		}
		runs = append(runs, r)
	}
	sort.SliceStable(runs, func(i, j int) bool {
		if !runs[i].Start.Equal(runs[j].Start) {
			return runs[i].Start.After(runs[j].Start)
		}
		return runs[i].RunID > runs[j].RunID
	})
	return runs, nil
}
