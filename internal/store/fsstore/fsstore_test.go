package fsstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/store/fsstore"
	"github.com/dele-opendata/dele/internal/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := fsstore.New(filepath.Join(t.TempDir(), "root"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// The folder holds exactly the objects as plain files, plus the hidden
// metadata folder; nothing else a static file server could serve.
func TestFolderLayout(t *testing.T) {
	dir := t.TempDir()
	s, err := fsstore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for _, k := range []string{"index.html", "datasets/x/latest.json", "datasets/x/versions/v1/data.csv"} {
		if err := s.Put(ctx, k, strings.NewReader("content "+k), store.PutOptions{ContentType: "text/plain"}); err != nil {
			t.Fatal(err)
		}
	}
	// A failed write leaves no temporary file behind.
	if err := s.Put(ctx, "datasets/x/broken", iotestErr{}, store.PutOptions{}); err == nil {
		t.Fatal("Put with a failing reader succeeded")
	}
	var files []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() && d.Name() == fsstore.MetaDir {
			return fs.SkipDir
		}
		if !d.IsDir() {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "datasets/x/latest.json datasets/x/versions/v1/data.csv index.html"
	if got := strings.Join(files, " "); got != want {
		t.Errorf("files in folder = %v, want %s", files, want)
	}
	b, err := os.ReadFile(filepath.Join(dir, "datasets", "x", "versions", "v1", "data.csv"))
	if err != nil || string(b) != "content datasets/x/versions/v1/data.csv" {
		t.Errorf("plain file = %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(dir, fsstore.MetaDir, "index.html.json")); err != nil {
		t.Errorf("sidecar missing: %v", err)
	}
}

type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, errors.New("injected") }

func TestReservedNames(t *testing.T) {
	s, err := fsstore.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for _, k := range []string{".dele-meta/x.json", "a/.dele-tmp-1", ".dele-x"} {
		if err := s.Put(ctx, k, strings.NewReader("x"), store.PutOptions{}); !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("Put(%q) error = %v, want ErrInvalidKey", k, err)
		}
		if _, err := s.Get(ctx, k); !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("Get(%q) error = %v, want ErrInvalidKey", k, err)
		}
	}
	if err := s.Put(ctx, "a", strings.NewReader("x"), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	infos, err := s.List(ctx, "")
	if err != nil || len(infos) != 1 || infos[0].Key != "a" {
		t.Errorf("List = %v, %v; want only a (no sidecar)", infos, err)
	}
	if infos, err := s.List(ctx, "../"); !errors.Is(err, store.ErrInvalidKey) {
		t.Errorf("List(../) = %v, %v; want ErrInvalidKey", infos, err)
	}
	for rel, want := range map[string]bool{".dele-meta/a.json": true, "a/.dele-tmp-x": true, "a/b.csv": false, ".well-known/x": false} {
		if got := fsstore.Hidden(rel); got != want {
			t.Errorf("Hidden(%q) = %v, want %v", rel, got, want)
		}
	}
}

// A file copied into the folder by hand is an object too; its checksum is
// computed on Stat.
func TestFileWithoutSidecar(t *testing.T) {
	dir := t.TempDir()
	s, err := fsstore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "hand.txt"), []byte("hei"), 0o644); err != nil {
		t.Fatal(err)
	}
	info, err := s.Stat(t.Context(), "hand.txt")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("hei"))
	if info.Size != 3 || info.SHA256 != hex.EncodeToString(sum[:]) || info.ETag != info.SHA256 {
		t.Errorf("Stat of a hand-copied file = %+v", info)
	}
}

// alternating sends each call to the next of several Store values over
// one folder, as separate processes sharing the folder would.
type alternating struct {
	stores []*fsstore.Store
	n      atomic.Uint64
}

func (a *alternating) next() *fsstore.Store {
	return a.stores[a.n.Add(1)%uint64(len(a.stores))]
}

func (a *alternating) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	return a.next().Get(ctx, key)
}
func (a *alternating) Stat(ctx context.Context, key string) (store.ObjectInfo, error) {
	return a.next().Stat(ctx, key)
}
func (a *alternating) List(ctx context.Context, prefix string) ([]store.ObjectInfo, error) {
	return a.next().List(ctx, prefix)
}
func (a *alternating) Delete(ctx context.Context, key string) error {
	return a.next().Delete(ctx, key)
}
func (a *alternating) Put(ctx context.Context, key string, r io.Reader, o store.PutOptions) error {
	return a.next().Put(ctx, key, r, o)
}
func (a *alternating) PutIfAbsent(ctx context.Context, key string, r io.Reader, o store.PutOptions) error {
	return a.next().PutIfAbsent(ctx, key, r, o)
}
func (a *alternating) PutIfMatch(ctx context.Context, key string, r io.Reader, etag string, o store.PutOptions) error {
	return a.next().PutIfMatch(ctx, key, r, etag, o)
}

// Two Store values over one folder share no memory: only the lock files
// keep their conditional writes atomic, as between two dele processes.
func TestContractSharedFolder(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		dir := t.TempDir()
		a := &alternating{}
		for range 3 {
			s, err := fsstore.New(dir)
			if err != nil {
				t.Fatal(err)
			}
			a.stores = append(a.stores, s)
		}
		return a
	})
}

// A lock file left by a crashed process is taken over once stale.
func TestStaleLockFile(t *testing.T) {
	dir := t.TempDir()
	s, err := fsstore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	lock := filepath.Join(dir, fsstore.MetaDir, "k.json.lock")
	if err := os.MkdirAll(filepath.Dir(lock), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lock, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// A fresh lock blocks.
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := s.Put(ctx, "k", strings.NewReader("x"), store.PutOptions{}); err == nil {
		t.Fatal("Put under a fresh lock file succeeded")
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(lock, old, old); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(t.Context(), "k", strings.NewReader("x"), store.PutOptions{}); err != nil {
		t.Fatalf("Put under a stale lock file: %v", err)
	}
	if _, err := os.Stat(lock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file left after Put: %v", err)
	}
}

// A counter incremented by compare-and-swap from several Store values over
// one folder loses no increment: every successful PutIfMatch was based on
// the value it replaced.
func TestSharedFolderCompareAndSwap(t *testing.T) {
	dir := t.TempDir()
	var stores []*fsstore.Store
	for range 3 {
		s, err := fsstore.New(dir)
		if err != nil {
			t.Fatal(err)
		}
		stores = append(stores, s)
	}
	ctx := t.Context()
	if err := stores[0].Put(ctx, "counter", strings.NewReader("0"), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	var wins atomic.Int64
	var wg sync.WaitGroup
	for g := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[g%len(stores)]
			for range 40 {
				info, err := s.Stat(ctx, "counter")
				if err != nil {
					t.Error(err)
					return
				}
				b, err := store.ReadAll(ctx, s, "counter")
				if err != nil {
					t.Error(err)
					return
				}
				n, _ := strconv.Atoi(string(b))
				if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != info.ETag {
					continue // changed between Stat and Get; PutIfMatch would refuse anyway
				}
				err = s.PutIfMatch(ctx, "counter", strings.NewReader(strconv.Itoa(n+1)), info.ETag, store.PutOptions{})
				switch {
				case err == nil:
					wins.Add(1)
				case !errors.Is(err, store.ErrPrecondition):
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b, err := store.ReadAll(ctx, stores[0], "counter")
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); got != strconv.FormatInt(wins.Load(), 10) {
		t.Errorf("counter = %s after %d successful compare-and-swaps: increments were lost", got, wins.Load())
	}
}
