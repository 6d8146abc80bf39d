package fsstore_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
