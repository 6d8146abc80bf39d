package validate

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem found by a check. Line, Row and Column are 1-based;
// zero means "not applicable" (a header problem has no line, a blank row no
// column).
type Error struct {
	// Line is the line of the record in the source.
	Line int64 `json:"line,omitempty"`
	// Row is the number of the data row (the first record after the header
	// is row 1).
	Row int64 `json:"row,omitempty"`
	// Column is the column in the source.
	Column int `json:"column,omitempty"`
	// Field is the schema field (or primary key fields, comma-separated).
	Field string `json:"field,omitempty"`
	// Check names the check, e.g. "type-error".
	Check string `json:"check"`
	// Constraint names the failed constraint of a constraint-error.
	Constraint string `json:"constraint,omitempty"`
	// Message explains the problem. It never contains the value.
	Message string `json:"message"`
	// Value is the original cell text. It is left out of public reports.
	Value string `json:"value,omitempty"`
}

// Report is the result of validating one table: complete counts and the
// first errors. Its JSON form is the machine-readable report.
type Report struct {
	Dataset string `json:"dataset,omitempty"`
	// Rows is the number of records checked; Valid + Invalid == Rows.
	Rows    int64 `json:"rows"`
	Valid   int64 `json:"valid"`
	Invalid int64 `json:"invalid"`
	// InvalidShare is Invalid / Rows (0 for an empty table).
	InvalidShare float64 `json:"invalidShare"`
	// MaxInvalidShare is the threshold from the definition.
	MaxInvalidShare float64 `json:"maxInvalidShare"`
	// Failed is set when InvalidShare exceeds MaxInvalidShare or a schema
	// field has no column; Reasons says which.
	Failed  bool     `json:"failed"`
	Reasons []string `json:"reasons,omitempty"`
	// Counts holds the number of errors per check (a row can have several).
	Counts map[string]int64 `json:"counts,omitempty"`
	// Constraints holds the number of constraint-errors per constraint.
	Constraints map[string]int64 `json:"constraints,omitempty"`
	// ReferenceYear is the year used for kommunenummer and fylkesnummer
	// checks (0: any year), with a note when another year's list was used.
	ReferenceYear int    `json:"referenceYear,omitempty"`
	ReferenceNote string `json:"referenceNote,omitempty"`
	// HeaderErrors are the problems with the header row.
	HeaderErrors []Error `json:"headerErrors,omitempty"`
	// Errors are the first row errors; ErrorsTruncated is set when there
	// were more (all of them are in the quarantine).
	Errors          []Error `json:"errors,omitempty"`
	ErrorsTruncated bool    `json:"errorsTruncated,omitempty"`
}

// Report returns the report so far.
func (v *Validator) Report() Report {
	r := Report{
		Dataset:         v.opts.Dataset,
		Rows:            v.rows,
		Valid:           v.valid,
		Invalid:         v.invalid,
		MaxInvalidShare: v.maxShare,
		Counts:          map[string]int64{},
		HeaderErrors:    slices.Clone(v.headerErrs),
		Errors:          slices.Clone(v.errs),
		ErrorsTruncated: v.truncated,
		ReferenceYear:   v.opts.ReferenceYear,
	}
	if v.codes != nil {
		r.ReferenceNote = v.codes.Note
	}
	for id, n := range v.counts {
		if n > 0 {
			r.Counts[checkNames[id]] = n
		}
	}
	if len(v.constraints) > 0 {
		r.Constraints = map[string]int64{}
		for k, n := range v.constraints {
			r.Constraints[k] = n
		}
	}
	if r.Rows > 0 {
		r.InvalidShare = float64(r.Invalid) / float64(r.Rows)
	}
	if r.InvalidShare > r.MaxInvalidShare {
		r.Failed = true
		r.Reasons = append(r.Reasons, fmt.Sprintf("%.2f%% of the rows are invalid, more than the %.2f%% allowed", 100*r.InvalidShare, 100*r.MaxInvalidShare))
	}
	if n := v.counts[idMissingLabel]; n > 0 {
		r.Failed = true
		var names []string
		for _, e := range v.headerErrs {
			if e.Check == CheckMissingLabel {
				names = append(names, e.Field)
			}
		}
		r.Reasons = append(r.Reasons, "schema fields missing from the source: "+strings.Join(names, ", "))
	}
	return r
}

// Public returns a copy of the report without source values, fit to publish
// next to the data of a public dataset.
func (r Report) Public() Report {
	p := r
	p.Errors = slices.Clone(r.Errors)
	for i := range p.Errors {
		p.Errors[i].Value = ""
	}
	p.HeaderErrors = slices.Clone(r.HeaderErrors)
	return p
}

// JSON returns the report as indented JSON.
func (r Report) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode validation report: %w", err)
	}
	return append(b, '\n'), nil
}

// Summary returns a short human summary in Norwegian bokmål followed by
// English, for run logs and the portal.
func (r Report) Summary() string {
	var b strings.Builder
	pct := 100 * r.InvalidShare
	max := 100 * r.MaxInvalidShare
	name := r.Dataset
	if name == "" {
		name = "datasettet"
	}
	checks := r.checkList()
	// Bokmål.
	fmt.Fprintf(&b, "%s: %d rader kontrollert, %d gyldige, %d ugyldige (%.2f %%, grense %.2f %%).", name, r.Rows, r.Valid, r.Invalid, pct, max)
	if checks != "" {
		fmt.Fprintf(&b, " Feil: %s.", checks)
	}
	if r.Failed {
		b.WriteString(" Resultat: AVVIST – datasettet publiseres ikke.")
	} else {
		b.WriteString(" Resultat: godkjent.")
	}
	if r.Invalid > 0 {
		b.WriteString(" Ugyldige rader ligger i karantenefilen og publiseres ikke.")
	}
	b.WriteString("\n")
	// English.
	if r.Dataset == "" {
		name = "the dataset"
	}
	fmt.Fprintf(&b, "%s: %d rows checked, %d valid, %d invalid (%.2f%%, threshold %.2f%%).", name, r.Rows, r.Valid, r.Invalid, pct, max)
	if checks != "" {
		fmt.Fprintf(&b, " Errors: %s.", checks)
	}
	if r.Failed {
		fmt.Fprintf(&b, " Result: FAILED (%s).", strings.Join(r.Reasons, "; "))
	} else {
		b.WriteString(" Result: passed.")
	}
	if r.Invalid > 0 {
		b.WriteString(" Invalid rows are in the quarantine file and are not published.")
	}
	b.WriteString("\n")
	return b.String()
}

// checkList formats the counts as "type-error 3, blank-row 1", in check
// order.
func (r Report) checkList() string {
	var parts []string
	for _, c := range checkNames {
		if n := r.Counts[c]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", c, n))
		}
	}
	return strings.Join(parts, ", ")
}
