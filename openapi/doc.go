// Package openapi builds the OpenAPI 3 description of Dele's open query API
// from the dataset definitions and their published manifests, and serves
// that API over the published Parquet files in the object store.
//
// # Paths
//
//	GET /openapi.json                               this document
//	GET /datasets                                   published datasets with links
//	GET /datasets/{id}                              metadata, schema, versions, downloads
//	GET /datasets/<id>/rows                         rows of the latest version
//	GET /datasets/<id>/versions/{version}/rows      rows of a pinned version
//
// The rows paths are concrete per dataset (not /datasets/{id}/rows) so that
// each dataset gets typed filter parameters and a typed row schema that
// client generators can use. Restricted and non-public datasets are listed
// but have no rows path.
//
// # Rows parameters
//
// Per column, filters by type: <col> (equals), <col>.in (comma-separated
// list), <col>.lt/.lte/.gt/.gte for integers, numbers, dates and times,
// <col>.contains/.prefix for text. A column whose name is a reserved
// parameter (select, sort, limit, cursor, format) is filtered with
// <col>.eq instead. Filters combine with AND; null values never match.
// select=a,b picks columns; sort=a,-b orders (ties broken by row position,
// so the order is stable); limit (default 100, max 10000) and cursor page
// by keyset; format=json|csv|ndjson picks the encoding.
package openapi

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/tableschema"
)

// Limits of the rows endpoints, written into the document.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
	// MaxInValues is the largest number of values in one <col>.in filter.
	MaxInValues = 100
)

// Entry is one dataset as the API sees it: its definition and, when it has
// been published, the manifest of its latest version.
type Entry struct {
	Definition *datasets.Definition
	// Manifest is the latest published version (latest.json), or nil.
	Manifest *publish.Manifest
	// Example is an optional example row (column → JSON value), typically
	// the first published row, used as the row example in the document.
	Example map[string]any
}

// Public reports whether the entry's rows are served.
func (e Entry) Public() bool {
	return e.Definition.Access == datasets.AccessPublic && e.Manifest != nil &&
		(e.Manifest.Access == "" || e.Manifest.Access == datasets.AccessPublic) &&
		e.schema() != nil
}

func (e Entry) schema() *tableschema.Schema {
	if e.Manifest != nil && e.Manifest.Schema != nil {
		return e.Manifest.Schema
	}
	return nil
}

// Reserved query parameters of the rows endpoints.
var reserved = map[string]bool{"select": true, "sort": true, "limit": true, "cursor": true, "format": true}

// Filter operators.
const (
	opEq       = ""
	opIn       = "in"
	opLt       = "lt"
	opLte      = "lte"
	opGt       = "gt"
	opGte      = "gte"
	opContains = "contains"
	opPrefix   = "prefix"
)

// operators returns the filter operators for a field type.
func operators(t tableschema.Type) []string {
	switch t {
	case tableschema.Integer, tableschema.Year, tableschema.Number, tableschema.Date, tableschema.DateTime:
		return []string{opEq, opIn, opLt, opLte, opGt, opGte}
	case tableschema.Boolean:
		return []string{opEq}
	default:
		return []string{opEq, opIn, opContains, opPrefix}
	}
}

// paramName is the query parameter name of a filter on column col.
func paramName(col, op string) string {
	if op == opEq {
		if reserved[col] || strings.Contains(col, ".") {
			return col + ".eq"
		}
		return col
	}
	return col + "." + op
}

// Build returns the OpenAPI document of the query API for the given
// datasets, in the order given (sorted by id if the caller did not sort).
// The document is validated before it is returned.
func Build(cfg *config.Config, entries []Entry) (*openapi3.T, error) {
	entries = append([]Entry(nil), entries...)
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].Definition.ID < entries[j].Definition.ID })
	c := cfg.Catalog
	title := c.TitleNB
	if title == "" {
		title = "Dele open data"
	}
	desc := c.DescNB
	if c.DescEN != "" {
		desc += "\n\n" + c.DescEN
	}
	desc += "\n\nOpen query API over the published datasets: filter, select, sort and page the rows of every public dataset, as JSON, CSV or NDJSON. Errors are RFC 9457 problem details."
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Info: &openapi3.Info{
			Title:       title + " API",
			Description: desc,
			Version:     apiVersion,
			License:     apiLicense(entries),
		},
		Servers: openapi3.Servers{{URL: apiURL(cfg), Description: c.Publisher}},
		Paths:   openapi3.NewPaths(),
		Components: &openapi3.Components{
			Schemas:    openapi3.Schemas{},
			Parameters: openapi3.ParametersMap{},
			Responses:  openapi3.ResponseBodies{},
		},
		Tags: openapi3.Tags{{Name: "catalog", Description: "The published datasets and their metadata."}},
	}
	if c.ContactName != "" || c.ContactEmail != "" {
		doc.Info.Contact = &openapi3.Contact{Name: c.ContactName, Email: c.ContactEmail, URL: c.Homepage}
	}
	addCommonComponents(doc)
	noSecurity := &openapi3.SecurityRequirements{}

	ids := make([]any, 0, len(entries))
	for _, e := range entries {
		ids = append(ids, e.Definition.ID)
	}
	doc.Paths.Set("/openapi.json", &openapi3.PathItem{Get: &openapi3.Operation{
		OperationID: "getOpenAPI", Summary: "This OpenAPI document", Tags: []string{"catalog"}, Security: noSecurity,
		Responses: responses(200, "The OpenAPI document.", jsonContent(openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"object"}})), 304, 400),
	}})
	doc.Paths.Set("/datasets", &openapi3.PathItem{Get: &openapi3.Operation{
		OperationID: "listDatasets", Summary: "List the datasets", Tags: []string{"catalog"}, Security: noSecurity,
		Description: "Every registered dataset, public or not, with its latest version and links. Only public datasets have a rows link.",
		Responses:   responses(200, "The datasets.", jsonContent(ref("DatasetList")), 304, 400),
	}})
	doc.Paths.Set("/datasets/{id}", &openapi3.PathItem{Get: &openapi3.Operation{
		OperationID: "getDataset", Summary: "Get a dataset's metadata", Tags: []string{"catalog"}, Security: noSecurity,
		Description: "Metadata, table schema, retained versions and download links of one dataset.",
		Parameters: openapi3.Parameters{{Value: &openapi3.Parameter{
			Name: "id", In: "path", Required: true, Description: "Dataset id.",
			Schema: openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"string"}, Pattern: "^[a-z0-9][a-z0-9-]*$", Example: firstOr(ids, "valglokaler")}),
		}}},
		Responses: responses(200, "The dataset.", jsonContent(ref("Dataset")), 304, 400, 404),
	}})

	for _, e := range entries {
		if !e.Public() {
			continue
		}
		if err := addDataset(doc, e, noSecurity); err != nil {
			return nil, fmt.Errorf("openapi: dataset %s: %w", e.Definition.ID, err)
		}
	}
	// Round-trip through the loader so every $ref is resolved, then
	// validate what consumers will load.
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi: encode document: %w", err)
	}
	loader := openapi3.NewLoader()
	out, err := loader.LoadFromData(b)
	if err != nil {
		return nil, fmt.Errorf("openapi: reload document: %w", err)
	}
	if err := out.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("openapi: generated document is invalid: %w", err)
	}
	return out, nil
}

// apiVersion is the version of the API contract (not of the data).
const apiVersion = "1.0.0"

func apiURL(cfg *config.Config) string {
	if cfg.APIURL != "" {
		return cfg.APIURL
	}
	if cfg.BaseURL != "" {
		return cfg.BaseURL
	}
	return "/"
}

func firstOr(xs []any, def any) any {
	if len(xs) > 0 {
		return xs[0]
	}
	return def
}

func ref(name string) *openapi3.SchemaRef {
	return &openapi3.SchemaRef{Ref: "#/components/schemas/" + name}
}

func jsonContent(s *openapi3.SchemaRef) openapi3.Content {
	return openapi3.NewContentWithSchemaRef(s, []string{"application/json"})
}

func str(desc string) *openapi3.SchemaRef {
	return openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"string"}, Description: desc})
}

func typed(t, format, desc string) *openapi3.SchemaRef {
	return openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{t}, Format: format, Description: desc})
}

func object(required []string, props map[string]*openapi3.SchemaRef) *openapi3.Schema {
	return &openapi3.Schema{Type: &openapi3.Types{"object"}, Required: required, Properties: props}
}

func arrayOf(items *openapi3.SchemaRef) *openapi3.SchemaRef {
	return openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"array"}, Items: items})
}

// responses builds the responses of an operation: the success response
// plus the listed error statuses (304 without body) and a default problem.
func responses(status int, desc string, content openapi3.Content, more ...int) *openapi3.Responses {
	r := openapi3.NewResponses()
	r.Delete("default")
	r.Set(fmt.Sprint(status), &openapi3.ResponseRef{Value: &openapi3.Response{
		Description: &desc, Content: content, Headers: cacheHeaders(),
	}})
	for _, s := range more {
		switch s {
		case 304:
			d := "Not modified: the ETag in If-None-Match still matches."
			r.Set("304", &openapi3.ResponseRef{Value: &openapi3.Response{Description: &d}})
		case 400:
			r.Set("400", &openapi3.ResponseRef{Ref: "#/components/responses/BadRequest"})
		case 404:
			r.Set("404", &openapi3.ResponseRef{Ref: "#/components/responses/NotFound"})
		}
	}
	r.Set("default", &openapi3.ResponseRef{Ref: "#/components/responses/Error"})
	return r
}

func cacheHeaders() openapi3.Headers {
	return openapi3.Headers{
		"ETag":          &openapi3.HeaderRef{Ref: "#/components/headers/ETag"},
		"Cache-Control": &openapi3.HeaderRef{Ref: "#/components/headers/CacheControl"},
	}
}

func addCommonComponents(doc *openapi3.T) {
	cs := doc.Components
	cs.Headers = openapi3.Headers{
		"ETag":         {Value: &openapi3.Header{Parameter: openapi3.Parameter{Description: "Entity tag of the response; send it back in If-None-Match.", Schema: str("")}}},
		"CacheControl": {Value: &openapi3.Header{Parameter: openapi3.Parameter{Description: "Caching rules: short for latest data, immutable for pinned versions.", Schema: str("")}}},
		"Link":         {Value: &openapi3.Header{Parameter: openapi3.Parameter{Description: "RFC 8288 links; rel=\"next\" points at the next page.", Schema: str("")}}},
	}
	cs.Schemas["Problem"] = openapi3.NewSchemaRef("", &openapi3.Schema{
		Type:        &openapi3.Types{"object"},
		Description: "RFC 9457 problem details.",
		Required:    []string{"type", "title", "status"},
		Properties: openapi3.Schemas{
			"type":      str("URI reference identifying the problem type."),
			"title":     str("Short summary of the problem type."),
			"status":    typed("integer", "", "HTTP status code."),
			"detail":    str("Explanation of this occurrence."),
			"instance":  str("The request path."),
			"parameter": str("The query or path parameter at fault, when there is one."),
			"hint":      str("What to change to make the request work."),
		},
		Example: map[string]any{"type": "https://dele.no/problems/bad-parameter", "title": "Bad request parameter", "status": 400, "detail": "limit: number must be at most 10000", "parameter": "limit"},
	})
	problem := func(desc string) *openapi3.ResponseRef {
		return &openapi3.ResponseRef{Value: &openapi3.Response{
			Description: &desc,
			Content:     openapi3.NewContentWithSchemaRef(ref("Problem"), []string{"application/problem+json"}),
		}}
	}
	cs.Responses["BadRequest"] = problem("Bad request: a parameter is unknown or invalid, or the result would be too large. The problem names the parameter.")
	cs.Responses["NotFound"] = problem("No such dataset or version.")
	cs.Responses["Error"] = problem("Any other error, as problem details.")

	links := object([]string{"self"}, openapi3.Schemas{
		"self":    typed("string", "uri", "This dataset's metadata."),
		"rows":    typed("string", "uri", "The rows endpoint (public datasets only)."),
		"parquet": typed("string", "uri", "Download of the latest version as Parquet."),
		"csv":     typed("string", "uri", "Download of the latest version as CSV."),
	})
	summaryProps := openapi3.Schemas{
		"id":          str("Dataset id."),
		"title":       str("Title in Norwegian bokmål."),
		"titleEn":     str("Title in English, when given."),
		"description": str("Description in Norwegian bokmål."),
		"publisher":   str("Publishing organisation."),
		"license":     str("Licence identifier."),
		"access":      openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"string"}, Enum: []any{"PUBLIC", "RESTRICTED", "NON_PUBLIC"}}),
		"themes":      arrayOf(str("")),
		"version":     str("Latest published version, if any."),
		"published":   typed("string", "date-time", "When the latest version was published."),
		"rows":        typed("integer", "int64", "Number of rows in the latest version."),
		"links":       openapi3.NewSchemaRef("", links),
	}
	cs.Schemas["DatasetSummary"] = openapi3.NewSchemaRef("", object([]string{"id", "title", "access", "links"}, summaryProps))
	cs.Schemas["DatasetList"] = openapi3.NewSchemaRef("", object([]string{"datasets"}, openapi3.Schemas{
		"datasets": arrayOf(ref("DatasetSummary")),
	}))
	field := object([]string{"name", "type"}, openapi3.Schemas{
		"name": str(""), "type": str("Table Schema type."), "format": str(""),
		"title": str(""), "description": str(""),
		"constraints": openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"object"}}),
	})
	field.AdditionalProperties = openapi3.AdditionalProperties{Has: openapi3.Ptr(true)}
	cs.Schemas["TableSchema"] = openapi3.NewSchemaRef("", &openapi3.Schema{
		Type: &openapi3.Types{"object"}, Description: "Frictionless Table Schema of the published data.",
		Required: []string{"fields"},
		Properties: openapi3.Schemas{
			"fields":        arrayOf(openapi3.NewSchemaRef("", field)),
			"primaryKey":    arrayOf(str("")),
			"missingValues": arrayOf(str("")),
		},
	})
	version := object([]string{"version", "published", "rows"}, openapi3.Schemas{
		"version":   str(""),
		"published": typed("string", "date-time", ""),
		"rows":      typed("integer", "int64", ""),
		"rowsUrl":   typed("string", "uri", "Rows of this version (public datasets only)."),
	})
	file := object([]string{"name", "url", "mediaType", "size"}, openapi3.Schemas{
		"name": str(""), "url": typed("string", "uri", ""), "mediaType": str(""),
		"size": typed("integer", "int64", ""), "sha256": str(""),
	})
	detail := openapi3.Schemas{}
	for k, v := range summaryProps {
		detail[k] = v
	}
	detail["schema"] = ref("TableSchema")
	detail["versions"] = arrayOf(openapi3.NewSchemaRef("", version))
	detail["files"] = arrayOf(openapi3.NewSchemaRef("", file))
	cs.Schemas["Dataset"] = openapi3.NewSchemaRef("", object([]string{"id", "title", "access", "links"}, detail))

	cs.Parameters["limit"] = &openapi3.ParameterRef{Value: &openapi3.Parameter{
		Name: "limit", In: "query", Description: fmt.Sprintf("Rows per page (default %d, at most %d).", DefaultLimit, MaxLimit),
		Schema: openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"integer"}, Min: openapi3.Ptr(1.0), Max: openapi3.Ptr(float64(MaxLimit)), Default: DefaultLimit}),
	}}
	cs.Parameters["cursor"] = &openapi3.ParameterRef{Value: &openapi3.Parameter{
		Name: "cursor", In: "query", Description: "Opaque keyset cursor from the previous page's next link. It pins the version the paging started on.",
		Schema: openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"string"}, MaxLength: openapi3.Ptr(uint64(4096))}),
	}}
	cs.Parameters["format"] = &openapi3.ParameterRef{Value: &openapi3.Parameter{
		Name: "format", In: "query", Description: "Response encoding (default json).",
		Schema: openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"string"}, Enum: []any{"json", "csv", "ndjson"}, Default: "json"}),
	}}
	cs.Parameters["version"] = &openapi3.ParameterRef{Value: &openapi3.Parameter{
		Name: "version", In: "path", Required: true, Description: "A retained published version.",
		Schema: openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"string"}, Pattern: "^[A-Za-z0-9._-]+$", MaxLength: openapi3.Ptr(uint64(64))}),
	}}
}

// CamelID turns a dataset id into an identifier part: "valg-lokaler" →
// "ValgLokaler".
func CamelID(id string) string {
	var b strings.Builder
	up := true
	for _, r := range id {
		if r == '-' || r == '_' {
			up = true
			continue
		}
		if up && r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		up = false
		b.WriteRune(r)
	}
	return b.String()
}

// columnSchema is the JSON schema of one column's values in a row.
func columnSchema(f tableschema.Field) *openapi3.Schema {
	s := &openapi3.Schema{Description: fieldDesc(f), Nullable: !f.Constraints.Required}
	switch f.Type {
	case tableschema.Integer, tableschema.Year:
		s.Type, s.Format = &openapi3.Types{"integer"}, "int64"
	case tableschema.Number:
		s.Type, s.Format = &openapi3.Types{"number"}, "double"
	case tableschema.Boolean:
		s.Type = &openapi3.Types{"boolean"}
	case tableschema.Date:
		s.Type, s.Format = &openapi3.Types{"string"}, "date"
	case tableschema.DateTime:
		s.Type, s.Format = &openapi3.Types{"string"}, "date-time"
	default:
		s.Type = &openapi3.Types{"string"}
		if len(f.Constraints.Enum) > 0 {
			for _, v := range f.Constraints.Enum {
				s.Enum = append(s.Enum, v)
			}
			if s.Nullable {
				s.Enum = append(s.Enum, nil)
			}
		}
	}
	return s
}

func fieldDesc(f tableschema.Field) string {
	d := f.Title
	if f.Description != "" {
		if d != "" {
			d += ": "
		}
		d += f.Description
	}
	if d == "" {
		d = f.Name
	}
	return d + " (" + string(f.Type) + ")"
}

// exampleValue returns a synthetic example for a field, or nil when none
// can be made that surely satisfies the field's constraints.
func exampleValue(f tableschema.Field) any {
	if len(f.Constraints.Enum) > 0 {
		return f.Constraints.Enum[0]
	}
	if f.Constraints.Pattern != "" {
		return nil
	}
	switch f.Type {
	case tableschema.Integer:
		if f.Constraints.Minimum != nil {
			return int64(*f.Constraints.Minimum)
		}
		return 1
	case tableschema.Year:
		return 2024
	case tableschema.Number:
		if f.Constraints.Minimum != nil {
			return *f.Constraints.Minimum
		}
		return 1.5
	case tableschema.Boolean:
		return true
	case tableschema.Date:
		return "2024-01-31"
	case tableschema.DateTime:
		return "2024-01-31T12:00:00Z"
	}
	if f.Constraints.MinLength != nil || f.Constraints.MaxLength != nil {
		return nil
	}
	return "tekst"
}

func addDataset(doc *openapi3.T, e Entry, noSecurity *openapi3.SecurityRequirements) error {
	d, sch := e.Definition, e.schema()
	camel := CamelID(d.ID)
	rowName, pageName := camel+"Row", camel+"Page"
	props := openapi3.Schemas{}
	example := map[string]any{}
	var names, sortVals []any
	for _, f := range sch.Fields {
		props[f.Name] = openapi3.NewSchemaRef("", columnSchema(f))
		if v, ok := e.Example[f.Name]; ok {
			example[f.Name] = v
		} else if v := exampleValue(f); v != nil {
			example[f.Name] = v
		}
		names = append(names, f.Name)
		sortVals = append(sortVals, f.Name, "-"+f.Name)
	}
	doc.Components.Schemas[rowName] = openapi3.NewSchemaRef("", &openapi3.Schema{
		Type: &openapi3.Types{"object"}, Properties: props, Example: example,
		Description: fmt.Sprintf("One row of %s. With select, only the selected columns are present.", d.ID),
	})
	doc.Components.Schemas[pageName] = openapi3.NewSchemaRef("", object([]string{"dataset", "version", "limit", "rows"}, openapi3.Schemas{
		"dataset":    str("Dataset id."),
		"version":    str("Version the rows come from."),
		"limit":      typed("integer", "", "Page size used."),
		"rows":       arrayOf(ref(rowName)),
		"next":       typed("string", "uri", "URL of the next page; absent on the last page."),
		"nextCursor": str("Cursor of the next page; absent on the last page."),
	}))
	title := d.Title.NB
	if d.Title.EN != "" {
		title += " / " + d.Title.EN
	}
	tag := &openapi3.Tag{Name: d.ID, Description: title + ". " + d.Description.NB + " Lisens / licence: " + d.License + "."}
	if u := licenseURL[d.License]; u != "" {
		tag.ExternalDocs = &openapi3.ExternalDocs{Description: "Lisens / licence " + d.License, URL: u}
	}
	doc.Tags = append(doc.Tags, tag)

	params := openapi3.Parameters{
		{Value: &openapi3.Parameter{Name: "select", In: "query", Description: "Columns to return, comma-separated (default all).",
			Style: "form", Explode: openapi3.Ptr(false),
			Schema: arrayOf(openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"string"}, Enum: names}))}},
		{Value: &openapi3.Parameter{Name: "sort", In: "query", Description: "Sort columns, comma-separated; prefix - for descending. Ties are broken by row position, so the order is stable. Default: row position.",
			Style: "form", Explode: openapi3.Ptr(false),
			Schema: arrayOf(openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"string"}, Enum: sortVals}))}},
		{Ref: "#/components/parameters/limit"},
		{Ref: "#/components/parameters/cursor"},
		{Ref: "#/components/parameters/format"},
	}
	for _, f := range sch.Fields {
		for _, op := range operators(f.Type) {
			params = append(params, &openapi3.ParameterRef{Value: filterParam(f, op)})
		}
	}
	rowsResp := func() *openapi3.Responses {
		r := responses(200, "One page of rows. The Link header carries rel=\"next\" when there are more.", openapi3.Content{
			"application/json":     &openapi3.MediaType{Schema: ref(pageName)},
			"text/csv":             &openapi3.MediaType{Schema: str("CSV with a header row (RFC 4180).")},
			"application/x-ndjson": &openapi3.MediaType{Schema: str("One JSON object per row and line.")},
		}, 304, 400, 404)
		r.Value("200").Value.Headers["Link"] = &openapi3.HeaderRef{Ref: "#/components/headers/Link"}
		return r
	}
	desc := fmt.Sprintf("Rows of %s (%s). Filters combine with AND; null values never match a filter.", d.ID, d.Title.NB)
	doc.Paths.Set("/datasets/"+d.ID+"/rows", &openapi3.PathItem{Get: &openapi3.Operation{
		OperationID: "get" + camel + "Rows", Summary: "Query the rows of " + d.Title.NB,
		Description: desc + " Serves the latest version.", Tags: []string{d.ID}, Security: noSecurity,
		Parameters: params, Responses: rowsResp(),
	}})
	vparams := append(openapi3.Parameters{{Ref: "#/components/parameters/version"}}, params...)
	doc.Paths.Set("/datasets/"+d.ID+"/versions/{version}/rows", &openapi3.PathItem{Get: &openapi3.Operation{
		OperationID: "get" + camel + "VersionRows", Summary: "Query the rows of a pinned version of " + d.Title.NB,
		Description: desc + " Serves the given retained version; responses are immutable.", Tags: []string{d.ID}, Security: noSecurity,
		Parameters: vparams, Responses: rowsResp(),
	}})
	return nil
}

// filterParam is the query parameter of a filter with operator op on f.
func filterParam(f tableschema.Field, op string) *openapi3.Parameter {
	value := valueSchema(f)
	p := &openapi3.Parameter{Name: paramName(f.Name, op), In: "query"}
	switch op {
	case opEq:
		p.Description = fmt.Sprintf("Rows where %s equals this value.", f.Name)
	case opIn:
		p.Description = fmt.Sprintf("Rows where %s is one of these comma-separated values (at most %d).", f.Name, MaxInValues)
		p.Style, p.Explode = "form", openapi3.Ptr(false)
		value = openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"array"}, Items: value, MaxItems: openapi3.Ptr(uint64(MaxInValues))})
	case opLt, opLte, opGt, opGte:
		word := map[string]string{opLt: "less than", opLte: "at most", opGt: "greater than", opGte: "at least"}[op]
		p.Description = fmt.Sprintf("Rows where %s is %s this value.", f.Name, word)
	case opContains:
		p.Description = fmt.Sprintf("Rows where %s contains this text (case-sensitive).", f.Name)
	case opPrefix:
		p.Description = fmt.Sprintf("Rows where %s starts with this text (case-sensitive).", f.Name)
	}
	p.Schema = value
	return p
}

// valueSchema is the schema of one filter value for field f.
func valueSchema(f tableschema.Field) *openapi3.SchemaRef {
	s := &openapi3.Schema{}
	switch f.Type {
	case tableschema.Integer, tableschema.Year:
		s.Type, s.Format = &openapi3.Types{"integer"}, "int64"
	case tableschema.Number:
		s.Type, s.Format = &openapi3.Types{"number"}, "double"
	case tableschema.Boolean:
		s.Type = &openapi3.Types{"boolean"}
	case tableschema.Date:
		s.Type, s.Format = &openapi3.Types{"string"}, "date"
	case tableschema.DateTime:
		s.Type, s.Format = &openapi3.Types{"string"}, "date-time"
	default:
		s.Type = &openapi3.Types{"string"}
	}
	return openapi3.NewSchemaRef("", s)
}

// licenseURL maps a definition's licence identifier to the licence text a
// person reads.
var licenseURL = map[string]string{
	"NLOD-2.0":     "https://data.norge.no/nlod/no/2.0",
	"CC-BY-4.0":    "https://creativecommons.org/licenses/by/4.0/",
	"CC-BY-SA-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
	"CC0-1.0":      "https://creativecommons.org/publicdomain/zero/1.0/",
	"ODbL-1.0":     "https://opendatacommons.org/licenses/odbl/1-0/",
}

// apiLicense is the document's licence: the datasets' licence when they
// share one, otherwise a pointer to each dataset's tag (the catalogue
// metadata itself is NLOD).
func apiLicense(entries []Entry) *openapi3.License {
	seen := map[string]bool{}
	for _, e := range entries {
		seen[e.Definition.License] = true
	}
	if len(seen) == 1 {
		for l := range seen {
			if u := licenseURL[l]; u != "" {
				return &openapi3.License{Name: l, URL: u}
			}
		}
	}
	return &openapi3.License{
		Name: "Varierer per datasett, se hver tag; metadata NLOD-2.0 / Varies per dataset, see each tag; metadata NLOD-2.0",
		URL:  licenseURL["NLOD-2.0"],
	}
}
