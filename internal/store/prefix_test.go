package store_test

import (
	"errors"
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
