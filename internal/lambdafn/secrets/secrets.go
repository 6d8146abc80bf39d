// Package secrets resolves secret references — ssm:<parameter> in AWS
// Systems Manager Parameter Store and secretsmanager:<secret> in AWS
// Secrets Manager, optionally with #key for one field of a JSON secret —
// for the Lambda worker, with the AWS SDK for Go v2. Values are cached for
// a few minutes, so a warm function does not ask on every run, and a
// rotated secret is picked up soon after.
package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/dele-opendata/dele/internal/lambdafn"
)

// SSMAPI is the part of the SSM client the resolver uses.
type SSMAPI interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, opts ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// SecretsManagerAPI is the part of the Secrets Manager client the
// resolver uses.
type SecretsManagerAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// DefaultTTL is how long a resolved value is reused.
const DefaultTTL = 5 * time.Minute

// Resolver resolves secret references. It is safe for concurrent use.
type Resolver struct {
	SSM            SSMAPI
	SecretsManager SecretsManagerAPI
	// TTL is how long a value is cached (DefaultTTL when 0; negative: no
	// caching).
	TTL time.Duration
	Now func() time.Time

	mu    sync.Mutex
	cache map[string]entry
}

type entry struct {
	value string
	until time.Time
}

// New returns a resolver with SSM and Secrets Manager clients built from
// cfg (which does not contact AWS).
func New(cfg aws.Config) *Resolver {
	return &Resolver{SSM: ssm.NewFromConfig(cfg), SecretsManager: secretsmanager.NewFromConfig(cfg)}
}

func (r *Resolver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Resolve returns the value ref names. Errors name the reference, never a
// value.
func (r *Resolver) Resolve(ctx context.Context, ref string) (string, error) {
	if err := lambdafn.CheckSecretRef(ref); err != nil {
		return "", err
	}
	ttl := r.TTL
	if ttl == 0 {
		ttl = DefaultTTL
	}
	r.mu.Lock()
	if e, ok := r.cache[ref]; ok && r.now().Before(e.until) {
		r.mu.Unlock()
		return e.value, nil
	}
	r.mu.Unlock()

	v, err := r.fetch(ctx, ref)
	if err != nil {
		return "", err
	}
	if ttl > 0 {
		r.mu.Lock()
		if r.cache == nil {
			r.cache = map[string]entry{}
		}
		r.cache[ref] = entry{value: v, until: r.now().Add(ttl)}
		r.mu.Unlock()
	}
	return v, nil
}

func (r *Resolver) fetch(ctx context.Context, ref string) (string, error) {
	kind, id, _ := strings.Cut(ref, ":")
	id, key, hasKey := strings.Cut(id, "#")
	var v string
	switch kind {
	case "ssm":
		if r.SSM == nil {
			return "", fmt.Errorf("secret %s: no SSM client", ref)
		}
		out, err := r.SSM.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(id), WithDecryption: aws.Bool(true)})
		if err != nil {
			return "", fmt.Errorf("secret %s: SSM GetParameter: %w", ref, err)
		}
		if out.Parameter == nil || out.Parameter.Value == nil {
			return "", fmt.Errorf("secret %s: parameter has no value", ref)
		}
		v = *out.Parameter.Value
	case "secretsmanager":
		if r.SecretsManager == nil {
			return "", fmt.Errorf("secret %s: no Secrets Manager client", ref)
		}
		out, err := r.SecretsManager.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
		if err != nil {
			return "", fmt.Errorf("secret %s: Secrets Manager GetSecretValue: %w", ref, err)
		}
		if out.SecretString == nil {
			return "", fmt.Errorf("secret %s: not a string secret", ref)
		}
		v = *out.SecretString
	}
	if hasKey {
		var fields map[string]any
		if err := json.Unmarshal([]byte(v), &fields); err != nil {
			return "", fmt.Errorf("secret %s: #%s needs a JSON object secret", ref, key)
		}
		f, ok := fields[key]
		if !ok {
			return "", fmt.Errorf("secret %s: the JSON secret has no field %q", ref, key)
		}
		switch f := f.(type) {
		case string:
			v = f
		default:
			b, _ := json.Marshal(f)
			v = string(b)
		}
	}
	if v == "" {
		return "", fmt.Errorf("secret %s is empty", ref)
	}
	return v, nil
}

// Getenv resolves the secrets among names that refs maps (names refs does
// not know are left to the environment) and returns a getenv that answers
// them first and asks fallback for everything else. Every failing
// reference is reported.
func (r *Resolver) Getenv(ctx context.Context, refs map[string]string, names []string, fallback func(string) string) (func(string) string, error) {
	vals := map[string]string{}
	var errs []error
	for _, n := range names {
		ref, ok := refs[n]
		if !ok {
			continue
		}
		v, err := r.Resolve(ctx, ref)
		if err != nil {
			errs = append(errs, fmt.Errorf("environment variable %s: %w", n, err))
			continue
		}
		vals[n] = v
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return func(k string) string {
		if v, ok := vals[k]; ok {
			return v
		}
		return fallback(k)
	}, nil
}
