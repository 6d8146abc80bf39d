package portal

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/dele-opendata/dele/internal/store"
)

// maxReportBytes bounds the report.json read for a dataset page.
const maxReportBytes = 16 << 20

// maxCell is the longest cell text (in runes) shown in a preview.
const maxCell = 200

// readReport reads a version's report.json; a missing one gives nil.
func readReport(ctx context.Context, st store.Store, key string) (*Report, error) {
	rc, err := st.Get(ctx, key)
	if errors.Is(err, store.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	defer rc.Close()
	var r Report
	if err := json.NewDecoder(io.LimitReader(rc, maxReportBytes)).Decode(&r); err != nil {
		return nil, fmt.Errorf("parse %s: %w", key, err)
	}
	return &r, nil
}

// readPreview reads the header and the first n rows of a published CSV,
// streaming: only those rows are read from the store. A missing file gives
// nil.
func readPreview(ctx context.Context, st store.Store, key string, n int) (*Preview, error) {
	rc, err := st.Get(ctx, key)
	if errors.Is(err, store.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	defer rc.Close()
	r := csv.NewReader(rc)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err == io.EOF {
		return &Preview{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("preview %s: header: %w", key, err)
	}
	if len(header) > 0 {
		header[0] = trimBOM(header[0])
	}
	p := &Preview{Header: header}
	for len(p.Rows) < n {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("preview %s: row %d: %w", key, len(p.Rows)+1, err)
		}
		for i, c := range rec {
			rec[i] = truncate(c, maxCell)
		}
		p.Rows = append(p.Rows, rec)
	}
	return p, nil
}

func trimBOM(s string) string {
	if len(s) >= 3 && s[:3] == "\ufeff" {
		return s[3:]
	}
	return s
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// readAPI reads and parses the OpenAPI document; a missing one gives nil.
func readAPI(ctx context.Context, st store.Store, key string) (*API, error) {
	rc, err := st.Get(ctx, key)
	if errors.Is(err, store.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	api, err := ParseAPI(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return api, nil
}
