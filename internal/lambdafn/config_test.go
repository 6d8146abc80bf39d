package lambdafn

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dele-opendata/dele/internal/lambdafn/fntest"
	"github.com/dele-opendata/dele/internal/store"
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

// TestOpen: Open checks the settings a function needs, loads its settings
// and definitions and opens the stores it needs (and no others), each of
// which keeps ranged reads and conditional writes, also under a prefix;
// every failure names what is wrong.
func TestOpen(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-north-1")
	defsDir, confFile := fntest.DefinitionsDir(t), fntest.ConfigFile(t)
	base := func(mod func(*Config)) *Config {
		c := &Config{PublicBucket: "dele-public", PrivateBucket: "dele-private", QueueURL: "https://sqs.example/q",
			Definitions: defsDir, ConfigFile: confFile}
		if mod != nil {
			mod(c)
		}
		return c
	}
	for _, tt := range []struct {
		name                string
		cfg                 *Config
		need                Need
		wantErr             []string // substrings of the error
		wantPublic, wantPrv bool
		wantAWS             bool
	}{
		{name: "public only", cfg: base(nil), need: NeedPublic, wantPublic: true},
		{name: "public under a prefix", cfg: base(func(c *Config) { c.PublicPrefix = "public/" }), need: NeedPublic, wantPublic: true},
		{name: "both stores and AWS", cfg: base(func(c *Config) { c.PrivatePrefix = "private/" }), need: NeedPublic | NeedPrivate | NeedAWS,
			wantPublic: true, wantPrv: true, wantAWS: true},
		{name: "private and queue", cfg: base(nil), need: NeedPrivate | NeedQueue | NeedAWS, wantPrv: true, wantAWS: true},
		{name: "settings and definitions only", cfg: base(nil), need: 0},
		{name: "missing variables", cfg: base(func(c *Config) { c.PublicBucket, c.QueueURL = "", "" }), need: NeedPublic | NeedPrivate | NeedQueue,
			wantErr: []string{EnvPublicBucket + ", " + EnvQueueURL, "not set"}},
		{name: "missing definitions", cfg: base(func(c *Config) { c.Definitions = filepath.Join(t.TempDir(), "none") }), need: NeedPublic,
			wantErr: []string{"definitions in ", "none"}},
		{name: "missing settings file", cfg: base(func(c *Config) { c.ConfigFile = "/nonexistent/dele.yaml" }), need: NeedPublic,
			wantErr: []string{"/nonexistent/dele.yaml", EnvConfigFile}},
		{name: "store that cannot be opened", cfg: base(func(c *Config) { c.SSE = "rot13" }), need: NeedPrivate,
			wantErr: []string{"private store (" + EnvPrivateBucket + "=dele-private)", "rot13"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.cfg.Open(t.Context(), tt.need)
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatal("no error")
				}
				for _, want := range tt.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q lacks %q", err, want)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Settings == nil || len(r.Definitions) == 0 || r.Log == nil {
				t.Fatalf("settings %v, %d definitions, logger %v", r.Settings, len(r.Definitions), r.Log)
			}
			for _, s := range []struct {
				name string
				st   store.Store
				want bool
			}{{"public", r.Public, tt.wantPublic}, {"private", r.Private, tt.wantPrv}} {
				if (s.st != nil) != s.want {
					t.Errorf("%s store opened: %v, want %v", s.name, s.st != nil, s.want)
					continue
				}
				if s.st == nil {
					continue
				}
				if _, ok := s.st.(store.RangeGetter); !ok {
					t.Errorf("%s store %T has no ranged reads: the query API would download whole files", s.name, s.st)
				}
				if _, ok := s.st.(store.ConditionalPutter); !ok {
					t.Errorf("%s store %T has no conditional writes", s.name, s.st)
				}
			}
			if got := r.AWS.Region != ""; got != tt.wantAWS {
				t.Errorf("AWS configuration returned: %v, want %v (region %q)", got, tt.wantAWS, r.AWS.Region)
			}
		})
	}
}
