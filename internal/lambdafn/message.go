package lambdafn

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dele-opendata/dele/internal/publish"
)

// Message is the body of the SQS message the dispatcher sends for each
// due dataset and the worker runs.
type Message struct {
	// Dataset is the definition's id.
	Dataset string `json:"dataset"`
	// DueAt is the schedule tick that made the dataset due.
	DueAt time.Time `json:"dueAt,omitzero"`
	// DispatchedAt is when the dispatcher sent the message.
	DispatchedAt time.Time `json:"dispatchedAt,omitzero"`
}

// ParseMessage decodes and checks a message body.
func ParseMessage(body string) (Message, error) {
	var m Message
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Message{}, fmt.Errorf("message body is not a Dele run message: %w", err)
	}
	if err := publish.CheckID(m.Dataset); err != nil {
		return Message{}, fmt.Errorf("message body: dataset: %w", err)
	}
	return m, nil
}

// ParseSecretRefs parses DELE_SECRETS: comma-separated NAME=REF pairs that
// make the secret REF the value of the environment variable NAME for the
// pipeline, e.g.
//
//	SKOLE_PG_URL=secretsmanager:dele/prod/skole-pg#url,ELEV_HASH_KEY=ssm:/dele/prod/elev-hash-key
//
// A definition names NAME in source.connectionEnv or a treatment's keyEnv,
// as it does locally where NAME is an ordinary environment variable. REF
// is ssm:<parameter name or ARN> (SecureString parameters are decrypted)
// or secretsmanager:<secret name or ARN>, optionally followed by #key to
// take one field of a JSON secret. The values themselves are never in the
// template or the environment.
func ParseSecretRefs(s string) (map[string]string, error) {
	refs := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return refs, nil
	}
	var errs []error
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		name, ref, ok := strings.Cut(pair, "=")
		if !ok || !validEnvName(name) {
			errs = append(errs, fmt.Errorf("%s: %q: want NAME=ssm:/parameter or NAME=secretsmanager:secret", EnvSecrets, pair))
			continue
		}
		if err := CheckSecretRef(ref); err != nil {
			errs = append(errs, fmt.Errorf("%s: %s: %w", EnvSecrets, name, err))
			continue
		}
		if _, dup := refs[name]; dup {
			errs = append(errs, fmt.Errorf("%s: %s is given twice", EnvSecrets, name))
		}
		refs[name] = ref
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return refs, nil
}

// CheckSecretRef reports whether ref is ssm:<name> or secretsmanager:<id>
// (optionally with #key).
func CheckSecretRef(ref string) error {
	kind, id, ok := strings.Cut(ref, ":")
	if !ok || (kind != "ssm" && kind != "secretsmanager") || strings.TrimSpace(id) == "" || strings.ContainsAny(id, " \t\n,") {
		return fmt.Errorf("secret reference %q: want ssm:/parameter-name or secretsmanager:secret-name (or an ARN after the colon)", ref)
	}
	return nil
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
