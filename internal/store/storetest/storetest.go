// Package storetest is the contract suite every store.Store implementation
// passes: the local folder, in-memory and S3 stores run the same tests.
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/dele-opendata/dele/internal/store"
)

// Run runs the contract suite. newStore must return an empty store each
// time it is called. Stores that implement store.ConditionalPutter also get
// the conditional-write tests, and stores that implement store.RangeGetter
// the ranged-read tests.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"PutGet", testPutGet},
		{"Stat", testStat},
		{"NotExist", testNotExist},
		{"InvalidKeys", testInvalidKeys},
		{"List", testList},
		{"Delete", testDelete},
		{"Overwrite", testOverwrite},
		{"WrongSHA256", testWrongSHA256},
		{"Empty", testEmpty},
		{"Large", testLarge},
		{"ConcurrentPuts", testConcurrentPuts},
		{"Conditional", testConditional},
		{"ConditionalRace", testConditionalRace},
		{"Range", testRange},
		{"RangeErrors", testRangeErrors},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore(t)) })
	}
}

func ctx(t *testing.T) context.Context { return t.Context() }

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func put(t *testing.T, s store.Store, key, content string) {
	t.Helper()
	if err := s.Put(ctx(t), key, strings.NewReader(content), store.PutOptions{ContentType: "text/plain"}); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

func get(t *testing.T, s store.Store, key string) string {
	t.Helper()
	b, err := store.ReadAll(ctx(t), s, key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return string(b)
}

func testPutGet(t *testing.T, s store.Store) {
	for _, key := range []string{"a.txt", "datasets/x/versions/v1/data.csv", "sti/æøå med mellomrom.csv"} {
		content := "innhold for " + key
		put(t, s, key, content)
		if got := get(t, s, key); got != content {
			t.Errorf("Get(%q) = %q, want %q", key, got, content)
		}
	}
}

func testStat(t *testing.T, s store.Store) {
	content := []byte("kommunenummer;navn\n0301;Oslo\n")
	o := store.PutOptions{
		ContentType:  "text/csv; charset=utf-8",
		CacheControl: "public, max-age=31536000, immutable",
		SHA256:       sum(content),
		Metadata:     map[string]string{"run-id": "r1"},
	}
	if err := s.Put(ctx(t), "d/data.csv", bytes.NewReader(content), o); err != nil {
		t.Fatal(err)
	}
	info, err := s.Stat(ctx(t), "d/data.csv")
	if err != nil {
		t.Fatal(err)
	}
	if info.Key != "d/data.csv" || info.Size != int64(len(content)) {
		t.Errorf("Stat = key %q size %d, want d/data.csv %d", info.Key, info.Size, len(content))
	}
	if info.ContentType != o.ContentType || info.CacheControl != o.CacheControl {
		t.Errorf("Stat content type %q cache control %q, want %q %q", info.ContentType, info.CacheControl, o.ContentType, o.CacheControl)
	}
	if info.SHA256 != o.SHA256 {
		t.Errorf("Stat SHA256 = %q, want %q", info.SHA256, o.SHA256)
	}
	if info.ETag == "" {
		t.Error("Stat ETag is empty")
	}
	if info.ModTime.IsZero() {
		t.Error("Stat ModTime is zero")
	}
	if info.Metadata["run-id"] != "r1" {
		t.Errorf("Stat Metadata = %v, want run-id=r1", info.Metadata)
	}
	// A Put without a given SHA-256 still records the checksum.
	put(t, s, "d/other.txt", "hei")
	info, err = s.Stat(ctx(t), "d/other.txt")
	if err != nil {
		t.Fatal(err)
	}
	if info.SHA256 != sum([]byte("hei")) {
		t.Errorf("Stat SHA256 without a given checksum = %q, want %q", info.SHA256, sum([]byte("hei")))
	}
}

func testNotExist(t *testing.T, s store.Store) {
	put(t, s, "a/b", "x")
	for _, key := range []string{"missing", "a/missing", "a/b/c", "a"} {
		if _, err := s.Get(ctx(t), key); !errors.Is(err, store.ErrNotExist) {
			t.Errorf("Get(%q) error = %v, want ErrNotExist", key, err)
		}
		if _, err := s.Stat(ctx(t), key); !errors.Is(err, store.ErrNotExist) {
			t.Errorf("Stat(%q) error = %v, want ErrNotExist", key, err)
		}
	}
	if infos, err := s.List(ctx(t), "nothing/"); err != nil || len(infos) != 0 {
		t.Errorf("List(nothing/) = %v, %v; want empty", infos, err)
	}
}

// InvalidKeys lists keys every store refuses.
var InvalidKeys = []string{"", "/abs", "trailing/", "a//b", "./a", "a/./b", "../up", "a/../../b", "a/..", `back\slash`, "ctl\x01", "nul\x00", strings.Repeat("k", 1025)}

func testInvalidKeys(t *testing.T, s store.Store) {
	for _, key := range InvalidKeys {
		if err := s.Put(ctx(t), key, strings.NewReader("x"), store.PutOptions{}); !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("Put(%q) error = %v, want ErrInvalidKey", key, err)
		}
		if _, err := s.Get(ctx(t), key); !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("Get(%q) error = %v, want ErrInvalidKey", key, err)
		}
		if _, err := s.Stat(ctx(t), key); !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("Stat(%q) error = %v, want ErrInvalidKey", key, err)
		}
		if err := s.Delete(ctx(t), key); !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("Delete(%q) error = %v, want ErrInvalidKey", key, err)
		}
	}
	if infos, err := s.List(ctx(t), ""); err != nil || len(infos) != 0 {
		t.Errorf("after refused puts List(\"\") = %v, %v; want empty", infos, err)
	}
}

func keys(infos []store.ObjectInfo) []string {
	out := make([]string, len(infos))
	for i, o := range infos {
		out[i] = o.Key
	}
	return out
}

func testList(t *testing.T, s store.Store) {
	all := []string{"a", "ab/c", "b/a/x.json", "b/a/y.json", "b/b", "b/ba/z", "c.txt"}
	for i := len(all) - 1; i >= 0; i-- {
		put(t, s, all[i], "content of "+all[i])
	}
	for _, tt := range []struct {
		prefix string
		want   []string
	}{
		{"", all},
		{"b/", []string{"b/a/x.json", "b/a/y.json", "b/b", "b/ba/z"}},
		{"b/a", []string{"b/a/x.json", "b/a/y.json"}},
		{"b/b", []string{"b/b", "b/ba/z"}},
		{"b/a/", []string{"b/a/x.json", "b/a/y.json"}},
		{"b/a/x", []string{"b/a/x.json"}},
		{"a", []string{"a", "ab/c"}},
		{"zz", nil},
	} {
		infos, err := s.List(ctx(t), tt.prefix)
		if err != nil {
			t.Fatalf("List(%q): %v", tt.prefix, err)
		}
		if got := keys(infos); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("List(%q) = %q, want %q", tt.prefix, got, tt.want)
		}
		for _, o := range infos {
			if want := int64(len("content of " + o.Key)); o.Size != want {
				t.Errorf("List(%q): %s size %d, want %d", tt.prefix, o.Key, o.Size, want)
			}
		}
	}
}

func testDelete(t *testing.T, s store.Store) {
	put(t, s, "d/x/1", "1")
	put(t, s, "d/x/2", "2")
	if err := s.Delete(ctx(t), "d/x/1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx(t), "d/x/1"); !errors.Is(err, store.ErrNotExist) {
		t.Errorf("Get after Delete: %v, want ErrNotExist", err)
	}
	if err := s.Delete(ctx(t), "d/x/1"); err != nil {
		t.Errorf("Delete of a missing object: %v", err)
	}
	if err := s.Delete(ctx(t), "never/was"); err != nil {
		t.Errorf("Delete of a never-written object: %v", err)
	}
	if got := get(t, s, "d/x/2"); got != "2" {
		t.Errorf("sibling after Delete = %q", got)
	}
	if err := s.Delete(ctx(t), "d/x/2"); err != nil {
		t.Fatal(err)
	}
	infos, err := s.List(ctx(t), "")
	if err != nil || len(infos) != 0 {
		t.Errorf("List after deleting all = %q, %v; want empty", keys(infos), err)
	}
	// The key space is flat: after deleting d/x/*, d/x can be an object.
	put(t, s, "d/x", "now an object")
	if got := get(t, s, "d/x"); got != "now an object" {
		t.Errorf("Get(d/x) = %q", got)
	}
}

func testOverwrite(t *testing.T, s store.Store) {
	put(t, s, "k", "first version, longer than the second")
	old, err := s.Stat(ctx(t), "k")
	if err != nil {
		t.Fatal(err)
	}
	// A reader opened before the overwrite keeps seeing a whole version.
	rc, err := s.Get(ctx(t), "k")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if err := s.Put(ctx(t), "k", strings.NewReader("second"), store.PutOptions{ContentType: "text/x-second"}); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); got != "first version, longer than the second" && got != "second" {
		t.Errorf("reader opened before overwrite got %q: a mix of versions", got)
	}
	if got := get(t, s, "k"); got != "second" {
		t.Errorf("Get after overwrite = %q", got)
	}
	info, err := s.Stat(ctx(t), "k")
	if err != nil {
		t.Fatal(err)
	}
	if info.ETag == old.ETag {
		t.Errorf("ETag unchanged after overwrite with other content: %q", info.ETag)
	}
	if info.ContentType != "text/x-second" || info.Size != 6 {
		t.Errorf("Stat after overwrite = %+v", info)
	}
	// A failing reader leaves the old object in place.
	err = s.Put(ctx(t), "k", io.MultiReader(strings.NewReader("partial"), errReader{}), store.PutOptions{})
	if err == nil {
		t.Fatal("Put with a failing reader succeeded")
	}
	if got := get(t, s, "k"); got != "second" {
		t.Errorf("after a failed Put the object is %q, want the previous one", got)
	}
	if infos, _ := s.List(ctx(t), ""); len(infos) != 1 {
		t.Errorf("after a failed Put List = %q, want only k", keys(infos))
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("storetest: injected read error") }

func testWrongSHA256(t *testing.T, s store.Store) {
	put(t, s, "k", "good")
	err := s.Put(ctx(t), "k", strings.NewReader("bad"), store.PutOptions{SHA256: sum([]byte("something else"))})
	if err == nil {
		t.Fatal("Put with a wrong SHA256 succeeded")
	}
	if got := get(t, s, "k"); got != "good" {
		t.Errorf("after a Put with a wrong checksum the object is %q, want the previous one", got)
	}
}

func testEmpty(t *testing.T, s store.Store) {
	put(t, s, "empty", "")
	if got := get(t, s, "empty"); got != "" {
		t.Errorf("Get(empty) = %q", got)
	}
	info, err := s.Stat(ctx(t), "empty")
	if err != nil || info.Size != 0 {
		t.Errorf("Stat(empty) = %+v, %v", info, err)
	}
}

// LargeSize is the size of the object testLarge writes: large enough to
// make the S3 store use a multipart upload with a small part size.
const LargeSize = 12<<20 + 12345

func testLarge(t *testing.T, s store.Store) {
	data := make([]byte, LargeSize)
	for i := range data {
		data[i] = byte(i*7 + i>>11)
	}
	want := sum(data)
	if err := s.Put(ctx(t), "big/data.parquet", bytes.NewReader(data), store.PutOptions{SHA256: want, ContentType: "application/vnd.apache.parquet"}); err != nil {
		t.Fatal(err)
	}
	got, err := store.ReadAll(ctx(t), s, "big/data.parquet")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(data) || sum(got) != want {
		t.Errorf("large object read back: %d bytes sha %s, want %d %s", len(got), sum(got), len(data), want)
	}
	if rg, ok := s.(store.RangeGetter); ok {
		// Ranges across the S3 store's part boundaries (5 MiB parts in its
		// test) and at the end.
		for _, r := range [][2]int64{{0, 16}, {5<<20 - 1000, 2000}, {10<<20 - 1, 2<<20 + 2}, {LargeSize - 10, 100}} {
			off, n := r[0], r[1]
			want := data[off:min(off+n, LargeSize)]
			if got := readRange(t, rg, "big/data.parquet", off, n); !bytes.Equal(got, want) {
				t.Errorf("GetRange(big/data.parquet, %d, %d): %d bytes, want %d (content differs: %v)", off, n, len(got), len(want), len(got) == len(want))
			}
		}
	}
	info, err := s.Stat(ctx(t), "big/data.parquet")
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != LargeSize || info.SHA256 != want || info.ContentType != "application/vnd.apache.parquet" {
		t.Errorf("Stat of large object = size %d sha %s type %q", info.Size, info.SHA256, info.ContentType)
	}
}

func testConcurrentPuts(t *testing.T, s store.Store) {
	const n = 8
	contents := make([]string, n)
	for i := range contents {
		contents[i] = strings.Repeat(fmt.Sprintf("writer %d;", i), 2000+i*100)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*n+4)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			errs <- s.Put(ctx(t), "shared", strings.NewReader(contents[i]), store.PutOptions{})
		}()
		go func() {
			defer wg.Done()
			errs <- s.Put(ctx(t), fmt.Sprintf("own/%d", i), strings.NewReader(contents[i]), store.PutOptions{})
		}()
	}
	// Readers during the writes see nothing or one whole version.
	var rwg sync.WaitGroup
	for range 4 {
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			for range 20 {
				b, err := store.ReadAll(ctx(t), s, "shared")
				if errors.Is(err, store.ErrNotExist) {
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				if !contains(contents, string(b)) {
					errs <- fmt.Errorf("reader saw a mix of versions (%d bytes)", len(b))
					return
				}
			}
		}()
	}
	wg.Wait()
	rwg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := get(t, s, "shared"); !contains(contents, got) {
		t.Errorf("shared object after concurrent puts is not one whole version (%d bytes)", len(got))
	}
	info, err := s.Stat(ctx(t), "shared")
	if err != nil {
		t.Fatal(err)
	}
	if got := get(t, s, "shared"); info.Size != int64(len(got)) || info.SHA256 != sum([]byte(got)) {
		t.Errorf("Stat after concurrent puts disagrees with content: size %d sha %s", info.Size, info.SHA256)
	}
	for i := range n {
		if got := get(t, s, fmt.Sprintf("own/%d", i)); got != contents[i] {
			t.Errorf("own/%d has the wrong content", i)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func conditional(t *testing.T, s store.Store) store.ConditionalPutter {
	c, ok := s.(store.ConditionalPutter)
	if !ok {
		t.Skipf("%T does not implement store.ConditionalPutter", s)
	}
	return c
}

func testConditional(t *testing.T, s store.Store) {
	c := conditional(t, s)
	if err := c.PutIfAbsent(ctx(t), "lock", strings.NewReader("one"), store.PutOptions{ContentType: "application/json"}); err != nil {
		t.Fatalf("PutIfAbsent on a free key: %v", err)
	}
	if err := c.PutIfAbsent(ctx(t), "lock", strings.NewReader("two"), store.PutOptions{}); !errors.Is(err, store.ErrPrecondition) {
		t.Fatalf("PutIfAbsent on a taken key: %v, want ErrPrecondition", err)
	}
	if got := get(t, s, "lock"); got != "one" {
		t.Fatalf("after a lost PutIfAbsent the object is %q", got)
	}
	info, err := s.Stat(ctx(t), "lock")
	if err != nil {
		t.Fatal(err)
	}
	if info.ContentType != "application/json" {
		t.Errorf("PutIfAbsent content type = %q", info.ContentType)
	}
	if err := c.PutIfMatch(ctx(t), "lock", strings.NewReader("three"), `"not-the-etag"`, store.PutOptions{}); !errors.Is(err, store.ErrPrecondition) {
		t.Fatalf("PutIfMatch with a wrong ETag: %v, want ErrPrecondition", err)
	}
	if err := c.PutIfMatch(ctx(t), "lock", strings.NewReader("four"), info.ETag, store.PutOptions{CacheControl: "no-cache"}); err != nil {
		t.Fatalf("PutIfMatch with the current ETag: %v", err)
	}
	if got := get(t, s, "lock"); got != "four" {
		t.Fatalf("after PutIfMatch the object is %q", got)
	}
	// The old ETag is now stale.
	if err := c.PutIfMatch(ctx(t), "lock", strings.NewReader("five"), info.ETag, store.PutOptions{}); !errors.Is(err, store.ErrPrecondition) {
		t.Fatalf("PutIfMatch with a stale ETag: %v, want ErrPrecondition", err)
	}
	if err := c.PutIfMatch(ctx(t), "absent", strings.NewReader("x"), info.ETag, store.PutOptions{}); !errors.Is(err, store.ErrPrecondition) && !errors.Is(err, store.ErrNotExist) {
		t.Fatalf("PutIfMatch on a missing key: %v, want ErrPrecondition or ErrNotExist", err)
	}
	if _, err := s.Stat(ctx(t), "absent"); !errors.Is(err, store.ErrNotExist) {
		t.Errorf("PutIfMatch on a missing key created it: %v", err)
	}
	if err := s.Delete(ctx(t), "lock"); err != nil {
		t.Fatal(err)
	}
	if err := c.PutIfAbsent(ctx(t), "lock", strings.NewReader("six"), store.PutOptions{}); err != nil {
		t.Fatalf("PutIfAbsent after Delete: %v", err)
	}
	for _, key := range InvalidKeys[:4] {
		if err := c.PutIfAbsent(ctx(t), key, strings.NewReader("x"), store.PutOptions{}); !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("PutIfAbsent(%q) error = %v, want ErrInvalidKey", key, err)
		}
	}
}

func testConditionalRace(t *testing.T, s store.Store) {
	c := conditional(t, s)
	const n = 8
	// Many writers race for one free key: exactly one wins.
	var wg sync.WaitGroup
	results := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = c.PutIfAbsent(ctx(t), "race", strings.NewReader(fmt.Sprintf("writer %d", i)), store.PutOptions{})
		}()
	}
	wg.Wait()
	won := -1
	for i, err := range results {
		switch {
		case err == nil:
			if won >= 0 {
				t.Errorf("PutIfAbsent: writers %d and %d both won", won, i)
			}
			won = i
		case !errors.Is(err, store.ErrPrecondition):
			t.Errorf("PutIfAbsent writer %d: %v", i, err)
		}
	}
	if won < 0 {
		t.Fatal("PutIfAbsent: no writer won")
	}
	if got := get(t, s, "race"); got != fmt.Sprintf("writer %d", won) {
		t.Errorf("race object = %q, want the winner's (writer %d)", got, won)
	}
	// Many writers race to replace the same version: exactly one wins.
	info, err := s.Stat(ctx(t), "race")
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = c.PutIfMatch(ctx(t), "race", strings.NewReader(fmt.Sprintf("replacer %d", i)), info.ETag, store.PutOptions{})
		}()
	}
	wg.Wait()
	wins := 0
	for i, err := range results {
		if err == nil {
			wins++
		} else if !errors.Is(err, store.ErrPrecondition) {
			t.Errorf("PutIfMatch writer %d: %v", i, err)
		}
	}
	if wins != 1 {
		t.Errorf("PutIfMatch race: %d winners, want 1", wins)
	}
}

func ranger(t *testing.T, s store.Store) store.RangeGetter {
	rg, ok := s.(store.RangeGetter)
	if !ok {
		t.Skipf("%T does not implement store.RangeGetter", s)
	}
	return rg
}

// readRange reads a whole ranged read and closes it.
func readRange(t *testing.T, rg store.RangeGetter, key string, offset, length int64) []byte {
	t.Helper()
	rc, err := rg.GetRange(ctx(t), key, offset, length)
	if err != nil {
		t.Fatalf("GetRange(%q, %d, %d): %v", key, offset, length, err)
	}
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("GetRange(%q, %d, %d): read: %v", key, offset, length, err)
	}
	if err := rc.Close(); err != nil {
		t.Errorf("GetRange(%q, %d, %d): close: %v", key, offset, length, err)
	}
	return b
}

// testRange: GetRange returns the bytes from offset, fewer at the end of
// the object and none from its end on.
func testRange(t *testing.T, s store.Store) {
	rg := ranger(t, s)
	const content = "0123456789abcdefghij" // 20 bytes
	put(t, s, "r/obj", content)
	put(t, s, "r/empty", "")
	for _, tt := range []struct {
		name   string
		key    string
		off, n int64
		want   string
	}{
		{"start", "r/obj", 0, 4, "0123"},
		{"middle", "r/obj", 7, 5, "789ab"},
		{"one byte", "r/obj", 10, 1, "a"},
		{"exact end", "r/obj", 15, 5, "fghij"},
		{"whole", "r/obj", 0, 20, content},
		{"length beyond end", "r/obj", 15, 100, "fghij"},
		{"length at the int64 limit", "r/obj", 3, math.MaxInt64, content[3:]},
		{"last byte", "r/obj", 19, 1, "j"},
		{"offset at end", "r/obj", 20, 5, ""},
		{"offset past end", "r/obj", 25, 5, ""},
		{"offset far past end", "r/obj", math.MaxInt64 - 1, 1, ""},
		{"zero length", "r/obj", 5, 0, ""},
		{"zero length past end", "r/obj", 25, 0, ""},
		{"empty object", "r/empty", 0, 10, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(readRange(t, rg, tt.key, tt.off, tt.n)); got != tt.want {
				t.Errorf("GetRange(%q, %d, %d) = %q, want %q", tt.key, tt.off, tt.n, got, tt.want)
			}
		})
	}
	// A ranged read opened before an overwrite sees one whole version.
	put(t, s, "r/over", strings.Repeat("a", 1000))
	rc, err := rg.GetRange(ctx(t), "r/over", 100, 800)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	put(t, s, "r/over", strings.Repeat("b", 1000))
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); got != strings.Repeat("a", 800) && got != strings.Repeat("b", 800) {
		t.Errorf("ranged read opened before an overwrite got %d bytes, not 800 of one version", len(got))
	}
}

// testRangeErrors: a missing object, a key CheckKey refuses and a negative
// offset or length are errors of GetRange itself, with their sentinels.
func testRangeErrors(t *testing.T, s store.Store) {
	rg := ranger(t, s)
	put(t, s, "a/b", "content")
	type call struct {
		key    string
		off, n int64
	}
	var cases []struct {
		call
		want error
	}
	add := func(c call, want error) {
		cases = append(cases, struct {
			call
			want error
		}{c, want})
	}
	for _, key := range []string{"missing", "a/missing", "a/b/c", "a"} {
		add(call{key, 0, 4}, store.ErrNotExist)
		add(call{key, 100, 4}, store.ErrNotExist)
		add(call{key, 0, 0}, store.ErrNotExist)
	}
	for _, key := range InvalidKeys {
		add(call{key, 0, 4}, store.ErrInvalidKey)
	}
	add(call{"a/b", -1, 4}, store.ErrInvalidRange)
	add(call{"a/b", 0, -1}, store.ErrInvalidRange)
	add(call{"a/b", math.MinInt64, math.MaxInt64}, store.ErrInvalidRange)
	add(call{"missing", -1, 4}, store.ErrInvalidRange)
	for _, c := range cases {
		rc, err := rg.GetRange(ctx(t), c.key, c.off, c.n)
		if err == nil {
			rc.Close()
		}
		if !errors.Is(err, c.want) {
			t.Errorf("GetRange(%q, %d, %d) error = %v, want %v", c.key, c.off, c.n, err, c.want)
		}
	}
}
