package publish_test

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/store/faultstore"
	"github.com/dele-opendata/dele/internal/store/fsstore"
	"github.com/dele-opendata/dele/internal/store/memstore"
	"github.com/dele-opendata/dele/internal/store/s3store/s3storetest"
	"github.com/dele-opendata/dele/internal/tableschema"
)

// stores are the public/private store pairs every publish test runs on.
var stores = []struct {
	name string
	new  func(t *testing.T) (public, private store.Store)
}{
	{"mem", func(t *testing.T) (store.Store, store.Store) { return memstore.New(), memstore.New() }},
	{"fs", func(t *testing.T) (store.Store, store.Store) {
		pub, err := fsstore.New(filepath.Join(t.TempDir(), "public"))
		if err != nil {
			t.Fatal(err)
		}
		priv, err := fsstore.New(filepath.Join(t.TempDir(), "private"))
		if err != nil {
			t.Fatal(err)
		}
		return pub, priv
	}},
	{"s3", func(t *testing.T) (store.Store, store.Store) {
		// One bucket, two prefixes.
		s := s3storetest.New(t, nil)
		pub, err := store.WithPrefix(s, "public/")
		if err != nil {
			t.Fatal(err)
		}
		priv, err := store.WithPrefix(s, "private/")
		if err != nil {
			t.Fatal(err)
		}
		return pub, priv
	}},
}

func forEachStore(t *testing.T, fn func(t *testing.T, pub, priv store.Store)) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			pub, priv := s.new(t)
			fn(t, pub, priv)
		})
	}
}

// clock is a fake time source that moves one minute per call of Tick.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 25, 13, 25, 1, 0, time.UTC)} }
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}
func (c *clock) Tick() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Minute)
}

// input writes the files of a version whose data is content to a fresh
// folder. The report differs on every call, as a real run report does.
func input(t *testing.T, dataset, content string) publish.Input {
	t.Helper()
	dir := t.TempDir()
	runID := publish.NewRunID(time.Now())
	files := map[string]string{
		publish.FileParquet: "PAR1" + content + "PAR1",
		publish.FileCSV:     "id,navn\n" + content + "\n",
		publish.FileCSVNB:   "id;navn\n" + content + "\n",
		publish.FileSchema:  `{"fields":[{"name":"id","type":"integer"},{"name":"navn","type":"string"}]}`,
		publish.FileReport:  fmt.Sprintf(`{"runId":%q}`, runID),
	}
	in := publish.Input{
		Dataset:    dataset,
		RunID:      runID,
		SourceHash: "src-" + content,
		Rows:       int64(len(content)),
		Access:     "PUBLIC",
		Schema:     &tableschema.Schema{Fields: []tableschema.Field{{Name: "id", Type: "integer"}, {Name: "navn", Type: "string"}}},
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, []byte(files[n]), 0o644); err != nil {
			t.Fatal(err)
		}
		in.Files = append(in.Files, publish.File{Name: n, Path: p})
	}
	return in
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// checkLatest checks that latest.json points at a whole, readable version
// whose files match the manifest, and returns it.
func checkLatest(t *testing.T, pub store.Store, dataset string) *publish.Manifest {
	t.Helper()
	m, err := publish.ReadLatest(t.Context(), pub, dataset)
	if err != nil {
		t.Fatalf("ReadLatest: %v", err)
	}
	if len(m.Files) != 5 {
		t.Errorf("latest %s has %d files, want 5", m.Version, len(m.Files))
	}
	for _, f := range m.Files {
		b, err := store.ReadAll(t.Context(), pub, f.Key)
		if err != nil {
			t.Fatalf("latest %s: file %s: %v", m.Version, f.Name, err)
		}
		if s1 := sha1.Sum(b); int64(len(b)) != f.Size || sum(b) != f.SHA256 || hex.EncodeToString(s1[:]) != f.SHA1 {
			t.Errorf("latest %s: %s does not match its manifest entry", m.Version, f.Name)
		}
	}
	vm, err := store.ReadAll(t.Context(), pub, publish.VersionPrefix(dataset, m.Version)+publish.FileManifest)
	if err != nil {
		t.Fatalf("latest %s: manifest.json: %v", m.Version, err)
	}
	var v publish.Manifest
	if err := json.Unmarshal(vm, &v); err != nil || v.Version != m.Version || v.ContentHash != m.ContentHash {
		t.Errorf("latest %s: manifest.json = %+v, %v", m.Version, v, err)
	}
	return m
}

// versions lists the version folders present in the public store.
func versions(t *testing.T, pub store.Store, dataset string) []string {
	t.Helper()
	root := "datasets/" + dataset + "/versions/"
	infos, err := pub.List(t.Context(), root)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range infos {
		v, _, _ := strings.Cut(strings.TrimPrefix(o.Key, root), "/")
		if len(out) == 0 || out[len(out)-1] != v {
			out = append(out, v)
		}
	}
	return out
}

func noLease(t *testing.T, priv store.Store, dataset string) {
	t.Helper()
	if _, err := priv.Stat(t.Context(), publish.LockKey(dataset)); !errors.Is(err, store.ErrNotExist) {
		t.Errorf("lease left behind: %v", err)
	}
}

func TestPublish(t *testing.T) {
	forEachStore(t, func(t *testing.T, pub, priv store.Store) {
		clk := newClock()
		p := &publish.Publisher{Public: pub, Private: priv, Now: clk.Now}
		if _, err := publish.ReadLatest(t.Context(), pub, "valglokaler"); !errors.Is(err, store.ErrNotExist) {
			t.Fatalf("ReadLatest before the first publish: %v, want ErrNotExist", err)
		}
		res, err := p.Publish(t.Context(), input(t, "valglokaler", "1,Rådhuset"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Unchanged || len(res.Warnings) != 0 {
			t.Errorf("first publish: %+v", res)
		}
		if !regexp.MustCompile(`^20261125T132501Z-[0-9a-f]{12}$`).MatchString(res.Version) {
			t.Errorf("version id = %q", res.Version)
		}
		m := checkLatest(t, pub, "valglokaler")
		if m.Version != res.Version || !strings.HasPrefix(m.ContentHash, res.Version[len("20261125T132501Z-"):]) {
			t.Errorf("latest = %s (content %s), result %s", m.Version, m.ContentHash, res.Version)
		}
		if !m.Issued.Equal(clk.Now()) || !m.Published.Equal(clk.Now()) || m.Rows != int64(len("1,Rådhuset")) || m.Access != "PUBLIC" || m.Schema == nil {
			t.Errorf("manifest = %+v", m)
		}
		if len(m.History) != 1 || m.History[0].Version != m.Version {
			t.Errorf("history = %+v", m.History)
		}
		// Every object carries its media type, cache policy and checksum.
		want := map[string]string{
			publish.FileParquet: "application/vnd.apache.parquet",
			publish.FileCSV:     "text/csv; charset=utf-8",
			publish.FileSchema:  "application/json",
		}
		for _, f := range m.Files {
			info, err := pub.Stat(t.Context(), f.Key)
			if err != nil {
				t.Fatal(err)
			}
			if w, ok := want[f.Name]; ok && (info.ContentType != w || f.MediaType != w) {
				t.Errorf("%s: content type %q (manifest %q), want %q", f.Name, info.ContentType, f.MediaType, w)
			}
			if info.CacheControl != publish.CacheImmutable || info.SHA256 != f.SHA256 {
				t.Errorf("%s: cache control %q sha256 %q", f.Name, info.CacheControl, info.SHA256)
			}
		}
		info, err := pub.Stat(t.Context(), publish.LatestKey("valglokaler"))
		if err != nil || info.CacheControl != publish.CacheLatest || info.ContentType != "application/json" {
			t.Errorf("latest.json: %+v, %v", info, err)
		}
		noLease(t, priv, "valglokaler")

		// A second version keeps Issued and adds to History.
		clk.Tick()
		res2, err := p.Publish(t.Context(), input(t, "valglokaler", "1,Rådhuset\n2,Skolen"))
		if err != nil {
			t.Fatal(err)
		}
		m2 := checkLatest(t, pub, "valglokaler")
		if m2.Version != res2.Version || res2.Version == res.Version || !m2.Issued.Equal(m.Issued) || m2.Published.Equal(m.Published) {
			t.Errorf("second version: %s issued %s published %s", m2.Version, m2.Issued, m2.Published)
		}
		if len(m2.History) != 2 || m2.History[0].Version != res2.Version || m2.History[1].Version != res.Version {
			t.Errorf("history = %+v", m2.History)
		}
		// The first version stays readable.
		if b, err := store.ReadAll(t.Context(), pub, publish.VersionPrefix("valglokaler", res.Version)+publish.FileCSV); err != nil || string(b) != "id,navn\n1,Rådhuset\n" {
			t.Errorf("old version: %q, %v", b, err)
		}
		ids, err := publish.ListDatasets(t.Context(), pub)
		if err != nil || fmt.Sprint(ids) != "[valglokaler]" {
			t.Errorf("ListDatasets = %v, %v", ids, err)
		}
	})
}

// An unchanged source publishes nothing, even though the run report
// differs.
func TestIdempotent(t *testing.T) {
	forEachStore(t, func(t *testing.T, pub, priv store.Store) {
		clk := newClock()
		fpub := faultstore.New(pub)
		p := &publish.Publisher{Public: fpub, Private: priv, Now: clk.Now}
		first, err := p.Publish(t.Context(), input(t, "skoler", "same"))
		if err != nil {
			t.Fatal(err)
		}
		before, err := pub.List(t.Context(), "")
		if err != nil {
			t.Fatal(err)
		}
		fpub.FailWrite(0) // resets the write counter
		clk.Tick()
		again, err := p.Publish(t.Context(), input(t, "skoler", "same"))
		if err != nil {
			t.Fatal(err)
		}
		if !again.Unchanged || again.Version != first.Version || again.Manifest.Version != first.Version {
			t.Errorf("re-run = %+v, want Unchanged at %s", again, first.Version)
		}
		if n := fpub.Writes(); n != 0 {
			t.Errorf("unchanged re-run wrote %d objects to the public store: %v", n, fpub.WrittenKeys())
		}
		after, err := pub.List(t.Context(), "")
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before) {
			t.Errorf("objects before %d, after %d", len(before), len(after))
		}
		noLease(t, priv, "skoler")
	})
}

func TestRetention(t *testing.T) {
	forEachStore(t, func(t *testing.T, pub, priv store.Store) {
		clk := newClock()
		p := &publish.Publisher{Public: pub, Private: priv, Now: clk.Now, Keep: 3}
		var all []string
		for i := range 5 {
			clk.Tick()
			res, err := p.Publish(t.Context(), input(t, "bygg", fmt.Sprintf("run %d", i)))
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, res.Version)
			if i == 3 && fmt.Sprint(res.Removed) != fmt.Sprint(all[:1]) {
				t.Errorf("run 4 removed %v, want %v", res.Removed, all[:1])
			}
		}
		if got, want := versions(t, pub, "bygg"), all[2:]; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("versions kept = %v, want the last three %v", got, want)
		}
		m := checkLatest(t, pub, "bygg")
		if m.Version != all[4] || len(m.History) != 3 || m.History[0].Version != all[4] || m.History[2].Version != all[2] {
			t.Errorf("latest %s history %+v", m.Version, m.History)
		}
	})
}

// The version latest points at is never deleted, even when the clock goes
// back and it no longer sorts last.
func TestRetentionKeepsLatest(t *testing.T) {
	pub, priv := memstore.New(), memstore.New()
	clk := newClock()
	p := &publish.Publisher{Public: pub, Private: priv, Now: clk.Now, Keep: 1}
	for i := range 3 {
		clk.Tick()
		if _, err := p.Publish(t.Context(), input(t, "d", fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	clk.t = clk.t.Add(-time.Hour)
	res, err := p.Publish(t.Context(), input(t, "d", "after the clock went back"))
	if err != nil {
		t.Fatal(err)
	}
	m := checkLatest(t, pub, "d")
	if m.Version != res.Version || fmt.Sprint(versions(t, pub, "d")) != fmt.Sprint([]string{res.Version}) {
		t.Errorf("latest %s, versions %v", m.Version, versions(t, pub, "d"))
	}
}

// Two runs of one dataset at once produce exactly one new version: one
// publishes, the other finds the content unchanged after waiting for the
// lease (or, without waiting, fails with ErrLocked).
func TestConcurrentPublish(t *testing.T) {
	forEachStore(t, func(t *testing.T, pub, priv store.Store) {
		for round, wait := range []time.Duration{30 * time.Second, 0, 30 * time.Second, 0} {
			dataset := fmt.Sprintf("samtidig-%d", round)
			var wg sync.WaitGroup
			results := make([]*publish.Result, 2)
			errs := make([]error, 2)
			start := make(chan struct{})
			for i := range 2 {
				in := input(t, dataset, "same content")
				wg.Add(1)
				go func() {
					defer wg.Done()
					p := &publish.Publisher{Public: pub, Private: priv, LockWait: wait, Owner: fmt.Sprintf("run %d", i)}
					<-start
					results[i], errs[i] = p.Publish(t.Context(), in)
				}()
			}
			close(start)
			wg.Wait()
			published, other := 0, 0
			for i := range 2 {
				switch {
				case errs[i] == nil && !results[i].Unchanged:
					published++
				case errs[i] == nil && results[i].Unchanged:
					other++
				case errors.Is(errs[i], publish.ErrLocked) && wait == 0:
					other++
				default:
					t.Errorf("round %d run %d: %v", round, i, errs[i])
				}
			}
			if published != 1 || other != 1 {
				t.Errorf("round %d: %d runs published, %d did not; want exactly one new version", round, published, other)
			}
			if v := versions(t, pub, dataset); len(v) != 1 {
				t.Errorf("round %d: %d versions in the store (%v), want 1", round, len(v), v)
			}
			checkLatest(t, pub, dataset)
			noLease(t, priv, dataset)
		}
	})
}

// Different content racing: both may publish in turn, but each switch is
// based on the latest it read, so History has every version once.
func TestConcurrentDifferentContent(t *testing.T) {
	pub, priv := memstore.New(), memstore.New()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range 4 {
		in := input(t, "d", fmt.Sprintf("content %d", i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Distinct seconds, so the version ids differ.
			now := time.Date(2026, 11, 25, 12, 0, i, 0, time.UTC)
			p := &publish.Publisher{Public: pub, Private: priv, LockWait: 30 * time.Second, Now: func() time.Time { return now }}
			_, errs[i] = p.Publish(t.Context(), in)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("run %d: %v", i, err)
		}
	}
	m := checkLatest(t, pub, "d")
	if len(m.History) != 4 {
		t.Errorf("history has %d versions, want 4: %+v", len(m.History), m.History)
	}
}

func TestLease(t *testing.T) {
	pub, priv := memstore.New(), memstore.New()
	clk := newClock()
	put := func(expires time.Time) {
		b, _ := json.Marshal(map[string]any{"dataset": "d", "token": "other", "owner": "host-b", "runId": "r-b", "expires": expires})
		if err := priv.Put(t.Context(), publish.LockKey("d"), strings.NewReader(string(b)), store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	p := &publish.Publisher{Public: pub, Private: priv, Now: clk.Now}
	put(clk.Now().Add(time.Minute))
	_, err := p.Publish(t.Context(), input(t, "d", "x"))
	if !errors.Is(err, publish.ErrLocked) || !strings.Contains(err.Error(), "host-b") {
		t.Fatalf("publish under a live lease: %v, want ErrLocked naming host-b", err)
	}
	if _, err := publish.ReadLatest(t.Context(), pub, "d"); !errors.Is(err, store.ErrNotExist) {
		t.Errorf("a locked publish wrote latest.json: %v", err)
	}
	// The other run's lease is still there.
	if b, err := store.ReadAll(t.Context(), priv, publish.LockKey("d")); err != nil || !strings.Contains(string(b), "host-b") {
		t.Errorf("live lease was touched: %q, %v", b, err)
	}
	// A stale lease is taken over.
	put(clk.Now().Add(-time.Second))
	if _, err := p.Publish(t.Context(), input(t, "d", "x")); err != nil {
		t.Fatalf("publish over a stale lease: %v", err)
	}
	noLease(t, priv, "d")
	// A lease that cannot be read counts as stale.
	if err := priv.Put(t.Context(), publish.LockKey("d"), strings.NewReader("garbage"), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Publish(t.Context(), input(t, "d", "y")); err != nil {
		t.Fatalf("publish over a garbage lease: %v", err)
	}
}

// A store that fails on the k-th write, for every k during a publish,
// leaves the previous version intact and readable and latest unchanged,
// reports the failure, and the next run succeeds.
func TestFaultInjection(t *testing.T) {
	t.Run("mem", func(t *testing.T) { testFaultInjection(t, func(*testing.T) store.Store { return memstore.New() }) })
	t.Run("fs", func(t *testing.T) {
		testFaultInjection(t, func(t *testing.T) store.Store {
			s, err := fsstore.New(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return s
		})
	})
}

func testFaultInjection(t *testing.T, newBase func(*testing.T) store.Store) {
	total := -1
	for k := 1; ; k++ {
		base := faultstore.New(newBase(t))
		pub, _ := store.WithPrefix(base, "public/")
		priv, _ := store.WithPrefix(base, "private/")
		clk := newClock()
		p := &publish.Publisher{Public: pub, Private: priv, Now: clk.Now, Keep: 2}
		// Two good versions first, so retention has work to do.
		for _, c := range []string{"v0", "v1"} {
			clk.Tick()
			if _, err := p.Publish(t.Context(), input(t, "d", c)); err != nil {
				t.Fatal(err)
			}
		}
		old := checkLatest(t, pub, "d")
		clk.Tick()
		base.FailWrite(k)
		res, err := p.Publish(t.Context(), input(t, "d", "v2"))
		keys := base.WrittenKeys()
		if base.Writes() < k {
			// Write k never came: every k has been tried.
			if err != nil {
				t.Fatalf("publish without a fault: %v", err)
			}
			total = base.Writes()
			break
		}
		failed := keys[k-1]
		switch {
		case err != nil:
			if !errors.Is(err, faultstore.ErrInjected) {
				t.Errorf("k=%d (%s): error %v does not report the injected failure", k, failed, err)
			}
			if cur := checkLatest(t, pub, "d"); cur.Version != old.Version {
				t.Errorf("k=%d (%s): latest moved to %s after a failed publish", k, failed, cur.Version)
			}
			for _, h := range old.History {
				if _, err := pub.Stat(t.Context(), publish.VersionPrefix("d", h.Version)+publish.FileParquet); err != nil {
					t.Errorf("k=%d (%s): old version %s damaged: %v", k, failed, h.Version, err)
				}
			}
		default:
			// Only failures after the switch may let the publish succeed,
			// and they must be reported as warnings.
			if len(res.Warnings) == 0 {
				t.Errorf("k=%d (%s): publish succeeded without reporting the failure", k, failed)
			}
			if cur := checkLatest(t, pub, "d"); cur.Version != res.Version {
				t.Errorf("k=%d (%s): latest %s, result %s", k, failed, cur.Version, res.Version)
			}
		}
		// The next run succeeds and leaves only retained versions.
		base.FailWrite(0)
		clk.Tick()
		next, err := p.Publish(t.Context(), input(t, "d", "v2"))
		if err != nil {
			t.Fatalf("k=%d (%s): next run: %v", k, failed, err)
		}
		cur := checkLatest(t, pub, "d")
		if cur.Version != next.Version || cur.ContentHash == old.ContentHash {
			t.Errorf("k=%d (%s): after the next run latest is %s", k, failed, cur.Version)
		}
		noLease(t, priv, "d")
		if err == nil && !next.Unchanged {
			var hist []string
			for _, h := range cur.History {
				hist = append(hist, h.Version)
			}
			sort.Strings(hist)
			if got := versions(t, pub, "d"); fmt.Sprint(got) != fmt.Sprint(hist) {
				t.Errorf("k=%d (%s): versions %v, want those in history %v", k, failed, got, hist)
			}
		}
	}
	if total < 10 {
		t.Errorf("a publish made only %d writes; the fault loop did not cover it", total)
	}
	t.Logf("injected a failure at each of the %d writes of a publish", total)
}

func TestInvalidInput(t *testing.T) {
	pub, priv := memstore.New(), memstore.New()
	p := &publish.Publisher{Public: pub, Private: priv}
	good := input(t, "d", "x")
	for name, in := range map[string]publish.Input{
		"bad id":        {Dataset: "../d", Files: good.Files},
		"no files":      {Dataset: "d"},
		"reserved name": {Dataset: "d", Files: []publish.File{{Name: publish.FileManifest, Path: good.Files[0].Path}}},
		"nested name":   {Dataset: "d", Files: []publish.File{{Name: "a/b.csv", Path: good.Files[0].Path}}},
		"twice":         {Dataset: "d", Files: []publish.File{good.Files[0], good.Files[0]}},
		"missing file":  {Dataset: "d", Files: []publish.File{{Name: "x.csv", Path: filepath.Join(t.TempDir(), "nope")}}},
	} {
		if _, err := p.Publish(t.Context(), in); err == nil {
			t.Errorf("%s: Publish succeeded", name)
		}
	}
	if infos, _ := pub.List(t.Context(), ""); len(infos) != 0 {
		t.Errorf("invalid input wrote %d objects", len(infos))
	}
	if _, err := (&publish.Publisher{Public: pub}).Publish(t.Context(), good); err == nil {
		t.Error("Publish without a private store succeeded")
	}
}

func TestVersionID(t *testing.T) {
	tm := time.Date(2026, 11, 25, 13, 25, 1, 0, time.FixedZone("CET", 3600))
	if got := publish.VersionID(tm, "3f2a9c01b7e4aa55"); got != "20261125T122501Z-3f2a9c01b7e4" {
		t.Errorf("VersionID = %q", got)
	}
	if a, b := publish.VersionID(tm, "ffffffffffff"), publish.VersionID(tm.Add(time.Second), "000000000000"); a >= b {
		t.Errorf("version ids do not sort by time: %s >= %s", a, b)
	}
}

// Readers running during publishes never see a half-published version:
// whenever a file of the version latest.json points at is missing (removed
// by retention), latest.json has already moved on.
func TestReadersDuringPublish(t *testing.T) {
	forEachStore(t, func(t *testing.T, pub, priv store.Store) {
		clk := newClock()
		p := &publish.Publisher{Public: pub, Private: priv, Now: clk.Now, Keep: 2}
		if _, err := p.Publish(t.Context(), input(t, "d", "v0")); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		var problems []string
		reads := 0
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-done:
						return
					default:
					}
					m, err := publish.ReadLatest(t.Context(), pub, "d")
					if err != nil {
						mu.Lock()
						problems = append(problems, fmt.Sprintf("read latest: %v", err))
						mu.Unlock()
						return
					}
					for _, f := range m.Files {
						b, err := store.ReadAll(t.Context(), pub, f.Key)
						if errors.Is(err, store.ErrNotExist) {
							if cur, err2 := publish.ReadLatest(t.Context(), pub, "d"); err2 == nil && cur.Version == m.Version {
								mu.Lock()
								problems = append(problems, fmt.Sprintf("latest %s points at a missing file %s", m.Version, f.Name))
								mu.Unlock()
							}
							break
						}
						if err != nil || sum(b) != f.SHA256 {
							mu.Lock()
							problems = append(problems, fmt.Sprintf("latest %s: %s: %v (checksum ok: %v)", m.Version, f.Name, err, err == nil && sum(b) == f.SHA256))
							mu.Unlock()
						}
					}
					mu.Lock()
					reads++
					mu.Unlock()
				}
			}()
		}
		for i := 1; i <= 6; i++ {
			clk.Tick()
			if _, err := p.Publish(t.Context(), input(t, "d", fmt.Sprintf("v%d", i))); err != nil {
				t.Fatal(err)
			}
		}
		close(done)
		wg.Wait()
		for _, pr := range problems {
			t.Error(pr)
		}
		if reads == 0 {
			t.Error("the readers never completed a read")
		}
	})
}

// hook runs fn once, before the first Put of a key with the given suffix.
type hook struct {
	store.Store
	suffix string
	once   sync.Once
	fn     func()
}

func (h *hook) Put(ctx context.Context, key string, r io.Reader, o store.PutOptions) error {
	if strings.HasSuffix(key, h.suffix) {
		h.once.Do(h.fn)
	}
	return h.Store.Put(ctx, key, r, o)
}

func (h *hook) PutIfAbsent(ctx context.Context, key string, r io.Reader, o store.PutOptions) error {
	return h.Store.(store.ConditionalPutter).PutIfAbsent(ctx, key, r, o)
}

func (h *hook) PutIfMatch(ctx context.Context, key string, r io.Reader, etag string, o store.PutOptions) error {
	return h.Store.(store.ConditionalPutter).PutIfMatch(ctx, key, r, etag, o)
}

// A run whose lease went stale while it uploaded, and was taken over by
// another run that published, cannot overwrite that run's latest.json:
// the switch is conditional on the latest.json it read.
func TestLostLease(t *testing.T) {
	pub, priv := memstore.New(), memstore.New()
	clk := newClock()
	ttl := time.Minute
	if _, err := (&publish.Publisher{Public: pub, Private: priv, Now: clk.Now}).Publish(t.Context(), input(t, "d", "v0")); err != nil {
		t.Fatal(err)
	}
	var other *publish.Result
	var otherErr error
	slow := &hook{Store: pub, suffix: publish.FileParquet, fn: func() {
		clk.t = clk.t.Add(2 * ttl) // the slow run's lease is now stale
		b := &publish.Publisher{Public: pub, Private: priv, Now: clk.Now, LeaseTTL: ttl, Owner: "b"}
		other, otherErr = b.Publish(t.Context(), input(t, "d", "from b"))
	}}
	clk.Tick()
	a := &publish.Publisher{Public: slow, Private: priv, Now: clk.Now, LeaseTTL: ttl, Owner: "a"}
	_, err := a.Publish(t.Context(), input(t, "d", "from a"))
	if otherErr != nil {
		t.Fatalf("run b over a stale lease: %v", otherErr)
	}
	if !errors.Is(err, store.ErrPrecondition) {
		t.Errorf("run a after losing its lease: %v, want ErrPrecondition from the switch", err)
	}
	m := checkLatest(t, pub, "d")
	if m.Version != other.Version || len(m.History) != 2 {
		t.Errorf("latest %s history %d, want b's %s with 2 versions", m.Version, len(m.History), other.Version)
	}
}

// A caller-given content hash decides idempotency (the files may differ,
// e.g. by a version id embedded in Parquet metadata), and a caller-given
// version id is used as is but never overwrites a published version.
func TestCallerHashAndVersion(t *testing.T) {
	pub, priv := memstore.New(), memstore.New()
	clk := newClock()
	p := &publish.Publisher{Public: pub, Private: priv, Now: clk.Now}
	in := input(t, "d", "run 1 bytes")
	in.ContentHash, in.Version = strings.Repeat("ab", 32), "20261125T120000Z-abababababab"
	res, err := p.Publish(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	if res.Version != in.Version {
		t.Errorf("version = %s, want the given %s", res.Version, in.Version)
	}
	if m := checkLatest(t, pub, "d"); m.ContentHash != in.ContentHash {
		t.Errorf("content hash = %s", m.ContentHash)
	}
	clk.Tick()
	again := input(t, "d", "run 2 bytes differ")
	again.ContentHash, again.Version = in.ContentHash, "20261125T120100Z-abababababab"
	res2, err := p.Publish(t.Context(), again)
	if err != nil || !res2.Unchanged || res2.Version != in.Version {
		t.Errorf("same content hash, other bytes: %+v, %v; want Unchanged", res2, err)
	}
	clk.Tick()
	reuse := input(t, "d", "new content")
	reuse.ContentHash, reuse.Version = strings.Repeat("cd", 32), in.Version
	if _, err := p.Publish(t.Context(), reuse); err == nil || !strings.Contains(err.Error(), "immutable") {
		t.Errorf("re-using a published version id: %v", err)
	}
	if b, err := store.ReadAll(t.Context(), pub, publish.VersionPrefix("d", in.Version)+publish.FileCSV); err != nil || !strings.Contains(string(b), "run 1 bytes") {
		t.Errorf("published version was overwritten: %q, %v", b, err)
	}
	bad := input(t, "d", "x")
	bad.Version = "../x"
	if _, err := p.Publish(t.Context(), bad); err == nil {
		t.Error("an invalid version id was accepted")
	}
}
