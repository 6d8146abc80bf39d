package publish

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/dele-opendata/dele/internal/store"
)

// VerifyLatest checks that the dataset's latest.json points at a whole
// version: every file its manifest lists exists with the listed size and
// SHA-256 (read back in full), and the version's own manifest.json names
// the same version and content. It returns the latest manifest, or an
// error wrapping ErrVerify (or the store's error) naming what is wrong.
// It is the consistency check a run must never break, whenever it stops.
func VerifyLatest(ctx context.Context, s store.Store, id string) (*Manifest, error) {
	m, err := ReadLatest(ctx, s, id)
	if err != nil {
		return nil, err
	}
	if len(m.Files) == 0 {
		return nil, fmt.Errorf("verify %s: latest version %s lists no files: %w", id, m.Version, ErrVerify)
	}
	for _, f := range m.Files {
		if f.Key != VersionPrefix(id, m.Version)+f.Name {
			return nil, fmt.Errorf("verify %s: file %s of version %s is stored at %s: %w", id, f.Name, m.Version, f.Key, ErrVerify)
		}
		if err := verify(ctx, s, f.Key, f.Size, f.SHA256); err != nil {
			return nil, fmt.Errorf("verify %s version %s: %w", id, m.Version, err)
		}
	}
	b, err := store.ReadAll(ctx, s, VersionPrefix(id, m.Version)+FileManifest)
	if err != nil {
		return nil, fmt.Errorf("verify %s version %s: manifest.json: %w", id, m.Version, err)
	}
	var v Manifest
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("verify %s version %s: manifest.json: %v: %w", id, m.Version, err, ErrVerify)
	}
	if v.Dataset != id || v.Version != m.Version || v.ContentHash != m.ContentHash || len(v.Files) != len(m.Files) {
		return nil, fmt.Errorf("verify %s version %s: manifest.json names %s version %s: %w", id, m.Version, v.Dataset, v.Version, ErrVerify)
	}
	return m, nil
}
