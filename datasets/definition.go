// Package datasets loads and checks dataset definitions: the one YAML file a
// data steward writes under datasets/ to register a dataset (source, schema,
// publisher, licence, theme, schedule, outputs).
//
// The example definitions and their sample sources live in this folder too,
// and definition.schema.json describes the file format for editors.
package datasets

import (
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/dele-opendata/dele/internal/tableschema"
)

// Text is a text in Norwegian bokmål (nb, required), and optionally nynorsk
// (nn) and English (en).
type Text struct {
	NB string `yaml:"nb" json:"nb"`
	NN string `yaml:"nn,omitempty" json:"nn,omitempty"`
	EN string `yaml:"en,omitempty" json:"en,omitempty"`
}

// UnmarshalYAML decodes a Text and trims white space around each
// language's text: a leading or trailing line break from a YAML block
// scalar is never part of a title or description (and one that starts
// with a line break does not survive a YAML round trip).
func (t *Text) UnmarshalYAML(n *yaml.Node) error {
	type plain Text
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*t = Text{NB: strings.TrimSpace(p.NB), NN: strings.TrimSpace(p.NN), EN: strings.TrimSpace(p.EN)}
	return nil
}

// Keywords are keywords per language.
type Keywords struct {
	NB []string `yaml:"nb,omitempty" json:"nb,omitempty"`
	NN []string `yaml:"nn,omitempty" json:"nn,omitempty"`
	EN []string `yaml:"en,omitempty" json:"en,omitempty"`
}

// Contact is the dataset's contact point.
type Contact struct {
	Name  string `yaml:"name" json:"name"`
	Email string `yaml:"email" json:"email"`
	Phone string `yaml:"phone,omitempty" json:"phone,omitempty"`
	URL   string `yaml:"url,omitempty" json:"url,omitempty"`
}

// Publisher is the organisation that publishes the dataset.
type Publisher struct {
	// OrgNr is the 9-digit organisation number, as a string.
	OrgNr string `yaml:"orgnr" json:"orgnr"`
	Name  string `yaml:"name" json:"name"`
	// Kommunenummer is the 4-digit municipality number (or 2-digit county
	// number) the publisher covers, used for dct:spatial.
	Kommunenummer string `yaml:"kommunenummer,omitempty" json:"kommunenummer,omitempty"`
}

// Source says where the data comes from. Type selects the source kind; the
// other fields apply to some kinds only. Empty fields mean "detect".
type Source struct {
	// Type is one of csv, xlsx, json, brreg, postgres.
	Type string `yaml:"type" json:"type"`
	// Path is a file path relative to the definition's folder.
	Path string `yaml:"path,omitempty" json:"path,omitempty"`
	// URL is an http(s) URL to fetch.
	URL string `yaml:"url,omitempty" json:"url,omitempty"`

	// Text files.
	Encoding      string   `yaml:"encoding,omitempty" json:"encoding,omitempty"`
	Delimiter     string   `yaml:"delimiter,omitempty" json:"delimiter,omitempty"`
	Quote         string   `yaml:"quote,omitempty" json:"quote,omitempty"`
	Escape        string   `yaml:"escape,omitempty" json:"escape,omitempty"`
	HeaderRow     int      `yaml:"headerRow,omitempty" json:"headerRow,omitempty"`
	HeaderRows    int      `yaml:"headerRows,omitempty" json:"headerRows,omitempty"`
	NoHeader      bool     `yaml:"noHeader,omitempty" json:"noHeader,omitempty"`
	Columns       []string `yaml:"columns,omitempty" json:"columns,omitempty"`
	MissingValues []string `yaml:"missingValues,omitempty" json:"missingValues,omitempty"`
	DecimalChar   string   `yaml:"decimalChar,omitempty" json:"decimalChar,omitempty"`
	GroupChar     string   `yaml:"groupChar,omitempty" json:"groupChar,omitempty"`

	// Excel workbooks: sheet name or 1-based index.
	Sheet string `yaml:"sheet,omitempty" json:"sheet,omitempty"`

	// JSON APIs.
	RecordsPath string     `yaml:"recordsPath,omitempty" json:"recordsPath,omitempty"`
	Pagination  Pagination `yaml:"pagination,omitempty" json:"pagination,omitzero"`

	// Enhetsregisteret: organisations in these municipalities.
	Kommunenummer []string `yaml:"kommunenummer,omitempty" json:"kommunenummer,omitempty"`
	// Organisasjonsform filters Enhetsregisteret by organisation form.
	Organisasjonsform []string `yaml:"organisasjonsform,omitempty" json:"organisasjonsform,omitempty"`

	// PostgreSQL: the query, and the environment variable or secret
	// reference (ssm:/name, secretsmanager:name) holding the connection
	// string. The connection string itself is never written here.
	Query         string `yaml:"query,omitempty" json:"query,omitempty"`
	ConnectionEnv string `yaml:"connectionEnv,omitempty" json:"connectionEnv,omitempty"`
	SecretRef     string `yaml:"secretRef,omitempty" json:"secretRef,omitempty"`
}

// Pagination describes how a JSON API pages its results.
type Pagination struct {
	// Style is page (page/size parameters), next (a next link in the body),
	// or cursor (a cursor value in the body sent back as a parameter).
	Style     string `yaml:"style,omitempty" json:"style,omitempty"`
	PageParam string `yaml:"pageParam,omitempty" json:"pageParam,omitempty"`
	SizeParam string `yaml:"sizeParam,omitempty" json:"sizeParam,omitempty"`
	Size      int    `yaml:"size,omitempty" json:"size,omitempty"`
	// NextPath is the JSON path of the next link or cursor.
	NextPath    string `yaml:"nextPath,omitempty" json:"nextPath,omitempty"`
	CursorParam string `yaml:"cursorParam,omitempty" json:"cursorParam,omitempty"`
	MaxPages    int    `yaml:"maxPages,omitempty" json:"maxPages,omitempty"`
}

// Treatment is what is done to a column before anything is published:
// drop, mask, hash (HMAC-SHA-256 with a secret key) or generalise; or keep,
// the steward's declaration, with a reason, that numbers the personal-data
// gate finds in the column at chance level among numeric keys are not
// identity numbers.
type Treatment struct {
	Action string `yaml:"action" json:"action"`
	// KeyEnv names the environment variable holding the HMAC key for hash.
	KeyEnv string `yaml:"keyEnv,omitempty" json:"keyEnv,omitempty"`
	// To is the generalisation target, e.g. "year" for a date.
	To string `yaml:"to,omitempty" json:"to,omitempty"`
	// Reason says why a column kept with action keep is not personal data
	// ("accounting keys of 10–15 digits, not identity numbers"). Required
	// for keep; it is printed in the run's report.
	Reason string `yaml:"reason,omitempty" json:"reason,omitempty"`
}

// Classification holds a steward's settings for the personal-data gate.
type Classification struct {
	// Allow maps a column to the kinds of personal data the steward has
	// reviewed and allows to be published in it, e.g. the e-mail and phone
	// of a municipal office: {epost: [email], telefon: [phone]}. Kinds:
	// email, phone, bank-account, ip-address, person-name, enk-name,
	// address-with-name, birth-date, synthetic-id. National identity numbers
	// (fodselsnummer, dnummer, hnummer) can never be allowed.
	Allow map[string][]string `yaml:"allow,omitempty" json:"allow,omitempty"`
	// OrgFormColumn names the column holding the organisation form (ENK,
	// AS …), when it is not called organisasjonsform(.kode).
	OrgFormColumn string `yaml:"orgFormColumn,omitempty" json:"orgFormColumn,omitempty"`
}

// Validation holds validation settings.
type Validation struct {
	// MaxInvalidShare is the largest share (0..1) of invalid rows accepted
	// before the dataset fails. Default 0.05.
	MaxInvalidShare *float64 `yaml:"maxInvalidShare,omitempty" json:"maxInvalidShare,omitempty"`
	// ReferenceYear is the year whose kommunenummer and fylkesnummer are
	// valid for this dataset.
	ReferenceYear int `yaml:"referenceYear,omitempty" json:"referenceYear,omitempty"`
	// AcceptBreakingChanges lets a run publish a schema that removes or
	// retypes columns; it starts a new major version.
	AcceptBreakingChanges bool `yaml:"acceptBreakingChanges,omitempty" json:"acceptBreakingChanges,omitempty"`
}

// Definition is one registered dataset.
type Definition struct {
	ID          string    `yaml:"id" json:"id"`
	Title       Text      `yaml:"title" json:"title"`
	Description Text      `yaml:"description" json:"description"`
	Publisher   Publisher `yaml:"publisher" json:"publisher"`
	Contact     Contact   `yaml:"contact" json:"contact"`
	// Themes are EU data-theme codes (GOVE, ECON, …).
	Themes []string `yaml:"themes" json:"themes"`
	// LOSThemes are LOS theme paths or IRIs.
	LOSThemes []string `yaml:"losThemes,omitempty" json:"losThemes,omitempty"`
	Keywords  Keywords `yaml:"keywords,omitempty" json:"keywords,omitzero"`
	// License is an identifier from Licenses (NLOD-2.0, CC-BY-4.0, …).
	License string `yaml:"license" json:"license"`
	// Access is the declared access right: PUBLIC, RESTRICTED or NON_PUBLIC.
	Access string `yaml:"access" json:"access"`
	// Schedule is an EventBridge rate(...) or cron(...) expression.
	Schedule string `yaml:"schedule" json:"schedule"`
	// Frequency is the EU frequency code (DAILY, WEEKLY, MONTHLY, ANNUAL, …);
	// derived from Schedule when empty.
	Frequency string `yaml:"frequency,omitempty" json:"frequency,omitempty"`
	// Languages are EU language codes of the data (NOB, NNO, ENG).
	Languages  []string             `yaml:"languages,omitempty" json:"languages,omitempty"`
	Source     Source               `yaml:"source" json:"source"`
	Schema     *tableschema.Schema  `yaml:"schema,omitempty" json:"schema,omitempty"`
	Treatments map[string]Treatment `yaml:"treatments,omitempty" json:"treatments,omitempty"`
	Validation Validation           `yaml:"validation,omitempty" json:"validation,omitzero"`
	// Outputs lists the files to publish: parquet, csv, csv-nb (semicolon
	// and decimal comma for Excel users).
	Outputs []string `yaml:"outputs,omitempty" json:"outputs,omitempty"`
	// Retention is how many versions to keep (default 10).
	Retention int `yaml:"retention,omitempty" json:"retention,omitempty"`
	// Provenance describes the source system, in bokmål.
	Provenance string `yaml:"provenance,omitempty" json:"provenance,omitempty"`

	// Classification holds the steward's settings for the personal-data
	// gate (internal/classify).
	Classification Classification `yaml:"classification,omitempty" json:"classification,omitzero"`

	// File is the path the definition was loaded from.
	File string `yaml:"-" json:"-"`
	// Dir is the folder of File; relative source paths start here.
	Dir string `yaml:"-" json:"-"`
}

// Access rights (EU access-right vocabulary).
const (
	AccessPublic     = "PUBLIC"
	AccessRestricted = "RESTRICTED"
	AccessNonPublic  = "NON_PUBLIC"
)

// Output kinds.
const (
	OutputParquet = "parquet"
	OutputCSV     = "csv"
	OutputCSVNB   = "csv-nb"
)

// HasOutput reports whether the definition asks for output kind k.
func (d *Definition) HasOutput(k string) bool {
	for _, o := range d.OutputList() {
		if o == k {
			return true
		}
	}
	return false
}

// OutputList returns the outputs, defaulting to parquet and csv.
func (d *Definition) OutputList() []string {
	if len(d.Outputs) == 0 {
		return []string{OutputParquet, OutputCSV}
	}
	return d.Outputs
}
