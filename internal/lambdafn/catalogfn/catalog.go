// Package catalogfn is the Lambda catalog function: after the worker
// publishes (S3 "Object Created" events for datasets/<id>/latest.json,
// delivered through EventBridge or as S3 notifications), or when invoked
// directly, it regenerates the DCAT-AP-NO catalog, the OpenAPI document
// and the portal in the public bucket with package derive — the same code
// `dele run` uses.
//
// Regeneration is debounced: the function runs one at a time (reserved
// concurrency 1), waits DELE_CATALOG_DEBOUNCE for a burst of publishes to
// land, and records when each regeneration started (catalog/regenerated.json
// in the private store). An event for an object written before the last
// regeneration started is already covered and is skipped, so ten datasets
// published in a minute cost one or two regenerations, not ten.
package catalogfn

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/derive"
	"github.com/dele-opendata/dele/internal/lambdafn"
	"github.com/dele-opendata/dele/internal/store"
)

// MarkerKey is the key of the regeneration record in the private store.
const MarkerKey = "catalog/regenerated.json"

// Catalog regenerates the derived documents.
type Catalog struct {
	Public, Private store.Store
	Config          *config.Config
	Definitions     []*datasets.Definition
	// Debounce is how long to wait before regenerating.
	Debounce time.Duration
	Now      func() time.Time
	Log      *slog.Logger
}

// Request is the payload of a direct invocation; every invocation that is
// not an S3 or EventBridge event regenerates, e.g.
// `aws lambda invoke --function-name … --payload '{}' out.json`.
type Request struct {
	// Reason is logged.
	Reason string `json:"reason,omitempty"`
}

// Result is what one invocation did; it is the function's response.
type Result struct {
	Regenerated bool `json:"regenerated"`
	// Reason says why it regenerated or skipped.
	Reason string `json:"reason"`
	// Keys are the published manifests the event named.
	Keys     []string      `json:"keys,omitempty"`
	Start    time.Time     `json:"start,omitzero"`
	Duration time.Duration `json:"duration,omitempty"`
	Datasets int           `json:"datasets"`
}

// Handler builds the function from the configuration; functions/catalog
// passes it to lambdafn.Start.
func Handler(ctx context.Context, cfg *lambdafn.Config) (any, error) {
	c, err := New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return c.Handle, nil
}

// New builds the function from the configuration.
func New(ctx context.Context, cfg *lambdafn.Config) (*Catalog, error) {
	r, err := cfg.Open(ctx, lambdafn.NeedPublic|lambdafn.NeedPrivate)
	if err != nil {
		return nil, err
	}
	return &Catalog{Public: r.Public, Private: r.Private, Config: r.Settings, Definitions: r.Definitions,
		Debounce: cfg.CatalogDebounce, Log: r.Log}, nil
}

func (c *Catalog) now() time.Time {
	if c.Now != nil {
		return c.Now().UTC()
	}
	return time.Now().UTC()
}

func (c *Catalog) log() *slog.Logger {
	if c.Log != nil {
		return c.Log
	}
	return slog.New(slog.DiscardHandler)
}

// trigger is what an event asks for.
type trigger struct {
	// event: an object event; time is the latest event time.
	event  bool
	time   time.Time
	keys   []string
	reason string
}

// parse recognises an S3 notification, an EventBridge S3 event or a direct
// invocation.
func parse(raw json.RawMessage) (trigger, error) {
	var probe struct {
		Records    json.RawMessage `json:"Records"`
		DetailType string          `json:"detail-type"`
	}
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return trigger{reason: "direct invocation"}, nil
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return trigger{}, fmt.Errorf("event is not a JSON object: %w", err)
	}
	switch {
	case probe.Records != nil:
		var ev events.S3Event
		if err := json.Unmarshal(raw, &ev); err != nil {
			return trigger{}, fmt.Errorf("S3 event: %w", err)
		}
		t := trigger{event: true, reason: "S3 event"}
		for _, r := range ev.Records {
			if !strings.HasPrefix(r.EventName, "ObjectCreated:") {
				continue
			}
			key := r.S3.Object.Key
			if k, err := url.QueryUnescape(key); err == nil { // notification keys are URL-encoded
				key = k
			}
			t.add(key, r.EventTime)
		}
		return t, nil
	case probe.DetailType != "":
		var ev events.EventBridgeEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return trigger{}, fmt.Errorf("EventBridge event: %w", err)
		}
		t := trigger{event: true, reason: "EventBridge " + ev.DetailType}
		if ev.DetailType == "Object Created" {
			var d struct {
				Object struct {
					Key string `json:"key"`
				} `json:"object"`
			}
			if err := json.Unmarshal(ev.Detail, &d); err != nil {
				return trigger{}, fmt.Errorf("EventBridge event detail: %w", err)
			}
			t.add(d.Object.Key, ev.Time)
		}
		return t, nil
	}
	var req Request
	if err := json.Unmarshal(raw, &req); err != nil {
		return trigger{}, fmt.Errorf("direct invocation payload: %w", err)
	}
	reason := "direct invocation"
	if req.Reason != "" {
		reason += ": " + req.Reason
	}
	return trigger{reason: reason}, nil
}

// add records an object event if it is a published manifest.
func (t *trigger) add(key string, at time.Time) {
	if !strings.HasSuffix(key, "/latest.json") {
		return
	}
	t.keys = append(t.keys, key)
	if at.After(t.time) {
		t.time = at.UTC()
	}
}

type marker struct {
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Reason string    `json:"reason"`
}

// Handle handles one event: an S3 notification, an EventBridge "Object
// Created" event or a direct invocation (any other JSON object).
func (c *Catalog) Handle(ctx context.Context, raw json.RawMessage) (*Result, error) {
	t, err := parse(raw)
	if err != nil {
		return nil, err
	}
	res := &Result{Reason: t.reason, Keys: t.keys, Datasets: len(c.Definitions)}
	if t.event {
		if len(t.keys) == 0 {
			res.Reason = t.reason + " names no published manifest (datasets/<id>/latest.json); nothing to do"
			return res, nil
		}
		last, err := c.last(ctx)
		if err != nil {
			return nil, err
		}
		if !last.Start.IsZero() && t.time.Before(last.Start) {
			res.Reason = fmt.Sprintf("%s at %s is covered by the regeneration started at %s", t.reason,
				t.time.Format(time.RFC3339), last.Start.Format(time.RFC3339))
			c.log().Info("skipped", "reason", res.Reason)
			return res, nil
		}
		if c.Debounce > 0 {
			timer := time.NewTimer(c.Debounce)
			select {
			case <-ctx.Done():
				timer.Stop()
				return nil, ctx.Err()
			case <-timer.C:
			}
		}
	}
	res.Start = c.now()
	if err := derive.Regenerate(ctx, c.Public, c.Config, c.Definitions); err != nil {
		return nil, fmt.Errorf("regenerate: %w", err)
	}
	end := c.now()
	res.Regenerated, res.Duration = true, end.Sub(res.Start)
	b, _ := json.Marshal(marker{Start: res.Start, End: end, Reason: t.reason})
	if err := c.Private.Put(ctx, MarkerKey, bytes.NewReader(b), store.PutOptions{ContentType: "application/json"}); err != nil {
		// Regenerated all the same; the next event regenerates again.
		c.log().Warn("write regeneration record", "err", err)
	}
	c.log().Info("regenerated", "reason", t.reason, "keys", t.keys, "duration_ms", res.Duration.Milliseconds())
	return res, nil
}

func (c *Catalog) last(ctx context.Context) (marker, error) {
	b, ok, err := lambdafn.ReadIfExists(ctx, c.Private, MarkerKey)
	if err != nil {
		return marker{}, fmt.Errorf("read regeneration record: %w", err)
	}
	if !ok {
		return marker{}, nil
	}
	var m marker
	if err := json.Unmarshal(b, &m); err != nil {
		c.log().Warn("regeneration record unreadable; regenerating", "err", err)
		return marker{}, nil
	}
	return m, nil
}
