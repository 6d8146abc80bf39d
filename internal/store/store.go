// Package store defines the object store Dele publishes to: a flat space of
// objects under slash-separated keys. Package fsstore keeps them in a local
// folder (the default), memstore in memory (for tests), s3store in Amazon S3
// or any S3-compatible server.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Store holds objects under slash-separated keys. Implementations are safe
// for concurrent use.
type Store interface {
	// Get opens the object at key. It returns an error wrapping ErrNotExist
	// when there is none.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Put writes the object at key from r, replacing any previous object.
	// The write is atomic: readers see the old object or the whole new one.
	Put(ctx context.Context, key string, r io.Reader, o PutOptions) error
	// Stat returns the object's metadata, or an error wrapping ErrNotExist.
	Stat(ctx context.Context, key string) (ObjectInfo, error)
	// List returns the objects whose keys start with prefix, sorted by key.
	List(ctx context.Context, prefix string) ([]ObjectInfo, error)
	// Delete removes the object at key. Deleting a missing object is not an
	// error.
	Delete(ctx context.Context, key string) error
}

// ConditionalPutter is implemented by stores that can write an object only
// if it does not exist yet (S3 If-None-Match: *), or only if it is unchanged
// since it was read (If-Match). Locks and the latest pointer use it.
type ConditionalPutter interface {
	// PutIfAbsent writes the object only if key does not exist; otherwise it
	// returns an error wrapping ErrPrecondition.
	PutIfAbsent(ctx context.Context, key string, r io.Reader, o PutOptions) error
	// PutIfMatch writes the object only if its current ETag equals etag;
	// otherwise it returns an error wrapping ErrPrecondition.
	PutIfMatch(ctx context.Context, key string, r io.Reader, etag string, o PutOptions) error
}

// PutOptions are the metadata stored with an object.
type PutOptions struct {
	ContentType  string
	CacheControl string
	// SHA256 is the hex SHA-256 of the content, when the caller knows it;
	// stores keep it as checksum metadata.
	SHA256 string
	// Metadata holds further user metadata.
	Metadata map[string]string
}

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Key          string
	Size         int64
	ModTime      time.Time
	ETag         string
	ContentType  string
	CacheControl string
	SHA256       string
	Metadata     map[string]string
}

var (
	// ErrNotExist is wrapped by errors for missing objects.
	ErrNotExist = errors.New("object does not exist")
	// ErrPrecondition is wrapped by errors of conditional writes that lost.
	ErrPrecondition = errors.New("precondition failed")
	// ErrInvalidKey is wrapped by errors for keys that are not allowed.
	ErrInvalidKey = errors.New("invalid object key")
)

// CheckKey reports whether key is a clean relative slash-separated key: not
// empty, no leading or trailing slash, no empty, "." or ".." segments, no
// backslashes or control characters. Every implementation checks keys with
// it, so no path is ever built from an unchecked key.
func CheckKey(key string) error {
	if key == "" || len(key) > 1024 {
		return fmt.Errorf("%w: %q", ErrInvalidKey, key)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("%w: %q", ErrInvalidKey, key)
		}
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return fmt.Errorf("%w: %q", ErrInvalidKey, key)
		}
	}
	return nil
}

// ReadAll reads the whole object at key.
func ReadAll(ctx context.Context, s Store, key string) ([]byte, error) {
	rc, err := s.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	return b, nil
}
