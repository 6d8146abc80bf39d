package validate

import (
	"fmt"
	"strings"

	"github.com/dele-opendata/dele/internal/tableschema"
)

// Change is one difference between two schemas.
type Change struct {
	// Kind is "added", "removed" or "retyped".
	Kind  string `json:"kind"`
	Field string `json:"field"`
	// From and To are the old and new types of a retyped field.
	From tableschema.Type `json:"from,omitempty"`
	To   tableschema.Type `json:"to,omitempty"`
}

// DriftReport compares the schema of the last published version with the
// schema of a new run.
type DriftReport struct {
	Changes []Change `json:"changes,omitempty"`
	// Breaking is set when a field was removed or retyped: publishing would
	// break API consumers unless the definition accepts it (a new major
	// version).
	Breaking bool `json:"breaking"`
	// Message names the changed columns, breaking ones first; empty when
	// the schemas have the same fields and types.
	Message string `json:"message,omitempty"`
}

// Drift compares prev (the published schema; nil for a first version) with
// next. Added fields are allowed and reported; removed and retyped fields
// are breaking. Fields are matched by name; order does not matter.
func Drift(prev, next *tableschema.Schema) DriftReport {
	var d DriftReport
	if prev == nil {
		return d
	}
	var removed, retyped, added []string
	for _, p := range prev.Fields {
		n, ok := next.Field(p.Name)
		switch {
		case !ok:
			d.Changes = append(d.Changes, Change{Kind: "removed", Field: p.Name, From: p.Type})
			removed = append(removed, fmt.Sprintf("%q", p.Name))
		case n.Type != p.Type:
			d.Changes = append(d.Changes, Change{Kind: "retyped", Field: p.Name, From: p.Type, To: n.Type})
			retyped = append(retyped, fmt.Sprintf("%q (%s → %s)", p.Name, p.Type, n.Type))
		}
	}
	for _, n := range next.Fields {
		if _, ok := prev.Field(n.Name); !ok {
			d.Changes = append(d.Changes, Change{Kind: "added", Field: n.Name, To: n.Type})
			added = append(added, fmt.Sprintf("%q", n.Name))
		}
	}
	var parts []string
	if len(removed) > 0 {
		parts = append(parts, "breaking: removed column(s) "+strings.Join(removed, ", "))
	}
	if len(retyped) > 0 {
		parts = append(parts, "breaking: retyped column(s) "+strings.Join(retyped, ", "))
	}
	if len(added) > 0 {
		parts = append(parts, "added column(s) "+strings.Join(added, ", "))
	}
	d.Breaking = len(removed)+len(retyped) > 0
	d.Message = strings.Join(parts, "; ")
	return d
}
