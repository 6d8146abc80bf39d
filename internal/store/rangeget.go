package store

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// RangeGetter is implemented by stores that can read part of an object
// (an S3 ranged GET, a seek in a local file). The query API reads Parquet
// footers and column chunks with it instead of downloading whole files.
//
// fsstore, memstore and s3store implement it, and so do the wrappers
// (WithPrefix, faultstore) over a store that does: check with a type
// assertion, as for ConditionalPutter. A wrapper that hid it would turn
// every ranged read back into a download of the whole file.
type RangeGetter interface {
	// GetRange opens length bytes of the object at key starting at offset:
	// fewer at the end of the object, none (an empty reader) when offset is
	// at or past the end or length is 0. It returns an error wrapping
	// ErrNotExist when there is no object, ErrInvalidKey for a key CheckKey
	// refuses and ErrInvalidRange for a negative offset or length. A read
	// that fails part way returns an error from Read, never a short body
	// that ends in io.EOF.
	GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error)
}

// ErrInvalidRange is wrapped by errors for a negative offset or length.
var ErrInvalidRange = errors.New("invalid byte range")

// CheckRange reports whether offset and length are a valid range for
// GetRange: neither may be negative.
func CheckRange(offset, length int64) error {
	if offset < 0 || length < 0 {
		return fmt.Errorf("%w: offset %d, length %d (neither may be negative)", ErrInvalidRange, offset, length)
	}
	return nil
}
