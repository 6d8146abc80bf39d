package convert

import (
	"sync"
	_ "unsafe" // for go:linkname

	"github.com/apache/arrow/go/v15/parquet/compress"
	"github.com/klauspost/compress/zstd"
)

// Arrow Go v15's zstd codec builds a new zstd.Encoder (with its match
// tables, about 1 MiB) for every page it compresses at an explicit or
// default level (compress.zstdCodec.EncodeLevel). In a profile of the
// Parquet writer that allocation and its clearing cost about as much as the
// compression itself, and it makes the garbage collector run constantly.
// The package has no way to register a codec, so this file replaces the
// registered zstd codec with one that keeps one encoder per level; the
// bytes it produces are ordinary zstd frames that every reader decodes.
// zstd.Encoder.EncodeAll is safe for concurrent use. The window is 1 MiB,
// the size of a data page, which keeps the encoders' history buffers small.
//
//go:linkname arrowCodecs github.com/apache/arrow/go/v15/parquet/compress.codecs
var arrowCodecs map[compress.Compression]compress.Codec

func init() {
	orig, err := compress.GetCodec(compress.Codecs.Zstd)
	if err != nil {
		panic("convert: arrow has no zstd codec: " + err.Error())
	}
	arrowCodecs[compress.Codecs.Zstd] = &zstdCodec{Codec: orig}
}

type zstdCodec struct {
	compress.Codec // decoding and streaming stay Arrow's
	encoders       sync.Map
}

func (z *zstdCodec) encoder(level int) *zstd.Encoder {
	if e, ok := z.encoders.Load(level); ok {
		return e.(*zstd.Encoder)
	}
	l := zstd.SpeedDefault
	if level != compress.DefaultCompressionLevel {
		l = zstd.EncoderLevelFromZstd(level)
	}
	e, err := zstd.NewWriter(nil, zstd.WithZeroFrames(true), zstd.WithEncoderLevel(l), zstd.WithEncoderCRC(false), zstd.WithWindowSize(1<<20))
	if err != nil {
		panic("convert: zstd encoder: " + err.Error())
	}
	actual, _ := z.encoders.LoadOrStore(level, e)
	return actual.(*zstd.Encoder)
}

// Encode compresses src at the default level.
func (z *zstdCodec) Encode(dst, src []byte) []byte {
	return z.encoder(compress.DefaultCompressionLevel).EncodeAll(src, dst[:0])
}

// EncodeLevel compresses src at level (a zstd level, 1–22).
func (z *zstdCodec) EncodeLevel(dst, src []byte, level int) []byte {
	return z.encoder(level).EncodeAll(src, dst[:0])
}
