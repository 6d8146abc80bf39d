// Package gctune sets the Go garbage collector for Dele's workload.
//
// Converting a table allocates a lot of short-lived memory (parsed text,
// Arrow's page buffers) while the live heap stays small, bounded by the
// batch size (about 35 MB on the benchmark file). With Go's default
// GOGC=100 the collector then runs every few tens of megabytes and takes
// about a sixth of the CPU. Measured on the 10M-row benchmark file
// (bench/, 2 cores): GOGC=150 converted it in 8.2 s instead of
// 8.7–10.7 s; with 512 KiB parse chunks instead of 1 MiB the peak RSS
// stayed where it was with GOGC=100 (131–136 MiB). GOGC=200 was no faster
// and took 147 MiB; setting GOMEMLIMIT (150 MiB) made the collector run
// more often and the conversion slower, and a memory limit makes the
// collector run constantly when a wide table's live heap nears it.
package gctune

import (
	"runtime/debug"
	"strings"
)

// Percent is the GOGC value Dele runs with unless the environment sets
// GOGC.
const Percent = 150

// Apply sets the collector's target percentage to Percent unless getenv
// returns a GOGC value (the operator's choice wins), and reports whether
// it changed the setting.
func Apply(getenv func(string) string) bool {
	if strings.TrimSpace(getenv("GOGC")) != "" {
		return false
	}
	debug.SetGCPercent(Percent)
	return true
}
