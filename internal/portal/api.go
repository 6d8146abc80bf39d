package portal

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// API is the OpenAPI document reduced to what its readable page shows.
type API struct {
	Title       string
	Version     string
	Description []string // paragraphs
	Servers     []APIServer
	Operations  []APIOperation
}

// APIServer is one server of the document.
type APIServer struct {
	URL, Description string
}

// APIOperation is one method on one path.
type APIOperation struct {
	Method, Path, Summary, Description, ID string
	// Params are the path and main query parameters; Filters the per-column
	// filter parameters (shown folded).
	Params, Filters []APIParam
	Responses       []APIResponse
}

// Anchor is the operation's fragment id on the API page.
func (o APIOperation) Anchor() string {
	if o.ID != "" {
		return "op-" + o.ID
	}
	r := strings.NewReplacer("/", "-", "{", "", "}", "", ".", "-")
	return "op-" + strings.ToLower(o.Method) + r.Replace(o.Path)
}

// APIParam is one parameter.
type APIParam struct {
	Name, In, Type, Description string
	Required                    bool
}

// APIResponse is one response.
type APIResponse struct {
	Code, Description string
}

type oaParam struct {
	Ref         string `json:"$ref"`
	Name        string `json:"name"`
	In          string `json:"in"`
	Description string `json:"description"`
	Required    bool   `json:"required"`
	Schema      *struct {
		Ref    string `json:"$ref"`
		Type   any    `json:"type"`
		Format string `json:"format"`
		Items  *struct {
			Type any `json:"type"`
		} `json:"items"`
	} `json:"schema"`
}

type oaResponse struct {
	Ref         string `json:"$ref"`
	Description string `json:"description"`
}

type oaOperation struct {
	OperationID string                `json:"operationId"`
	Summary     string                `json:"summary"`
	Description string                `json:"description"`
	Parameters  []oaParam             `json:"parameters"`
	Responses   map[string]oaResponse `json:"responses"`
}

type oaDoc struct {
	Info struct {
		Title       string `json:"title"`
		Version     string `json:"version"`
		Description string `json:"description"`
	} `json:"info"`
	Servers    []APIServer                           `json:"servers"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Parameters map[string]oaParam    `json:"parameters"`
		Responses  map[string]oaResponse `json:"responses"`
	} `json:"components"`
}

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// mainParams are the query parameters shown unfolded on every rows endpoint.
var mainParams = map[string]bool{"select": true, "sort": true, "limit": true, "cursor": true, "format": true}

// ParseAPI parses an OpenAPI 3 document (JSON) for the readable page.
func ParseAPI(b []byte) (*API, error) {
	var d oaDoc
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("parse OpenAPI document: %w", err)
	}
	api := &API{Title: d.Info.Title, Version: d.Info.Version, Servers: d.Servers}
	for _, p := range strings.Split(d.Info.Description, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			api.Description = append(api.Description, p)
		}
	}
	paths := make([]string, 0, len(d.Paths))
	for p := range d.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		item := d.Paths[p]
		var shared []oaParam
		if raw, ok := item["parameters"]; ok {
			if err := json.Unmarshal(raw, &shared); err != nil {
				return nil, fmt.Errorf("parse OpenAPI document: path %s: parameters: %w", p, err)
			}
		}
		for _, m := range methods {
			raw, ok := item[m]
			if !ok {
				continue
			}
			var op oaOperation
			if err := json.Unmarshal(raw, &op); err != nil {
				return nil, fmt.Errorf("parse OpenAPI document: %s %s: %w", strings.ToUpper(m), p, err)
			}
			o := APIOperation{Method: strings.ToUpper(m), Path: p, Summary: op.Summary, Description: op.Description, ID: op.OperationID}
			for _, prm := range append(append([]oaParam(nil), shared...), op.Parameters...) {
				prm = resolveParam(prm, d.Components.Parameters)
				ap := APIParam{Name: prm.Name, In: prm.In, Description: prm.Description, Required: prm.Required, Type: paramType(prm)}
				if prm.In == "query" && !mainParams[prm.Name] {
					o.Filters = append(o.Filters, ap)
				} else {
					o.Params = append(o.Params, ap)
				}
			}
			codes := make([]string, 0, len(op.Responses))
			for c := range op.Responses {
				codes = append(codes, c)
			}
			sort.Strings(codes) // "default" sorts after the numeric codes
			for _, c := range codes {
				r := op.Responses[c]
				if r.Ref != "" {
					r = d.Components.Responses[strings.TrimPrefix(r.Ref, "#/components/responses/")]
				}
				o.Responses = append(o.Responses, APIResponse{Code: c, Description: r.Description})
			}
			api.Operations = append(api.Operations, o)
		}
	}
	return api, nil
}

func resolveParam(p oaParam, comps map[string]oaParam) oaParam {
	if p.Ref == "" {
		return p
	}
	if c, ok := comps[strings.TrimPrefix(p.Ref, "#/components/parameters/")]; ok {
		return c
	}
	return p
}

func paramType(p oaParam) string {
	if p.Schema == nil {
		return ""
	}
	if p.Schema.Ref != "" {
		return p.Schema.Ref[strings.LastIndex(p.Schema.Ref, "/")+1:]
	}
	t := typeName(p.Schema.Type)
	if t == "array" && p.Schema.Items != nil {
		return "array of " + typeName(p.Schema.Items.Type)
	}
	if p.Schema.Format != "" {
		t += " (" + p.Schema.Format + ")"
	}
	return t
}

func typeName(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []any:
		var s []string
		for _, x := range t {
			if x, ok := x.(string); ok && x != "null" {
				s = append(s, x)
			}
		}
		return strings.Join(s, " | ")
	}
	return ""
}
