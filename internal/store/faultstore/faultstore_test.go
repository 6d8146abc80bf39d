package faultstore_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/store/faultstore"
	"github.com/dele-opendata/dele/internal/store/memstore"
	"github.com/dele-opendata/dele/internal/store/storetest"
)

// With no fault armed the wrapper is a faithful store, ranged reads
// included: forwarded to the wrapped store's GetRange, or cut from a whole
// Get when it has none.
func TestContract(t *testing.T) {
	for _, tt := range []struct {
		name  string
		inner func() store.Store
	}{
		{"ranged", func() store.Store { return memstore.New() }},
		{"without ranged reads", func() store.Store { m := memstore.New(); return noRange{m, m} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Run(t, func(*testing.T) store.Store { return faultstore.New(tt.inner()) })
		})
	}
}

// noRange hides the RangeGetter of a store.
type noRange struct {
	store.Store
	store.ConditionalPutter
}

func TestFailWrite(t *testing.T) {
	inner := memstore.New()
	s := faultstore.New(inner)
	s.FailWrite(2)
	ctx := t.Context()
	if err := s.Put(ctx, "a", strings.NewReader("1"), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutIfAbsent(ctx, "b", strings.NewReader("2"), store.PutOptions{}); !errors.Is(err, faultstore.ErrInjected) {
		t.Fatalf("second write error = %v, want ErrInjected", err)
	}
	if _, err := inner.Stat(ctx, "b"); !errors.Is(err, store.ErrNotExist) {
		t.Errorf("failed write reached the store: %v", err)
	}
	if err := s.Delete(ctx, "a"); err != nil {
		t.Fatalf("third write: %v", err)
	}
	if got := s.WrittenKeys(); strings.Join(got, ",") != "a,b,a" || s.Writes() != 3 {
		t.Errorf("WrittenKeys = %v, Writes = %d", got, s.Writes())
	}
	s.FailRead(1)
	if _, err := s.Get(ctx, "a"); !errors.Is(err, faultstore.ErrInjected) {
		t.Errorf("first read error = %v, want ErrInjected", err)
	}
	s.FailRead(2)
	if err := s.Put(ctx, "r", strings.NewReader("0123"), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if rc, err := s.GetRange(ctx, "r", 1, 2); err != nil {
		t.Errorf("first ranged read: %v", err)
	} else {
		rc.Close()
	}
	if _, err := s.GetRange(ctx, "r", 1, 2); !errors.Is(err, faultstore.ErrInjected) {
		t.Errorf("second ranged read error = %v, want ErrInjected", err)
	}
}
