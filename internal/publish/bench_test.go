package publish_test

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store/fsstore"
)

// BenchmarkPublishFS publishes a version with a 32 MiB data file to a local
// folder: upload, read-back verification, switch. Each iteration has new
// content, so nothing is skipped as unchanged.
func BenchmarkPublishFS(b *testing.B) {
	const size = 32 << 20
	dir := b.TempDir()
	pub, err := fsstore.New(filepath.Join(dir, "public"))
	if err != nil {
		b.Fatal(err)
	}
	priv, err := fsstore.New(filepath.Join(dir, "private"))
	if err != nil {
		b.Fatal(err)
	}
	data := make([]byte, size)
	rand.Read(data)
	src := filepath.Join(dir, "data.parquet")
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	p := &publish.Publisher{Public: pub, Private: priv, Keep: 2, Now: func() time.Time { return now }}
	b.SetBytes(size)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		copy(data, fmt.Sprintf("iteration %d", i))
		if err := os.WriteFile(src, data, 0o644); err != nil {
			b.Fatal(err)
		}
		now = now.Add(time.Minute)
		b.StartTimer()
		if _, err := p.Publish(b.Context(), publish.Input{Dataset: "bench", RunID: "r", Files: []publish.File{{Name: publish.FileParquet, Path: src}}}); err != nil {
			b.Fatal(err)
		}
	}
}
