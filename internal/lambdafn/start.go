package lambdafn

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/dele-opendata/dele/internal/gctune"
)

// Builder builds a function's handler from its configuration. It returns
// a value lambda.Start accepts (a func(context.Context, Event) (Out,
// error)). It should not contact AWS: that is done on the first
// invocation, so a cold start stays short.
type Builder func(ctx context.Context, cfg *Config) (any, error)

// Start reads the configuration from the environment, builds the handler
// and runs the Lambda Runtime API loop; it does not return. When the
// configuration or the build fails, it reports the error to the Runtime
// API's /runtime/init/error endpoint (so the failed init is logged with
// its reason) and exits.
func Start(build Builder) {
	gctune.Apply(os.Getenv)
	ctx := context.Background()
	cfg, err := FromEnv(os.Getenv)
	var h any
	if err == nil {
		h, err = build(ctx, cfg)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "init failed: %v\n", err)
		if api := os.Getenv("AWS_LAMBDA_RUNTIME_API"); api != "" {
			if rerr := ReportInitError(ctx, api, err); rerr != nil {
				fmt.Fprintf(os.Stderr, "report init error: %v\n", rerr)
			}
		}
		os.Exit(1)
	}
	lambda.Start(h)
}

// InitErrorType is the error type reported for a failed init.
const InitErrorType = "Runtime.InitError"

// ReportInitError posts err to the Runtime API at api (host:port) as
// documented for custom runtimes: POST /2018-06-01/runtime/init/error with
// a JSON body {errorMessage, errorType} and the
// Lambda-Runtime-Function-Error-Type header.
func ReportInitError(ctx context.Context, api string, err error) error {
	body, _ := json.Marshal(map[string]any{"errorMessage": err.Error(), "errorType": InitErrorType, "stackTrace": []string{}})
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, rerr := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+api+"/2018-06-01/runtime/init/error", bytes.NewReader(body))
	if rerr != nil {
		return rerr
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Lambda-Runtime-Function-Error-Type", InitErrorType)
	resp, rerr := http.DefaultClient.Do(req)
	if rerr != nil {
		return rerr
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("runtime API answered %s", resp.Status)
	}
	return nil
}
