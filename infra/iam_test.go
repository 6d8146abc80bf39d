package infra

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/dele-opendata/dele/internal/schedule"
)

// node is the template read as YAML, with CloudFormation's short-form
// tags (!Ref, !GetAtt, !Sub …) kept on the nodes.
type node = yaml.Node

func parse(t *testing.T) *node {
	t.Helper()
	var doc node
	if err := yaml.Unmarshal(Template, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Content[0]
}

// get follows mapping keys.
func get(n *node, keys ...string) *node {
	for _, k := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}

// custom reports whether a node carries a CloudFormation tag (!Ref …),
// not a YAML core tag (!!str …).
func custom(n *node) bool { return strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") }

// text renders a value: "!GetAtt X.Arn", "!Sub ${X.Arn}/*", a plain
// string, or the items of a sequence joined by " | ".
func text(n *node) string {
	if n == nil {
		return ""
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if custom(n) {
			return n.Tag + " " + n.Value
		}
		return n.Value
	case yaml.SequenceNode:
		var parts []string
		for _, c := range n.Content {
			parts = append(parts, text(c))
		}
		if custom(n) {
			return n.Tag + " " + strings.Join(parts, " ")
		}
		return strings.Join(parts, " | ")
	}
	return "<map>"
}

// list returns a scalar or a sequence as a list of rendered values.
func list(n *node) []string {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.SequenceNode && !custom(n) {
		var out []string
		for _, c := range n.Content {
			out = append(out, text(c))
		}
		return out
	}
	return []string{text(n)}
}

type statement struct {
	sid, effect        string
	actions, resources []string
	hasCondition       bool
}

// roles returns each IAM role's statements, and the resource types.
func roles(t *testing.T, root *node) map[string][]statement {
	out := map[string][]statement{}
	res := get(root, "Resources")
	for i := 0; i+1 < len(res.Content); i += 2 {
		name, r := res.Content[i].Value, res.Content[i+1]
		if text(get(r, "Type")) != "AWS::IAM::Role" {
			continue
		}
		if get(r, "Properties", "ManagedPolicyArns") != nil {
			t.Errorf("%s: managed policies are not reviewed here; write the statements inline", name)
		}
		out[name] = nil
		for _, p := range get(r, "Properties", "Policies").Content {
			for _, s := range get(p, "PolicyDocument", "Statement").Content {
				out[name] = append(out[name], statement{
					sid: text(get(s, "Sid")), effect: text(get(s, "Effect")),
					actions: list(get(s, "Action")), resources: list(get(s, "Resource")),
					hasCondition: get(s, "Condition") != nil,
				})
			}
		}
	}
	return out
}

var refRE = regexp.MustCompile(`^(?:!GetAtt ([A-Za-z]+)\.Arn|!Sub \$\{([A-Za-z]+)\.Arn\}(/.*)?|!Sub arn:\$\{AWS::Partition\}:(ssm|secretsmanager):\$\{AWS::Region\}:\$\{AWS::AccountId\}:(?:parameter/|secret:)\$\{SecretsPath\}/\*)$`)

// target returns the template resource a policy resource names and the
// key pattern under it ("" for the resource itself).
func target(t *testing.T, role, r string) (string, string) {
	m := refRE.FindStringSubmatch(r)
	if m == nil {
		t.Errorf("%s: resource %q is not a reference to a resource of this template", role, r)
		return "", ""
	}
	switch {
	case m[1] != "":
		return m[1], ""
	case m[2] != "":
		return m[2], m[3]
	}
	return m[4], "${SecretsPath}/*"
}

// TestLeastPrivilege reads every role's statements from the template and
// checks that each function may do what it needs and nothing else: no
// action wildcards or "*" resources anywhere, each function its own role,
// the api only reads, the dispatcher only sends to its queue and writes
// only its markers, the worker touches only its two buckets and its
// queue, the catalog never deletes.
func TestLeastPrivilege(t *testing.T) {
	root := parse(t)
	byRole := roles(t, root)
	fnRole := map[string]string{}
	for id := range functions {
		r := text(get(root, "Resources", id, "Properties", "Role"))
		role, ok := strings.CutSuffix(strings.TrimPrefix(r, "!GetAtt "), ".Arn")
		if !ok || byRole[role] == nil {
			t.Fatalf("%s: role %q is not one of the template's roles", id, r)
		}
		for other, or := range fnRole {
			if or == role {
				t.Errorf("%s and %s share role %s", id, other, role)
			}
		}
		fnRole[id] = role
	}
	if len(byRole) != len(functions) {
		t.Errorf("%d roles for %d functions", len(byRole), len(functions))
	}

	type grant struct{ action, target, keys string }
	grants := map[string][]grant{}
	for id, role := range fnRole {
		logGroup := strings.TrimSuffix(id, "Function") + "LogGroup"
		for _, s := range byRole[role] {
			if s.effect != "Allow" {
				t.Errorf("%s %s: effect %s", role, s.sid, s.effect)
			}
			if len(s.actions) == 0 || len(s.resources) == 0 {
				t.Errorf("%s %s: no actions or no resources", role, s.sid)
			}
			for _, a := range s.actions {
				if strings.Contains(a, "*") {
					t.Errorf("%s %s: wildcard action %q", role, s.sid, a)
				}
			}
			for _, r := range s.resources {
				if r == "*" || strings.HasSuffix(r, ":*") || strings.Contains(r, ":::*") {
					t.Errorf("%s %s: wildcard resource %q", role, s.sid, r)
				}
				tgt, keys := target(t, role, r)
				for _, a := range s.actions {
					grants[id] = append(grants[id], grant{a, tgt, keys})
					if strings.HasPrefix(a, "logs:") && tgt != logGroup {
						t.Errorf("%s: %s on %s, not its own log group %s", id, a, tgt, logGroup)
					}
					if a == "s3:ListBucket" && keys != "" || a != "s3:ListBucket" && strings.HasPrefix(a, "s3:") && !strings.HasPrefix(keys, "/") {
						t.Errorf("%s: %s on %q: bucket actions go on the bucket, object actions on its keys", id, a, r)
					}
				}
			}
		}
	}

	writes := func(a string) bool {
		return a == "s3:PutObject" || a == "s3:DeleteObject" || a == "s3:AbortMultipartUpload" ||
			strings.HasPrefix(a, "sqs:") && a != "sqs:ReceiveMessage" && a != "sqs:GetQueueAttributes" ||
			a == "ssm:PutParameter" || a == "secretsmanager:PutSecretValue"
	}
	allowed := map[string]func(grant) bool{
		// The api reads published files; besides its log it writes nothing.
		"ApiFunction": func(g grant) bool {
			return g.action == "s3:GetObject" && g.target == "PublicBucket" && g.keys == "/*" ||
				g.action == "s3:ListBucket" && g.target == "PublicBucket"
		},
		// The dispatcher sends to its queue and keeps its markers.
		"DispatcherFunction": func(g grant) bool {
			return g.action == "sqs:SendMessage" && g.target == "RunQueue" ||
				(g.action == "s3:GetObject" || g.action == "s3:PutObject") && g.target == "PrivateBucket" && g.keys == "/dispatch/*" ||
				g.action == "s3:ListBucket" && g.target == "PrivateBucket"
		},
		// The worker consumes its queue, reads and writes its two buckets
		// and reads secrets under the configured path.
		"WorkerFunction": func(g grant) bool {
			switch {
			case strings.HasPrefix(g.action, "s3:"):
				return g.target == "PublicBucket" || g.target == "PrivateBucket"
			case strings.HasPrefix(g.action, "sqs:"):
				return g.target == "RunQueue" && slices.Contains([]string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"}, g.action)
			case g.action == "ssm:GetParameter":
				return g.target == "ssm"
			case g.action == "secretsmanager:GetSecretValue":
				return g.target == "secretsmanager"
			}
			return false
		},
		// The catalog reads and writes the public bucket (never deletes)
		// and keeps its regeneration record in the private one.
		"CatalogFunction": func(g grant) bool {
			return (g.action == "s3:GetObject" || g.action == "s3:PutObject") && (g.target == "PublicBucket" && g.keys == "/*" || g.target == "PrivateBucket" && g.keys == "/catalog/*") ||
				g.action == "s3:ListBucket" && (g.target == "PublicBucket" || g.target == "PrivateBucket")
		},
	}
	for id, gs := range grants {
		for _, g := range gs {
			if strings.HasPrefix(g.action, "logs:") {
				if g.action != "logs:CreateLogStream" && g.action != "logs:PutLogEvents" {
					t.Errorf("%s: %s", id, g.action)
				}
				continue
			}
			if !allowed[id](g) {
				t.Errorf("%s may %s on %s%s", id, g.action, g.target, g.keys)
			}
			if id == "ApiFunction" && writes(g.action) {
				t.Errorf("the api may write: %s on %s", g.action, g.target)
			}
		}
	}
	// Listing the private bucket is limited to the prefixes a function
	// uses, except for the worker, which runs the whole pipeline.
	for _, role := range []string{"DispatcherRole", "CatalogRole"} {
		for _, s := range byRole[role] {
			if slices.Contains(s.actions, "s3:ListBucket") && slices.Contains(s.resources, "!GetAtt PrivateBucket.Arn") && !s.hasCondition {
				t.Errorf("%s lists the whole private bucket", role)
			}
		}
	}
}

// TestEvents checks the functions' triggers: the dispatcher's schedule
// (which package schedule must understand), the worker's SQS source with
// batch size 1 and partial batch responses, the catalog's EventBridge rule
// on published manifests, and the HTTP API routes of the api.
func TestEvents(t *testing.T) {
	root := parse(t)
	fn := func(id string, keys ...string) *node {
		return get(get(root, "Resources", id, "Properties"), keys...)
	}
	tick := fn("DispatcherFunction", "Events", "Tick")
	if text(get(tick, "Type")) != "Schedule" || text(get(tick, "Properties", "Schedule")) != "!Ref DispatchSchedule" {
		t.Errorf("dispatcher event: %s %s", text(get(tick, "Type")), text(get(tick, "Properties", "Schedule")))
	}
	expr := text(get(root, "Parameters", "DispatchSchedule", "Default"))
	if _, err := schedule.Parse(expr); err != nil {
		t.Errorf("default dispatch schedule: %v", err)
	}
	sqs := fn("WorkerFunction", "Events", "Runs")
	if text(get(sqs, "Type")) != "SQS" || text(get(sqs, "Properties", "BatchSize")) != "1" ||
		text(get(sqs, "Properties", "FunctionResponseTypes")) != "ReportBatchItemFailures" ||
		text(get(sqs, "Properties", "Queue")) != "!GetAtt RunQueue.Arn" {
		t.Errorf("worker event: %s batch %s responses %s", text(get(sqs, "Type")), text(get(sqs, "Properties", "BatchSize")), text(get(sqs, "Properties", "FunctionResponseTypes")))
	}
	rule := fn("CatalogFunction", "Events", "Published")
	if text(get(rule, "Type")) != "EventBridgeRule" || text(get(rule, "Properties", "Pattern", "detail", "bucket", "name")) != "!Ref PublicBucket" ||
		text(get(rule, "Properties", "Pattern", "detail-type")) != "Object Created" {
		t.Errorf("catalog event: %s", text(get(rule, "Type")))
	}
	if k := get(rule, "Properties", "Pattern", "detail", "object", "key"); k == nil || !strings.Contains(text(get(k.Content[0], "wildcard")), "latest.json") {
		t.Error("catalog rule does not select published manifests")
	}
	if text(get(root, "Resources", "PublicBucket", "Properties", "NotificationConfiguration", "EventBridgeConfiguration", "EventBridgeEnabled")) != "true" {
		t.Error("the public bucket does not send its events to EventBridge")
	}
	for route, key := range map[string]string{"HttpApiRoute": "GET", "HttpApiHeadRoute": "HEAD", "HttpApiOptionsRoute": "OPTIONS"} {
		if got := text(get(root, "Resources", route, "Properties", "RouteKey")); got != key+" /api/{proxy+}" {
			t.Errorf("HTTP API route %s: %q", route, got)
		}
	}
	if got := text(get(root, "Resources", "ApiFunction", "Properties", "Environment", "Variables", "DELE_API_PREFIX")); got != "/api" {
		t.Errorf("api prefix %q", got)
	}
}

// TestNoInlineSecrets: secrets come from SSM Parameter Store or Secrets
// Manager references given as a parameter, never as values in the
// template.
func TestNoInlineSecrets(t *testing.T) {
	root := parse(t)
	if got := text(get(root, "Resources", "WorkerFunction", "Properties", "Environment", "Variables", "DELE_SECRETS")); got != "!Ref SecretRefs" {
		t.Errorf("DELE_SECRETS is %q, want !Ref SecretRefs", got)
	}
	if d := text(get(root, "Parameters", "SecretRefs", "Default")); d != "" {
		t.Errorf("SecretRefs has a default %q", d)
	}
	for _, bad := range []string{"postgres://", "password", "AKIA", "BEGIN PRIVATE KEY"} {
		if strings.Contains(strings.ToLower(string(Template)), strings.ToLower(bad)) {
			t.Errorf("the template contains %q", bad)
		}
	}
	for id := range functions {
		vars := get(root, "Resources", id, "Properties", "Environment", "Variables")
		if vars == nil {
			continue
		}
		for i := 0; i+1 < len(vars.Content); i += 2 {
			name := vars.Content[i].Value
			if (strings.Contains(name, "KEY") || strings.Contains(name, "PASSWORD") || strings.Contains(name, "TOKEN")) && !custom(vars.Content[i+1]) {
				t.Errorf("%s: %s is a literal", id, name)
			}
		}
	}
}
