package dispatcherfn

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/dele-opendata/dele/internal/lambdafn"
	"github.com/dele-opendata/dele/internal/lambdafn/fntest"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/store/memstore"
)

// fakeQueue records the messages sent.
type fakeQueue struct {
	mu   sync.Mutex
	sent []lambdafn.Message
	fail string // dataset whose send fails
}

func (q *fakeQueue) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	m, err := lambdafn.ParseMessage(aws.ToString(in.MessageBody))
	if err != nil {
		return nil, err
	}
	if aws.ToString(in.QueueUrl) != "https://sqs.eu-north-1.amazonaws.com/123456789012/dele-runs" {
		return nil, errors.New("wrong queue " + aws.ToString(in.QueueUrl))
	}
	if m.Dataset == q.fail {
		return nil, errors.New("throttled")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sent = append(q.sent, m)
	return &sqs.SendMessageOutput{MessageId: aws.String("msg-" + m.Dataset)}, nil
}

func (q *fakeQueue) take() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	var ids []string
	for _, m := range q.sent {
		ids = append(ids, m.Dataset)
	}
	q.sent = nil
	sort.Strings(ids)
	return ids
}

func invoke(t *testing.T, d *Dispatcher, payload []byte) (*Result, error) {
	t.Helper()
	out, err := lambda.NewHandler(d.Handle).Invoke(context.Background(), payload)
	if err != nil {
		return nil, err
	}
	var res Result
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("response %s: %v", out, err)
	}
	return &res, nil
}

// TestDispatch feeds the documented EventBridge scheduled event: every
// dataset is due the first time, none again at the same tick, and a day
// later only the daily one.
func TestDispatch(t *testing.T) {
	q := &fakeQueue{}
	private := memstore.New()
	d := &Dispatcher{Definitions: fntest.Definitions(t), Private: private, Queue: q,
		QueueURL: "https://sqs.eu-north-1.amazonaws.com/123456789012/dele-runs"}
	ev := fntest.Event(t, "scheduled-event.json")

	res, err := invoke(t, d, ev)
	if err != nil {
		t.Fatal(err)
	}
	all := []string{"befolkning-alder", "enheter-asa", "kostra-vegnett", "normpriser-raolje"}
	if got := q.take(); strings.Join(got, " ") != strings.Join(all, " ") {
		t.Fatalf("sent %v, want %v", got, all)
	}
	if len(res.Sent) != 4 || res.Sent[0].MessageID == "" || !res.Time.Equal(time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)) {
		t.Fatalf("result %+v", res)
	}
	for _, id := range all {
		if _, err := private.Stat(context.Background(), MarkerKey(id)); err != nil {
			t.Errorf("no dispatch marker for %s: %v", id, err)
		}
	}

	// The same tick again (a retried invocation): nothing is due.
	res, err = invoke(t, d, ev)
	if err != nil {
		t.Fatal(err)
	}
	if got := q.take(); len(got) != 0 || len(res.Due) != 0 || len(res.NotDue) != 4 {
		t.Fatalf("second dispatch sent %v, result %+v", got, res)
	}

	// A day later only the rate(1 day) dataset is due again.
	next := strings.Replace(string(ev), "2026-11-23T06:00:00Z", "2026-11-24T06:00:00Z", 1)
	if _, err := invoke(t, d, []byte(next)); err != nil {
		t.Fatal(err)
	}
	if got := q.take(); strings.Join(got, " ") != "enheter-asa" {
		t.Fatalf("a day later sent %v, want [enheter-asa]", got)
	}
}

// TestDispatchLastRun: without a dispatch marker the last run record
// decides, and a failed send is reported while the others go out.
func TestDispatchLastRun(t *testing.T) {
	ctx := context.Background()
	q := &fakeQueue{fail: "kostra-vegnett"}
	private := memstore.New()
	// normpriser-raolje (cron(0 5 ? * MON *)) ran on Monday 23 November
	// 2026 at 05:00:40, after the tick at 05:00.
	if err := private.Put(ctx, "runs/normpriser-raolje/20261123T050040Z-0a1b2c3d.json", strings.NewReader("{}"), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	d := &Dispatcher{Definitions: fntest.Definitions(t), Private: private, Queue: q,
		QueueURL: "https://sqs.eu-north-1.amazonaws.com/123456789012/dele-runs"}
	res, err := d.Handle(ctx, eventAt(t, "2026-11-23T06:00:00Z"))
	if err == nil || !strings.Contains(err.Error(), "dataset kostra-vegnett") || !strings.Contains(err.Error(), "throttled") {
		t.Fatalf("err %v, want the failed send of kostra-vegnett", err)
	}
	if got := q.take(); strings.Join(got, " ") != "befolkning-alder enheter-asa" {
		t.Fatalf("sent %v", got)
	}
	if n := res.NotDue["normpriser-raolje"]; !n.Equal(time.Date(2026, 11, 30, 5, 0, 0, 0, time.UTC)) {
		t.Fatalf("normpriser-raolje next due %v, want Monday 30 November 05:00", n)
	}
	// The retried invocation sends only what is still due.
	q.fail = ""
	if _, err := d.Handle(ctx, eventAt(t, "2026-11-23T06:00:00Z")); err != nil {
		t.Fatal(err)
	}
	if got := q.take(); strings.Join(got, " ") != "kostra-vegnett" {
		t.Fatalf("retry sent %v", got)
	}
}

func eventAt(t *testing.T, at string) (ev events.EventBridgeEvent) {
	t.Helper()
	if err := json.Unmarshal([]byte(strings.Replace(string(fntest.Event(t, "scheduled-event.json")), "2026-11-23T06:00:00Z", at, 1)), &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}
