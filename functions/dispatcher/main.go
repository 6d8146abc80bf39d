// Command dispatcher is the Lambda function that an EventBridge schedule invokes
// every 15 minutes; it sends one SQS message per due dataset (see
// internal/lambdafn/dispatcherfn).
//
// Build it as bootstrap for the provided.al2023 runtime (infra/build.sh);
// its configuration is read from the environment (internal/lambdafn).
package main

import (
	"github.com/dele-opendata/dele/internal/lambdafn"
	"github.com/dele-opendata/dele/internal/lambdafn/dispatcherfn"
)

func main() { lambdafn.Start(dispatcherfn.Handler) }
