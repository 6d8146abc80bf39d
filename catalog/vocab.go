package catalog

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Namespaces used in the catalog.
const (
	RDF    = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	RDFS   = "http://www.w3.org/2000/01/rdf-schema#"
	XSD    = "http://www.w3.org/2001/XMLSchema#"
	DCAT   = "http://www.w3.org/ns/dcat#"
	DCT    = "http://purl.org/dc/terms/"
	FOAF   = "http://xmlns.com/foaf/0.1/"
	VCARD  = "http://www.w3.org/2006/vcard/ns#"
	SPDX   = "http://spdx.org/rdf/terms#"
	PROV   = "http://www.w3.org/ns/prov#"
	OWL    = "http://www.w3.org/2002/07/owl#"
	SKOS   = "http://www.w3.org/2004/02/skos/core#"
	ADMS   = "http://www.w3.org/ns/adms#"
	DCATAP = "http://data.europa.eu/r5r/"
)

// Prefixes maps the prefix used in Turtle, JSON-LD and RDF/XML to its
// namespace, in output order.
var Prefixes = []struct{ Prefix, NS string }{
	{"rdf", RDF}, {"rdfs", RDFS}, {"xsd", XSD}, {"dcat", DCAT}, {"dct", DCT},
	{"foaf", FOAF}, {"vcard", VCARD}, {"spdx", SPDX}, {"prov", PROV},
	{"owl", OWL}, {"skos", SKOS}, {"adms", ADMS},
}

// Controlled vocabularies (EU Publications Office authority tables, IANA,
// Geonorge, Enhetsregisteret, LOS).
const (
	EUDataTheme   = "http://publications.europa.eu/resource/authority/data-theme/"
	EUAccessRight = "http://publications.europa.eu/resource/authority/access-right/"
	EUFrequency   = "http://publications.europa.eu/resource/authority/frequency/"
	EULanguage    = "http://publications.europa.eu/resource/authority/language/"
	EUFileType    = "http://publications.europa.eu/resource/authority/file-type/"
	EULicence     = "http://publications.europa.eu/resource/authority/licence/"
	IANAMediaType = "https://www.iana.org/assignments/media-types/"
	// Enhetsregisteret: the publisher IRI is this prefix plus the 9-digit
	// organisation number.
	BrregEnhet = "https://data.brreg.no/enhetsregisteret/api/enheter/"
	// Geonorge administrative units, keyed by the official number with its
	// leading zero: kommune/id/0301, fylke/id/03. This is the form
	// data.norge.no's reference data builds from Geonorge's kommuneinfo API.
	GeonorgeKommune = "https://data.geonorge.no/administrativeEnheter/kommune/id/"
	GeonorgeFylke   = "https://data.geonorge.no/administrativeEnheter/fylke/id/"
	// LOS, the Norwegian public-sector theme vocabulary.
	LOS = "https://psi.norge.no/los/"
)

// Frequencies are the EU frequency codes the catalog emits or accepts in a
// definition's frequency field.
var Frequencies = map[string]bool{
	"CONT": true, "UPDATE_CONT": true, "HOURLY": true, "DAILY_2": true, "DAILY": true,
	"WEEKLY_3": true, "WEEKLY_2": true, "WEEKLY": true, "BIWEEKLY": true,
	"MONTHLY_3": true, "MONTHLY_2": true, "MONTHLY": true, "BIMONTHLY": true,
	"QUARTERLY": true, "ANNUAL_3": true, "ANNUAL_2": true, "ANNUAL": true,
	"BIENNIAL": true, "TRIENNIAL": true, "IRREG": true, "NEVER": true, "UNKNOWN": true,
}

// Media types and file types of the published files, by file name.
var fileKinds = map[string]struct {
	format, mediaType, titleNB, titleEN string
}{
	"data.parquet": {"PARQUET", "application/vnd.apache.parquet", "Parquet", "Parquet"},
	"data.csv":     {"CSV", "text/csv", "CSV (komma, UTF-8)", "CSV (comma, UTF-8)"},
	"data-nb.csv":  {"CSV", "text/csv", "CSV for Excel (semikolon, desimalkomma)", "CSV for Excel (semicolon, decimal comma)"},
}

// distSlug is the stable last path segment of a distribution IRI.
var distSlug = map[string]string{"data.parquet": "parquet", "data.csv": "csv", "data-nb.csv": "csv-nb"}

// FrequencyOf derives the EU frequency code from an EventBridge schedule
// expression, rate(…) or cron(…). An empty schedule (runs started by hand)
// gives IRREG. The result is the frequency whose period is closest to the
// schedule's typical interval.
func FrequencyOf(schedule string) (string, error) {
	s := strings.TrimSpace(schedule)
	switch {
	case s == "":
		return "IRREG", nil
	case strings.HasPrefix(s, "rate(") && strings.HasSuffix(s, ")"):
		return rateFrequency(s[len("rate(") : len(s)-1])
	case strings.HasPrefix(s, "cron(") && strings.HasSuffix(s, ")"):
		return cronFrequency(s[len("cron(") : len(s)-1])
	}
	return "", fmt.Errorf("schedule %q: want rate(…) or cron(…)", schedule)
}

const hour = 1.0
const day = 24 * hour

// periods are the frequency codes with their period in hours.
var periods = []struct {
	code  string
	hours float64
}{
	{"HOURLY", hour}, {"DAILY_2", 12 * hour}, {"DAILY", day},
	{"WEEKLY_3", 7 * day / 3}, {"WEEKLY_2", 3.5 * day}, {"WEEKLY", 7 * day},
	{"BIWEEKLY", 14 * day}, {"MONTHLY", 30.44 * day}, {"BIMONTHLY", 60.88 * day},
	{"QUARTERLY", 91.31 * day}, {"ANNUAL_2", 182.6 * day}, {"ANNUAL", 365.25 * day},
}

func nearestFrequency(hours float64) string {
	if hours < 0.75 {
		return "CONT"
	}
	best, bestD := "", math.Inf(1)
	for _, p := range periods {
		if d := math.Abs(math.Log(hours / p.hours)); d < bestD {
			best, bestD = p.code, d
		}
	}
	return best
}

var rateRE = regexp.MustCompile(`^\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*$`)

func rateFrequency(body string) (string, error) {
	m := rateRE.FindStringSubmatch(body)
	if m == nil {
		return "", fmt.Errorf("schedule rate(%s): want rate(N minutes|hours|days)", body)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n <= 0 {
		return "", fmt.Errorf("schedule rate(%s): the value must be a positive number", body)
	}
	unit := map[string]float64{"minute": hour / 60, "hour": hour, "day": day}[strings.TrimSuffix(m[2], "s")]
	return nearestFrequency(float64(n) * unit), nil
}

// cronFrequency estimates the run interval of an EventBridge cron
// expression (minutes hours day-of-month month day-of-week year) from how
// many values each field allows.
func cronFrequency(body string) (string, error) {
	f := strings.Fields(body)
	if len(f) != 6 {
		return "", fmt.Errorf("schedule cron(%s): want 6 fields (minutes hours day-of-month month day-of-week year)", body)
	}
	minutes, err := cronCount(f[0], 0, 59)
	if err != nil {
		return "", fmt.Errorf("schedule cron(%s): minutes: %w", body, err)
	}
	hours, err := cronCount(f[1], 0, 23)
	if err != nil {
		return "", fmt.Errorf("schedule cron(%s): hours: %w", body, err)
	}
	months, err := cronCount(f[3], 1, 12)
	if err != nil {
		return "", fmt.Errorf("schedule cron(%s): month: %w", body, err)
	}
	var daysPerMonth float64
	switch {
	case !wild(f[2]):
		if f[2] == "L" || strings.HasSuffix(f[2], "W") {
			daysPerMonth = 1
		} else {
			n, err := cronCount(f[2], 1, 31)
			if err != nil {
				return "", fmt.Errorf("schedule cron(%s): day-of-month: %w", body, err)
			}
			daysPerMonth = float64(n)
		}
	case !wild(f[4]):
		var n int
		if strings.ContainsAny(f[4], "#L") {
			n = 1 // the nth or last weekday of the month
			daysPerMonth = 1
		} else {
			n, err = cronCount(strings.ToUpper(f[4]), 1, 7)
			if err != nil {
				return "", fmt.Errorf("schedule cron(%s): day-of-week: %w", body, err)
			}
			daysPerMonth = float64(n) * 30.44 / 7
		}
	default:
		daysPerMonth = 30.44
	}
	runsPerYear := float64(minutes*hours*months) * daysPerMonth
	return nearestFrequency(365.25 * day / runsPerYear), nil
}

func wild(field string) bool { return field == "*" || field == "?" }

var weekdays = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
var monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}

// cronCount returns how many values of [lo, hi] a cron field selects.
func cronCount(field string, lo, hi int) (int, error) {
	if wild(field) {
		return hi - lo + 1, nil
	}
	set := map[int]bool{}
	for _, part := range strings.Split(field, ",") {
		step := 1
		if i := strings.Index(part, "/"); i >= 0 {
			n, err := strconv.Atoi(part[i+1:])
			if err != nil || n <= 0 {
				return 0, fmt.Errorf("bad step in %q", part)
			}
			step, part = n, part[:i]
		}
		a, b := lo, hi
		if part != "*" {
			x, y, isRange := strings.Cut(part, "-")
			var err error
			if a, err = cronValue(x); err != nil {
				return 0, err
			}
			b = a
			if isRange {
				if b, err = cronValue(y); err != nil {
					return 0, err
				}
			} else if step > 1 {
				b = hi
			}
		}
		if a < lo || b > hi || a > b {
			return 0, fmt.Errorf("%q is outside %d-%d", part, lo, hi)
		}
		for v := a; v <= b; v += step {
			set[v] = true
		}
	}
	return len(set), nil
}

func cronValue(s string) (int, error) {
	if v, ok := weekdays[strings.ToUpper(s)]; ok {
		return v, nil
	}
	if v, ok := monthNames[strings.ToUpper(s)]; ok {
		return v, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("bad value %q", s)
	}
	return v, nil
}

// losIRI turns a definition's LOS theme into its IRI. Accepted forms: the
// full IRI (https://psi.norge.no/los/tema/valg), the path below the LOS
// namespace (tema/valg, ord/valglokale), or a LOS theme path
// (naring, naring/energi, helse-og-omsorg/svangerskap/abort). In LOS the
// first two levels of a path are themes (tema/<name>) and the third level
// words (ord/<name>); the IRI uses the path's last name.
func losIRI(v string) (string, error) {
	v = strings.TrimSpace(v)
	v = strings.Replace(v, "http://psi.norge.no/los/", LOS, 1)
	switch {
	case strings.HasPrefix(v, LOS+"tema/") || strings.HasPrefix(v, LOS+"ord/"):
		return v, nil
	case strings.HasPrefix(v, "tema/") || strings.HasPrefix(v, "ord/"):
		return LOS + v, nil
	}
	parts := strings.Split(v, "/")
	for _, p := range parts {
		if !losNameRE.MatchString(p) {
			return "", fmt.Errorf("LOS theme %q: give a LOS path (naring/energi) or IRI (%stema/<name>)", v, LOS)
		}
	}
	switch len(parts) {
	case 1, 2:
		return LOS + "tema/" + parts[len(parts)-1], nil
	case 3:
		return LOS + "ord/" + parts[2], nil
	}
	return "", fmt.Errorf("LOS theme %q: a LOS path has at most three levels", v)
}

var losNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
