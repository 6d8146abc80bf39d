// Package config holds the settings of one Dele installation: who publishes
// the catalog, the public base URL the files and API are served from, and
// defaults for every dataset. It is read from dele.yaml locally and from the
// environment in Lambda.
package config

import (
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// Config is the installation's configuration.
type Config struct {
	// BaseURL is the public URL of the published folder or bucket, without a
	// trailing slash (http://localhost:8080 locally).
	BaseURL string `yaml:"baseURL"`
	// APIURL is the base URL of the query API; defaults to BaseURL + "/api".
	APIURL string `yaml:"apiURL,omitempty"`
	// Catalog describes the DCAT catalog.
	Catalog Catalog `yaml:"catalog"`
	// Retention is the default number of versions kept per dataset.
	Retention int `yaml:"retention,omitempty"`
}

// Catalog is the catalog-level metadata.
type Catalog struct {
	ID          string `yaml:"id"`
	TitleNB     string `yaml:"titleNB"`
	TitleEN     string `yaml:"titleEN,omitempty"`
	DescNB      string `yaml:"descriptionNB"`
	DescEN      string `yaml:"descriptionEN,omitempty"`
	PublisherNr string `yaml:"publisherOrgnr"`
	Publisher   string `yaml:"publisherName"`
	// Kommunenummer is the municipality (4 digits) or county (2 digits).
	Kommunenummer string `yaml:"kommunenummer"`
	ContactName   string `yaml:"contactName"`
	ContactEmail  string `yaml:"contactEmail"`
	Homepage      string `yaml:"homepage,omitempty"`
}

// Load reads a config file. Environment variables DELE_BASE_URL and
// DELE_API_URL override the file.
func Load(file string) (*Config, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	var c Config
	if err := yaml.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("parse config %s: %w", file, err)
	}
	if v := os.Getenv("DELE_BASE_URL"); v != "" {
		c.BaseURL = v
	}
	if v := os.Getenv("DELE_API_URL"); v != "" {
		c.APIURL = v
	}
	c.fill()
	return &c, nil
}

func (c *Config) fill() {
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.APIURL == "" {
		c.APIURL = c.BaseURL + "/api"
	}
	c.APIURL = strings.TrimRight(c.APIURL, "/")
	if c.Retention == 0 {
		c.Retention = 10
	}
}

// WithBaseURL returns a copy of c served from base.
func (c Config) WithBaseURL(base string) *Config {
	c.BaseURL, c.APIURL = base, ""
	c.fill()
	return &c
}
