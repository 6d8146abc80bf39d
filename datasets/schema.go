package datasets

import (
	_ "embed"
)

// JSONSchema is the JSON Schema (draft 2020-12) of a definition file, for
// editors: add `# yaml-language-server: $schema=./definition.schema.json`
// at the top of a definition to get completion and inline checks.
//
//go:embed definition.schema.json
var JSONSchema []byte
