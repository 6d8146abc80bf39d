// Command catalog is the Lambda function that regenerates the catalog, the
// OpenAPI document and the portal after publishes (see
// internal/lambdafn/catalogfn).
//
// Build it as bootstrap for the provided.al2023 runtime (infra/build.sh);
// its configuration is read from the environment (internal/lambdafn).
package main

import (
	"github.com/dele-opendata/dele/internal/lambdafn"
	"github.com/dele-opendata/dele/internal/lambdafn/catalogfn"
)

func main() { lambdafn.Start(catalogfn.Handler) }
