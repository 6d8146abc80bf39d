package openapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/metadata"

	"github.com/dele-opendata/dele/internal/store"
)

// parquetFiles opens published Parquet files for reading and caches their
// footers. Published versions are immutable, so a key's content never
// changes and its parsed footer and local copy can be kept.
type parquetFiles struct {
	st  store.Store
	dir string // cache folder for stores without ranged reads

	mu    sync.Mutex
	files map[string]*parquetFile
}

type parquetFile struct {
	once sync.Once
	err  error
	rg   store.RangeGetter // ranged reads, or nil
	ra   io.ReaderAt       // the local copy when rg is nil
	size int64
	md   *metadata.FileMetaData
}

// readerAt returns a reader of the file whose reads end with ctx: a ranged
// read of a slow store is cancelled by the request's deadline or by the
// client going away.
func (f *parquetFile) readerAt(ctx context.Context, key string) io.ReaderAt {
	if f.rg != nil {
		return &rangeReaderAt{ctx: ctx, st: f.rg, key: key}
	}
	return f.ra
}

// open returns a Parquet reader of key whose reads are bound to ctx. Each
// call returns a new reader sharing the cached footer, so requests do not
// share read state.
func (p *parquetFiles) open(ctx context.Context, key string) (*file.Reader, error) {
	p.mu.Lock()
	f := p.files[key]
	if f == nil {
		f = &parquetFile{}
		p.files[key] = f
	}
	p.mu.Unlock()
	f.once.Do(func() { f.err = p.load(ctx, key, f) })
	if f.err != nil {
		p.mu.Lock()
		if p.files[key] == f {
			delete(p.files, key) // retry on the next request
		}
		p.mu.Unlock()
		return nil, f.err
	}
	r, err := file.NewParquetReader(&seeker{ra: f.readerAt(ctx, key), size: f.size}, file.WithMetadata(f.md))
	if err != nil {
		return nil, fmt.Errorf("open parquet %s: %w", key, err)
	}
	return r, nil
}

func (p *parquetFiles) load(ctx context.Context, key string, f *parquetFile) error {
	if rg, ok := p.st.(store.RangeGetter); ok {
		info, err := p.st.Stat(ctx, key)
		if err != nil {
			return err
		}
		f.rg, f.size = rg, info.Size
	} else {
		fh, size, err := p.download(ctx, key)
		if err != nil {
			return err
		}
		f.ra, f.size = fh, size
	}
	r, err := file.NewParquetReader(&seeker{ra: f.readerAt(ctx, key), size: f.size})
	if err != nil {
		return fmt.Errorf("open parquet %s: %w", key, err)
	}
	f.md = r.MetaData()
	return nil
}

// download copies the object to the cache folder and opens the copy.
func (p *parquetFiles) download(ctx context.Context, key string) (*os.File, int64, error) {
	sum := sha256.Sum256([]byte(key))
	name := filepath.Join(p.dir, hex.EncodeToString(sum[:16])+".parquet")
	if fh, err := os.Open(name); err == nil {
		st, err := fh.Stat()
		if err == nil {
			return fh, st.Size(), nil
		}
		fh.Close()
	}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return nil, 0, fmt.Errorf("parquet cache: %w", err)
	}
	rc, err := p.st.Get(ctx, key)
	if err != nil {
		return nil, 0, err
	}
	defer rc.Close()
	tmp, err := os.CreateTemp(p.dir, "download-*")
	if err != nil {
		return nil, 0, fmt.Errorf("parquet cache: %w", err)
	}
	n, err := io.Copy(tmp, rc)
	if err == nil {
		err = tmp.Close()
	} else {
		tmp.Close()
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return nil, 0, fmt.Errorf("download %s: %w", key, err)
	}
	fh, err := os.Open(name)
	if err != nil {
		return nil, 0, fmt.Errorf("parquet cache: %w", err)
	}
	return fh, n, nil
}

// rangeReaderAt reads an object with ranged gets on behalf of one
// request: ctx is that request's, so its deadline and the client going
// away end a read that hangs.
type rangeReaderAt struct {
	ctx context.Context
	st  store.RangeGetter
	key string
}

func (r *rangeReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, fmt.Errorf("read %s at %d: %w", r.key, off, err)
	}
	rc, err := r.st.GetRange(r.ctx, r.key, off, int64(len(p)))
	if err != nil {
		return 0, fmt.Errorf("read %s at %d: %w", r.key, off, err)
	}
	defer rc.Close()
	n, err := io.ReadFull(rc, p)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF
	}
	if err != nil && !errors.Is(err, io.EOF) {
		err = fmt.Errorf("read %s at %d: %w", r.key, off, err)
	}
	return n, err
}

// seeker gives an io.ReaderAt of known size the Seek the Parquet reader
// wants; each reader gets its own.
type seeker struct {
	ra   io.ReaderAt
	size int64
	off  int64
}

func (s *seeker) ReadAt(p []byte, off int64) (int, error) { return s.ra.ReadAt(p, off) }

func (s *seeker) Read(p []byte) (int, error) {
	n, err := s.ra.ReadAt(p, s.off)
	s.off += int64(n)
	return n, err
}

func (s *seeker) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += s.off
	case io.SeekEnd:
		offset += s.size
	default:
		return 0, fmt.Errorf("seek: bad whence %d", whence)
	}
	if offset < 0 {
		return 0, fmt.Errorf("seek: negative offset")
	}
	s.off = offset
	return offset, nil
}
