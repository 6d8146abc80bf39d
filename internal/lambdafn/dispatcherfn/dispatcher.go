// Package dispatcherfn is the Lambda dispatcher: an EventBridge schedule
// (every 15 minutes) invokes it; it finds the datasets that are due by
// their own schedule (package schedule) and sends one SQS message per due
// dataset to the worker's queue (fan-out).
//
// A dataset is due when its schedule fired after it was last dispatched
// (the marker dispatch/<id>.json in the private store) or, without a
// marker, after its last run started (run records under runs/<id>/). The
// marker is written after the message is sent, so a dataset is sent once
// per tick of its schedule; the worker's retries and the dead-letter queue
// are SQS's job.
package dispatcherfn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/lambdafn"
	"github.com/dele-opendata/dele/internal/schedule"
	"github.com/dele-opendata/dele/internal/store"
)

// Sender is the part of the SQS client the dispatcher uses.
type Sender interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// Dispatcher sends the due datasets to the queue.
type Dispatcher struct {
	Definitions []*datasets.Definition
	// Private holds the dispatch markers and run records.
	Private  store.Store
	Queue    Sender
	QueueURL string
	// Now is the clock used when an event carries no time.
	Now func() time.Time
	Log *slog.Logger
}

// Sent is one message sent.
type Sent struct {
	Dataset   string `json:"dataset"`
	MessageID string `json:"messageId"`
}

// Result is what one invocation did; it is the function's response.
type Result struct {
	Time time.Time `json:"time"`
	// Due lists the datasets found due, Sent the messages sent for them.
	Due  []string `json:"due"`
	Sent []Sent   `json:"sent"`
	// NotDue lists the other datasets with when they are next due.
	NotDue map[string]time.Time `json:"notDue,omitempty"`
}

// Handler builds the dispatcher from the configuration; functions/dispatcher
// passes it to lambdafn.Start.
func Handler(ctx context.Context, cfg *lambdafn.Config) (any, error) {
	d, err := New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return d.Handle, nil
}

// New builds a dispatcher from the configuration: the bundled definitions,
// the private bucket and the queue.
func New(ctx context.Context, cfg *lambdafn.Config) (*Dispatcher, error) {
	r, err := cfg.Open(ctx, lambdafn.NeedPrivate|lambdafn.NeedQueue|lambdafn.NeedAWS)
	if err != nil {
		return nil, err
	}
	return &Dispatcher{Definitions: r.Definitions, Private: r.Private, Queue: sqs.NewFromConfig(r.AWS), QueueURL: cfg.QueueURL, Log: r.Log}, nil
}

func (d *Dispatcher) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Handle handles one EventBridge scheduled event. The event's time is the
// tick the due check uses. A dataset whose message cannot be sent is
// reported in the returned error after the others are sent, so the
// scheduler's retry sends only what is still due.
func (d *Dispatcher) Handle(ctx context.Context, ev events.EventBridgeEvent) (*Result, error) {
	now := ev.Time.UTC()
	if now.IsZero() {
		if d.Now != nil {
			now = d.Now().UTC()
		} else {
			now = time.Now().UTC()
		}
	}
	res := &Result{Time: now, Due: []string{}, Sent: []Sent{}, NotDue: map[string]time.Time{}}
	var errs []error
	for _, def := range d.Definitions {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		sched, err := schedule.Parse(def.Schedule)
		if err != nil {
			errs = append(errs, fmt.Errorf("dataset %s: %w", def.ID, err))
			continue
		}
		last, err := d.lastDispatch(ctx, def.ID)
		if err != nil {
			errs = append(errs, fmt.Errorf("dataset %s: %w", def.ID, err))
			continue
		}
		if !sched.Due(last, now) {
			res.NotDue[def.ID] = sched.Next(last)
			continue
		}
		res.Due = append(res.Due, def.ID)
		id, err := d.send(ctx, def.ID, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("dataset %s: %w", def.ID, err))
			continue
		}
		res.Sent = append(res.Sent, Sent{Dataset: def.ID, MessageID: id})
		if err := d.mark(ctx, def.ID, now, id); err != nil {
			// The message is sent; without the marker the next tick may
			// send it again, which the worker tolerates (unchanged sources
			// publish nothing new).
			d.log().Warn("write dispatch marker", "dataset", def.ID, "err", err)
		}
	}
	d.log().Info("dispatched", "time", now, "due", res.Due, "sent", len(res.Sent), "errors", len(errs))
	if len(errs) > 0 {
		return res, errors.Join(errs...)
	}
	return res, nil
}

// marker is the dispatch record of a dataset in the private store.
type marker struct {
	Dataset      string    `json:"dataset"`
	DispatchedAt time.Time `json:"dispatchedAt"`
	MessageID    string    `json:"messageId"`
}

// MarkerKey is the key of a dataset's dispatch marker in the private store.
func MarkerKey(id string) string { return path.Join("dispatch", id+".json") }

// lastDispatch returns when the dataset was last dispatched, or, never
// dispatched, when its last run started; the zero time if never.
func (d *Dispatcher) lastDispatch(ctx context.Context, id string) (time.Time, error) {
	b, ok, err := lambdafn.ReadIfExists(ctx, d.Private, MarkerKey(id))
	if err != nil {
		return time.Time{}, fmt.Errorf("read dispatch marker: %w", err)
	}
	if ok {
		var m marker
		if err := json.Unmarshal(b, &m); err != nil {
			return time.Time{}, fmt.Errorf("dispatch marker %s: %w", MarkerKey(id), err)
		}
		return m.DispatchedAt, nil
	}
	// Run records are runs/<id>/<run id>.json, and run ids start with the
	// start time (20060102T150405Z), so the last key is the last run.
	infos, err := d.Private.List(ctx, "runs/"+id+"/")
	if err != nil {
		return time.Time{}, fmt.Errorf("list run records: %w", err)
	}
	var last time.Time
	for _, o := range infos {
		name := path.Base(o.Key)
		stamp, _, _ := strings.Cut(name, "-")
		if t, err := time.Parse("20060102T150405Z", stamp); err == nil && t.After(last) {
			last = t
		}
	}
	return last, nil
}

func (d *Dispatcher) send(ctx context.Context, id string, now time.Time) (string, error) {
	body, err := json.Marshal(lambdafn.Message{Dataset: id, DueAt: now, DispatchedAt: time.Now().UTC()})
	if err != nil {
		return "", err
	}
	out, err := d.Queue.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(d.QueueURL), MessageBody: aws.String(string(body))})
	if err != nil {
		return "", fmt.Errorf("send to queue: %w", err)
	}
	return aws.ToString(out.MessageId), nil
}

func (d *Dispatcher) mark(ctx context.Context, id string, now time.Time, messageID string) error {
	b, err := json.Marshal(marker{Dataset: id, DispatchedAt: now, MessageID: messageID})
	if err != nil {
		return err
	}
	return d.Private.Put(ctx, MarkerKey(id), bytes.NewReader(b), store.PutOptions{ContentType: "application/json"})
}
