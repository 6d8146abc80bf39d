// Package infra holds Dele's AWS deployment: the AWS SAM template
// template.yaml (functions, buckets, queue, schedule, HTTP API, CloudFront,
// alarms, one least-privilege role per function) and build.sh, which
// builds the functions for it. Its tests lint the template with cfn-lint,
// load it with goformation and check every role's permissions.
package infra

import _ "embed"

// Template is template.yaml.
//
//go:embed template.yaml
var Template []byte
