// Package memstore is an in-memory store.Store for tests and for runs that
// publish nothing to disk. It implements store.ConditionalPutter and
// store.RangeGetter. ETags are the hex SHA-256 of the content.
package memstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dele-opendata/dele/internal/store"
)

// Store is an in-memory object store, safe for concurrent use. The zero
// value is not usable; call New.
type Store struct {
	mu   sync.RWMutex
	objs map[string]object
	// now is replaceable in tests; it gives ModTime.
	now func() time.Time
}

type object struct {
	data []byte
	info store.ObjectInfo
}

var (
	_ store.Store             = (*Store)(nil)
	_ store.ConditionalPutter = (*Store)(nil)
	_ store.RangeGetter       = (*Store)(nil)
)

// New returns an empty store.
func New() *Store { return &Store{objs: map[string]object{}, now: time.Now} }

// Get returns a reader over a copy-free snapshot of the object.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := store.CheckKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	o, ok := s.objs[key]
	s.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("memstore get %s: %w", key, store.ErrNotExist)
	}
	// Objects are never modified in place (Put replaces the slice), so
	// readers can share it.
	return io.NopCloser(bytes.NewReader(o.data)), nil
}

// GetRange returns a reader over length bytes of the object from offset,
// fewer at its end (store.RangeGetter). It shares the stored bytes.
func (s *Store) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := store.CheckKey(key); err != nil {
		return nil, err
	}
	if err := store.CheckRange(offset, length); err != nil {
		return nil, fmt.Errorf("memstore get-range %s: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	o, ok := s.objs[key]
	s.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("memstore get-range %s: %w", key, store.ErrNotExist)
	}
	size := int64(len(o.data))
	start := min(offset, size)
	end := start + min(length, size-start)
	return io.NopCloser(bytes.NewReader(o.data[start:end])), nil
}

// Stat returns the object's metadata.
func (s *Store) Stat(ctx context.Context, key string) (store.ObjectInfo, error) {
	if err := store.CheckKey(key); err != nil {
		return store.ObjectInfo{}, err
	}
	s.mu.RLock()
	o, ok := s.objs[key]
	s.mu.RUnlock()
	if !ok {
		return store.ObjectInfo{}, fmt.Errorf("memstore stat %s: %w", key, store.ErrNotExist)
	}
	return cloneInfo(o.info), nil
}

// List returns the objects under prefix, sorted by key.
func (s *Store) List(ctx context.Context, prefix string) ([]store.ObjectInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	var out []store.ObjectInfo
	for k, o := range s.objs {
		if strings.HasPrefix(k, prefix) {
			out = append(out, cloneInfo(o.info))
		}
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Delete removes the object; a missing object is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := store.CheckKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.objs, key)
	s.mu.Unlock()
	return nil
}

// Put stores the object.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, o store.PutOptions) error {
	return s.put(ctx, key, r, o, func(object, bool) error { return nil })
}

// PutIfAbsent stores the object only if key is not taken.
func (s *Store) PutIfAbsent(ctx context.Context, key string, r io.Reader, o store.PutOptions) error {
	return s.put(ctx, key, r, o, func(_ object, exists bool) error {
		if exists {
			return fmt.Errorf("memstore put-if-absent %s: %w", key, store.ErrPrecondition)
		}
		return nil
	})
}

// PutIfMatch stores the object only if its current ETag is etag.
func (s *Store) PutIfMatch(ctx context.Context, key string, r io.Reader, etag string, o store.PutOptions) error {
	return s.put(ctx, key, r, o, func(cur object, exists bool) error {
		if !exists || cur.info.ETag != etag {
			return fmt.Errorf("memstore put-if-match %s: %w", key, store.ErrPrecondition)
		}
		return nil
	})
}

func (s *Store) put(ctx context.Context, key string, r io.Reader, o store.PutOptions, check func(object, bool) error) error {
	if err := store.CheckKey(key); err != nil {
		return err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("memstore put %s: read: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	hexsum := hex.EncodeToString(sum[:])
	if o.SHA256 != "" && !strings.EqualFold(o.SHA256, hexsum) {
		return fmt.Errorf("memstore put %s: content SHA-256 %s does not match the given %s", key, hexsum, o.SHA256)
	}
	obj := object{data: data, info: store.ObjectInfo{
		Key:          key,
		Size:         int64(len(data)),
		ModTime:      s.now(),
		ETag:         hexsum,
		ContentType:  o.ContentType,
		CacheControl: o.CacheControl,
		SHA256:       hexsum,
		Metadata:     maps.Clone(o.Metadata),
	}}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, exists := s.objs[key]
	if err := check(cur, exists); err != nil {
		return err
	}
	s.objs[key] = obj
	return nil
}

func cloneInfo(i store.ObjectInfo) store.ObjectInfo {
	i.Metadata = maps.Clone(i.Metadata)
	return i
}
