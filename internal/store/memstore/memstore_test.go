package memstore_test

import (
	"testing"

	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/store/memstore"
	"github.com/dele-opendata/dele/internal/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Store { return memstore.New() })
}
