package publish

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/tableschema"
)

// Cache-Control values. Version files never change once written; the
// latest pointer changes with every publish.
const (
	CacheImmutable = "public, max-age=31536000, immutable"
	CacheLatest    = "no-cache"
)

// Defaults for Publisher fields left zero.
const (
	DefaultKeep     = 10
	DefaultLeaseTTL = 15 * time.Minute
)

// ErrLocked is wrapped by Publish's error when another run holds the
// dataset's publish lease for longer than Publisher.LockWait.
var ErrLocked = errors.New("another run is publishing this dataset")

// File is one local file of a new version.
type File struct {
	// Name is the file name in the version: FileParquet, FileCSV, FileCSVNB,
	// FileSchema, FileReport (or another plain name).
	Name string
	// Path is the local file to upload.
	Path string
	// MediaType is the Content-Type; empty picks one from the name's
	// extension (MediaTypeFor).
	MediaType string
}

// Input is a new version of a dataset, as the pipeline produced it.
type Input struct {
	Dataset    string
	RunID      string
	SourceHash string
	Rows       int64
	Rejected   int64
	// Access is the access decision (PUBLIC …) recorded in the manifest.
	Access string
	Schema *tableschema.Schema
	Files  []File
	// ContentHash identifies the published content; a run whose hash
	// equals the latest version's publishes nothing. When empty, Publish
	// hashes the files (all but report.json). Set it when the files embed
	// run-specific bytes (a version id in Parquet metadata), e.g. to a hash
	// of the source and the definition.
	ContentHash string
	// Version is the new version's id, when the caller needed it before
	// writing the files; it must be a single key segment and should come
	// from VersionID so ids sort by time. When empty, Publish uses
	// VersionID(now, content hash). A version already in latest.json's
	// history is never overwritten.
	Version string
}

// Result says what Publish did.
type Result struct {
	Dataset string
	// Version is the new version, or the current one when Unchanged.
	Version string
	// Unchanged is true when the content equals the latest version's: then
	// nothing was written.
	Unchanged bool
	// Manifest is the dataset's latest.json after the run.
	Manifest *Manifest
	// Removed lists the versions deleted by retention.
	Removed []string
	// Warnings reports failures after the switch to the new version (old
	// versions not removed, lease not released); the version is published
	// and the next run repairs them.
	Warnings []string
}

// Publisher publishes versions to the public store and keeps its lease
// objects in the private store. Its zero fields take the defaults above.
type Publisher struct {
	// Public receives the versions and latest.json; Private holds leases
	// (and, through WriteRun, run records). They may be the same store
	// under two prefixes (store.WithPrefix), never the same key space.
	Public, Private store.Store
	// Keep is how many versions to keep (DefaultKeep when ≤ 0). The version
	// latest.json points at is always kept.
	Keep int
	// LeaseTTL is how long a publish lease is valid; a lease older than
	// this is stale and may be taken over (DefaultLeaseTTL when 0).
	LeaseTTL time.Duration
	// LockWait is how long Publish waits for another run's lease before
	// failing with ErrLocked (0: fail at once).
	LockWait time.Duration
	// Owner names this process in leases (host/pid); optional.
	Owner string
	// Now returns the current time (time.Now when nil); tests set it.
	Now func() time.Time
}

func (p *Publisher) now() time.Time {
	if p.Now != nil {
		return p.Now().UTC()
	}
	return time.Now().UTC()
}

func (p *Publisher) keep() int {
	if p.Keep <= 0 {
		return DefaultKeep
	}
	return p.Keep
}

func (p *Publisher) leaseTTL() time.Duration {
	if p.LeaseTTL <= 0 {
		return DefaultLeaseTTL
	}
	return p.LeaseTTL
}

// MediaTypeFor returns the Content-Type for a file name.
func MediaTypeFor(name string) string {
	switch path.Ext(name) {
	case ".parquet":
		return "application/vnd.apache.parquet"
	case ".csv":
		return "text/csv; charset=utf-8"
	case ".json":
		return "application/json"
	case ".ttl":
		return "text/turtle; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".txt":
		return "text/plain; charset=utf-8"
	}
	return "application/octet-stream"
}

// VersionID returns the id of a version published at t with the given
// content hash: the UTC time to the second, then the first 12 hex digits
// of the hash, e.g. 20261125T132501Z-3f2a9c01b7e4. Ids sort by time.
func VersionID(t time.Time, contentHash string) string {
	h := contentHash
	if len(h) > 12 {
		h = h[:12]
	}
	return t.UTC().Format("20060102T150405Z") + "-" + h
}

// versionTime parses the time part of a version id.
func versionTime(v string) (time.Time, bool) {
	ts, _, ok := strings.Cut(v, "-")
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse("20060102T150405Z", ts)
	return t, err == nil
}

// CheckID reports whether id can name a dataset or run in an object key:
// one clean key segment.
func CheckID(id string) error {
	if err := store.CheckKey(id); err != nil || strings.Contains(id, "/") {
		return fmt.Errorf("%w: %q is not a single key segment", store.ErrInvalidKey, id)
	}
	return nil
}

type localFile struct {
	File
	size int64
	sum  string
	// sha1 is for the catalog's spdx:checksum: the DCAT-AP-NO 2 shapes
	// accept only SHA-1 there.
	sha1 string
}

func hashLocal(f File) (localFile, error) {
	fh, err := os.Open(f.Path)
	if err != nil {
		return localFile{}, err
	}
	defer fh.Close()
	h, h1 := sha256.New(), sha1.New()
	n, err := io.Copy(io.MultiWriter(h, h1), fh)
	if err != nil {
		return localFile{}, fmt.Errorf("read %s: %w", f.Path, err)
	}
	if f.MediaType == "" {
		f.MediaType = MediaTypeFor(f.Name)
	}
	return localFile{File: f, size: n, sum: hex.EncodeToString(h.Sum(nil)), sha1: hex.EncodeToString(h1.Sum(nil))}, nil
}

// contentHash hashes the names and checksums of the files that make up the
// published content: everything but the run reports, which change with
// every run.
func contentHash(files []localFile) string {
	sorted := slices.Clone(files)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	h := sha256.New()
	for _, f := range sorted {
		if f.Name == FileReport || f.Name == FileReportText {
			continue
		}
		fmt.Fprintf(h, "%s\t%s\n", f.Name, f.sum)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Publish publishes in as a new version of its dataset, or nothing when
// the content equals the latest version's (Result.Unchanged).
//
// The order makes every failure safe: take the dataset's lease; upload
// every file of the new version and read each back to check its size and
// SHA-256; write and check the version's manifest.json; only then switch
// latest.json to it, with a conditional write against the latest.json that
// was read; then remove versions beyond retention and release the lease.
// A failure before the switch leaves latest.json and every old version as
// they were (the partial new version is removed, or by retention later)
// and returns an error; failures after the switch become Result.Warnings.
func (p *Publisher) Publish(ctx context.Context, in Input) (*Result, error) {
	if p.Public == nil || p.Private == nil {
		return nil, errors.New("publish: Publisher needs a public and a private store")
	}
	if err := CheckID(in.Dataset); err != nil {
		return nil, fmt.Errorf("publish: dataset id: %w", err)
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("publish %s: "+format, append([]any{in.Dataset}, args...)...)
	}
	if len(in.Files) == 0 {
		return nil, fail("no files to publish")
	}
	files := make([]localFile, 0, len(in.Files))
	seen := map[string]bool{}
	for _, f := range in.Files {
		if err := CheckID(f.Name); err != nil || f.Name == FileManifest {
			return nil, fail("file name %q: not a plain file name, or reserved", f.Name)
		}
		if seen[f.Name] {
			return nil, fail("file %s given twice", f.Name)
		}
		seen[f.Name] = true
		lf, err := hashLocal(f)
		if err != nil {
			return nil, fail("file %s: %w", f.Name, err)
		}
		files = append(files, lf)
	}
	hash := in.ContentHash
	if hash == "" {
		hash = contentHash(files)
	}
	if in.Version != "" {
		if err := CheckID(in.Version); err != nil {
			return nil, fail("version id: %w", err)
		}
	}

	l, err := p.acquire(ctx, in.Dataset, in.RunID)
	if err != nil {
		return nil, fail("%w", err)
	}
	res := &Result{Dataset: in.Dataset}
	defer func() {
		notes, err := p.release(context.WithoutCancel(ctx), l)
		res.Warnings = append(res.Warnings, notes...)
		if err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("release lease: %v", err))
		}
	}()

	prev, prevETag, err := readLatest(ctx, p.Public, in.Dataset)
	if err != nil && !errors.Is(err, store.ErrNotExist) {
		return nil, fail("%w", err)
	}
	if prev != nil && prev.ContentHash == hash {
		res.Version, res.Unchanged, res.Manifest = prev.Version, true, prev
		return res, nil
	}

	now := p.now()
	version := in.Version
	if version == "" {
		version = VersionID(now, hash)
	}
	if prev != nil {
		for _, h := range append([]VersionSummary{{Version: prev.Version}}, prev.History...) {
			if h.Version == version {
				return nil, fail("version %s is already published; versions are immutable", version)
			}
		}
	}
	m := &Manifest{
		Dataset:     in.Dataset,
		Version:     version,
		Published:   now,
		Issued:      now,
		RunID:       in.RunID,
		SourceHash:  in.SourceHash,
		ContentHash: hash,
		Rows:        in.Rows,
		Rejected:    in.Rejected,
		Access:      in.Access,
		Schema:      in.Schema,
	}
	if prev != nil && !prev.Issued.IsZero() {
		m.Issued = prev.Issued
	}
	prefix := VersionPrefix(in.Dataset, version)
	var written []string
	cleanup := func() {
		// Best effort: what is left is removed by a later run's retention.
		for _, k := range written {
			_ = p.Public.Delete(context.WithoutCancel(ctx), k)
		}
	}
	for _, f := range files {
		key := prefix + f.Name
		written = append(written, key)
		if err := uploadFile(ctx, p.Public, key, f); err != nil {
			cleanup()
			return nil, fail("version %s: %w", version, err)
		}
		m.Files = append(m.Files, FileInfo{Name: f.Name, Key: key, MediaType: f.MediaType, Size: f.size, SHA256: f.sum, SHA1: f.sha1})
	}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		cleanup()
		return nil, fail("manifest: %w", err)
	}
	written = append(written, prefix+FileManifest)
	if err := putVerified(ctx, p.Public, prefix+FileManifest, mb, CacheImmutable); err != nil {
		cleanup()
		return nil, fail("version %s: %w", version, err)
	}

	latest := *m
	latest.History = []VersionSummary{{Version: version, Published: now, Rows: in.Rows}}
	if prev != nil {
		ph := prev.History
		if len(ph) == 0 || ph[0].Version != prev.Version {
			// A latest.json without history: its own version comes first.
			ph = append([]VersionSummary{{Version: prev.Version, Published: prev.Published, Rows: prev.Rows}}, ph...)
		}
		latest.History = append(latest.History, ph...)
	}
	if len(latest.History) > p.keep() {
		latest.History = latest.History[:p.keep()]
	}
	lb, err := json.MarshalIndent(&latest, "", "  ")
	if err != nil {
		cleanup()
		return nil, fail("latest.json: %w", err)
	}
	if err := p.switchLatest(ctx, in.Dataset, lb, prev != nil, prevETag); err != nil {
		// The switch may have happened even though it reported an error
		// (a lost response): look before removing the new version.
		if cur, _, rerr := readLatest(context.WithoutCancel(ctx), p.Public, in.Dataset); rerr == nil && cur.Version == version {
			res.Warnings = append(res.Warnings, fmt.Sprintf("switch latest.json reported %v, but it points at the new version", err))
		} else {
			cleanup()
			return nil, fail("switch latest.json to %s: %w", version, err)
		}
	}
	res.Version, res.Manifest = version, &latest
	known := map[string]bool{}
	if prev != nil {
		known[prev.Version] = true
		for _, h := range prev.History {
			known[h.Version] = true
		}
	}
	removed, warns := p.retain(ctx, in.Dataset, &latest, known)
	res.Removed, res.Warnings = removed, append(res.Warnings, warns...)
	return res, nil
}

// uploadFile uploads a local file and checks it.
func uploadFile(ctx context.Context, s store.Store, key string, f localFile) error {
	fh, err := os.Open(f.Path)
	if err != nil {
		return fmt.Errorf("file %s: %w", f.Name, err)
	}
	defer fh.Close()
	o := store.PutOptions{ContentType: f.MediaType, CacheControl: CacheImmutable, SHA256: f.sum}
	if err := s.Put(ctx, key, fh, o); err != nil {
		return fmt.Errorf("upload %s: %w", f.Name, err)
	}
	return verify(ctx, s, key, f.size, f.sum)
}

func putVerified(ctx context.Context, s store.Store, key string, b []byte, cache string) error {
	sum := sha256.Sum256(b)
	hexsum := hex.EncodeToString(sum[:])
	o := store.PutOptions{ContentType: MediaTypeFor(key), CacheControl: cache, SHA256: hexsum}
	if err := s.Put(ctx, key, bytes.NewReader(b), o); err != nil {
		return fmt.Errorf("upload %s: %w", path.Base(key), err)
	}
	return verify(ctx, s, key, int64(len(b)), hexsum)
}

// ErrVerify is wrapped by errors for objects that read back differently
// from what was written.
var ErrVerify = errors.New("published object does not match what was written")

// verify reads the object back and compares its size and SHA-256.
func verify(ctx context.Context, s store.Store, key string, size int64, sum string) error {
	info, err := s.Stat(ctx, key)
	if err != nil {
		return fmt.Errorf("verify %s: %w", key, err)
	}
	if info.Size != size {
		return fmt.Errorf("verify %s: size %d, wrote %d: %w", key, info.Size, size, ErrVerify)
	}
	rc, err := s.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("verify %s: %w", key, err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		return fmt.Errorf("verify %s: read back: %w", key, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != size || got != sum {
		return fmt.Errorf("verify %s: read back %d bytes with SHA-256 %s, wrote %d bytes with %s: %w", key, n, got, size, sum, ErrVerify)
	}
	return nil
}

// switchLatest writes latest.json: only if absent for a first publish, else
// only if unchanged since it was read. Stores without conditional writes
// get a plain Put; the lease is then the only guard.
func (p *Publisher) switchLatest(ctx context.Context, id string, b []byte, exists bool, etag string) error {
	key := LatestKey(id)
	sum := sha256.Sum256(b)
	o := store.PutOptions{ContentType: "application/json", CacheControl: CacheLatest, SHA256: hex.EncodeToString(sum[:])}
	c, ok := p.Public.(store.ConditionalPutter)
	switch {
	case !ok:
		return p.Public.Put(ctx, key, bytes.NewReader(b), o)
	case exists:
		return c.PutIfMatch(ctx, key, bytes.NewReader(b), etag, o)
	default:
		return c.PutIfAbsent(ctx, key, bytes.NewReader(b), o)
	}
}

// ReadLatest returns the Manifest of the dataset's current version (its
// latest.json, with History), or an error wrapping store.ErrNotExist when
// the dataset was never published.
func ReadLatest(ctx context.Context, s store.Store, id string) (*Manifest, error) {
	m, _, err := readLatest(ctx, s, id)
	return m, err
}

// readLatest also returns the ETag of latest.json as it was before the
// read, for the conditional switch.
func readLatest(ctx context.Context, s store.Store, id string) (*Manifest, string, error) {
	if err := CheckID(id); err != nil {
		return nil, "", fmt.Errorf("read latest: dataset id: %w", err)
	}
	key := LatestKey(id)
	info, err := s.Stat(ctx, key)
	if err != nil {
		return nil, "", fmt.Errorf("read latest %s: %w", id, err)
	}
	b, err := store.ReadAll(ctx, s, key)
	if err != nil {
		return nil, "", fmt.Errorf("read latest %s: %w", id, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, "", fmt.Errorf("read latest %s: %s: %w", id, key, err)
	}
	if m.Dataset != id || m.Version == "" {
		return nil, "", fmt.Errorf("read latest %s: %s names dataset %q version %q", id, key, m.Dataset, m.Version)
	}
	return &m, info.ETag, nil
}

// ListDatasets returns the ids of the published datasets (those with a
// latest.json), sorted.
func ListDatasets(ctx context.Context, s store.Store) ([]string, error) {
	infos, err := s.List(ctx, DatasetsPrefix)
	if err != nil {
		return nil, fmt.Errorf("list datasets: %w", err)
	}
	var ids []string
	for _, o := range infos {
		rest := strings.TrimPrefix(o.Key, DatasetsPrefix)
		if id, f, ok := strings.Cut(rest, "/"); ok && f == "latest.json" {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// retain deletes versions that are neither in latest's History (already
// cut to Keep entries) nor the latest one. A version that was never
// published (not in the previous History: a failed run's leftovers, or a
// run whose lease expired while it uploaded) and is newer than the latest
// is deleted only once it is older than the lease TTL.
func (p *Publisher) retain(ctx context.Context, id string, latest *Manifest, published map[string]bool) (removed, warnings []string) {
	keep := map[string]bool{latest.Version: true}
	for _, h := range latest.History {
		keep[h.Version] = true
	}
	root := path.Join("datasets", id, "versions") + "/"
	infos, err := p.Public.List(ctx, root)
	if err != nil {
		return nil, []string{fmt.Sprintf("retention: list versions: %v", err)}
	}
	byVersion := map[string][]string{}
	var versions []string
	for _, o := range infos {
		v, _, ok := strings.Cut(strings.TrimPrefix(o.Key, root), "/")
		if !ok {
			continue
		}
		if byVersion[v] == nil {
			versions = append(versions, v)
		}
		byVersion[v] = append(byVersion[v], o.Key)
	}
	cutoff := p.now().Add(-p.leaseTTL())
	for _, v := range versions {
		if keep[v] {
			continue
		}
		if v > latest.Version && !published[v] {
			if t, ok := versionTime(v); ok && t.After(cutoff) {
				continue
			}
		}
		// Delete the manifest last, so a half-deleted version still says
		// what it was.
		keys := byVersion[v]
		sort.Slice(keys, func(i, j int) bool {
			return path.Base(keys[i]) != FileManifest && path.Base(keys[j]) == FileManifest
		})
		ok := true
		for _, k := range keys {
			if err := p.Public.Delete(ctx, k); err != nil {
				warnings = append(warnings, fmt.Sprintf("retention: delete %s: %v", k, err))
				ok = false
				break
			}
		}
		if ok {
			removed = append(removed, v)
		}
	}
	return removed, warnings
}
