package openapi

import (
	"strings"
	"testing"

	"github.com/dele-opendata/dele/datasets"
)

// TestLicenses: every licence a definition may use has a readable URL, and
// the document names the datasets' licence, or says it varies.
func TestLicenses(t *testing.T) {
	for id := range datasets.Licenses {
		if licenseURL[id] == "" {
			t.Errorf("licence %s has no URL for the OpenAPI document", id)
		}
	}
	one := func(l string) Entry { return Entry{Definition: &datasets.Definition{License: l}} }
	if got := apiLicense([]Entry{one("CC-BY-4.0"), one("CC-BY-4.0")}); got.Name != "CC-BY-4.0" || got.URL != licenseURL["CC-BY-4.0"] {
		t.Errorf("one licence: %+v", got)
	}
	if got := apiLicense([]Entry{one("CC-BY-4.0"), one("NLOD-2.0")}); !strings.Contains(got.Name, "Varies per dataset") {
		t.Errorf("mixed licences: %+v", got)
	}
}
