// Package catalog builds the DCAT-AP-NO catalog that data.norge.no harvests:
// one dcat:Catalog for the installation, one dcat:Dataset per registered
// dataset (restricted and non-public ones too, as metadata only), Parquet
// and CSV distributions for what is published, and one dcat:DataService for
// the query API. Every catalog, dataset, distribution and service is an IRI
// built from the installation's base URL and the dataset id, so the IRIs
// are the same in every run, and the graph has no blank nodes.
//
// The package has its own small triple model and writers for Turtle (the
// primary format), N-Triples, JSON-LD and RDF/XML; the tests parse every
// serialisation back with independent parsers and validate the result
// against the official DCAT-AP-NO 2 SHACL shapes. Check is a quick Go-side
// check of the mandatory properties for `dele catalog check`.
//
// Use: Regenerate (or LoadEntries, Build and Publish) after each publish
// writes catalog.ttl, catalog.jsonld, catalog.rdf and catalog.nt to the
// public store; Handler serves them on /catalog with content negotiation
// (Negotiate), uncompressed, as the national harvester expects.
package catalog

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/publish"
)

// Entry is one registered dataset with its current published version.
type Entry struct {
	Def *datasets.Definition
	// Latest is the manifest of the published version (latest.json), or nil
	// when the dataset was never published or is not public.
	Latest *publish.Manifest
}

// Options change what Build emits. The zero value is what the pipeline
// publishes.
type Options struct {
	// SHA256Checksums adds spdx:checksum with the SHA-256 of each file (the
	// DCAT-AP 3 form). The DCAT-AP-NO 2 shapes only accept SHA-1
	// (spdx:checksumAlgorithm_sha1), so this makes a v2 validator report one
	// violation per distribution; it is off by default. SHA-1 checksums are
	// emitted whenever the manifest has them.
	SHA256Checksums bool
}

// Catalog is a built catalog graph with its main IRIs.
type Catalog struct {
	// IRI is the catalog's IRI.
	IRI string
	// Datasets maps a dataset id to its IRI.
	Datasets map[string]string
	// Service is the IRI of the query API's dcat:DataService.
	Service string
	// Graph holds the triples.
	Graph *Graph
}

// ErrInvalid is wrapped by Build's errors for configuration or definitions
// that cannot give a valid catalog.
var ErrInvalid = errors.New("invalid catalog input")

var (
	orgnrRE = regexp.MustCompile(`^[0-9]{9}$`)
	kommRE  = regexp.MustCompile(`^[0-9]{2}([0-9]{2})?$`)
	emailRE = regexp.MustCompile(`^[^@\s<>"]+@[^@\s<>"]+\.[^@\s<>"]+$`)
)

// IRIs of the catalog's resources, relative to the base URL.

// CatalogIRI returns the catalog's IRI: the harvest URL.
func CatalogIRI(base string) string { return base + "/catalog" }

// DatasetIRI returns a dataset's IRI.
func DatasetIRI(base, id string) string { return base + "/datasets/" + id }

// ServiceIRI returns the IRI of the query API's data service.
func ServiceIRI(base string) string { return base + "/catalog/services/api" }

// Build builds the catalog for cfg and the registered datasets, in the order
// given by the dataset ids. It returns an error wrapping ErrInvalid that
// names every dataset and property that cannot be expressed (unknown theme,
// licence, access right, missing publisher or contact …).
func Build(cfg *config.Config, entries []Entry, opts ...Options) (*Catalog, error) {
	var o Options
	for _, x := range opts {
		o = x
	}
	b := &builder{cfg: cfg, opts: o, g: NewGraph(), base: strings.TrimRight(cfg.BaseURL, "/")}
	b.build(entries)
	if len(b.errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, errors.Join(b.errs...))
	}
	for _, t := range b.g.Triples() {
		for _, term := range []Term{t.S, t.P, t.O} {
			if term.IsIRI() {
				if err := checkIRI(term.Value); err != nil {
					return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
				}
			} else if i := strings.IndexFunc(term.Value, func(r rune) bool { return !xmlChar(r) }); i >= 0 {
				return nil, fmt.Errorf("%w: %s %s: text %q has a control character at byte %d",
					ErrInvalid, t.S.Value, t.P.Value, term.Value, i)
			}
		}
	}
	return &Catalog{IRI: CatalogIRI(b.base), Datasets: b.datasets, Service: ServiceIRI(b.base), Graph: b.g}, nil
}

type builder struct {
	cfg      *config.Config
	opts     Options
	g        *Graph
	base     string
	errs     []error
	datasets map[string]string
}

func (b *builder) fail(format string, args ...any) {
	b.errs = append(b.errs, fmt.Errorf(format, args...))
}

var (
	rdfType = IRI(RDF + "type")
)

func p(ns, local string) Term { return IRI(ns + local) }

func dateTime(t time.Time) Term {
	return Typed(t.UTC().Format(time.RFC3339), XSD+"dateTime")
}

func (b *builder) build(entries []Entry) {
	cfg := b.cfg
	c := cfg.Catalog
	if b.base == "" {
		b.fail("config: baseURL is empty")
		return
	}
	if err := checkIRI(b.base); err != nil {
		b.fail("config: baseURL: %w", err)
		return
	}
	if c.TitleNB == "" {
		b.fail("config: catalog titleNB is empty (dct:title)")
	}
	if c.DescNB == "" {
		b.fail("config: catalog descriptionNB is empty (dct:description)")
	}
	cat := IRI(CatalogIRI(b.base))
	g := b.g
	g.Add(cat, rdfType, p(DCAT, "Catalog"))
	id := c.ID
	if id == "" {
		id = cat.Value
	}
	g.Add(cat, p(DCT, "identifier"), Lit(id))
	g.Add(cat, p(DCT, "title"), LangLit(c.TitleNB, "nb"))
	g.Add(cat, p(DCT, "title"), LangLit(c.TitleEN, "en"))
	g.Add(cat, p(DCT, "description"), LangLit(c.DescNB, "nb"))
	g.Add(cat, p(DCT, "description"), LangLit(c.DescEN, "en"))
	if pub, ok := b.agent("config", c.PublisherNr, c.Publisher); ok {
		g.Add(cat, p(DCT, "publisher"), pub)
	}
	if cp, ok := b.contact("config", c.ContactName, c.ContactEmail, "", ""); ok {
		g.Add(cat, p(DCAT, "contactPoint"), cp)
	}
	if c.Homepage != "" {
		if err := checkIRI(c.Homepage); err != nil {
			b.fail("config: homepage: %w", err)
		} else {
			g.Add(cat, p(FOAF, "homepage"), IRI(c.Homepage))
		}
	}
	g.Add(cat, p(DCT, "language"), IRI(EULanguage+"NOB"))
	if sp, ok := b.spatial("config", c.Kommunenummer); ok {
		g.Add(cat, p(DCT, "spatial"), sp)
	}

	sorted := append([]Entry(nil), entries...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Def.ID < sorted[j].Def.ID })
	b.datasets = map[string]string{}
	var served []Term
	var issued, modified time.Time
	for _, e := range sorted {
		if e.Def == nil {
			b.fail("catalog: entry without definition")
			continue
		}
		if _, dup := b.datasets[e.Def.ID]; dup {
			b.fail("dataset %s: registered twice", e.Def.ID)
			continue
		}
		ds, public := b.dataset(cat, e)
		b.datasets[e.Def.ID] = ds.Value
		g.Add(cat, p(DCAT, "dataset"), ds)
		if public {
			served = append(served, ds)
		}
		if m := e.Latest; m != nil && public {
			if !m.Issued.IsZero() && (issued.IsZero() || m.Issued.Before(issued)) {
				issued = m.Issued
			}
			if m.Published.After(modified) {
				modified = m.Published
			}
		}
	}
	if !issued.IsZero() {
		g.Add(cat, p(DCT, "issued"), dateTime(issued))
	}
	if !modified.IsZero() {
		g.Add(cat, p(DCT, "modified"), dateTime(modified))
	}
	b.service(cat, served)
}

// agent adds a publisher (foaf:Agent) and returns its IRI.
func (b *builder) agent(where, orgnr, name string) (Term, bool) {
	if !orgnrRE.MatchString(orgnr) {
		b.fail("%s: publisher organisation number %q must be 9 digits (dct:publisher)", where, orgnr)
		return Term{}, false
	}
	if name == "" {
		b.fail("%s: publisher name is empty (foaf:name)", where)
		return Term{}, false
	}
	a := IRI(BrregEnhet + orgnr)
	b.g.Add(a, rdfType, p(FOAF, "Agent"))
	b.g.Add(a, p(FOAF, "name"), LangLit(name, "nb"))
	b.g.Add(a, p(DCT, "identifier"), Lit(orgnr))
	return a, true
}

// contact adds a contact point (vcard:Organization) and returns its IRI,
// which is derived from the name and e-mail address so equal contacts share
// one node and the IRI is stable.
func (b *builder) contact(where, name, email, phone, url string) (Term, bool) {
	email = strings.TrimPrefix(strings.TrimSpace(email), "mailto:")
	if name == "" && email == "" {
		b.fail("%s: no contact point (dcat:contactPoint): give contact name and email", where)
		return Term{}, false
	}
	if !emailRE.MatchString(email) {
		b.fail("%s: contact email %q is not an e-mail address (vcard:hasEmail)", where, email)
		return Term{}, false
	}
	if name == "" {
		b.fail("%s: contact name is empty (vcard:fn)", where)
		return Term{}, false
	}
	h := sha256.Sum256([]byte(name + "\x00" + strings.ToLower(email)))
	cp := IRI(b.base + "/catalog/contacts/" + hex.EncodeToString(h[:8]))
	b.g.Add(cp, rdfType, p(VCARD, "Organization"))
	b.g.Add(cp, p(VCARD, "fn"), Lit(name))
	b.g.Add(cp, p(VCARD, "hasEmail"), IRI("mailto:"+email))
	if phone != "" {
		b.g.Add(cp, p(VCARD, "hasTelephone"), IRI("tel:"+strings.ReplaceAll(phone, " ", "")))
	}
	if url != "" {
		if err := checkIRI(url); err != nil {
			b.fail("%s: contact url: %w", where, err)
		} else {
			b.g.Add(cp, p(VCARD, "hasURL"), IRI(url))
		}
	}
	return cp, true
}

// spatial returns the Geonorge IRI of a municipality (4 digits) or county
// (2 digits).
func (b *builder) spatial(where, nr string) (Term, bool) {
	if nr == "" {
		return Term{}, false
	}
	if !kommRE.MatchString(nr) {
		b.fail("%s: kommunenummer %q must be 4 digits (or 2 for a county) with leading zero (dct:spatial)", where, nr)
		return Term{}, false
	}
	if len(nr) == 2 {
		return IRI(GeonorgeFylke + nr), true
	}
	return IRI(GeonorgeKommune + nr), true
}

func (b *builder) texts(s Term, pred Term, t datasets.Text) {
	b.g.Add(s, pred, LangLit(t.NB, "nb"))
	b.g.Add(s, pred, LangLit(t.NN, "nn"))
	b.g.Add(s, pred, LangLit(t.EN, "en"))
}

// dataset adds one dataset; public reports whether it is published openly
// (and so has distributions and is served by the API).
func (b *builder) dataset(cat Term, e Entry) (ds Term, public bool) {
	d, g := e.Def, b.g
	where := "dataset " + d.ID
	if d.ID == "" {
		b.fail("dataset without id")
	}
	ds = IRI(DatasetIRI(b.base, d.ID))
	g.Add(ds, rdfType, p(DCAT, "Dataset"))
	g.Add(ds, p(DCT, "identifier"), Lit(ds.Value))
	if d.Title.NB == "" {
		b.fail("%s: title.nb is empty (dct:title)", where)
	}
	if d.Description.NB == "" {
		b.fail("%s: description.nb is empty (dct:description)", where)
	}
	b.texts(ds, p(DCT, "title"), d.Title)
	b.texts(ds, p(DCT, "description"), d.Description)

	orgnr, name := d.Publisher.OrgNr, d.Publisher.Name
	if orgnr == "" {
		orgnr, name = b.cfg.Catalog.PublisherNr, b.cfg.Catalog.Publisher
	} else if name == "" && orgnr == b.cfg.Catalog.PublisherNr {
		name = b.cfg.Catalog.Publisher
	}
	if pub, ok := b.agent(where, orgnr, name); ok {
		g.Add(ds, p(DCT, "publisher"), pub)
	}
	cn, ce := d.Contact.Name, d.Contact.Email
	if cn == "" && ce == "" {
		cn, ce = b.cfg.Catalog.ContactName, b.cfg.Catalog.ContactEmail
	}
	if cp, ok := b.contact(where, cn, ce, d.Contact.Phone, d.Contact.URL); ok {
		g.Add(ds, p(DCAT, "contactPoint"), cp)
	}

	if len(d.Themes) == 0 {
		b.fail("%s: no EU data theme (dcat:theme); add themes: [GOVE] or another code", where)
	}
	for _, t := range d.Themes {
		code := strings.ToUpper(strings.TrimSpace(strings.TrimPrefix(t, EUDataTheme)))
		if _, ok := datasets.Themes[code]; !ok {
			b.fail("%s: %q is not an EU data-theme code (dcat:theme)", where, t)
			continue
		}
		g.Add(ds, p(DCAT, "theme"), IRI(EUDataTheme+code))
	}
	for _, t := range d.LOSThemes {
		iri, err := losIRI(t)
		if err != nil {
			b.fail("%s: %w", where, err)
			continue
		}
		g.Add(ds, p(DCAT, "theme"), IRI(iri))
	}
	for _, kw := range []struct {
		lang string
		list []string
	}{{"nb", d.Keywords.NB}, {"nn", d.Keywords.NN}, {"en", d.Keywords.EN}} {
		for _, k := range kw.list {
			g.Add(ds, p(DCAT, "keyword"), LangLit(k, kw.lang))
		}
	}

	access := strings.ToUpper(d.Access)
	switch access {
	case datasets.AccessPublic, datasets.AccessRestricted, datasets.AccessNonPublic:
		g.Add(ds, p(DCT, "accessRights"), IRI(EUAccessRight+access))
	default:
		b.fail("%s: access %q must be PUBLIC, RESTRICTED or NON_PUBLIC (dct:accessRights)", where, d.Access)
	}

	freq := strings.ToUpper(d.Frequency)
	if freq == "" {
		f, err := FrequencyOf(d.Schedule)
		if err != nil {
			b.fail("%s: %w (dct:accrualPeriodicity)", where, err)
		}
		freq = f
	} else if !Frequencies[freq] {
		b.fail("%s: frequency %q is not an EU frequency code (dct:accrualPeriodicity)", where, d.Frequency)
		freq = ""
	}
	if freq != "" {
		g.Add(ds, p(DCT, "accrualPeriodicity"), IRI(EUFrequency+freq))
	}

	langs := d.Languages
	if len(langs) == 0 {
		langs = []string{"NOB"}
	}
	for _, l := range langs {
		l = strings.ToUpper(l)
		if !datasets.Languages[l] {
			b.fail("%s: language %q is not an EU language code such as NOB, NNO, ENG (dct:language)", where, l)
			continue
		}
		g.Add(ds, p(DCT, "language"), IRI(EULanguage+l))
	}
	// A dataset covers the publisher's municipality: the one in the
	// definition, or the catalog's when the catalog's publisher publishes
	// it. Other publishers (a national agency) get no dct:spatial rather
	// than a wrong one.
	komm := d.Publisher.Kommunenummer
	if komm == "" && orgnr == b.cfg.Catalog.PublisherNr {
		komm = b.cfg.Catalog.Kommunenummer
	}
	if sp, ok := b.spatial(where, komm); ok {
		g.Add(ds, p(DCT, "spatial"), sp)
	}
	g.Add(ds, p(DCAT, "landingPage"), IRI(ds.Value+"/"))

	licence := ""
	if d.License != "" {
		iri, ok := datasets.Licenses[d.License]
		if !ok || !strings.HasPrefix(iri, EULicence) {
			b.fail("%s: licence %q is not in the EU licence vocabulary (dct:license); use NLOD-2.0, CC-BY-4.0, CC0-1.0 …", where, d.License)
		}
		licence = strings.TrimPrefix(iri, EULicence)
	} else if access == datasets.AccessPublic {
		b.fail("%s: no licence (dct:license)", where)
	}

	b.provenance(ds, d)

	m := e.Latest
	public = access == datasets.AccessPublic && m != nil &&
		(m.Access == "" || strings.EqualFold(m.Access, datasets.AccessPublic))
	if !public {
		return ds, false
	}
	g.Add(ds, p(OWL, "versionInfo"), Lit(m.Version))
	issued := m.Issued
	for _, h := range m.History {
		if issued.IsZero() || (!h.Published.IsZero() && h.Published.Before(issued)) {
			issued = h.Published
		}
	}
	if !issued.IsZero() {
		g.Add(ds, p(DCT, "issued"), dateTime(issued))
	}
	if !m.Published.IsZero() {
		g.Add(ds, p(DCT, "modified"), dateTime(m.Published))
	}
	if m.RunID != "" {
		run := IRI(ds.Value + "/versions/" + m.Version + "#run")
		g.Add(ds, p(PROV, "wasGeneratedBy"), run)
		g.Add(run, rdfType, p(PROV, "Activity"))
		g.Add(run, p(DCT, "identifier"), Lit(m.RunID))
		g.Add(run, p(RDFS, "label"), LangLit("Dele-kjøring "+m.RunID+" som publiserte versjon "+m.Version, "nb"))
		if !m.Published.IsZero() {
			g.Add(run, p(PROV, "endedAtTime"), dateTime(m.Published))
		}
	}
	var schema Term
	if f, ok := m.File(publish.FileSchema); ok {
		schema = IRI(b.fileURL(f))
		g.Add(schema, rdfType, p(DCT, "Standard"))
		g.Add(schema, p(DCT, "title"), LangLit("Table Schema for "+d.ID+" versjon "+m.Version, "nb"))
		g.Add(schema, p(OWL, "versionInfo"), Lit(m.Version))
		g.Add(schema, p(RDFS, "seeAlso"), IRI("https://specs.frictionlessdata.io/table-schema/"))
	}
	for _, f := range m.Files {
		kind, ok := fileKinds[f.Name]
		if !ok {
			continue
		}
		dist := IRI(ds.Value + "/distributions/" + distSlug[f.Name])
		g.Add(ds, p(DCAT, "distribution"), dist)
		g.Add(dist, rdfType, p(DCAT, "Distribution"))
		g.Add(dist, p(DCT, "title"), LangLit(kind.titleNB, "nb"))
		g.Add(dist, p(DCT, "title"), LangLit(kind.titleEN, "en"))
		g.Add(dist, p(DCAT, "accessURL"), IRI(ds.Value+"/"))
		g.Add(dist, p(DCAT, "downloadURL"), IRI(b.fileURL(f)))
		g.Add(dist, p(DCAT, "accessService"), IRI(ServiceIRI(b.base)))
		g.Add(dist, p(DCT, "format"), IRI(EUFileType+kind.format))
		mt := kind.mediaType
		if f.MediaType != "" {
			mt = strings.TrimSpace(strings.SplitN(f.MediaType, ";", 2)[0])
		}
		g.Add(dist, p(DCAT, "mediaType"), IRI(IANAMediaType+mt))
		if licence != "" {
			g.Add(dist, p(DCT, "license"), IRI(EULicence+licence))
		}
		g.Add(dist, p(DCAT, "byteSize"), Typed(strconv.FormatInt(f.Size, 10), XSD+"decimal"))
		if !m.Published.IsZero() {
			g.Add(dist, p(DCT, "modified"), dateTime(m.Published))
		}
		if schema.Value != "" {
			g.Add(dist, p(DCT, "conformsTo"), schema)
		}
		b.checksum(dist, f)
	}
	return ds, true
}

func (b *builder) checksum(dist Term, f publish.FileInfo) {
	alg, sum := "", ""
	switch {
	case b.opts.SHA256Checksums && f.SHA256 != "":
		alg, sum = "checksumAlgorithm_sha256", f.SHA256
	case f.SHA1 != "":
		alg, sum = "checksumAlgorithm_sha1", f.SHA1
	default:
		return
	}
	if _, err := hex.DecodeString(sum); err != nil {
		b.fail("file %s: checksum %q is not hexadecimal", f.Key, sum)
		return
	}
	c := IRI(dist.Value + "#checksum")
	b.g.Add(dist, p(SPDX, "checksum"), c)
	b.g.Add(c, rdfType, p(SPDX, "Checksum"))
	b.g.Add(c, p(SPDX, "algorithm"), p(SPDX, alg))
	b.g.Add(c, p(SPDX, "checksumValue"), Typed(strings.ToLower(sum), XSD+"hexBinary"))
}

// fileURL is the public URL of a published object.
func (b *builder) fileURL(f publish.FileInfo) string {
	return b.base + "/" + strings.TrimLeft(f.Key, "/")
}

// provenance adds dct:provenance: the steward's text, or a description of
// the source kind. It never names paths, hosts or queries of the source.
func (b *builder) provenance(ds Term, d *datasets.Definition) {
	text := d.Provenance
	if text == "" {
		kind := map[string]string{
			"csv":      "en CSV-fil fra kildesystemet",
			"xlsx":     "et Excel-regneark fra kildesystemet",
			"json":     "et JSON-API",
			"brreg":    "Enhetsregisteret (Brønnøysundregistrene)",
			"postgres": "en database i kildesystemet",
		}[d.Source.Type]
		if kind == "" {
			kind = "kildesystemet"
		}
		text = "Hentet fra " + kind + ", kontrollert og konvertert av Dele før publisering."
	}
	pr := IRI(ds.Value + "#provenance")
	b.g.Add(ds, p(DCT, "provenance"), pr)
	b.g.Add(pr, rdfType, p(DCT, "ProvenanceStatement"))
	b.g.Add(pr, p(RDFS, "label"), LangLit(text, "nb"))
}

// APIEndpoint returns the query API's endpoint URL, dcat:endpointURL: the
// config's APIURL, which defaults to the base URL + /api, where `dele serve`
// mounts it.
func APIEndpoint(cfg *config.Config) string {
	if api := strings.TrimRight(cfg.APIURL, "/"); api != "" {
		return api
	}
	return strings.TrimRight(cfg.BaseURL, "/") + "/api"
}

// service adds the query API's dcat:DataService.
func (b *builder) service(cat Term, served []Term) {
	g, c := b.g, b.cfg.Catalog
	api := APIEndpoint(b.cfg)
	if err := checkIRI(api); err != nil {
		b.fail("config: apiURL: %w", err)
		return
	}
	s := IRI(ServiceIRI(b.base))
	g.Add(cat, p(DCAT, "service"), s)
	g.Add(s, rdfType, p(DCAT, "DataService"))
	g.Add(s, p(DCT, "identifier"), Lit(s.Value))
	g.Add(s, p(DCT, "title"), LangLit("Spørre-API for "+c.TitleNB, "nb"))
	if c.TitleEN != "" {
		g.Add(s, p(DCT, "title"), LangLit("Query API for "+c.TitleEN, "en"))
	}
	g.Add(s, p(DCT, "description"), LangLit("Filtrer, velg kolonner og bla i de publiserte datasettene. Beskrevet med OpenAPI 3.", "nb"))
	g.Add(s, p(DCT, "description"), LangLit("Filter, select columns and page through the published datasets. Described with OpenAPI 3.", "en"))
	g.Add(s, p(DCAT, "endpointURL"), IRI(api))
	g.Add(s, p(DCAT, "endpointDescription"), IRI(b.base+"/openapi.json"))
	g.Add(s, p(DCT, "accessRights"), IRI(EUAccessRight+"PUBLIC"))
	for _, pub := range g.Objects(cat, p(DCT, "publisher")) {
		g.Add(s, p(DCT, "publisher"), pub)
	}
	for _, cp := range g.Objects(cat, p(DCAT, "contactPoint")) {
		g.Add(s, p(DCAT, "contactPoint"), cp)
	}
	g.Add(s, p(DCAT, "mediaType"), IRI(IANAMediaType+"application/json"))
	g.Add(s, p(DCAT, "mediaType"), IRI(IANAMediaType+"text/csv"))
	for _, ds := range served {
		g.Add(s, p(DCAT, "servesDataset"), ds)
	}
}
