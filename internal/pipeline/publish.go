package pipeline

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/tableschema"
)

// publish publishes the files of the run as a new version.
// TODO(publish): replace with publish.Publisher (locks, retention) when it lands.
func (b *build) publish(ctx context.Context, schema *tableschema.Schema, version, contentHash string) error {
	res := b.res
	if b.prev != nil && contentHash != "" && b.prev.ContentHash == contentHash {
		res.Outcome, res.Version, res.Message = Unchanged, b.prev.Version, "content unchanged; nothing new published"
		return nil
	}
	if version == "" {
		version = newVersionID(res.Start, contentHash)
	}
	schemaJSON, err := schema.MarshalIndent()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(b.dir, publish.FileSchema), schemaJSON, 0o644); err != nil {
		return err
	}
	res.Report.Version = version
	pub := *res.Report
	if pub.Validation != nil {
		v := pub.Validation.Public()
		pub.Validation = &v
	}
	repJSON, err := json.MarshalIndent(pub, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(b.dir, publish.FileReport), repJSON, 0o644); err != nil {
		return err
	}
	files := []outputFile{}
	for _, f := range []outputFile{parquetFile, csvFile, csvNBFile, {publish.FileSchema, "application/schema+json"}, {publish.FileReport, "application/json"}} {
		if _, err := os.Stat(filepath.Join(b.dir, f.name)); err == nil {
			files = append(files, f)
		}
	}
	prefix := publish.VersionPrefix(b.def.ID, version)
	m := &publish.Manifest{Dataset: b.def.ID, Version: version, Published: res.Start, Issued: res.Start, RunID: res.RunID,
		SourceHash: res.Extract.ContentHash, ContentHash: contentHash, Rows: res.RowsOut, Rejected: res.Rejected,
		Access: res.Access, Schema: schema}
	if b.prev != nil && !b.prev.Issued.IsZero() {
		m.Issued = b.prev.Issued
	}
	for _, f := range files {
		fi, err := putFile(ctx, b.env.Public, filepath.Join(b.dir, f.name), prefix+f.name, f.mediaType)
		if err != nil {
			return fmt.Errorf("publish: %w", err)
		}
		fi.Name = f.name
		m.Files = append(m.Files, fi)
	}
	m.History = append([]publish.VersionSummary{{Version: version, Published: res.Start, Rows: res.RowsOut}}, prevHistory(b.prev)...)
	mj, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := b.env.Public.Put(ctx, prefix+publish.FileManifest, bytesReader(mj), store.PutOptions{ContentType: "application/json", SHA256: sha256Hex(mj)}); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	if err := b.env.Public.Put(ctx, publish.LatestKey(b.def.ID), bytesReader(mj), store.PutOptions{ContentType: "application/json", CacheControl: "no-cache", SHA256: sha256Hex(mj)}); err != nil {
		return fmt.Errorf("publish: switch latest: %w", err)
	}
	res.Outcome, res.Version, res.Files = Published, version, m.Files
	return nil
}

func prevHistory(m *publish.Manifest) []publish.VersionSummary {
	if m == nil {
		return nil
	}
	if len(m.History) > 0 {
		return m.History
	}
	return []publish.VersionSummary{{Version: m.Version, Published: m.Published, Rows: m.Rows}}
}

func putFile(ctx context.Context, st store.Store, file, key, mediaType string) (publish.FileInfo, error) {
	f, err := os.Open(file)
	if err != nil {
		return publish.FileInfo{}, err
	}
	defer f.Close()
	h256, h1 := sha256.New(), sha1.New()
	n, err := io.Copy(io.MultiWriter(h256, h1), f)
	if err != nil {
		return publish.FileInfo{}, err
	}
	fi := publish.FileInfo{Key: key, MediaType: mediaType, Size: n, SHA256: hex.EncodeToString(h256.Sum(nil)), SHA1: hex.EncodeToString(h1.Sum(nil))}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fi, err
	}
	err = st.Put(ctx, key, f, store.PutOptions{ContentType: mediaType, CacheControl: "public, max-age=31536000, immutable", SHA256: fi.SHA256})
	return fi, err
}
