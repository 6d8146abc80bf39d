// Command api is the Lambda function behind the API Gateway HTTP API that
// serves the open query API (see internal/lambdafn/apifn).
//
// Build it as bootstrap for the provided.al2023 runtime (infra/build.sh);
// its configuration is read from the environment (internal/lambdafn).
package main

import (
	"github.com/dele-opendata/dele/internal/lambdafn"
	"github.com/dele-opendata/dele/internal/lambdafn/apifn"
)

func main() { lambdafn.Start(apifn.Handler) }
