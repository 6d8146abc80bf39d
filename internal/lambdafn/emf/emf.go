// Package emf writes CloudWatch Embedded Metric Format records: one JSON
// log line that CloudWatch Logs turns into metrics without an API call
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
package emf

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"
)

// Metric is one value of a record.
type Metric struct {
	Name  string
	Unit  string // Count, Milliseconds, Bytes, …
	Value float64
}

// Record is one EMF log line: metrics in a namespace, split by the
// dimension values, with extra properties that are logged but not metrics.
type Record struct {
	Namespace  string
	Time       time.Time
	Dimensions map[string]string
	Metrics    []Metric
	Properties map[string]any
}

type metricDef struct {
	Name string `json:"Name"`
	Unit string `json:"Unit,omitempty"`
}

type directive struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []metricDef `json:"Metrics"`
}

type metadata struct {
	Timestamp         int64       `json:"Timestamp"`
	CloudWatchMetrics []directive `json:"CloudWatchMetrics"`
}

// Write writes r as one line of JSON to w.
func Write(w io.Writer, r Record) error {
	if r.Namespace == "" || len(r.Metrics) == 0 {
		return fmt.Errorf("emf: a record needs a namespace and at least one metric")
	}
	line := map[string]any{}
	for k, v := range r.Properties {
		line[k] = v
	}
	dims := make([]string, 0, len(r.Dimensions))
	for k, v := range r.Dimensions {
		dims = append(dims, k)
		line[k] = v
	}
	sort.Strings(dims)
	d := directive{Namespace: r.Namespace, Dimensions: [][]string{dims}}
	for _, m := range r.Metrics {
		if m.Name == "" || m.Name == "_aws" {
			return fmt.Errorf("emf: invalid metric name %q", m.Name)
		}
		d.Metrics = append(d.Metrics, metricDef{Name: m.Name, Unit: m.Unit})
		line[m.Name] = m.Value
	}
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	line["_aws"] = metadata{Timestamp: t.UnixMilli(), CloudWatchMetrics: []directive{d}}
	b, err := json.Marshal(line)
	if err != nil {
		return fmt.Errorf("emf: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
