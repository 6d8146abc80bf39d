package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// readLatest reads a dataset's latest manifest; the error wraps
// store.ErrNotExist when it was never published.
// TODO(publish): use publish.ReadLatest when it lands.
func readLatest(ctx context.Context, st store.Store, id string) (*publish.Manifest, error) {
	b, err := store.ReadAll(ctx, st, publish.LatestKey(id))
	if err != nil {
		return nil, err
	}
	var m publish.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("dataset %s: latest.json: %w", id, err)
	}
	return &m, nil
}

// newVersionID returns a version id that sorts by time and carries the
// start of the content hash.
func newVersionID(t time.Time, hash string) string {
	if len(hash) > 12 {
		hash = hash[:12]
	}
	return t.UTC().Format("20060102T150405Z") + "-" + hash
}
