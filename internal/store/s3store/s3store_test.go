package s3store_test

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/store/s3store"
	"github.com/dele-opendata/dele/internal/store/s3store/s3storetest"
	"github.com/dele-opendata/dele/internal/store/storetest"
)

func newStore(t *testing.T, mod func(*s3store.Config)) *s3store.Store {
	return s3storetest.New(t, func(c *s3store.Config) {
		// The smallest part size S3 allows, so storetest's large object
		// (12 MiB) goes up in three parts.
		c.PartSize = s3store.MinPartSize
		if mod != nil {
			mod(c)
		}
	})
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return newStore(t, nil) })
}

// recorder is an HTTP client that remembers the server-side encryption
// header of every request.
type recorder struct {
	mu  sync.Mutex
	sse map[string][]string // "METHOD path?query" → header values
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	if v := req.Header.Get("X-Amz-Server-Side-Encryption"); v != "" {
		r.sse[req.Method+" "+req.URL.Path] = append(r.sse[req.Method+" "+req.URL.Path], v)
	}
	r.mu.Unlock()
	return http.DefaultClient.Do(req)
}

// Server-side encryption is requested on single and multipart uploads.
// versitygw accepts the header but does not encrypt or report it, so the
// test checks the requests; on a server that reports SSE (Amazon S3,
// MinIO) it also checks the stored objects.
func TestSSE(t *testing.T) {
	s := newStore(t, func(c *s3store.Config) { c.SSE = "AES256" })
	rec := &recorder{sse: map[string][]string{}}
	client := s3.New(s.Client().Options(), func(o *s3.Options) { o.HTTPClient = rec })
	s, err := s3store.NewFromClient(client, s3store.Config{Bucket: s.Bucket(), SSE: "AES256", PartSize: s3store.MinPartSize})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if err := s.Put(ctx, "small", strings.NewReader("hei"), store.PutOptions{}); err != nil {
		t.Fatalf("Put with SSE: %v", err)
	}
	big := bytes.Repeat([]byte("x"), s3store.MinPartSize+10)
	if err := s.Put(ctx, "big", bytes.NewReader(big), store.PutOptions{}); err != nil {
		t.Fatalf("multipart Put with SSE: %v", err)
	}
	for _, key := range []string{"small", "big"} {
		req := "PUT /" + s.Bucket() + "/" + key
		if key == "big" {
			req = "POST /" + s.Bucket() + "/" + key // CreateMultipartUpload
		}
		if got := rec.sse[req]; len(got) != 1 || got[0] != "AES256" {
			t.Errorf("%s: SSE headers sent = %q, want [AES256] (all: %v)", req, got, rec.sse)
		}
		out, err := s.Client().HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.Bucket()), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		if out.ServerSideEncryption == "" {
			t.Logf("%s: the server does not report server-side encryption", key)
		} else if out.ServerSideEncryption != "AES256" {
			t.Errorf("%s: server-side encryption = %q, want AES256", key, out.ServerSideEncryption)
		}
	}
}

// A multipart upload whose content does not match the given checksum is
// aborted and leaves the previous object.
func TestMultipartWrongChecksum(t *testing.T) {
	s := newStore(t, nil)
	ctx := t.Context()
	if err := s.Put(ctx, "k", strings.NewReader("old"), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("y"), s3store.MinPartSize*2+1)
	err := s.Put(ctx, "k", bytes.NewReader(big), store.PutOptions{SHA256: strings.Repeat("0", 64)})
	if err == nil {
		t.Fatal("multipart Put with a wrong checksum succeeded")
	}
	b, err := store.ReadAll(ctx, s, "k")
	if err != nil || string(b) != "old" {
		t.Errorf("after the failed upload: %q, %v; want old", b, err)
	}
	out, err := s.Client().ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(s.Bucket())})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Uploads) != 0 {
		t.Errorf("%d multipart uploads left open", len(out.Uploads))
	}
}

func TestConfig(t *testing.T) {
	for _, c := range []s3store.Config{
		{},
		{Bucket: "b", SSE: "rot13"},
		{Bucket: "b", KMSKeyID: "k"},
		{Bucket: "b", PartSize: 1024},
	} {
		if _, err := s3store.New(t.Context(), c); err == nil {
			t.Errorf("New(%+v) succeeded", c)
		}
	}
}
