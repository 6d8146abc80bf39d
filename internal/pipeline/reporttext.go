package pipeline

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Text renders the report for a data steward: what was read, what the
// personal-data check decided and why, how many rows were rejected and
// why, and schema changes. Bokmål first, then English. It holds line
// numbers and counts, never source values, so the report of a public
// version can be published next to its data.
func (r *Report) Text() string {
	var b strings.Builder
	for _, lang := range []string{"nb", "en"} {
		r.text(&b, lang)
		if lang == "nb" {
			b.WriteString("\n----\n\n")
		}
	}
	return b.String()
}

func (r *Report) text(b *strings.Builder, lang string) {
	nb := lang == "nb"
	t := func(en, no string) string {
		if nb {
			return no
		}
		return en
	}
	fmt.Fprintf(b, "%s %s\n", t("Dele run report for", "Dele-kjørerapport for"), r.Dataset)
	fmt.Fprintf(b, "%s: %s\n", t("Run", "Kjøring"), r.RunID)
	if r.Version != "" {
		fmt.Fprintf(b, "%s: %s\n", t("Version", "Versjon"), r.Version)
	}
	if r.Outcome != "" {
		fmt.Fprintf(b, "%s: %s\n", t("Outcome", "Utfall"), outcomeName(r.Outcome, nb))
	}
	if r.Message != "" {
		fmt.Fprintf(b, "%s: %s\n", t("Message", "Melding"), r.Message)
	}

	e := r.Extract
	fmt.Fprintf(b, "\n%s\n", t("Source", "Kilde"))
	fmt.Fprintf(b, "- %s: %s", t("kind", "type"), e.Kind)
	if e.Location != "" {
		fmt.Fprintf(b, " (%s)", e.Location)
	}
	b.WriteString("\n")
	if e.Sheet != "" {
		fmt.Fprintf(b, "- %s: %s\n", t("sheet", "ark"), e.Sheet)
	}
	if e.Encoding != "" || e.Delimiter != "" {
		fmt.Fprintf(b, "- %s: %s; %s: %q; %s: %d\n", t("encoding", "tegnkoding"), e.Encoding,
			t("delimiter", "skilletegn"), e.Delimiter, t("header row", "overskriftsrad"), e.HeaderRow)
	}
	if len(e.Detected) > 0 {
		keys := slices.Sorted(maps.Keys(e.Detected))
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + e.Detected[k]
		}
		fmt.Fprintf(b, "- %s: %s\n", t("detected (not declared)", "oppdaget (ikke oppgitt)"), strings.Join(parts, ", "))
	}
	fmt.Fprintf(b, "- %s: %d; %s: %d\n", t("rows read", "rader lest"), e.Rows, t("columns", "kolonner"), e.Columns)
	if len(e.MissingValues) > 0 {
		fmt.Fprintf(b, "- %s: %q\n", t("missing-value markers", "markører for manglende verdi"), e.MissingValues)
	}
	if e.SkippedCount > 0 {
		fmt.Fprintf(b, "- %s: %d", t("lines that could not be parsed", "linjer som ikke kunne leses"), e.SkippedCount)
		lines := make([]string, 0, len(e.Skipped))
		for _, s := range e.Skipped {
			lines = append(lines, fmt.Sprint(s.Line))
		}
		if len(lines) > 0 {
			fmt.Fprintf(b, " (%s %s)", t("lines", "linjer"), strings.Join(lines, ", "))
		}
		b.WriteString("\n")
	}
	if e.RaggedCount > 0 {
		fmt.Fprintf(b, "- %s: %d\n", t("rows with the wrong number of cells", "rader med feil antall celler"), e.RaggedCount)
	}
	if len(r.Treatments) > 0 {
		fmt.Fprintf(b, "\n%s\n", t("Column treatments (applied before anything is written)", "Kolonnebehandling (gjort før noe skrives)"))
		for _, k := range slices.Sorted(maps.Keys(r.Treatments)) {
			fmt.Fprintf(b, "- %q: %s\n", k, r.Treatments[k])
		}
	}
	if r.Classification != nil {
		b.WriteString("\n")
		b.WriteString(r.Classification.Text(lang))
	}
	if r.Validation != nil {
		fmt.Fprintf(b, "\n%s\n", t("Validation", "Validering"))
		// Summary gives both languages, one per line: bokmål first.
		lines := strings.SplitN(strings.TrimSpace(r.Validation.Summary()), "\n", 2)
		if !nb && len(lines) == 2 {
			lines = lines[1:]
		}
		b.WriteString(strings.TrimSpace(lines[0]) + "\n")
	}
	if r.Drift != nil && len(r.Drift.Changes) > 0 {
		fmt.Fprintf(b, "\n%s\n", t("Schema changes since the last published version", "Skjemaendringer siden forrige publiserte versjon"))
		fmt.Fprintf(b, "%s", r.Drift.Message)
		if r.Drift.Breaking {
			fmt.Fprintf(b, " [%s]", t("breaking", "brytende"))
		}
		b.WriteString("\n")
	}
	if r.InferredSchema != nil {
		fmt.Fprintf(b, "\n%s\n", t("The schema was inferred from every row; copy inferredSchema from report.json into the definition to pin it.",
			"Skjemaet ble utledet fra alle radene; kopier inferredSchema fra report.json inn i definisjonen for å låse det."))
	}
}

func outcomeName(o Outcome, nb bool) string {
	if !nb {
		return string(o)
	}
	switch o {
	case Published:
		return "publisert"
	case Unchanged:
		return "uendret"
	case MetadataOnly:
		return "bare metadata (ikke offentlig)"
	case HeldBack:
		return "holdt tilbake (personopplysninger)"
	case Failed:
		return "feilet"
	}
	return string(o)
}
