package store_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/store/memstore"
	"github.com/dele-opendata/dele/internal/store/storetest"
)

func TestWithPrefixContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		base := memstore.New()
		// A neighbour under another prefix must stay invisible.
		if err := base.Put(t.Context(), "other/x", strings.NewReader("x"), store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		s, err := store.WithPrefix(base, "public/")
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestWithPrefixSeparates(t *testing.T) {
	base := memstore.New()
	pub, err := store.WithPrefix(base, "public/")
	if err != nil {
		t.Fatal(err)
	}
	priv, err := store.WithPrefix(base, "private/")
	if err != nil {
		t.Fatal(err)
	}
	if err := priv.Put(t.Context(), "runs/a.json", strings.NewReader("{}"), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := pub.Get(t.Context(), "runs/a.json"); !errors.Is(err, store.ErrNotExist) {
		t.Errorf("public store sees a private object: %v", err)
	}
	infos, err := base.List(t.Context(), "")
	if err != nil || len(infos) != 1 || infos[0].Key != "private/runs/a.json" {
		t.Errorf("base List = %v, %v; want private/runs/a.json", infos, err)
	}
	if _, ok := pub.(store.ConditionalPutter); !ok {
		t.Error("prefix store over a conditional store is not conditional")
	}
	for _, p := range []string{"", "public", "/x/", "a/../b/", "a//"} {
		if _, err := store.WithPrefix(base, p); !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("WithPrefix(%q) error = %v, want ErrInvalidKey", p, err)
		}
	}
}

// Hiding one interface or both of a store, to build bases with each
// combination.
type (
	plainStore    struct{ store.Store }
	condOnlyStore struct {
		store.Store
		store.ConditionalPutter
	}
	rangeOnlyStore struct {
		store.Store
		store.RangeGetter
	}
)

// TestWithPrefixInterfaces: the prefixed store implements
// ConditionalPutter and RangeGetter exactly when its base does (a wrapper
// that hid RangeGetter would turn the query API's ranged reads into
// downloads), and its ranged reads are of the prefixed keys.
func TestWithPrefixInterfaces(t *testing.T) {
	for _, tt := range []struct {
		name              string
		base              func(*memstore.Store) store.Store
		wantCond, wantRng bool
	}{
		{"plain", func(m *memstore.Store) store.Store { return plainStore{m} }, false, false},
		{"conditional", func(m *memstore.Store) store.Store { return condOnlyStore{m, m} }, true, false},
		{"ranged", func(m *memstore.Store) store.Store { return rangeOnlyStore{m, m} }, false, true},
		{"both", func(m *memstore.Store) store.Store { return m }, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := memstore.New()
			s, err := store.WithPrefix(tt.base(m), "public/")
			if err != nil {
				t.Fatal(err)
			}
			_, isCond := s.(store.ConditionalPutter)
			rg, isRange := s.(store.RangeGetter)
			if isCond != tt.wantCond || isRange != tt.wantRng {
				t.Fatalf("%T: ConditionalPutter %v, RangeGetter %v; want %v, %v", s, isCond, isRange, tt.wantCond, tt.wantRng)
			}
			if !isRange {
				return
			}
			ctx := t.Context()
			if err := m.Put(ctx, "public/k", strings.NewReader("0123456789"), store.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := m.Put(ctx, "k", strings.NewReader("unprefixed"), store.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			rc, err := rg.GetRange(ctx, "k", 2, 3)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			if b, err := io.ReadAll(rc); err != nil || string(b) != "234" {
				t.Errorf("GetRange(k, 2, 3) = %q, %v; want 234 from public/k", b, err)
			}
			if _, err := rg.GetRange(ctx, "../k", 0, 1); !errors.Is(err, store.ErrInvalidKey) {
				t.Errorf("GetRange(../k) error = %v, want ErrInvalidKey", err)
			}
		})
	}
}
