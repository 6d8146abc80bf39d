package datasets

import (
	"fmt"
	"net/mail"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/dele-opendata/dele/internal/schedule"
)

var (
	idPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	knrPattern  = regexp.MustCompile(`^([0-9]{2}|[0-9]{4})$`)
	losPattern  = regexp.MustCompile(`^(https://psi\.norge\.no/los/(tema|ord)/[a-z0-9-]+|[a-z0-9-]+(/[a-z0-9-]+)*)$`)
	envNamePatt = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)
)

// Check returns every problem with d, each naming the file and the field.
// A definition with no problems can be run.
func Check(d *Definition) Problems {
	c := checker{file: d.File}
	c.id(d)
	c.require("title.nb", d.Title.NB)
	c.require("description.nb", d.Description.NB)
	c.publisher(d.Publisher)
	c.contact(d.Contact)
	c.themes(d)
	if d.License == "" {
		c.add("license", "is missing (use one of %s)", keys(Licenses))
	} else if _, ok := Licenses[d.License]; !ok {
		c.add("license", "unknown licence %q (use one of %s)", d.License, keys(Licenses))
	}
	switch d.Access {
	case AccessPublic, AccessRestricted, AccessNonPublic:
	case "":
		c.add("access", "is missing (PUBLIC, RESTRICTED or NON_PUBLIC)")
	default:
		c.add("access", "unknown access right %q (PUBLIC, RESTRICTED or NON_PUBLIC)", d.Access)
	}
	if d.Schedule == "" {
		c.add("schedule", "is missing (e.g. rate(1 day) or cron(0 3 * * ? *))")
	} else if _, err := schedule.Parse(d.Schedule); err != nil {
		c.add("schedule", "%v", err)
	}
	if d.Frequency != "" && !Frequencies[d.Frequency] {
		c.add("frequency", "unknown frequency %q (use one of %s)", d.Frequency, keys(Frequencies))
	}
	for i, l := range d.Languages {
		if !Languages[l] {
			c.add(fmt.Sprintf("languages[%d]", i), "unknown language %q (use one of %s)", l, keys(Languages))
		}
	}
	c.source(d)
	if d.Schema != nil {
		if err := d.Schema.Check(); err != nil {
			c.add("schema", "%v", err)
		}
	}
	c.treatments(d)
	if s := d.Validation.MaxInvalidShare; s != nil && (*s < 0 || *s > 1) {
		c.add("validation.maxInvalidShare", "must be between 0 and 1, got %v", *s)
	}
	for i, o := range d.Outputs {
		if o != OutputParquet && o != OutputCSV && o != OutputCSVNB {
			c.add(fmt.Sprintf("outputs[%d]", i), "unknown output %q (parquet, csv or csv-nb)", o)
		}
	}
	if d.Retention < 0 {
		c.add("retention", "must not be negative")
	}
	return c.problems
}

type checker struct {
	file     string
	problems Problems
}

func (c *checker) add(field, format string, args ...any) {
	c.problems = append(c.problems, Problem{File: c.file, Field: field, Message: fmt.Sprintf(format, args...)})
}

func (c *checker) require(field, v string) {
	if strings.TrimSpace(v) == "" {
		c.add(field, "is missing")
	}
}

func (c *checker) id(d *Definition) {
	switch {
	case d.ID == "":
		c.add("id", "is missing")
	case !idPattern.MatchString(d.ID):
		c.add("id", "%q is not allowed: use 1–63 lower-case letters a–z, digits and hyphens, starting with a letter or digit", d.ID)
	case d.File != "":
		base := strings.TrimSuffix(filepath.Base(d.File), filepath.Ext(d.File))
		if base != d.ID {
			c.add("id", "%q does not match the file name %q: name the file %s.yaml", d.ID, filepath.Base(d.File), d.ID)
		}
	}
}

func (c *checker) publisher(p Publisher) {
	switch {
	case p.OrgNr == "":
		c.add("publisher.orgnr", "is missing: give the publisher's 9-digit organisation number")
	case !ValidOrgNr(p.OrgNr):
		c.add("publisher.orgnr", "%q is not a valid organisation number (9 digits with a mod-11 check digit)", p.OrgNr)
	}
	c.require("publisher.name", p.Name)
	if p.Kommunenummer != "" && !knrPattern.MatchString(p.Kommunenummer) {
		c.add("publisher.kommunenummer", "%q is not a 4-digit kommunenummer or 2-digit fylkesnummer (keep leading zeros, quote it)", p.Kommunenummer)
	}
}

func (c *checker) contact(ct Contact) {
	c.require("contact.name", ct.Name)
	if ct.Email == "" {
		c.add("contact.email", "is missing")
	} else if a, err := mail.ParseAddress(ct.Email); err != nil || a.Address != ct.Email {
		c.add("contact.email", "%q is not an e-mail address", ct.Email)
	}
	if ct.URL != "" {
		c.url("contact.url", ct.URL)
	}
}

func (c *checker) themes(d *Definition) {
	if len(d.Themes) == 0 {
		c.add("themes", "is missing: give at least one EU data theme (%s)", keys(Themes))
	}
	for i, t := range d.Themes {
		if _, ok := Themes[t]; !ok {
			c.add(fmt.Sprintf("themes[%d]", i), "unknown EU data theme %q (use one of %s)", t, keys(Themes))
		}
	}
	for i, t := range d.LOSThemes {
		if !losPattern.MatchString(t) {
			c.add(fmt.Sprintf("losThemes[%d]", i), "%q is not a LOS theme path (e.g. helse-og-omsorg) or https://psi.norge.no/los/… IRI", t)
		}
	}
}

func (c *checker) url(field, u string) {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		c.add(field, "%q is not an http(s) URL", u)
	}
}

func (c *checker) source(d *Definition) {
	s := d.Source
	if s.Type == "" {
		c.add("source.type", "is missing (use one of %s)", keys(SourceTypes))
		return
	}
	if !SourceTypes[s.Type] {
		c.add("source.type", "unknown source type %q (use one of %s)", s.Type, keys(SourceTypes))
		return
	}
	switch s.Type {
	case "csv", "xlsx", "json":
		if (s.Path == "") == (s.URL == "") {
			c.add("source", "give exactly one of path and url")
		}
	case "brreg":
		if len(s.Kommunenummer) == 0 && s.Path == "" {
			c.add("source.kommunenummer", "is missing: give the municipalities whose organisations to extract")
		}
		for i, k := range s.Kommunenummer {
			if len(k) != 4 || !knrPattern.MatchString(k) {
				c.add(fmt.Sprintf("source.kommunenummer[%d]", i), "%q is not a 4-digit kommunenummer (keep leading zeros, quote it)", k)
			}
		}
	case "postgres":
		c.require("source.query", s.Query)
		if s.ConnectionEnv == "" && s.SecretRef == "" {
			c.add("source.connectionEnv", "is missing: name the environment variable (or secretRef) that holds the connection string")
		}
		if s.ConnectionEnv != "" && !envNamePatt.MatchString(s.ConnectionEnv) {
			c.add("source.connectionEnv", "%q is not an environment variable name; the connection string itself must never be written in the definition", s.ConnectionEnv)
		}
		if s.SecretRef != "" && !strings.HasPrefix(s.SecretRef, "ssm:") && !strings.HasPrefix(s.SecretRef, "secretsmanager:") {
			c.add("source.secretRef", "%q must start with ssm: or secretsmanager:", s.SecretRef)
		}
	}
	if s.Path != "" {
		clean := path.Clean(filepath.ToSlash(s.Path))
		if filepath.IsAbs(s.Path) || strings.HasPrefix(s.Path, "/") || clean == ".." || strings.HasPrefix(clean, "../") {
			c.add("source.path", "%q must be a relative path inside the definitions folder", s.Path)
		}
	}
	if s.URL != "" {
		c.url("source.url", s.URL)
		if p, err := url.Parse(s.URL); err == nil && p.User != nil {
			c.add("source.url", "must not contain credentials; use an environment variable or secret reference")
		}
	}
	if len(s.Delimiter) > 1 && s.Delimiter != "auto" && s.Delimiter != `\t` && s.Delimiter != "tab" {
		c.add("source.delimiter", "%q must be one character, tab, or auto", s.Delimiter)
	}
}

func (c *checker) treatments(d *Definition) {
	for _, col := range sortedKeys(d.Treatments) {
		t := d.Treatments[col]
		field := "treatments." + col
		if !TreatmentActions[t.Action] {
			c.add(field+".action", "unknown treatment %q (use one of %s)", t.Action, keys(TreatmentActions))
		}
		if t.Action == "hash" && !envNamePatt.MatchString(t.KeyEnv) {
			c.add(field+".keyEnv", "hash needs keyEnv: the environment variable holding the secret HMAC key")
		}
		if t.Action == "keep" && strings.TrimSpace(t.Reason) == "" {
			c.add(field+".reason", "keep needs a reason: why the column is not personal data (it is printed in the report)")
		}
		if d.Schema != nil && d.Schema.Index(col) < 0 && t.Action != "drop" {
			c.add(field, "the schema has no column %q", col)
		}
	}
}

func keys[V any](m map[string]V) string {
	return strings.Join(sortedKeys(m), ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
