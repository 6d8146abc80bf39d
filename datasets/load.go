package datasets

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// MaxFileSize is the largest definition file accepted.
const MaxFileSize = 1 << 20

// Problem is one thing wrong with a definition: the file, the field (a
// dotted path such as publisher.orgnr) and what is wrong.
type Problem struct {
	File    string `json:"file"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Field == "" {
		return fmt.Sprintf("%s: %s", p.File, p.Message)
	}
	return fmt.Sprintf("%s: %s: %s", p.File, p.Field, p.Message)
}

// Problems is the error returned for definitions that do not pass Check.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// ParseFile reads and decodes one definition file without checking it.
// Unknown fields are errors, so typos do not go unnoticed.
func ParseFile(file string) (*Definition, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("read definition: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read definition %s: %w", file, err)
	}
	if len(b) > MaxFileSize {
		return nil, Problems{{File: file, Message: fmt.Sprintf("file is larger than %d bytes", MaxFileSize)}}
	}
	return Parse(file, b)
}

// Parse decodes a definition from b; file names it in messages and sets
// the base folder for relative source paths.
func Parse(file string, b []byte) (*Definition, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var d Definition
	if err := dec.Decode(&d); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Problems{{File: file, Message: "file is empty"}}
		}
		return nil, Problems{{File: file, Message: "not a valid definition: " + strings.TrimPrefix(err.Error(), "yaml: ")}}
	}
	d.File = file
	d.Dir = filepath.Dir(file)
	return &d, nil
}

// Load reads every definition (*.yaml, *.yml) in dir, checks each, and
// returns them sorted by id. If any fails, it returns all definitions that
// parsed and a Problems error listing everything wrong in every file.
func Load(dir string) ([]*Definition, error) {
	files, err := Files(dir)
	if err != nil {
		return nil, err
	}
	var defs []*Definition
	var all Problems
	ids := map[string]string{}
	for _, file := range files {
		d, err := ParseFile(file)
		if err != nil {
			var ps Problems
			if errors.As(err, &ps) {
				all = append(all, ps...)
				continue
			}
			return nil, err
		}
		all = append(all, Check(d)...)
		if prev, ok := ids[d.ID]; ok && d.ID != "" {
			all = append(all, Problem{File: file, Field: "id", Message: fmt.Sprintf("id %q is also used by %s", d.ID, prev)})
		}
		ids[d.ID] = file
		defs = append(defs, d)
	}
	sort.Slice(defs, func(i, j int) bool { return defs[i].ID < defs[j].ID })
	if len(all) > 0 {
		return defs, all
	}
	return defs, nil
}

// Files lists the definition files in dir, sorted.
func Files(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read definitions folder: %w", err)
	}
	var files []string
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.Type().IsRegular() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(files)
	return files, nil
}

// Select returns the definitions with the given ids, in that order, or an
// error naming the ids that are not registered. No ids selects all.
func Select(defs []*Definition, ids []string) ([]*Definition, error) {
	if len(ids) == 0 {
		return defs, nil
	}
	byID := map[string]*Definition{}
	for _, d := range defs {
		byID[d.ID] = d
	}
	var out []*Definition
	var missing []string
	for _, id := range ids {
		if d, ok := byID[id]; ok {
			out = append(out, d)
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("no dataset registered with id %s", strings.Join(missing, ", "))
	}
	return out, nil
}
