package infra

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/cloudformation/global"
	"github.com/awslabs/goformation/v7/cloudformation/s3"

	"github.com/dele-opendata/dele/internal/testenv"
)

// cfnLint finds cfn-lint (on PATH, or where pyenv installs it), or skips
// the test — failing it under DELE_TEST_REQUIRE=1.
func cfnLint(t *testing.T) string {
	if p, err := exec.LookPath("cfn-lint"); err == nil {
		return p
	}
	if home, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(home, ".pyenv", "shims", "cfn-lint")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	testenv.Missing(t, "cfn-lint is not installed")
	return ""
}

// TestCfnLint lints the template with cfn-lint (SAM transform, resource
// types, properties, Ref/GetAtt/Sub targets), and checks that it does
// catch a bad reference.
func TestCfnLint(t *testing.T) {
	lint := cfnLint(t)
	out, err := exec.Command(lint, "template.yaml").CombinedOutput()
	if err != nil {
		t.Fatalf("cfn-lint template.yaml: %v\n%s", err, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(string(Template), "!GetAtt RunQueue.Arn", "!GetAtt RunQueues.Arn", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(lint, bad).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "RunQueues") {
		t.Fatalf("cfn-lint accepted a reference to a missing resource: %v\n%s", err, out)
	}
}

var functions = map[string]string{ // logical id → folder of functions/
	"DispatcherFunction": "dispatcher",
	"WorkerFunction":     "worker",
	"CatalogFunction":    "catalog",
	"ApiFunction":        "api",
}

// TestGoformation loads the template with goformation, which checks its
// structure and property types, and checks the settings the functions
// rely on.
func TestGoformation(t *testing.T) {
	tmpl, err := goformation.ParseYAML(Template)
	if err != nil {
		t.Fatal(err)
	}
	gf, ok := tmpl.Globals["Function"].(*global.Function)
	if !ok {
		t.Fatalf("Globals.Function is %T", tmpl.Globals["Function"])
	}
	if gf.Runtime == nil || *gf.Runtime != "provided.al2023" || gf.Handler == nil || *gf.Handler != "bootstrap" ||
		gf.Architectures == nil || !slices.Equal(*gf.Architectures, []string{"arm64"}) {
		t.Errorf("functions: runtime %v, handler %v, architectures %v; want provided.al2023, bootstrap, arm64", gf.Runtime, gf.Handler, gf.Architectures)
	}
	fns := tmpl.GetAllServerlessFunctionResources()
	if len(fns) != len(functions) {
		t.Fatalf("%d functions, want %d", len(fns), len(functions))
	}
	for id, dir := range functions {
		f, ok := fns[id]
		if !ok {
			t.Fatalf("no function %s", id)
		}
		if f.CodeUri == nil || f.CodeUri.String == nil || *f.CodeUri.String != ".build/"+dir+"/" {
			t.Errorf("%s: CodeUri is not .build/%s/ (the output of build.sh)", id, dir)
		}
		if _, err := os.Stat(filepath.Join("..", "functions", dir, "main.go")); err != nil {
			t.Errorf("%s: %v", id, err)
		}
		if f.FunctionName == nil || !strings.HasSuffix(*f.FunctionName, "-"+dir) {
			t.Errorf("%s: function name %v", id, f.FunctionName)
		}
		if f.Policies != nil {
			t.Errorf("%s: SAM policies; the function's own role must say everything", id)
		}
	}
	if w := fns["WorkerFunction"]; w.Timeout == nil || *w.Timeout != 900 || w.EphemeralStorage == nil {
		t.Errorf("worker: timeout %v, ephemeral storage %v", w.Timeout, w.EphemeralStorage)
	}
	if a := fns["ApiFunction"]; a.EphemeralStorage != nil {
		t.Errorf("api: ephemeral storage %v; it writes nothing to /tmp, the 512 MB default is enough", a.EphemeralStorage)
	}
	if c := fns["CatalogFunction"]; c.ReservedConcurrentExecutions == nil || *c.ReservedConcurrentExecutions != 1 {
		t.Error("catalog: reserved concurrency is not 1 (its debounce relies on it)")
	}

	for _, name := range []string{"PrivateBucket", "PublicBucket"} {
		b, err := tmpl.GetS3BucketWithName(name)
		if err != nil {
			t.Fatal(err)
		}
		checkBucket(t, name, b)
	}
	q, err := tmpl.GetSQSQueueWithName("RunQueue")
	if err != nil {
		t.Fatal(err)
	}
	if q.RedrivePolicy == nil || q.VisibilityTimeout == nil || *q.VisibilityTimeout < 6*900 {
		t.Errorf("run queue: redrive %v, visibility timeout %v (want ≥ 6 × the worker's timeout)", q.RedrivePolicy, q.VisibilityTimeout)
	}
	alarm, err := tmpl.GetCloudWatchAlarmWithName("DeadLetterAlarm")
	if err != nil {
		t.Fatal(err)
	}
	if alarm.Namespace == nil || *alarm.Namespace != "AWS/SQS" || alarm.MetricName == nil || *alarm.MetricName != "ApproximateNumberOfMessagesVisible" {
		t.Errorf("dead-letter alarm on %v %v", alarm.Namespace, alarm.MetricName)
	}
	groups := tmpl.GetAllLogsLogGroupResources()
	for _, dir := range functions {
		g, ok := groups[strings.ToUpper(dir[:1])+dir[1:]+"LogGroup"]
		if !ok || g.RetentionInDays == nil || *g.RetentionInDays <= 0 {
			t.Errorf("%s: no log group with retention", dir)
		}
	}
	api, err := tmpl.GetApiGatewayV2ApiWithName("HttpApi")
	if err != nil || api.ProtocolType == nil || *api.ProtocolType != "HTTP" {
		t.Errorf("HTTP API: %v", err)
	}
	integ, err := tmpl.GetApiGatewayV2IntegrationWithName("HttpApiIntegration")
	if err != nil || integ.PayloadFormatVersion == nil || *integ.PayloadFormatVersion != "2.0" {
		t.Errorf("HTTP API integration: %v", err)
	}
}

func checkBucket(t *testing.T, name string, b *s3.Bucket) {
	t.Helper()
	if b.VersioningConfiguration == nil || b.VersioningConfiguration.Status != "Enabled" {
		t.Errorf("%s: versioning not enabled", name)
	}
	if b.BucketEncryption == nil || len(b.BucketEncryption.ServerSideEncryptionConfiguration) == 0 {
		t.Errorf("%s: no default encryption", name)
	}
	p := b.PublicAccessBlockConfiguration
	if p == nil || !isTrue(p.BlockPublicAcls) || !isTrue(p.BlockPublicPolicy) || !isTrue(p.IgnorePublicAcls) || !isTrue(p.RestrictPublicBuckets) {
		t.Errorf("%s: public access not blocked", name)
	}
}

func isTrue(b *bool) bool { return b != nil && *b }
