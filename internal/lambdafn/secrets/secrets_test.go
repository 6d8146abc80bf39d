package secrets

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/dele-opendata/dele/internal/testenv"
)

// TestResolveMoto resolves SSM SecureString parameters and Secrets Manager
// secrets (whole and one JSON field) from moto_server, the AWS mock that
// scripts/test-env/40-moto.sh starts.
func TestResolveMoto(t *testing.T) {
	endpoint := testenv.Get(t, "DELE_TEST_SQS_ENDPOINT") // moto serves SSM and Secrets Manager too
	ctx := context.Background()
	cfg := aws.Config{Region: "eu-north-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), BaseEndpoint: aws.String(endpoint)}
	r := New(cfg)
	var b [4]byte
	rand.Read(b[:])
	base := "/dele/test-" + hex.EncodeToString(b[:])

	if _, err := r.SSM.(*ssm.Client).PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(base + "/hash-key"),
		Value: aws.String("k3y-of-at-least-32-bytes-for-hmac-sha256"), Type: ssmtypes.ParameterTypeSecureString}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.SecretsManager.(*secretsmanager.Client).CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(base[1:] + "/pg"),
		SecretString: aws.String(`{"url":"postgres://dele@db.internal/skole","port":5432}`)}); err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]string{
		"ssm:" + base + "/hash-key":               "k3y-of-at-least-32-bytes-for-hmac-sha256",
		"secretsmanager:" + base[1:] + "/pg":      `{"url":"postgres://dele@db.internal/skole","port":5432}`,
		"secretsmanager:" + base[1:] + "/pg#url":  "postgres://dele@db.internal/skole",
		"secretsmanager:" + base[1:] + "/pg#port": "5432",
	} {
		got, err := r.Resolve(ctx, ref)
		if err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", ref, got, err, want)
		}
	}
	for _, ref := range []string{"ssm:" + base + "/missing", "secretsmanager:" + base[1:] + "/pg#user", "vault:x"} {
		_, err := r.Resolve(ctx, ref)
		if err == nil {
			t.Errorf("%s: no error", ref)
		} else if strings.Contains(err.Error(), "postgres://") {
			t.Errorf("%s: the error shows the secret: %v", ref, err)
		}
	}

	getenv, err := r.Getenv(ctx, map[string]string{"HASH_KEY": "ssm:" + base + "/hash-key", "UNUSED": "ssm:" + base + "/missing"},
		[]string{"HASH_KEY", "PATH"}, func(k string) string { return "env:" + k })
	if err != nil {
		t.Fatal(err)
	}
	if getenv("HASH_KEY") != "k3y-of-at-least-32-bytes-for-hmac-sha256" || getenv("PATH") != "env:PATH" {
		t.Fatalf("getenv: %q %q", getenv("HASH_KEY"), getenv("PATH"))
	}
	if _, err := r.Getenv(ctx, map[string]string{"PG": "ssm:" + base + "/missing"}, []string{"PG"}, nil); err == nil || !strings.Contains(err.Error(), "environment variable PG") {
		t.Fatalf("missing secret: %v", err)
	}
}

type countingSSM struct {
	n int
}

func (c *countingSSM) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	c.n++
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Name: in.Name, Value: aws.String("v" + string(rune('0'+c.n)))}}, nil
}

// TestCache: values are reused for the TTL, then fetched again.
func TestCache(t *testing.T) {
	now := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)
	c := &countingSSM{}
	r := &Resolver{SSM: c, Now: func() time.Time { return now }}
	for range 3 {
		if v, err := r.Resolve(context.Background(), "ssm:/x"); err != nil || v != "v1" {
			t.Fatalf("%q %v", v, err)
		}
	}
	now = now.Add(DefaultTTL + time.Second)
	if v, _ := r.Resolve(context.Background(), "ssm:/x"); v != "v2" || c.n != 2 {
		t.Fatalf("after the TTL: %q, %d fetches", v, c.n)
	}
}
