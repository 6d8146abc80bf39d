package pipeline

import (
	"context"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/derive"
)

// Regenerate rebuilds everything derived from the published datasets — the
// DCAT-AP-NO catalog in every serialisation, the OpenAPI document and the
// portal — from the definitions and the latest manifests in the public
// store (package derive, which the Lambda catalog function calls too).
// Each object is replaced atomically.
func Regenerate(ctx context.Context, env *Env, defs []*datasets.Definition) error {
	return derive.Regenerate(ctx, env.Public, env.Config, defs)
}
