package emf

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

func TestWrite(t *testing.T) {
	var buf bytes.Buffer
	at := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	err := Write(&buf, Record{
		Namespace: "Dele", Time: at, Dimensions: map[string]string{"Dataset": "valglokaler"},
		Metrics:    []Metric{{"RowsProcessed", "Count", 120}, {"RowsRejected", "Count", 2}, {"Duration", "Milliseconds", 830}},
		Properties: map[string]any{"RunId": "r1", "Outcome": "published"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(buf.Bytes(), []byte("\n")) != 1 {
		t.Fatalf("not one line: %q", buf.String())
	}
	var got struct {
		AWS struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		} `json:"_aws"`
		Dataset, RunId, Outcome               string
		RowsProcessed, RowsRejected, Duration float64
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	cw := got.AWS.CloudWatchMetrics
	if got.AWS.Timestamp != at.UnixMilli() || len(cw) != 1 || cw[0].Namespace != "Dele" ||
		len(cw[0].Dimensions) != 1 || len(cw[0].Dimensions[0]) != 1 || cw[0].Dimensions[0][0] != "Dataset" {
		t.Fatalf("metadata %+v", got.AWS)
	}
	if len(cw[0].Metrics) != 3 || cw[0].Metrics[2].Name != "Duration" || cw[0].Metrics[2].Unit != "Milliseconds" {
		t.Errorf("metric definitions %+v", cw[0].Metrics)
	}
	if got.Dataset != "valglokaler" || got.RunId != "r1" || got.RowsProcessed != 120 || got.RowsRejected != 2 || got.Duration != 830 {
		t.Errorf("values %+v", got)
	}
	if err := Write(&buf, Record{Namespace: "Dele"}); err == nil {
		t.Error("a record without metrics was written")
	}
	if err := Write(&buf, Record{Namespace: "Dele", Metrics: []Metric{{Name: "_aws"}}}); err == nil {
		t.Error("a metric named _aws was written")
	}
}
