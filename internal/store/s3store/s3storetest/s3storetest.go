// Package s3storetest gives tests an s3store.Store over a fresh bucket on
// the S3-compatible test server that scripts/test-env/20-s3.sh starts
// (DELE_TEST_S3_* variables). Without the server the test is skipped, or
// failed when DELE_TEST_REQUIRE=1.
package s3storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/dele-opendata/dele/internal/store/s3store"
	"github.com/dele-opendata/dele/internal/testenv"
)

// Config returns the configuration for the test server with a new, unique
// bucket name (the bucket is not created).
func Config(t testing.TB) s3store.Config {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	return s3store.Config{
		Bucket:    "dele-test-" + hex.EncodeToString(b[:]),
		Region:    testenv.Get(t, "DELE_TEST_S3_REGION"),
		Endpoint:  testenv.Get(t, "DELE_TEST_S3_ENDPOINT"),
		PathStyle: true,
		AccessKey: testenv.Get(t, "DELE_TEST_S3_ACCESS_KEY"),
		SecretKey: testenv.Get(t, "DELE_TEST_S3_SECRET_KEY"),
	}
}

// New creates a bucket on the test server and returns a store over it;
// mod, if not nil, adjusts the configuration first. The bucket and its
// objects are removed when the test ends.
func New(t testing.TB, mod func(*s3store.Config)) *s3store.Store {
	t.Helper()
	cfg := Config(t)
	if mod != nil {
		mod(&cfg)
	}
	s, err := s3store.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		infos, err := s.List(ctx, "")
		if err != nil {
			t.Logf("cleanup bucket %s: %v", cfg.Bucket, err)
			return
		}
		for _, o := range infos {
			if err := s.Delete(ctx, o.Key); err != nil {
				t.Logf("cleanup bucket %s: %v", cfg.Bucket, err)
			}
		}
		if _, err := s.Client().DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(cfg.Bucket)}); err != nil {
			t.Logf("cleanup: delete bucket %s: %v", cfg.Bucket, err)
		}
	})
	return s
}
