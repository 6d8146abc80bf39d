// Package fsstore keeps a store.Store in a local folder: the embedded
// default, and the folder `dele serve` serves as a static site.
//
// An object with key "a/b.csv" is the file <root>/a/b.csv, so the folder
// can be served or copied as it is. Writes are atomic: the content goes to a
// temporary file in the same folder, is synced, and is renamed over the
// target. Metadata (content type, cache control, SHA-256, ETag, user
// metadata) lives in a JSON sidecar <root>/.dele-meta/<key>.json.
//
// Names starting with ".dele-" are reserved: the metadata folder
// (.dele-meta) and temporary files (.dele-tmp-*). Keys with such a segment
// are refused with store.ErrInvalidKey, List never returns them, and a static
// file server over the folder must not serve them: use Hidden to filter.
//
// The ETag of an object is the hex SHA-256 of its content. Writes, deletes
// and Stat of one key are serialised, within a process by a mutex and
// across processes sharing the folder by a lock file next to the sidecar
// (.dele-meta/<key>.json.lock, created exclusively, held only while
// comparing and renaming; one whose holder is a dead process of this
// machine, or older than 30 s, is taken as left by a crashed process). So conditional writes are atomic also between two
// `dele` processes publishing into one folder.
package fsstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dele-opendata/dele/internal/holder"
	"github.com/dele-opendata/dele/internal/store"
)

// MetaDir is the name of the sidecar metadata folder under the root.
const MetaDir = ".dele-meta"

// reservedPrefix starts every name fsstore uses for itself.
const reservedPrefix = ".dele-"

// Hidden reports whether a slash-separated path relative to the root (or a
// single name) belongs to fsstore's own files, which must not be listed or
// served.
func Hidden(rel string) bool {
	for _, seg := range strings.Split(rel, "/") {
		if strings.HasPrefix(seg, reservedPrefix) {
			return true
		}
	}
	return false
}

// Store is a folder-backed object store, safe for concurrent use.
type Store struct {
	root  string
	locks [64]sync.Mutex // striped by key: serialises writes and meta reads
}

var (
	_ store.Store             = (*Store)(nil)
	_ store.ConditionalPutter = (*Store)(nil)
	_ store.RangeGetter       = (*Store)(nil)
)

// New returns a store rooted at dir, creating the folder if needed.
func New(dir string) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("fsstore %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("fsstore: create root: %w", err)
	}
	return &Store{root: abs}, nil
}

// Root returns the store's folder.
func (s *Store) Root() string { return s.root }

// meta is the sidecar content.
type meta struct {
	Size         int64             `json:"size"`
	ETag         string            `json:"etag"`
	SHA256       string            `json:"sha256"`
	ContentType  string            `json:"contentType,omitempty"`
	CacheControl string            `json:"cacheControl,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"`
}

func checkKey(key string) error {
	if err := store.CheckKey(key); err != nil {
		return err
	}
	if Hidden(key) {
		return fmt.Errorf("%w: %q: names starting with %q are reserved", store.ErrInvalidKey, key, reservedPrefix)
	}
	return nil
}

func (s *Store) path(key string) string { return filepath.Join(s.root, filepath.FromSlash(key)) }
func (s *Store) metaPath(key string) string {
	return filepath.Join(s.root, MetaDir, filepath.FromSlash(key)+".json")
}

func (s *Store) lock(key string) *sync.Mutex {
	h := fnv.New32a()
	h.Write([]byte(key))
	return &s.locks[h.Sum32()%uint32(len(s.locks))]
}

// Lock files: a process holds one only while it compares and renames, for
// milliseconds; one older than staleLock was left by a crashed process.
const (
	staleLock    = 30 * time.Second
	lockWaitStep = 2 * time.Millisecond
)

// keyLock serialises the writers of key, among the goroutines of this
// process (a mutex) and among processes sharing the folder (a lock file
// created with O_EXCL next to the sidecar). It returns the unlock function.
func (s *Store) keyLock(ctx context.Context, key string) (func(), error) {
	mu := s.lock(key)
	mu.Lock()
	lp := s.metaPath(key) + ".lock"
	for {
		err := createLock(lp)
		if err == nil {
			return func() { os.Remove(lp); mu.Unlock() }, nil
		}
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if err := os.MkdirAll(filepath.Dir(lp), 0o755); err != nil {
				mu.Unlock()
				return nil, fmt.Errorf("fsstore lock %s: %w", key, err)
			}
			continue
		case !errors.Is(err, fs.ErrExist):
			mu.Unlock()
			return nil, fmt.Errorf("fsstore lock %s: %w", key, err)
		}
		if breakStale(lp) {
			continue
		}
		select {
		case <-ctx.Done():
			mu.Unlock()
			return nil, fmt.Errorf("fsstore lock %s: %w", key, ctx.Err())
		case <-time.After(lockWaitStep):
		}
	}
}

// lockContent is what a lock file holds: the process holding it (so that
// a lock left by a process that died on this machine is broken at once,
// see internal/holder) and a nonce (so that two lock files never look
// alike).
func lockContent() []byte {
	b, _ := json.Marshal(struct {
		Holder holder.Holder `json:"holder"`
		Nonce  string        `json:"nonce"`
	}{holder.Self(), randName()})
	return b
}

// createLock creates the lock file lp with its content in one step: the
// content goes to a file of its own, which is then linked to lp (failing
// with fs.ErrExist when lp is taken). So a process killed at any moment
// never leaves an empty lock file, which would block for staleLock.
func createLock(lp string) error {
	tmp := lp + "." + randName()
	if err := os.WriteFile(tmp, lockContent(), 0o644); err != nil {
		return err
	}
	err := os.Link(tmp, lp)
	os.Remove(tmp)
	return err
}

// breakStale removes the lock file lp when it was left behind: it is
// older than staleLock, or its holder is a process of this machine that
// has died. It moves the file aside first and puts it back if it turns
// out to be a new lock taken meanwhile, so that two waiters that both saw
// the stale lock cannot break a live one. It reports whether it removed
// the lock.
func breakStale(lp string) bool {
	fi, err := os.Stat(lp)
	if err != nil {
		return false
	}
	b, err := os.ReadFile(lp)
	if err != nil {
		return false
	}
	var c struct {
		Holder holder.Holder `json:"holder"`
	}
	dead := len(b) > 0 && json.Unmarshal(b, &c) == nil && c.Holder.Dead()
	if !dead && time.Since(fi.ModTime()) <= staleLock {
		return false
	}
	aside := lp + "." + randName()
	if os.Rename(lp, aside) != nil {
		return false
	}
	if b2, err := os.ReadFile(aside); err == nil && !bytes.Equal(b, b2) {
		// Not the lock we judged: someone else broke it and locked anew.
		_ = os.Link(aside, lp)
		os.Remove(aside)
		return false
	}
	os.Remove(aside)
	return true
}

// Get opens the object's file.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	return s.open("get", key)
}

// open opens the object's file for reading; op names the operation in
// errors.
func (s *Store) open(op, key string) (*os.File, error) {
	f, err := os.Open(s.path(key))
	if err != nil {
		return nil, s.notExist(op, key, err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("fsstore %s %s: not a regular file: %w", op, key, store.ErrNotExist)
	}
	return f, nil
}

// GetRange opens the object's file and reads length bytes from offset,
// fewer at its end (store.RangeGetter): the reads go to the file at those
// offsets, nothing is copied. Like Get, it reads the version that was in
// place when it was called, also if the object is replaced meanwhile.
func (s *Store) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if err := store.CheckRange(offset, length); err != nil {
		return nil, fmt.Errorf("fsstore get-range %s: %w", key, err)
	}
	f, err := s.open("get-range", key)
	if err != nil {
		return nil, err
	}
	return &fileRange{SectionReader: io.NewSectionReader(f, offset, length), f: f}, nil
}

// fileRange reads a section of an open file and closes the file.
type fileRange struct {
	*io.SectionReader
	f *os.File
}

func (r *fileRange) Close() error { return r.f.Close() }

func (s *Store) notExist(op, key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) || isNotDir(err) {
		return fmt.Errorf("fsstore %s %s: %w", op, key, store.ErrNotExist)
	}
	return fmt.Errorf("fsstore %s %s: %w", op, key, err)
}

// Stat returns the object's metadata. A file without a sidecar (copied in
// by hand) is hashed to fill SHA256 and ETag.
func (s *Store) Stat(ctx context.Context, key string) (store.ObjectInfo, error) {
	if err := checkKey(key); err != nil {
		return store.ObjectInfo{}, err
	}
	unlock, err := s.keyLock(ctx, key)
	if err != nil {
		return store.ObjectInfo{}, err
	}
	defer unlock()
	return s.stat(key)
}

func (s *Store) stat(key string) (store.ObjectInfo, error) {
	fi, err := os.Stat(s.path(key))
	if err != nil {
		return store.ObjectInfo{}, s.notExist("stat", key, err)
	}
	if !fi.Mode().IsRegular() {
		return store.ObjectInfo{}, fmt.Errorf("fsstore stat %s: not a regular file: %w", key, store.ErrNotExist)
	}
	info := store.ObjectInfo{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}
	m, err := s.readMeta(key)
	if err != nil || m.Size != fi.Size() {
		// No sidecar (or a stale one): hash the file.
		sum, err := hashFile(s.path(key))
		if err != nil {
			return store.ObjectInfo{}, s.notExist("stat", key, err)
		}
		info.SHA256, info.ETag = sum, sum
		return info, nil
	}
	info.ETag, info.SHA256 = m.ETag, m.SHA256
	info.ContentType, info.CacheControl = m.ContentType, m.CacheControl
	info.Metadata = maps.Clone(m.Metadata)
	return info, nil
}

func (s *Store) readMeta(key string) (meta, error) {
	var m meta
	b, err := os.ReadFile(s.metaPath(key))
	if err != nil {
		return m, err
	}
	err = json.Unmarshal(b, &m)
	return m, err
}

func hashFile(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// List walks the folder under prefix. It fills Key, Size and ModTime;
// ContentType, ETag and the other metadata need Stat.
func (s *Store) List(ctx context.Context, prefix string) ([]store.ObjectInfo, error) {
	dir := ""
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		dir = prefix[:i]
		if err := store.CheckKey(dir); err != nil {
			return nil, fmt.Errorf("fsstore list %q: %w", prefix, err)
		}
	}
	if strings.ContainsAny(prefix, "\\\x00") {
		return nil, fmt.Errorf("fsstore list %q: %w", prefix, store.ErrInvalidKey)
	}
	var out []store.ObjectInfo
	base := s.root
	if dir != "" {
		base = s.path(dir)
	}
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == base && (errors.Is(err, fs.ErrNotExist) || isNotDir(err)) {
				return fs.SkipAll
			}
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed while walking
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == base {
			return nil
		}
		rel, err := filepath.Rel(s.root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if strings.HasPrefix(d.Name(), reservedPrefix) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			// Skip folders that cannot hold a match.
			if !strings.HasPrefix(key+"/", prefix) && !strings.HasPrefix(prefix, key+"/") {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasPrefix(key, prefix) {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		out = append(out, store.ObjectInfo{Key: key, Size: fi.Size(), ModTime: fi.ModTime()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("fsstore list %q: %w", prefix, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// isNotDir reports whether err says a path segment is a file (ENOTDIR),
// which for a key means the object does not exist.
func isNotDir(err error) bool {
	return errors.Is(err, syscall.ENOTDIR)
}

// Delete removes the object and its sidecar, and then any folders left
// empty. A missing object is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	unlock, err := s.keyLock(ctx, key)
	if err != nil {
		return err
	}
	if err := os.Remove(s.path(key)); err != nil && !errors.Is(err, fs.ErrNotExist) && !isNotDir(err) {
		unlock()
		return fmt.Errorf("fsstore delete %s: %w", key, err)
	}
	if err := os.Remove(s.metaPath(key)); err != nil && !errors.Is(err, fs.ErrNotExist) && !isNotDir(err) {
		unlock()
		return fmt.Errorf("fsstore delete %s: metadata: %w", key, err)
	}
	unlock() // removes the lock file, so its folder can be pruned too
	s.pruneDirs(path.Dir(key))
	s.pruneDirs(path.Join(MetaDir, path.Dir(key)))
	return nil
}

// pruneDirs removes dir and its parents while they are empty (best effort).
func (s *Store) pruneDirs(dir string) {
	for dir != "." && dir != "" && dir != MetaDir {
		if os.Remove(s.path(dir)) != nil {
			return
		}
		dir = path.Dir(dir)
	}
}

// Put writes the object atomically.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, o store.PutOptions) error {
	return s.put(ctx, key, r, o, modeReplace, "")
}

// PutIfAbsent writes the object only if key does not exist.
func (s *Store) PutIfAbsent(ctx context.Context, key string, r io.Reader, o store.PutOptions) error {
	return s.put(ctx, key, r, o, modeAbsent, "")
}

// PutIfMatch writes the object only if its current ETag is etag.
func (s *Store) PutIfMatch(ctx context.Context, key string, r io.Reader, etag string, o store.PutOptions) error {
	return s.put(ctx, key, r, o, modeMatch, etag)
}

type putMode int

const (
	modeReplace putMode = iota
	modeAbsent
	modeMatch
)

func (s *Store) put(ctx context.Context, key string, r io.Reader, o store.PutOptions, mode putMode, etag string) (err error) {
	if err := checkKey(key); err != nil {
		return err
	}
	target := s.path(key)
	dir := filepath.Dir(target)
	var tmp *os.File
	for attempt := 0; ; attempt++ {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("fsstore put %s: %w", key, err)
		}
		tmp, err = os.CreateTemp(dir, reservedPrefix+"tmp-*")
		// A Delete of the folder's last object may prune it in between.
		if err == nil || !errors.Is(err, fs.ErrNotExist) || attempt == 3 {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("fsstore put %s: %w", key, err)
	}
	tmpName := tmp.Name()
	defer func() {
		if tmp != nil {
			tmp.Close()
		}
		os.Remove(tmpName) // after a rename or link this is a no-op or drops the extra link
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), r)
	if err != nil {
		return fmt.Errorf("fsstore put %s: write: %w", key, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("fsstore put %s: sync: %w", key, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("fsstore put %s: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("fsstore put %s: close: %w", key, err)
	}
	tmp = nil
	if err := ctx.Err(); err != nil {
		return err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if o.SHA256 != "" && !strings.EqualFold(o.SHA256, sum) {
		return fmt.Errorf("fsstore put %s: content SHA-256 %s does not match the given %s", key, sum, o.SHA256)
	}
	m := meta{Size: n, ETag: sum, SHA256: sum, ContentType: o.ContentType, CacheControl: o.CacheControl, Metadata: maps.Clone(o.Metadata)}

	unlock, err := s.keyLock(ctx, key)
	if err != nil {
		return err
	}
	defer unlock()
	switch mode {
	case modeAbsent:
		// A hard link creates the name only if it is free, also against
		// other processes; the sidecar follows under the key lock.
		if err := os.Link(tmpName, target); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("fsstore put-if-absent %s: %w", key, store.ErrPrecondition)
			}
			return fmt.Errorf("fsstore put-if-absent %s: %w", key, err)
		}
		if err := s.writeMeta(key, m); err != nil {
			return err
		}
		return nil
	case modeMatch:
		cur, err := s.stat(key)
		if err != nil {
			if errors.Is(err, store.ErrNotExist) {
				return fmt.Errorf("fsstore put-if-match %s: %w", key, store.ErrPrecondition)
			}
			return err
		}
		if cur.ETag != etag {
			return fmt.Errorf("fsstore put-if-match %s: %w", key, store.ErrPrecondition)
		}
	}
	if fi, err := os.Stat(target); err == nil && fi.IsDir() {
		return fmt.Errorf("fsstore put %s: a folder of objects has this name: %w", key, store.ErrInvalidKey)
	}
	// The data goes first, then the sidecar; Stat under the key lock never
	// sees them disagree, and a sidecar whose size does not match the file
	// is ignored.
	if err := os.Rename(tmpName, target); err != nil {
		return fmt.Errorf("fsstore put %s: rename: %w", key, err)
	}
	return s.writeMeta(key, m)
}

func (s *Store) writeMeta(key string, m meta) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("fsstore put %s: metadata: %w", key, err)
	}
	mp := s.metaPath(key)
	if err := os.MkdirAll(filepath.Dir(mp), 0o755); err != nil {
		return fmt.Errorf("fsstore put %s: metadata: %w", key, err)
	}
	tmp := mp + "." + randName()
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("fsstore put %s: metadata: %w", key, err)
	}
	if err := os.Rename(tmp, mp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("fsstore put %s: metadata: %w", key, err)
	}
	return nil
}

func randName() string {
	var b [8]byte
	rand.Read(b[:])
	return "tmp-" + hex.EncodeToString(b[:])
}
