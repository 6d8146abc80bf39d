// Command worker is the Lambda function that runs one dataset per SQS
// message through the same pipeline as `dele run` (see
// internal/lambdafn/workerfn).
//
// Build it as bootstrap for the provided.al2023 runtime (infra/build.sh);
// its configuration is read from the environment (internal/lambdafn).
package main

import (
	"github.com/dele-opendata/dele/internal/lambdafn"
	"github.com/dele-opendata/dele/internal/lambdafn/workerfn"
)

func main() { lambdafn.Start(workerfn.Handler) }
