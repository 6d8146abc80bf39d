package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/tableschema"
)

// lockWait is how long a run waits for another run of the same dataset to
// finish publishing before it gives up.
const lockWait = 2 * time.Minute

// publish publishes the files of the run as a new version with
// publish.Publisher: under a lease, verified by reading back, switching
// latest.json last, then applying retention.
func (b *build) publish(ctx context.Context, schema *tableschema.Schema, version, contentHash string) error {
	res := b.res
	schemaJSON, err := schema.MarshalIndent()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(b.dir, publish.FileSchema), schemaJSON, 0o644); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	if version == "" {
		version = publish.VersionID(res.Start, contentHash)
	}
	// The public report holds no source values.
	pub := *res.Report
	pub.Version, pub.Outcome = version, Published
	if pub.Validation != nil {
		v := pub.Validation.Public()
		pub.Validation = &v
	}
	repJSON, err := json.MarshalIndent(pub, "", "  ")
	if err != nil {
		return fmt.Errorf("publish: encode report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(b.dir, publish.FileReport), repJSON, 0o644); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	if err := os.WriteFile(filepath.Join(b.dir, publish.FileReportText), []byte(pub.Text()), 0o644); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	var files []publish.File
	for _, name := range []string{publish.FileParquet, publish.FileCSV, publish.FileCSVNB, publish.FileSchema, publish.FileReport, publish.FileReportText} {
		p := filepath.Join(b.dir, name)
		if _, err := os.Stat(p); err == nil {
			files = append(files, publish.File{Name: name, Path: p})
		}
	}
	keep := b.def.Retention
	if keep == 0 && b.env.Config != nil {
		keep = b.env.Config.Retention
	}
	p := &publish.Publisher{Public: b.env.Public, Private: b.env.Private, Keep: keep, LockWait: lockWait, Owner: res.RunID, Now: b.env.now}
	out, err := p.Publish(ctx, publish.Input{
		Dataset: b.def.ID, RunID: res.RunID, SourceHash: res.Extract.ContentHash,
		Rows: res.RowsOut, Rejected: res.Rejected, Access: res.Access, Schema: schema,
		Files: files, ContentHash: contentHash, Version: version,
	})
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	for _, w := range out.Warnings {
		b.env.log().Warn("publish", "dataset", b.def.ID, "warning", w)
	}
	res.Version = out.Version
	if out.Unchanged {
		res.Outcome, res.Message = Unchanged, "content unchanged; nothing new published"
		return nil
	}
	res.Outcome, res.Files = Published, out.Manifest.Files
	res.Report.Version = out.Version
	return nil
}
