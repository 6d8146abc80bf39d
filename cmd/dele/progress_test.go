package main

import (
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	for _, tc := range []struct {
		i, n    int
		rows    int64
		elapsed time.Duration
		want    string
	}{
		{0, 4, 65536, 0, "[------------------------] 1/4 ds: 65 536 rows"},
		{1, 4, 1245184, 10 * time.Second, "[######------------------] 2/4 ds: 1 245 184 rows, 124 518 rows/s"},
		{2, 3, 999, time.Second, "[################--------] 3/3 ds: 999 rows, 999 rows/s"},
	} {
		if got := progressLine(tc.i, tc.n, "ds", tc.rows, tc.elapsed); got != tc.want {
			t.Errorf("progressLine(%d, %d, %d, %v) = %q, want %q", tc.i, tc.n, tc.rows, tc.elapsed, got, tc.want)
		}
	}
	for n, want := range map[int64]string{0: "0", 100: "100", 1000: "1 000", 1234567: "1 234 567", -4200: "-4 200"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}
