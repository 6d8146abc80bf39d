package gctune

import (
	"runtime/debug"
	"testing"
)

func TestApply(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	tests := []struct {
		gogc    string
		changed bool
		want    int
	}{
		{"", true, Percent},
		{"  ", true, Percent},
		{"50", false, 100},
		{"off", false, 100},
	}
	for _, tt := range tests {
		debug.SetGCPercent(100)
		changed := Apply(func(k string) string {
			if k == "GOGC" {
				return tt.gogc
			}
			return ""
		})
		if got := debug.SetGCPercent(100); changed != tt.changed || got != tt.want {
			t.Errorf("GOGC=%q: changed %v, percent %d; want %v, %d", tt.gogc, changed, got, tt.changed, tt.want)
		}
	}
}
