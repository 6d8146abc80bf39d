// Package lambdafn holds what Dele's AWS Lambda functions share: their
// configuration, read once from environment variables and validated at
// start (Config, FromEnv), the settings, definitions, stores and AWS
// configuration every function starts from (Config.Open), the
// SQS message the dispatcher sends and the worker reads (Message), and
// Start, which the thin main of each function calls.
//
// The handlers themselves are in one package per function, so each binary
// links only what its function needs: dispatcherfn (EventBridge schedule →
// SQS), workerfn (SQS → pipeline.Run), catalogfn (S3 event or direct invoke
// → catalog, OpenAPI document and portal) and apifn (API Gateway HTTP API →
// the query API). The folder functions/ has one main per function and
// infra/template.yaml deploys them.
package lambdafn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/store/s3store"
)

// The environment variables a function reads. AWS_REGION and the AWS
// credentials come from the Lambda runtime; the SDK also honours
// AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_SSM and
// AWS_ENDPOINT_URL_SECRETS_MANAGER (tests point them at moto_server).
const (
	EnvPublicBucket    = "DELE_PUBLIC_BUCKET"    // bucket of published files (public store)
	EnvPublicPrefix    = "DELE_PUBLIC_PREFIX"    // optional key prefix in it, ending in "/"
	EnvPrivateBucket   = "DELE_PRIVATE_BUCKET"   // bucket of run records, quarantine, locks, state
	EnvPrivatePrefix   = "DELE_PRIVATE_PREFIX"   // optional key prefix in it, ending in "/"
	EnvQueueURL        = "DELE_QUEUE_URL"        // SQS queue of dataset runs (dispatcher)
	EnvDefinitions     = "DELE_DEFINITIONS"      // folder of definitions (default $LAMBDA_TASK_ROOT/datasets)
	EnvConfigFile      = "DELE_CONFIG"           // installation settings (default $LAMBDA_TASK_ROOT/dele.yaml)
	EnvS3Endpoint      = "DELE_S3_ENDPOINT"      // S3-compatible endpoint (tests); empty: Amazon S3
	EnvS3PathStyle     = "DELE_S3_PATH_STYLE"    // "1" or "true": path-style addressing
	EnvSSE             = "DELE_SSE"              // "", AES256 or aws:kms
	EnvKMSKeyID        = "DELE_KMS_KEY_ID"       // KMS key for aws:kms
	EnvSecrets         = "DELE_SECRETS"          // NAME=ssm:/param,NAME2=secretsmanager:id — see ParseSecretRefs
	EnvTempDir         = "DELE_TEMP_DIR"         // scratch folder (default os.TempDir(), /tmp in Lambda)
	EnvCatalogDebounce = "DELE_CATALOG_DEBOUNCE" // wait before regenerating, e.g. 20s (catalog)
	EnvAPIPrefix       = "DELE_API_PREFIX"       // path the API is routed under (default /api)
	EnvLogLevel        = "DELE_LOG_LEVEL"        // debug, info (default), warn, error
)

// Config is the configuration of a Dele Lambda function. Every function
// gets the same struct; each checks the fields it needs (Require).
type Config struct {
	PublicBucket, PublicPrefix   string
	PrivateBucket, PrivatePrefix string
	QueueURL                     string
	// Definitions is the folder of dataset definitions, bundled into the
	// function's zip next to bootstrap.
	Definitions string
	// ConfigFile is the installation's dele.yaml, bundled likewise;
	// DELE_BASE_URL and DELE_API_URL override it.
	ConfigFile  string
	S3Endpoint  string
	S3PathStyle bool
	SSE         string
	KMSKeyID    string
	// Secrets maps environment variable names that definitions use
	// (source.connectionEnv, treatments' keyEnv) to secret references.
	Secrets         map[string]string
	TempDir         string
	CatalogDebounce time.Duration
	APIPrefix       string
	LogLevel        slog.Level
}

// FromEnv reads the configuration from environment variables (getenv is
// os.Getenv in a function). It reports every malformed value at once.
func FromEnv(getenv func(string) string) (*Config, error) {
	root := getenv("LAMBDA_TASK_ROOT")
	c := &Config{
		PublicBucket:  getenv(EnvPublicBucket),
		PublicPrefix:  getenv(EnvPublicPrefix),
		PrivateBucket: getenv(EnvPrivateBucket),
		PrivatePrefix: getenv(EnvPrivatePrefix),
		QueueURL:      getenv(EnvQueueURL),
		Definitions:   or(getenv(EnvDefinitions), filepath.Join(root, "datasets")),
		ConfigFile:    or(getenv(EnvConfigFile), filepath.Join(root, "dele.yaml")),
		S3Endpoint:    getenv(EnvS3Endpoint),
		SSE:           getenv(EnvSSE),
		KMSKeyID:      getenv(EnvKMSKeyID),
		TempDir:       or(getenv(EnvTempDir), os.TempDir()),
		APIPrefix:     or(getenv(EnvAPIPrefix), "/api"),
	}
	var errs []error
	if v := getenv(EnvS3PathStyle); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: want true or false", EnvS3PathStyle, v))
		}
		c.S3PathStyle = b
	}
	for _, p := range []struct{ name, v string }{{EnvPublicPrefix, c.PublicPrefix}, {EnvPrivatePrefix, c.PrivatePrefix}} {
		if p.v != "" {
			if err := store.CheckKey(strings.TrimSuffix(p.v, "/")); err != nil || !strings.HasSuffix(p.v, "/") {
				errs = append(errs, fmt.Errorf("%s=%q: want a clean key prefix ending in a slash, e.g. public/", p.name, p.v))
			}
		}
	}
	if c.PublicBucket != "" && c.PublicBucket == c.PrivateBucket && c.PublicPrefix == c.PrivatePrefix {
		errs = append(errs, fmt.Errorf("%s and %s name the same bucket: give them different buckets or different prefixes", EnvPublicBucket, EnvPrivateBucket))
	}
	switch c.SSE {
	case "", "AES256", "aws:kms":
	default:
		errs = append(errs, fmt.Errorf("%s=%q: want AES256 or aws:kms", EnvSSE, c.SSE))
	}
	refs, err := ParseSecretRefs(getenv(EnvSecrets))
	if err != nil {
		errs = append(errs, err)
	}
	c.Secrets = refs
	if v := getenv(EnvCatalogDebounce); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > 5*time.Minute {
			errs = append(errs, fmt.Errorf("%s=%q: want a duration between 0s and 5m, e.g. 20s", EnvCatalogDebounce, v))
		}
		c.CatalogDebounce = d
	}
	if !strings.HasPrefix(c.APIPrefix, "/") {
		errs = append(errs, fmt.Errorf("%s=%q: want a path such as /api", EnvAPIPrefix, c.APIPrefix))
	}
	if v := getenv(EnvLogLevel); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: want debug, info, warn or error", EnvLogLevel, v))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("configuration: %w", errors.Join(errs...))
	}
	return c, nil
}

func or(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// Need names the settings a function requires and what Open builds for
// it.
type Need int

// The needs of a function, combined with |.
const (
	// NeedPublic: DELE_PUBLIC_BUCKET must be set; Open opens the public
	// store.
	NeedPublic Need = 1 << iota
	// NeedPrivate: DELE_PRIVATE_BUCKET must be set; Open opens the private
	// store.
	NeedPrivate
	// NeedQueue: DELE_QUEUE_URL must be set.
	NeedQueue
	// NeedAWS: Open returns the AWS SDK configuration, for the function's
	// other AWS clients (SQS, SSM, Secrets Manager).
	NeedAWS
)

// Require reports the environment variables a function needs that are
// unset.
func (c *Config) Require(n Need) error {
	var missing []string
	if n&NeedPublic != 0 && c.PublicBucket == "" {
		missing = append(missing, EnvPublicBucket)
	}
	if n&NeedPrivate != 0 && c.PrivateBucket == "" {
		missing = append(missing, EnvPrivateBucket)
	}
	if n&NeedQueue != 0 && c.QueueURL == "" {
		missing = append(missing, EnvQueueURL)
	}
	if len(missing) > 0 {
		return fmt.Errorf("configuration: environment variable(s) %s not set", strings.Join(missing, ", "))
	}
	return nil
}

// Logger returns the JSON logger a function writes to CloudWatch (stderr).
func (c *Config) Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: c.LogLevel}))
}

// Resources are what a function is built from: what Open returns.
type Resources struct {
	// Settings are the installation settings (dele.yaml, with
	// DELE_BASE_URL and DELE_API_URL on top).
	Settings *config.Config
	// Definitions are the bundled dataset definitions.
	Definitions []*datasets.Definition
	// Public and Private are the stores, each opened only when needed
	// (NeedPublic, NeedPrivate), and nil otherwise. The public store
	// implements store.RangeGetter, so the query API reads Parquet files
	// with ranged GETs.
	Public, Private store.Store
	// AWS is the SDK configuration the stores were built from, for the
	// function's other clients; set with NeedAWS.
	AWS aws.Config
	// Log is the function's JSON logger.
	Log *slog.Logger
}

// Open is the start every function shares: it checks that the
// environment variables n needs are set (naming every missing one), loads
// the installation settings and every definition, loads the AWS SDK
// configuration once and opens the stores n names from it. It does not
// contact AWS, so a cold start does not wait for the network.
func (c *Config) Open(ctx context.Context, n Need) (*Resources, error) {
	if err := c.Require(n); err != nil {
		return nil, err
	}
	settings, defs, err := c.Load()
	if err != nil {
		return nil, err
	}
	r := &Resources{Settings: settings, Definitions: defs, Log: c.Logger()}
	if n&(NeedPublic|NeedPrivate|NeedAWS) == 0 {
		return r, nil
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if n&NeedAWS != 0 {
		r.AWS = awsCfg
	}
	if n&NeedPublic != 0 {
		if r.Public, err = c.openStore(awsCfg, c.PublicBucket, c.PublicPrefix); err != nil {
			return nil, fmt.Errorf("public store (%s=%s): %w", EnvPublicBucket, c.PublicBucket, err)
		}
	}
	if n&NeedPrivate != 0 {
		if r.Private, err = c.openStore(awsCfg, c.PrivateBucket, c.PrivatePrefix); err != nil {
			return nil, fmt.Errorf("private store (%s=%s): %w", EnvPrivateBucket, c.PrivateBucket, err)
		}
	}
	return r, nil
}

// openStore opens the S3 store of bucket, under prefix when it is set.
func (c *Config) openStore(awsCfg aws.Config, bucket, prefix string) (store.Store, error) {
	s, err := s3store.NewFromConfig(awsCfg, s3store.Config{
		Bucket: bucket, Endpoint: c.S3Endpoint, PathStyle: c.S3PathStyle,
		SSE: c.SSE, KMSKeyID: c.KMSKeyID,
	})
	if err != nil {
		return nil, err
	}
	if prefix == "" {
		return s, nil
	}
	return store.WithPrefix(s, prefix)
}

// Load reads the installation settings and every definition. A definition
// with problems fails the whole load, as in `dele run`: check them with
// `dele datasets check` before deploying.
func (c *Config) Load() (*config.Config, []*datasets.Definition, error) {
	cfg, err := config.Load(c.ConfigFile)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (%s)", err, EnvConfigFile)
	}
	defs, err := datasets.Load(c.Definitions)
	if err != nil {
		return nil, nil, fmt.Errorf("definitions in %s: %w", c.Definitions, err)
	}
	return cfg, defs, nil
}

// ReadIfExists reads the object at key, reporting false when there is none.
// It lists the key's prefix before reading, so that a missing object is
// told apart with no more than s3:ListBucket on that prefix: without
// s3:ListBucket on the bucket, S3 answers a GET of a missing key with 403
// Access Denied rather than 404, and the functions' roles grant listing
// only under the prefixes they use.
func ReadIfExists(ctx context.Context, st store.Store, key string) ([]byte, bool, error) {
	infos, err := st.List(ctx, key)
	if err != nil {
		return nil, false, err
	}
	found := false
	for _, o := range infos {
		found = found || o.Key == key
	}
	if !found {
		return nil, false, nil
	}
	b, err := store.ReadAll(ctx, st, key)
	if errors.Is(err, store.ErrNotExist) { // deleted since listed
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}
