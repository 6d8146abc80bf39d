// Package functions holds Dele's AWS Lambda functions, one main package
// per function: dispatcher, worker, catalog and api. Each main is a few
// lines; the handlers are in internal/lambdafn. infra/build.sh builds them
// as bootstrap binaries and infra/template.yaml deploys them.
//
// The tests in this folder build the real binaries with infra/build.sh and
// run them as Lambda would, against a Runtime API server in the test, the
// S3-compatible test server and moto_server's SQS.
package functions
