package lambdafn

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFromEnv(t *testing.T) {
	c, err := FromEnv(env(map[string]string{
		"LAMBDA_TASK_ROOT":    "/var/task",
		EnvPublicBucket:       "dele-public",
		EnvPrivateBucket:      "dele-private",
		EnvQueueURL:           "https://sqs.eu-north-1.amazonaws.com/123456789012/dele-runs",
		EnvSecrets:            "SKOLE_PG_URL=secretsmanager:dele/prod/skole-pg#url, ELEV_HASH_KEY=ssm:/dele/prod/elev-hash-key",
		EnvCatalogDebounce:    "20s",
		EnvS3PathStyle:        "true",
		EnvLogLevel:           "debug",
		EnvPrivatePrefix:      "private/",
		EnvSSE:                "aws:kms",
		EnvKMSKeyID:           "alias/dele",
		"DELE_UNRELATED_NAME": "x",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Definitions != "/var/task/datasets" || c.ConfigFile != "/var/task/dele.yaml" || c.APIPrefix != "/api" {
		t.Errorf("defaults: %+v", c)
	}
	if c.CatalogDebounce != 20*time.Second || !c.S3PathStyle || c.LogLevel.String() != "DEBUG" || c.PrivatePrefix != "private/" {
		t.Errorf("parsed: %+v", c)
	}
	if c.Secrets["SKOLE_PG_URL"] != "secretsmanager:dele/prod/skole-pg#url" || c.Secrets["ELEV_HASH_KEY"] != "ssm:/dele/prod/elev-hash-key" || len(c.Secrets) != 2 {
		t.Errorf("secrets: %v", c.Secrets)
	}
	if err := c.Require(NeedPublic | NeedPrivate | NeedQueue); err != nil {
		t.Error(err)
	}
}

// TestFromEnvErrors: every malformed value is named at once.
func TestFromEnvErrors(t *testing.T) {
	_, err := FromEnv(env(map[string]string{
		EnvSecrets:         "PG=postgres://user:pw@host/db,=ssm:/x,KEY=ssm:/a,KEY=ssm:/b",
		EnvCatalogDebounce: "soon",
		EnvSSE:             "rot13",
		EnvPublicPrefix:    "public",
		EnvAPIPrefix:       "api",
		EnvS3PathStyle:     "perhaps",
		EnvLogLevel:        "loud",
	}))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{EnvCatalogDebounce, EnvSSE, EnvPublicPrefix, EnvAPIPrefix, EnvS3PathStyle, EnvLogLevel,
		`secret reference "postgres://user:pw@host/db"`, `"=ssm:/x"`, "KEY is given twice"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	c, err := FromEnv(env(map[string]string{EnvPublicBucket: "b", EnvPrivateBucket: "b"}))
	if err == nil || !strings.Contains(err.Error(), "same bucket") {
		t.Fatalf("same bucket: %v %+v", err, c)
	}
	c, err = FromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Require(NeedPublic | NeedQueue); err == nil || !strings.Contains(err.Error(), EnvPublicBucket+", "+EnvQueueURL) {
		t.Fatalf("require: %v", err)
	}
}

func TestParseMessage(t *testing.T) {
	m, err := ParseMessage(`{"dataset":"normpriser-raolje","dueAt":"2026-11-23T06:00:00Z"}`)
	if err != nil || m.Dataset != "normpriser-raolje" || m.DueAt.IsZero() {
		t.Fatalf("%+v %v", m, err)
	}
	for _, body := range []string{``, `[]`, `{"dataset":"../x"}`, `{"dataset":""}`, `{"dataset":"a","extra":1}`} {
		if _, err := ParseMessage(body); err == nil {
			t.Errorf("%q: no error", body)
		}
	}
}

// TestReportInitError posts to the documented endpoint.
func TestReportInitError(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Method + " " + r.URL.Path + " " + r.Header.Get("Lambda-Runtime-Function-Error-Type")
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	if err := ReportInitError(context.Background(), strings.TrimPrefix(srv.URL, "http://"), errors.New("boom")); err != nil {
		t.Fatal(err)
	}
	if got != "POST /2018-06-01/runtime/init/error Runtime.InitError" {
		t.Fatalf("got %q", got)
	}
}
