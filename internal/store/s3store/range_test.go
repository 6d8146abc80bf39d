package s3store_test

import (
	"bytes"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"
	"github.com/dele-opendata/dele/internal/store/s3store"
)

// fakeS3 answers every GetObject with the status, headers and body given,
// whatever the Range header asks for: servers that do not honour ranges,
// or answer them wrongly.
func fakeS3(t *testing.T, status int, header map[string]string, body string) *s3store.Store {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		if w.Header().Get("Content-Length") == "" {
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	s, err := s3store.New(t.Context(), s3store.Config{Bucket: "b", Region: "eu-north-1", Endpoint: srv.URL, PathStyle: true,
		AccessKey: "AKIAIOSFODNN7EXAMPLE", SecretKey: "secret", MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestGetRangeServerAnswers: a server that ignores Range and sends the
// whole object (200, no Content-Range) still gives the asked-for bytes; a
// Content-Range that is not the range asked for, and a body shorter than
// its Content-Length, are errors, never wrong or short data.
func TestGetRangeServerAnswers(t *testing.T) {
	for _, tt := range []struct {
		name    string
		status  int
		header  map[string]string
		body    string
		off, n  int64
		want    string
		wantErr string // substring of the error of GetRange or of reading
	}{
		{name: "whole object for a range", status: 200, body: "0123456789", off: 3, n: 4, want: "3456"},
		{name: "whole object, range to its end", status: 200, body: "0123456789", off: 7, n: 100, want: "789"},
		{name: "whole object, offset past its end", status: 200, body: "0123456789", off: 12, n: 4, want: ""},
		{name: "partial content as asked", status: 206, header: map[string]string{"Content-Range": "bytes 3-6/10"}, body: "3456", off: 3, n: 4, want: "3456"},
		{name: "partial content from elsewhere", status: 206, header: map[string]string{"Content-Range": "bytes 0-3/10"}, body: "0123", off: 3, n: 4,
			wantErr: `answered with Content-Range "bytes 0-3/10"`},
		{name: "partial content longer than asked", status: 206, header: map[string]string{"Content-Range": "bytes 3-9/10"}, body: "3456789", off: 3, n: 4,
			wantErr: `answered with Content-Range "bytes 3-9/10"`},
		{name: "malformed Content-Range", status: 206, header: map[string]string{"Content-Range": "3-6"}, body: "3456", off: 3, n: 4,
			wantErr: `answered with Content-Range "3-6"`},
		{name: "body shorter than announced", status: 206, header: map[string]string{"Content-Range": "bytes 3-6/10", "Content-Length": "4"}, body: "34", off: 3, n: 4,
			wantErr: "the body ended after 2 of 4 bytes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := fakeS3(t, tt.status, tt.header, tt.body)
			rc, err := s.GetRange(t.Context(), "k", tt.off, tt.n)
			var got []byte
			if err == nil {
				got, err = io.ReadAll(rc)
				rc.Close()
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("GetRange(k, %d, %d) = %q, %v; want an error containing %q", tt.off, tt.n, got, err, tt.wantErr)
				}
				if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("error %v wraps an end of file: a reader would take the short body for the object's end", err)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("GetRange(k, %d, %d) = %q, %v; want %q", tt.off, tt.n, got, err, tt.want)
			}
		})
	}
}

// TestGetRangeQuiet: a ranged GET, which S3 answers without a checksum,
// does not make the SDK log that it could not validate one (a line on
// stderr, and so in CloudWatch, per ranged read).
func TestGetRangeQuiet(t *testing.T) {
	s := fakeS3(t, 206, map[string]string{"Content-Range": "bytes 0-3/10"}, "0123")
	var logged bytes.Buffer
	client := s3.New(s.Client().Options(), func(o *s3.Options) {
		o.Logger = logging.StandardLogger{Logger: log.New(&logged, "", 0)}
	})
	quiet, err := s3store.NewFromClient(client, s3store.Config{Bucket: "b"})
	if err != nil {
		t.Fatal(err)
	}
	noisy, err := s3store.NewFromClient(s3.New(client.Options(), func(o *s3.Options) { o.DisableLogOutputChecksumValidationSkipped = false }), s3store.Config{Bucket: "b"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		s       *s3store.Store
		wantLog bool
	}{{"s3store's client", quiet, false}, {"the SDK's default", noisy, true}} {
		logged.Reset()
		rc, err := tt.s.GetRange(t.Context(), "k", 0, 4)
		if err != nil {
			t.Fatal(err)
		}
		if b, err := io.ReadAll(rc); err != nil || string(b) != "0123" {
			t.Fatalf("%s: read %q, %v", tt.name, b, err)
		}
		rc.Close()
		if got := strings.Contains(logged.String(), "checksum"); got != tt.wantLog {
			t.Errorf("%s: logged %q; want a checksum line: %v", tt.name, logged.String(), tt.wantLog)
		}
	}
}
