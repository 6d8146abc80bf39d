package publish_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/store/memstore"
)

func TestVerifyLatest(t *testing.T) {
	pub, priv := memstore.New(), memstore.New()
	p := &publish.Publisher{Public: pub, Private: priv, Now: newClock().Now}
	res, err := p.Publish(t.Context(), input(t, "d", "x"))
	if err != nil {
		t.Fatal(err)
	}
	if m, err := publish.VerifyLatest(t.Context(), pub, "d"); err != nil || m.Version != res.Version {
		t.Fatalf("VerifyLatest = %v, %v", m, err)
	}
	if _, err := publish.VerifyLatest(t.Context(), pub, "nope"); !errors.Is(err, store.ErrNotExist) {
		t.Errorf("never published: %v, want ErrNotExist", err)
	}
	csv := publish.VersionPrefix("d", res.Version) + publish.FileCSV
	if err := pub.Put(t.Context(), csv, strings.NewReader("tampered"), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := publish.VerifyLatest(t.Context(), pub, "d"); !errors.Is(err, publish.ErrVerify) || !strings.Contains(err.Error(), "data.csv") {
		t.Errorf("changed file: %v, want ErrVerify naming data.csv", err)
	}
	if err := pub.Delete(t.Context(), csv); err != nil {
		t.Fatal(err)
	}
	if _, err := publish.VerifyLatest(t.Context(), pub, "d"); !errors.Is(err, store.ErrNotExist) {
		t.Errorf("missing file: %v, want ErrNotExist", err)
	}
}
