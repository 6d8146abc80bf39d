package openapi_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dele-opendata/dele/internal/testenv"
)

// TestLoad serves the query API on loopback over a generated dataset
// (DELE_LOAD_ROWS rows, default 500,000, written by internal/convert as
// the publish stage does), in its own process built without the race
// detector (internal/benchserve -debug), and runs wrk against it for DELE_LOAD_DURATION
// (default 60s) with a mix of queries: equality, range and prefix
// filters, select, sort, cursor paging, CSV and NDJSON, metadata, and
// requests that must get 400 and 404. No response may be 5xx, the
// goroutines must come back to where they were, and the live heap after
// a collection must not grow beyond a bound (the server reports both on
// /debug/stats, after its own collection). It logs requests/s, latency
// percentiles and the before/after figures (README, Reliability and
// security). It needs wrk (installed by ./test.sh) and is skipped with
// -short.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("runs wrk for a minute")
	}
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		testenv.Missing(t, "wrk is not installed (./test.sh installs it)")
	}
	rows := 500_000
	if s := os.Getenv("DELE_LOAD_ROWS"); s != "" {
		rows, _ = strconv.Atoi(s)
	}
	duration := "60s"
	if s := os.Getenv("DELE_LOAD_DURATION"); s != "" {
		duration = s
	}
	// The server runs as its own process, built without the race
	// detector, so the figures are those of the real handler.
	dir := t.TempDir()
	bin := filepath.Join(dir, "benchserve")
	if out, err := exec.Command("go", "build", "-o", bin, "./internal/benchserve").CombinedOutput(); err != nil {
		t.Fatalf("go build benchserve: %v\n%s", err, out)
	}
	start := time.Now()
	srvCmd := exec.Command(bin, "-rows", strconv.Itoa(rows), "-addr", "127.0.0.1:0", "-debug")
	stdout, err := srvCmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	srvCmd.Stderr = os.Stderr
	if err := srvCmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srvCmd.Process.Kill(); _ = srvCmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("benchserve did not start: %v", err)
	}
	base := strings.TrimSpace(line)
	t.Logf("%d rows published and served in %s", rows, time.Since(start).Round(time.Millisecond))

	get := func(path string) (int, []byte) {
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	rowsPath := "/datasets/tilskudd/rows?"
	mid := strconv.Itoa(rows / 2)
	paths := []struct {
		path   string
		status int
	}{
		{rowsPath + "id.gte=" + mid + "&limit=100", 200},
		{rowsPath + "id.gte=" + mid + "&id.lt=" + strconv.Itoa(rows/2+20000) + "&sort=-belop&limit=20", 200},
		{rowsPath + "kommunenummer=0301&limit=100", 200},
		{rowsPath + "kommunenummer.in=1103,4601&aar.lte=2018&limit=50&select=id,kommunenummer,aar", 200},
		{rowsPath + "mottaker.prefix=Korpset&limit=50&select=id,mottaker", 200},
		{rowsPath + "vedtatt.gte=2022-01-01&aktiv=true&limit=100&format=csv", 200},
		{rowsPath + "aar=2019&limit=200&format=ndjson", 200},
		{rowsPath + "registrert.lt=2021-03-02T00:00:00Z&sort=-registrert&limit=50", 200},
		{"/datasets", 200},
		{"/datasets/tilskudd", 200},
		{"/datasets/nope/rows", 404},
		{rowsPath + "limit=0", 400},
		{rowsPath + "kommunenumer=0301", 400},
		{rowsPath + "belop.gte=abc", 400},
	}
	// Pages two and three of a sorted query, by their cursors.
	next := rowsPath + "id.gt=1000&sort=id&limit=100"
	for i := 0; i < 2; i++ {
		code, b := get(next)
		var p struct{ Next string }
		if code != 200 || json.Unmarshal(b, &p) != nil || p.Next == "" {
			t.Fatalf("GET %s: %d %.200s", next, code, b)
		}
		next = strings.TrimPrefix(p.Next, base)
		paths = append(paths, struct {
			path   string
			status int
		}{next, 200})
	}
	// Warm up (footer cache, pools) and check every status.
	for _, p := range paths {
		begin := time.Now()
		if code, b := get(p.path); code != p.status {
			t.Fatalf("GET %s: %d, want %d: %.200s", p.path, code, p.status, b)
		}
		if testing.Verbose() {
			t.Logf("%s: %s", p.path, time.Since(begin).Round(time.Millisecond))
		}
	}
	http.DefaultClient.CloseIdleConnections()

	var lua strings.Builder
	lua.WriteString("paths = {\n")
	for _, p := range paths {
		fmt.Fprintf(&lua, "  %q,\n", p.path)
	}
	lua.WriteString(`}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, paths[(counter % #paths) + 1])
end
`)
	script := filepath.Join(t.TempDir(), "mix.lua")
	if err := os.WriteFile(script, []byte(lua.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	before := serverStats(t, base)
	cmd := exec.Command(wrk, "-t", "2", "-c", "4", "-d", duration, "--timeout", "15s", "--latency", "-s", script, base+"/")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("wrk: %v\n%s", err, out)
	}
	after := serverStats(t, base)
	statuses := map[string]int{}
	total, bad := 0, 0
	for code, n := range after.Statuses {
		n -= before.Statuses[code]
		if n == 0 {
			continue
		}
		statuses[code] = n
		total += n
		// 0: the handler wrote nothing, as for a client that went away
		// (wrk closes its connections at the end, mid-request).
		if code != "200" && code != "400" && code != "404" && code != "0" {
			bad += n
		}
	}

	field := func(re string) string {
		m := regexp.MustCompile(re).FindStringSubmatch(string(out))
		if m == nil {
			return "?"
		}
		return m[1]
	}
	t.Logf("wrk -t2 -c4 -d%s, %d kinds of request: %s requests/s; latency p50 %s, p90 %s, p99 %s; %d responses %v",
		duration, len(paths), field(`Requests/sec:\s+(\S+)`), field(`50%\s+(\S+)`), field(`90%\s+(\S+)`), field(`99%\s+(\S+)`), total, statuses)
	t.Logf("server goroutines %d before, %d after; live heap after GC %.1f MiB before, %.1f MiB after",
		before.Goroutines, after.Goroutines, float64(before.HeapAlloc)/(1<<20), float64(after.HeapAlloc)/(1<<20))
	if total == 0 {
		t.Fatalf("no requests reached the server:\n%s", out)
	}
	if bad > 0 {
		t.Errorf("%d responses with a status other than 200, 400, 404 (%v)\n%s", bad, statuses, out)
	}
	if after.Goroutines > before.Goroutines+2 {
		t.Errorf("server goroutines grew from %d to %d", before.Goroutines, after.Goroutines)
	}
	if limit := before.HeapAlloc + before.HeapAlloc/2 + 16<<20; after.HeapAlloc > limit {
		t.Errorf("live heap grew from %d to %d bytes (limit %d)", before.HeapAlloc, after.HeapAlloc, limit)
	}
}

type stats struct {
	Goroutines int
	HeapAlloc  uint64
	Statuses   map[string]int
}

// serverStats reads benchserve's /debug/stats: goroutines once settled,
// live heap after a collection, responses by status so far.
func serverStats(t *testing.T, base string) stats {
	t.Helper()
	res, err := http.Get(base + "/debug/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var s stats
	if err := json.NewDecoder(res.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	http.DefaultClient.CloseIdleConnections()
	return s
}
