// Package s3store keeps a store.Store in an Amazon S3 bucket or on any
// S3-compatible server (versitygw, MinIO), with the AWS SDK for Go v2.
//
// Objects larger than the part size are sent as a multipart upload, one
// part in memory at a time, so memory does not grow with the object size.
// Requests are retried by the SDK's standard retryer. Every object carries
// Content-Type, Cache-Control and its hex SHA-256 as the user metadata
// "sha256"; a single-request upload also sends the SHA-256 as the S3
// checksum, so the server refuses corrupted bodies. Server-side encryption
// (SSE-S3 or SSE-KMS) is set per upload when configured.
//
// Ranged reads (GetRange, store.RangeGetter) are one GetObject with a
// Range header each; a body that ends early is an error, not short data.
//
// Conditional writes use S3's If-None-Match: * and If-Match headers on
// PutObject and CompleteMultipartUpload; the server must support them
// (Amazon S3 since 2024, versitygw, MinIO). Keep the public and private
// stores in two buckets, or in two prefixes of one (store.WithPrefix).
package s3store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/dele-opendata/dele/internal/store"
)

// Default and minimum multipart part sizes. S3 refuses parts below 5 MiB
// except the last.
const (
	DefaultPartSize = 16 << 20
	MinPartSize     = 5 << 20
)

// Config selects the bucket and how to reach it.
type Config struct {
	// Bucket is the bucket name (required).
	Bucket string
	// Region is the bucket's region; empty uses the SDK's default chain
	// (AWS_REGION, profile).
	Region string
	// Endpoint overrides the S3 endpoint URL (for S3-compatible servers and
	// tests), e.g. http://127.0.0.1:7070.
	Endpoint string
	// PathStyle uses path-style addressing (endpoint/bucket/key), which
	// most S3-compatible servers need.
	PathStyle bool
	// AccessKey and SecretKey are static credentials; when empty, the SDK's
	// default chain is used (environment, profile, Lambda role).
	AccessKey, SecretKey string
	// SSE is the server-side encryption: "" (bucket default), "AES256"
	// (SSE-S3) or "aws:kms" (SSE-KMS, with KMSKeyID or the AWS managed key).
	SSE      string
	KMSKeyID string
	// PartSize is the multipart part size in bytes (default
	// DefaultPartSize, at least MinPartSize). Objects up to PartSize go in
	// one PutObject request.
	PartSize int64
	// MaxAttempts is how many times the SDK tries a request (default 5).
	MaxAttempts int
}

// Store is an S3-backed object store, safe for concurrent use.
type Store struct {
	client *s3.Client
	cfg    Config
}

var (
	_ store.Store             = (*Store)(nil)
	_ store.ConditionalPutter = (*Store)(nil)
	_ store.RangeGetter       = (*Store)(nil)
)

// New builds an S3 client from cfg and the SDK's default configuration
// chain, and returns the store. It does not contact the server.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("s3store: no bucket configured")
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("s3store: load AWS configuration: %w", err)
	}
	return NewFromConfig(awsCfg, cfg)
}

// NewFromConfig returns a store over a new S3 client built from an AWS
// SDK configuration already loaded (config.LoadDefaultConfig), so that a
// program with several buckets and other AWS clients loads it once. It
// does not contact the server. Region, AccessKey and SecretKey of cfg
// override awsCfg's when set; Endpoint, PathStyle and MaxAttempts
// (default 5) apply to this client only.
func NewFromConfig(awsCfg aws.Config, cfg Config) (*Store, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("s3store: no bucket configured")
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	attempts := cfg.MaxAttempts
	if attempts <= 0 {
		attempts = 5
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Region != "" {
			o.Region = cfg.Region
		}
		if cfg.AccessKey != "" || cfg.SecretKey != "" {
			o.Credentials = credentials.NewStaticCredentialsProvider(cfg.AccessKey, cfg.SecretKey, "")
		}
		o.RetryMaxAttempts = attempts
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		o.UsePathStyle = cfg.PathStyle
		// S3 sends no checksum with a ranged GET, and the SDK would log
		// that it could not validate one to stderr for every ranged read.
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	return NewFromClient(client, cfg)
}

// NewFromClient returns a store over an existing client; only Bucket, SSE,
// KMSKeyID and PartSize of cfg are used.
func NewFromClient(client *s3.Client, cfg Config) (*Store, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("s3store: no bucket configured")
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.PartSize == 0 {
		cfg.PartSize = DefaultPartSize
	}
	return &Store{client: client, cfg: cfg}, nil
}

func (c Config) check() error {
	switch c.SSE {
	case "", string(types.ServerSideEncryptionAes256):
		if c.KMSKeyID != "" {
			return fmt.Errorf("s3store: a KMS key id needs SSE %q", types.ServerSideEncryptionAwsKms)
		}
	case string(types.ServerSideEncryptionAwsKms):
	default:
		return fmt.Errorf("s3store: unknown server-side encryption %q (want AES256 or aws:kms)", c.SSE)
	}
	if c.PartSize != 0 && c.PartSize < MinPartSize {
		return fmt.Errorf("s3store: part size %d is below the S3 minimum %d", c.PartSize, MinPartSize)
	}
	return nil
}

// Client returns the underlying S3 client.
func (s *Store) Client() *s3.Client { return s.client }

// Bucket returns the bucket name.
func (s *Store) Bucket() string { return s.cfg.Bucket }

// CreateBucket creates the bucket if it does not exist yet (for tests and
// local setups; production buckets come from the infrastructure template).
func (s *Store) CreateBucket(ctx context.Context) error {
	_, err := s.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s.cfg.Bucket)})
	var owned *types.BucketAlreadyOwnedByYou
	if err != nil && !errors.As(err, &owned) {
		return fmt.Errorf("s3store: create bucket %s: %w", s.cfg.Bucket, err)
	}
	return nil
}

// metaSHA256 is the user-metadata key holding the hex SHA-256.
const metaSHA256 = "sha256"

func (s *Store) wrap(op, key string, err error) error {
	if err == nil {
		return nil
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "NoSuchKey", "NotFound":
			return fmt.Errorf("s3store %s s3://%s/%s: %w", op, s.cfg.Bucket, key, store.ErrNotExist)
		case "PreconditionFailed", "ConditionalRequestConflict":
			return fmt.Errorf("s3store %s s3://%s/%s: %w (%s)", op, s.cfg.Bucket, key, store.ErrPrecondition, apiErr.ErrorCode())
		}
	}
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		switch respErr.HTTPStatusCode() {
		case http.StatusNotFound:
			return fmt.Errorf("s3store %s s3://%s/%s: %w", op, s.cfg.Bucket, key, store.ErrNotExist)
		case http.StatusPreconditionFailed, http.StatusConflict:
			return fmt.Errorf("s3store %s s3://%s/%s: %w: %v", op, s.cfg.Bucket, key, store.ErrPrecondition, err)
		}
	}
	return fmt.Errorf("s3store %s s3://%s/%s: %w", op, s.cfg.Bucket, key, err)
}

// Get opens the object.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := store.CheckKey(key); err != nil {
		return nil, err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key)})
	if err != nil {
		return nil, s.wrap("get", key, err)
	}
	return out.Body, nil
}

// GetRange reads length bytes of the object from offset with one ranged
// GetObject (HTTP Range: bytes=offset-last), fewer at its end
// (store.RangeGetter). An offset at or past the end, which S3 answers
// with 416 Range Not Satisfiable, gives an empty reader, as does a length
// of 0 (a HeadObject then tells a missing object apart). A body that ends
// before the length the server announced, or breaks off, is an error from
// Read, never a short read ending in io.EOF; the request itself is
// retried by the SDK, a broken body is not.
func (s *Store) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := store.CheckKey(key); err != nil {
		return nil, err
	}
	if err := store.CheckRange(offset, length); err != nil {
		return nil, fmt.Errorf("s3store get-range s3://%s/%s: %w", s.cfg.Bucket, key, err)
	}
	if length == 0 {
		// A range cannot be empty in HTTP.
		if _, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key)}); err != nil {
			return nil, s.wrap("get-range", key, err)
		}
		return io.NopCloser(bytes.NewReader(nil)), nil
	}
	rng := fmt.Sprintf("bytes=%d-", offset)
	if length <= math.MaxInt64-offset {
		rng += strconv.FormatInt(offset+length-1, 10)
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key), Range: aws.String(rng)})
	if err != nil {
		if unsatisfiable(err) {
			return io.NopCloser(bytes.NewReader(nil)), nil
		}
		return nil, s.wrap("get-range", key, err)
	}
	where := fmt.Sprintf("s3store get-range s3://%s/%s (%s)", s.cfg.Bucket, key, rng)
	if cr := aws.ToString(out.ContentRange); cr != "" {
		first, last, ok := parseContentRange(cr)
		if !ok || first != offset || last < first || last-first >= length {
			out.Body.Close()
			return nil, fmt.Errorf("%s: the server answered with Content-Range %q", where, cr)
		}
		return &rangeBody{body: out.Body, want: last - first + 1, where: where}, nil
	}
	// No Content-Range: the server sent the whole object (as S3 does for
	// an empty one, and servers without range support do). Skip to offset.
	size := aws.ToInt64(out.ContentLength)
	if out.ContentLength == nil || offset >= size {
		out.Body.Close()
		if out.ContentLength == nil {
			return nil, fmt.Errorf("%s: the server sent neither Content-Range nor Content-Length", where)
		}
		return io.NopCloser(bytes.NewReader(nil)), nil
	}
	body := &rangeBody{body: out.Body, want: size, where: where}
	if _, err := io.CopyN(io.Discard, body, offset); err != nil {
		body.Close()
		return nil, err
	}
	return &limitedBody{Reader: io.LimitReader(body, length), Closer: body}, nil
}

// unsatisfiable reports whether err is S3's answer to a range that starts
// at or past the end of the object (416 InvalidRange).
func unsatisfiable(err error) bool {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "InvalidRange" {
		return true
	}
	var respErr *awshttp.ResponseError
	return errors.As(err, &respErr) && respErr.HTTPStatusCode() == http.StatusRequestedRangeNotSatisfiable
}

// parseContentRange parses "bytes first-last/size" (size may be "*").
func parseContentRange(v string) (first, last int64, ok bool) {
	v, found := strings.CutPrefix(v, "bytes ")
	if !found {
		return 0, 0, false
	}
	r, _, _ := strings.Cut(v, "/")
	a, b, found := strings.Cut(r, "-")
	if !found {
		return 0, 0, false
	}
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	return first, last, err1 == nil && err2 == nil
}

// rangeBody is a response body that must hold want bytes: one that ends
// sooner, or breaks off, is an error that says so and wraps neither io.EOF
// nor io.ErrUnexpectedEOF, so no reader takes it for the end of the
// object.
type rangeBody struct {
	body  io.ReadCloser
	want  int64
	got   int64
	where string
}

func (r *rangeBody) Read(p []byte) (int, error) {
	n, err := r.body.Read(p)
	r.got += int64(n)
	switch {
	case r.got > r.want:
		return n, fmt.Errorf("%s: the body is longer than the %d bytes announced", r.where, r.want)
	case err == nil, err == io.EOF && r.got == r.want:
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		err = fmt.Errorf("%s: the body ended after %d of %d bytes", r.where, r.got, r.want)
	default:
		err = fmt.Errorf("%s: read after %d of %d bytes: %w", r.where, r.got, r.want, err)
	}
	return n, err
}

func (r *rangeBody) Close() error { return r.body.Close() }

// limitedBody reads a limited part of a body and closes the whole body.
type limitedBody struct {
	io.Reader
	io.Closer
}

// Stat returns the object's metadata (HeadObject).
func (s *Store) Stat(ctx context.Context, key string) (store.ObjectInfo, error) {
	if err := store.CheckKey(key); err != nil {
		return store.ObjectInfo{}, err
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key)})
	if err != nil {
		return store.ObjectInfo{}, s.wrap("stat", key, err)
	}
	info := store.ObjectInfo{
		Key:          key,
		Size:         aws.ToInt64(out.ContentLength),
		ModTime:      aws.ToTime(out.LastModified),
		ETag:         aws.ToString(out.ETag),
		ContentType:  aws.ToString(out.ContentType),
		CacheControl: aws.ToString(out.CacheControl),
	}
	for k, v := range out.Metadata {
		k = strings.ToLower(k)
		if k == metaSHA256 {
			info.SHA256 = v
			continue
		}
		if info.Metadata == nil {
			info.Metadata = map[string]string{}
		}
		info.Metadata[k] = v
	}
	return info, nil
}

// List returns the objects under prefix (ListObjectsV2). It fills Key,
// Size, ModTime and ETag; the other metadata needs Stat.
func (s *Store) List(ctx context.Context, prefix string) ([]store.ObjectInfo, error) {
	var out []store.ObjectInfo
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(s.cfg.Bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, s.wrap("list", prefix, err)
		}
		for _, o := range page.Contents {
			out = append(out, store.ObjectInfo{
				Key:     aws.ToString(o.Key),
				Size:    aws.ToInt64(o.Size),
				ModTime: aws.ToTime(o.LastModified),
				ETag:    aws.ToString(o.ETag),
			})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Delete removes the object; S3 does not report missing objects.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := store.CheckKey(key); err != nil {
		return err
	}
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key)})
	return s.wrap("delete", key, err)
}

// Put uploads the object, in parts when it is larger than the part size.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, o store.PutOptions) error {
	return s.put(ctx, key, r, o, cond{})
}

// PutIfAbsent uploads the object with If-None-Match: *.
func (s *Store) PutIfAbsent(ctx context.Context, key string, r io.Reader, o store.PutOptions) error {
	return s.put(ctx, key, r, o, cond{ifNoneMatch: aws.String("*")})
}

// PutIfMatch uploads the object with If-Match: etag. A missing object is
// reported as store.ErrPrecondition.
func (s *Store) PutIfMatch(ctx context.Context, key string, r io.Reader, etag string, o store.PutOptions) error {
	if etag == "" {
		return fmt.Errorf("s3store put-if-match %s: empty ETag: %w", key, store.ErrPrecondition)
	}
	err := s.put(ctx, key, r, o, cond{ifMatch: aws.String(etag)})
	if errors.Is(err, store.ErrNotExist) {
		return fmt.Errorf("s3store put-if-match s3://%s/%s: object is missing: %w", s.cfg.Bucket, key, store.ErrPrecondition)
	}
	return err
}

type cond struct {
	ifNoneMatch, ifMatch *string
}

func (s *Store) metadata(o store.PutOptions, sum string) map[string]string {
	m := make(map[string]string, len(o.Metadata)+1)
	for k, v := range o.Metadata {
		m[strings.ToLower(k)] = v
	}
	if sum != "" {
		m[metaSHA256] = sum
	}
	return m
}

func (s *Store) sse() (types.ServerSideEncryption, *string) {
	if s.cfg.SSE == "" {
		return "", nil
	}
	var kms *string
	if s.cfg.KMSKeyID != "" {
		kms = aws.String(s.cfg.KMSKeyID)
	}
	return types.ServerSideEncryption(s.cfg.SSE), kms
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

func (s *Store) put(ctx context.Context, key string, r io.Reader, o store.PutOptions, c cond) error {
	if err := store.CheckKey(key); err != nil {
		return err
	}
	br := bufio.NewReader(r)
	var part bytes.Buffer
	last, err := readPart(br, &part, s.cfg.PartSize)
	if err != nil {
		return fmt.Errorf("s3store put s3://%s/%s: read: %w", s.cfg.Bucket, key, err)
	}
	if last {
		return s.putSingle(ctx, key, part.Bytes(), o, c)
	}
	return s.putMultipart(ctx, key, br, &part, o, c)
}

// readPart reads up to size bytes into buf and reports whether r is done.
func readPart(r *bufio.Reader, buf *bytes.Buffer, size int64) (last bool, err error) {
	buf.Reset()
	if _, err := buf.ReadFrom(io.LimitReader(r, size)); err != nil {
		return false, err
	}
	if int64(buf.Len()) < size {
		return true, nil
	}
	if _, err := r.Peek(1); err == io.EOF {
		return true, nil
	} else if err != nil {
		return false, err
	}
	return false, nil
}

func (s *Store) putSingle(ctx context.Context, key string, data []byte, o store.PutOptions, c cond) error {
	h := sha256.Sum256(data)
	sum := hex.EncodeToString(h[:])
	if o.SHA256 != "" && !strings.EqualFold(o.SHA256, sum) {
		return fmt.Errorf("s3store put s3://%s/%s: content SHA-256 %s does not match the given %s", s.cfg.Bucket, key, sum, o.SHA256)
	}
	sse, kms := s.sse()
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:               aws.String(s.cfg.Bucket),
		Key:                  aws.String(key),
		Body:                 bytes.NewReader(data),
		ContentLength:        aws.Int64(int64(len(data))),
		ContentType:          optString(o.ContentType),
		CacheControl:         optString(o.CacheControl),
		Metadata:             s.metadata(o, sum),
		ChecksumSHA256:       aws.String(base64.StdEncoding.EncodeToString(h[:])),
		ServerSideEncryption: sse,
		SSEKMSKeyId:          kms,
		IfNoneMatch:          c.ifNoneMatch,
		IfMatch:              c.ifMatch,
	})
	return s.wrap("put", key, err)
}

// putMultipart uploads first and the rest of r in parts. The object
// appears only when the upload completes; on any error the upload is
// aborted and the previous object stays.
func (s *Store) putMultipart(ctx context.Context, key string, r *bufio.Reader, first *bytes.Buffer, o store.PutOptions, c cond) (err error) {
	sse, kms := s.sse()
	// The checksum metadata must be set when the upload starts: only a
	// given SHA-256 can be recorded; it is checked before completing.
	created, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket:               aws.String(s.cfg.Bucket),
		Key:                  aws.String(key),
		ContentType:          optString(o.ContentType),
		CacheControl:         optString(o.CacheControl),
		Metadata:             s.metadata(o, strings.ToLower(o.SHA256)),
		ServerSideEncryption: sse,
		SSEKMSKeyId:          kms,
	})
	if err != nil {
		return s.wrap("create multipart upload", key, err)
	}
	uploadID := created.UploadId
	defer func() {
		if err != nil {
			// Abort with a fresh context: ctx may be what failed.
			_, aerr := s.client.AbortMultipartUpload(context.WithoutCancel(ctx), &s3.AbortMultipartUploadInput{
				Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key), UploadId: uploadID,
			})
			if aerr != nil {
				err = fmt.Errorf("%w (and aborting the upload failed: %v)", err, aerr)
			}
		}
	}()
	h := sha256.New()
	var parts []types.CompletedPart
	buf, last := first, false
	for n := int32(1); ; n++ {
		if n > 10000 {
			return fmt.Errorf("s3store put s3://%s/%s: more than 10000 parts: raise the part size", s.cfg.Bucket, key)
		}
		h.Write(buf.Bytes())
		out, err := s.client.UploadPart(ctx, &s3.UploadPartInput{
			Bucket:        aws.String(s.cfg.Bucket),
			Key:           aws.String(key),
			UploadId:      uploadID,
			PartNumber:    aws.Int32(n),
			Body:          bytes.NewReader(buf.Bytes()),
			ContentLength: aws.Int64(int64(buf.Len())),
		})
		if err != nil {
			return s.wrap(fmt.Sprintf("upload part %d of", n), key, err)
		}
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(n)})
		if last {
			break
		}
		// A part that is not the last was followed by at least one byte,
		// so the next part is never empty.
		if last, err = readPart(r, buf, s.cfg.PartSize); err != nil {
			return fmt.Errorf("s3store put s3://%s/%s: read: %w", s.cfg.Bucket, key, err)
		}
	}
	if sum := hex.EncodeToString(h.Sum(nil)); o.SHA256 != "" && !strings.EqualFold(o.SHA256, sum) {
		return fmt.Errorf("s3store put s3://%s/%s: content SHA-256 %s does not match the given %s", s.cfg.Bucket, key, sum, o.SHA256)
	}
	_, err = s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket:          aws.String(s.cfg.Bucket),
		Key:             aws.String(key),
		UploadId:        uploadID,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
		IfNoneMatch:     c.ifNoneMatch,
		IfMatch:         c.ifMatch,
	})
	return s.wrap("complete multipart upload", key, err)
}
