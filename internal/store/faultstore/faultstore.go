// Package faultstore wraps a store.Store to inject failures, for tests that
// prove a failure at any point leaves published data intact: it fails the
// k-th write (Put, PutIfAbsent, PutIfMatch or Delete) or the k-th read.
package faultstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/dele-opendata/dele/internal/store"
)

// ErrInjected is wrapped by every injected failure.
var ErrInjected = errors.New("faultstore: injected failure")

// Store counts the writes and reads made through it and fails the chosen
// ones. It always implements store.ConditionalPutter; conditional writes
// fail with an error when the wrapped store does not support them. It
// always implements store.RangeGetter too: a ranged read goes to the
// wrapped store's GetRange, or, when it has none, is cut from a whole Get.
type Store struct {
	inner store.Store

	mu        sync.Mutex
	writes    int
	reads     int
	failWrite int
	failRead  int
	keys      []string
}

var (
	_ store.Store             = (*Store)(nil)
	_ store.ConditionalPutter = (*Store)(nil)
	_ store.RangeGetter       = (*Store)(nil)
)

// New wraps inner. Nothing fails until FailWrite or FailRead is called.
func New(inner store.Store) *Store { return &Store{inner: inner} }

// FailWrite makes the k-th write from now on fail (k ≥ 1) before it reaches
// the wrapped store, and resets the write counter; k = 0 turns it off.
func (s *Store) FailWrite(k int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failWrite, s.writes, s.keys = k, 0, nil
}

// FailRead makes the k-th read (Get, GetRange or Stat) from now on fail, and resets
// the read counter; k = 0 turns it off.
func (s *Store) FailRead(k int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failRead, s.reads = k, 0
}

// Writes returns the number of writes since the last FailWrite.
func (s *Store) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

// WrittenKeys returns the keys of the writes since the last FailWrite, in
// order, the failed one included.
func (s *Store) WrittenKeys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.keys...)
}

func (s *Store) write(op, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	s.keys = append(s.keys, key)
	if s.writes == s.failWrite {
		return fmt.Errorf("%s %s (write %d): %w", op, key, s.writes, ErrInjected)
	}
	return nil
}

func (s *Store) read(op, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	if s.reads == s.failRead {
		return fmt.Errorf("%s %s (read %d): %w", op, key, s.reads, ErrInjected)
	}
	return nil
}

// Get reads through, unless this read is to fail.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := s.read("get", key); err != nil {
		return nil, err
	}
	return s.inner.Get(ctx, key)
}

// GetRange reads through, unless this read is to fail.
func (s *Store) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := s.read("get-range", key); err != nil {
		return nil, err
	}
	if rg, ok := s.inner.(store.RangeGetter); ok {
		return rg.GetRange(ctx, key, offset, length)
	}
	if err := store.CheckKey(key); err != nil {
		return nil, err
	}
	if err := store.CheckRange(offset, length); err != nil {
		return nil, fmt.Errorf("faultstore get-range %s: %w", key, err)
	}
	rc, err := s.inner.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	if _, err := io.CopyN(io.Discard, rc, offset); err != nil && err != io.EOF {
		rc.Close()
		return nil, fmt.Errorf("faultstore get-range %s: skip to %d: %w", key, offset, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(rc, length), rc}, nil
}

// Stat reads through, unless this read is to fail.
func (s *Store) Stat(ctx context.Context, key string) (store.ObjectInfo, error) {
	if err := s.read("stat", key); err != nil {
		return store.ObjectInfo{}, err
	}
	return s.inner.Stat(ctx, key)
}

// List is never failed.
func (s *Store) List(ctx context.Context, prefix string) ([]store.ObjectInfo, error) {
	return s.inner.List(ctx, prefix)
}

// Put writes through, unless this write is to fail.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, o store.PutOptions) error {
	if err := s.write("put", key); err != nil {
		return err
	}
	return s.inner.Put(ctx, key, r, o)
}

// Delete writes through, unless this write is to fail.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.write("delete", key); err != nil {
		return err
	}
	return s.inner.Delete(ctx, key)
}

func (s *Store) cond(key string) (store.ConditionalPutter, error) {
	c, ok := s.inner.(store.ConditionalPutter)
	if !ok {
		return nil, fmt.Errorf("faultstore: conditional put %s: %T does not support it", key, s.inner)
	}
	return c, nil
}

// PutIfAbsent writes through, unless this write is to fail.
func (s *Store) PutIfAbsent(ctx context.Context, key string, r io.Reader, o store.PutOptions) error {
	if err := s.write("put-if-absent", key); err != nil {
		return err
	}
	c, err := s.cond(key)
	if err != nil {
		return err
	}
	return c.PutIfAbsent(ctx, key, r, o)
}

// PutIfMatch writes through, unless this write is to fail.
func (s *Store) PutIfMatch(ctx context.Context, key string, r io.Reader, etag string, o store.PutOptions) error {
	if err := s.write("put-if-match", key); err != nil {
		return err
	}
	c, err := s.cond(key)
	if err != nil {
		return err
	}
	return c.PutIfMatch(ctx, key, r, etag, o)
}
