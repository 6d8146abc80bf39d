package publish_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dele-opendata/dele/internal/holder"
	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/store/memstore"
)

// TestLeaseOfDeadProcess: a lease that has not expired is taken over at
// once when its holder is a process of this machine that has died, and
// kept (until it expires) while the holder runs or cannot be checked.
func TestLeaseOfDeadProcess(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	defer cmd.Process.Kill()
	other, ok := holder.Of(cmd.Process.Pid)
	if !ok {
		t.Skip("no /proc: only lease expiry applies here")
	}
	pub, priv := memstore.New(), memstore.New()
	clk := newClock()
	p := &publish.Publisher{Public: pub, Private: priv, Now: clk.Now}
	put := func(h holder.Holder) {
		b, _ := json.Marshal(map[string]any{"dataset": "d", "token": "other", "owner": "run-b", "holder": h, "expires": clk.Now().Add(time.Hour)})
		if err := priv.Put(t.Context(), publish.LockKey("d"), strings.NewReader(string(b)), store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	put(other)
	if _, err := p.Publish(t.Context(), input(t, "d", "x")); !errors.Is(err, publish.ErrLocked) || !strings.Contains(err.Error(), other.String()) {
		t.Fatalf("lease of a running process: %v, want ErrLocked naming %s", err, other)
	}
	elsewhere := other
	elsewhere.Host = "another-host"
	put(elsewhere)
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if _, err := p.Publish(t.Context(), input(t, "d", "x")); !errors.Is(err, publish.ErrLocked) {
		t.Fatalf("lease of a process on another host: %v, want ErrLocked", err)
	}
	put(other) // now dead
	start := time.Now()
	if _, err := p.Publish(t.Context(), input(t, "d", "x")); err != nil {
		t.Fatalf("lease of a dead process: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("taking over a dead process's lease took %s", d)
	}
	noLease(t, priv, "d")
}

// TestLeaseLeftBySelf: when a publish fails and cannot even release its
// lease (the store went away in the middle), the next publish from the
// same process takes the lease over instead of waiting for it to expire.
func TestLeaseLeftBySelf(t *testing.T) {
	st := &downStore{inner: memstore.New()}
	pub, _ := store.WithPrefix(st, "public/")
	priv, _ := store.WithPrefix(st, "private/")
	clk := newClock()
	p := &publish.Publisher{Public: pub, Private: priv, Now: clk.Now}
	st.downAt = "/versions/" // the store goes away at the first upload
	if _, err := p.Publish(t.Context(), input(t, "d", "x")); !errors.Is(err, errDown) {
		t.Fatalf("publish into a store that went away: %v", err)
	}
	st.up()
	if _, err := priv.Stat(t.Context(), publish.LockKey("d")); err != nil {
		t.Fatalf("the failed publish released its lease after all (%v); the test needs it left behind", err)
	}
	start := time.Now()
	if _, err := p.Publish(t.Context(), input(t, "d", "x")); err != nil {
		t.Fatalf("next publish in the same process: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("taking over our own abandoned lease took %s", d)
	}
	checkLatest(t, pub, "d")
	noLease(t, priv, "d")
}

var errDown = errors.New("store unreachable")

// downStore fails every call from the first write of a key containing
// downAt until up is called.
type downStore struct {
	inner  *memstore.Store
	mu     sync.Mutex
	downAt string
	down   bool
}

func (s *downStore) check(key string, write bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if write && s.downAt != "" && strings.Contains(key, s.downAt) {
		s.down, s.downAt = true, ""
	}
	if s.down {
		return fmt.Errorf("%s: %w", key, errDown)
	}
	return nil
}

func (s *downStore) up() { s.mu.Lock(); s.down = false; s.mu.Unlock() }

func (s *downStore) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := s.check(key, false); err != nil {
		return nil, err
	}
	return s.inner.Get(ctx, key)
}

func (s *downStore) Stat(ctx context.Context, key string) (store.ObjectInfo, error) {
	if err := s.check(key, false); err != nil {
		return store.ObjectInfo{}, err
	}
	return s.inner.Stat(ctx, key)
}

func (s *downStore) List(ctx context.Context, prefix string) ([]store.ObjectInfo, error) {
	if err := s.check(prefix, false); err != nil {
		return nil, err
	}
	return s.inner.List(ctx, prefix)
}

func (s *downStore) Put(ctx context.Context, key string, r io.Reader, o store.PutOptions) error {
	if err := s.check(key, true); err != nil {
		return err
	}
	return s.inner.Put(ctx, key, r, o)
}

func (s *downStore) Delete(ctx context.Context, key string) error {
	if err := s.check(key, true); err != nil {
		return err
	}
	return s.inner.Delete(ctx, key)
}

func (s *downStore) PutIfAbsent(ctx context.Context, key string, r io.Reader, o store.PutOptions) error {
	if err := s.check(key, true); err != nil {
		return err
	}
	return s.inner.PutIfAbsent(ctx, key, r, o)
}

func (s *downStore) PutIfMatch(ctx context.Context, key string, r io.Reader, etag string, o store.PutOptions) error {
	if err := s.check(key, true); err != nil {
		return err
	}
	return s.inner.PutIfMatch(ctx, key, r, etag, o)
}
