package store

import (
	"context"
	"io"
)

// RangeGetter is implemented by stores that can read part of an object
// (an S3 ranged GET, a seek in a local file). The query API reads Parquet
// footers and column chunks with it instead of downloading whole files.
type RangeGetter interface {
	// GetRange opens length bytes of the object at key starting at offset
	// (fewer at the end of the object). It returns an error wrapping
	// ErrNotExist when there is no object.
	GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error)
}
