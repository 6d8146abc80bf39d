package fnzip

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "datasets"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"bootstrap": "#!binary", "dele.yaml": "baseURL: x\n", "datasets/a.yaml": "id: a\n"}
	for name, body := range files {
		mode := os.FileMode(0o644)
		if name == "bootstrap" {
			mode = 0o755
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), mode); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := Dir(dir, &buf); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != len(files) {
		t.Fatalf("%d entries, want %d", len(zr.File), len(files))
	}
	for _, f := range zr.File {
		want, ok := files[f.Name]
		if !ok {
			t.Errorf("unexpected entry %s", f.Name)
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if string(got) != want {
			t.Errorf("%s = %q, want %q", f.Name, got, want)
		}
		if f.Name == "bootstrap" && f.Mode()&0o111 == 0 {
			t.Errorf("bootstrap lost its executable bit: %v", f.Mode())
		}
	}
	if err := Dir(filepath.Join(dir, "missing"), io.Discard); err == nil {
		t.Error("zipping a missing folder succeeded")
	}
}
