package functions_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/dele-opendata/dele/internal/lambdafn/fntest"
	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/store/s3store/s3storetest"
	"github.com/dele-opendata/dele/internal/testenv"
)

// TestServerless runs the four real function binaries as Lambda would,
// each polling a Runtime API server in the test, against the S3-compatible
// test server (versitygw) and moto_server's SQS:
//
//  1. the dispatcher gets the documented EventBridge scheduled event and
//     enqueues every example dataset (none has run yet) — the test receives
//     the messages from the queue;
//  2. the worker gets an SQS event built from the received message of one
//     dataset and publishes it to the public bucket, writing its run
//     record to the private bucket; a message naming no dataset comes back
//     as a batch item failure;
//  3. the catalog function gets an S3 put event for the published manifest
//     and writes catalog.ttl, openapi.json and the portal;
//  4. the api function answers an API Gateway HTTP API rows query from the
//     published Parquet file.
func TestServerless(t *testing.T) {
	ctx := context.Background()
	sqsEndpoint := testenv.Get(t, "DELE_TEST_SQS_ENDPOINT")
	public := s3storetest.New(t, nil)
	private := s3storetest.New(t, nil)
	s3cfg := s3storetest.Config(t)

	q := sqs.New(sqs.Options{Region: s3cfg.Region, BaseEndpoint: aws.String(sqsEndpoint),
		Credentials: credentials.NewStaticCredentialsProvider(s3cfg.AccessKey, s3cfg.SecretKey, "")})
	var b [4]byte
	rand.Read(b[:])
	qname := "dele-runs-" + hex.EncodeToString(b[:])
	created, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(qname)})
	if err != nil {
		t.Fatal(err)
	}
	queueURL := aws.ToString(created.QueueUrl)
	t.Cleanup(func() { q.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: aws.String(queueURL)}) })
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(queueURL),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	queueARN := attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]

	env := map[string]string{
		"AWS_REGION": s3cfg.Region, "AWS_DEFAULT_REGION": s3cfg.Region,
		"AWS_ACCESS_KEY_ID": s3cfg.AccessKey, "AWS_SECRET_ACCESS_KEY": s3cfg.SecretKey,
		"AWS_ENDPOINT_URL_SQS": sqsEndpoint,
		"DELE_S3_ENDPOINT":     s3cfg.Endpoint, "DELE_S3_PATH_STYLE": "true",
		"DELE_PUBLIC_BUCKET": public.Bucket(), "DELE_PRIVATE_BUCKET": private.Bucket(),
		"DELE_QUEUE_URL": queueURL,
		"DELE_BASE_URL":  "https://d111111abcdef8.cloudfront.net",
	}

	// 1. Dispatcher: every example dataset is due.
	dispatcher := start(t, "dispatcher", env)
	var dres struct {
		Due  []string
		Sent []struct{ Dataset, MessageID string }
	}
	dispatcher.invoke(t, fntest.Event(t, "scheduled-event.json"), &dres)
	want := "befolkning-alder enheter-asa kostra-vegnett normpriser-raolje"
	if strings.Join(dres.Due, " ") != want || len(dres.Sent) != 4 {
		t.Fatalf("dispatcher result %+v", dres)
	}
	received := map[string]sqstypes.Message{}
	for deadline := time.Now().Add(30 * time.Second); len(received) < 4 && time.Now().Before(deadline); {
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			var body struct{ Dataset string }
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &body); err != nil {
				t.Fatalf("message body %q: %v", aws.ToString(m.Body), err)
			}
			received[body.Dataset] = m
		}
	}
	got := map[string]bool{}
	for id := range received {
		got[id] = true
	}
	if strings.Join(keys(got), " ") != want {
		t.Fatalf("received messages for %v, want %s", keys(got), want)
	}
	// A retried tick sends nothing new.
	dispatcher.invoke(t, fntest.Event(t, "scheduled-event.json"), &dres)
	if len(dres.Sent) != 0 {
		t.Fatalf("second dispatch sent %+v", dres.Sent)
	}

	// 2. Worker: publishes the dataset of a received message.
	worker := start(t, "worker", env)
	m := received[fntest.Dataset]
	var wres events.SQSEventResponse
	worker.invoke(t, sqsEvent(t, fntest.Event(t, "sqs-event.json"), aws.ToString(m.MessageId), aws.ToString(m.ReceiptHandle),
		aws.ToString(m.Body), aws.ToString(m.MD5OfBody), queueARN), &wres)
	if len(wres.BatchItemFailures) != 0 {
		t.Fatalf("worker failures %+v", wres.BatchItemFailures)
	}
	manifest, err := publish.ReadLatest(ctx, public, fntest.Dataset)
	if err != nil {
		t.Fatal(err)
	}
	if manifest.Rows < 1000 {
		t.Fatalf("published %d rows", manifest.Rows)
	}
	for _, name := range []string{publish.FileParquet, publish.FileCSV, publish.FileSchema, publish.FileReport} {
		fi, ok := manifest.File(name)
		if !ok {
			t.Fatalf("manifest lacks %s: %+v", name, manifest.Files)
		}
		info, err := public.Stat(ctx, fi.Key)
		if err != nil || info.Size != fi.Size || info.Size == 0 {
			t.Fatalf("%s in the bucket: %+v, %v; manifest says %d bytes", fi.Key, info, err, fi.Size)
		}
	}
	runs, err := publish.ListRuns(ctx, private, fntest.Dataset)
	if err != nil || len(runs) != 1 || runs[0].Outcome != publish.OutcomePublished {
		t.Fatalf("run records %+v, %v", runs, err)
	}
	if objs, err := public.List(ctx, "runs/"); err != nil || len(objs) != 0 {
		t.Fatalf("run records in the public bucket: %v %v", objs, err)
	}
	// A poison message is reported back for SQS to retry and dead-letter.
	worker.invoke(t, sqsEvent(t, fntest.Event(t, "sqs-event.json"), "poison-1", "rh", `{"dataset":"finnes-ikke"}`, "", queueARN), &wres)
	if len(wres.BatchItemFailures) != 1 || wres.BatchItemFailures[0].ItemIdentifier != "poison-1" {
		t.Fatalf("worker failures %+v", wres.BatchItemFailures)
	}

	// 3. Catalog: the S3 event for the published manifest.
	catalog := start(t, "catalog", env)
	put := string(fntest.Event(t, "s3-put-event.json"))
	put = strings.ReplaceAll(put, "dele-public-example", public.Bucket())
	put = strings.Replace(put, "2026-11-23T06:01:12.345Z", time.Now().UTC().Add(-time.Second).Format(time.RFC3339Nano), 1)
	var cres struct {
		Regenerated bool
		Reason      string
	}
	catalog.invoke(t, []byte(put), &cres)
	if !cres.Regenerated {
		t.Fatalf("catalog result %+v", cres)
	}
	ttl, err := store.ReadAll(ctx, public, "catalog.ttl")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ttl), "https://d111111abcdef8.cloudfront.net/datasets/"+fntest.Dataset) {
		t.Fatalf("catalog.ttl lacks the published dataset's URL:\n%.3000s", ttl)
	}
	doc, err := store.ReadAll(ctx, public, "openapi.json")
	if err != nil || !strings.Contains(string(doc), "/datasets/"+fntest.Dataset+"/rows") || !strings.Contains(string(doc), "https://d111111abcdef8.cloudfront.net/api") {
		t.Fatalf("openapi.json: %v\n%.1000s", err, doc)
	}
	index, err := store.ReadAll(ctx, public, "index.html")
	if err != nil || !strings.Contains(string(index), path.Join("datasets", fntest.Dataset)) {
		t.Fatalf("index.html: %v\n%.1000s", err, index)
	}
	for _, key := range []string{"catalog.jsonld", "catalog.rdf", "datasets/" + fntest.Dataset + "/index.html", "en/index.html"} {
		if _, err := public.Stat(ctx, key); err != nil {
			t.Errorf("%s: %v", key, err)
		}
	}

	// 4. API: a rows query through API Gateway's payload 2.0.
	api := start(t, "api", env)
	var ares events.APIGatewayV2HTTPResponse
	api.invoke(t, fntest.Event(t, "apigw-v2-request.json"), &ares)
	if ares.StatusCode != 200 || ares.IsBase64Encoded {
		t.Fatalf("api status %d: %s", ares.StatusCode, ares.Body)
	}
	var page struct {
		Rows []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal([]byte(ares.Body), &page); err != nil {
		t.Fatalf("api body %s: %v", ares.Body, err)
	}
	if len(page.Rows) != 3 || page.Rows[0]["crude"] == nil || page.Rows[0]["nok_bbl"] == nil {
		t.Fatalf("rows %v", page.Rows)
	}
	// The same API answers 404 for a dataset that is not published.
	nf := strings.ReplaceAll(string(fntest.Event(t, "apigw-v2-request.json")), fntest.Dataset, "finnes-ikke")
	api.invoke(t, []byte(nf), &ares)
	if ares.StatusCode != 404 {
		t.Fatalf("unknown dataset: status %d: %s", ares.StatusCode, ares.Body)
	}
}
