// Package publish writes a dataset's new version to the public object store:
// versioned, verified, atomic, idempotent, with retention and run records.
//
// The pipeline calls Publisher.Publish with the local files of a version
// (Input), then WriteRun with the run's record, whatever the outcome.
// Readers (catalog, API, portal) call ReadLatest and ListDatasets; `dele
// runs` calls ListRuns.
//
// Guarantees: a version's files are uploaded and read back (size and
// SHA-256) before latest.json is switched to it, with a conditional write
// against the latest.json that was read, so readers see the old version or
// the whole new one and a failure never damages the previous version. The
// content hash (all files but report.json) makes re-runs with unchanged
// data publish nothing. A lease object (locks/<id> in the private store,
// created with PutIfAbsent, stale after Publisher.LeaseTTL) lets one run
// per dataset publish at a time. Retention keeps the Keep newest versions
// and never the one latest.json points at.
package publish

import (
	"path"
	"time"

	"github.com/dele-opendata/dele/internal/tableschema"
)

// Object layout in the public store. Every key is built from a dataset id
// that datasets.Check has validated (lower-case letters, digits, hyphens).
//
//	catalog.ttl catalog.jsonld catalog.rdf catalog.nt openapi.json index.html
//	datasets/<id>/latest.json                          the Manifest of the current version
//	datasets/<id>/versions/<version>/data.parquet      data files
//	datasets/<id>/versions/<version>/data.csv
//	datasets/<id>/versions/<version>/schema.json       Table Schema
//	datasets/<id>/versions/<version>/report.json       run report (public part)
//	datasets/<id>/versions/<version>/manifest.json     Manifest
//
// Private store: raw/<id>/…, quarantine/<id>/<run>.csv, runs/<id>/<run>.json, locks/<id>.
const (
	DatasetsPrefix = "datasets/"
)

// LatestKey is the key of a dataset's latest pointer.
func LatestKey(id string) string { return path.Join("datasets", id, "latest.json") }

// VersionPrefix is the key prefix (with trailing slash) of one version.
func VersionPrefix(id, version string) string {
	return path.Join("datasets", id, "versions", version) + "/"
}

// File names inside a version.
const (
	FileParquet = "data.parquet"
	FileCSV     = "data.csv"
	FileCSVNB   = "data-nb.csv"
	FileSchema  = "schema.json"
	FileReport  = "report.json"
	// FileReportText is the run report as text a data steward can read.
	FileReportText = "report.txt"
	FileManifest   = "manifest.json"
)

// FileInfo describes one published file.
type FileInfo struct {
	// Name is the file name inside the version (data.parquet …).
	Name string `json:"name"`
	// Key is the full object key.
	Key       string `json:"key"`
	MediaType string `json:"mediaType"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
	// SHA1 is the file's SHA-1, when the publisher computed it: the only
	// checksum algorithm the DCAT-AP-NO 2 shapes accept for spdx:checksum.
	SHA1 string `json:"sha1,omitempty"`
}

// VersionSummary is one entry of a dataset's publish history.
type VersionSummary struct {
	Version   string    `json:"version"`
	Published time.Time `json:"published"`
	Rows      int64     `json:"rows"`
}

// Manifest describes one published version. latest.json holds the Manifest
// of the current version, with History filled in.
type Manifest struct {
	Dataset   string    `json:"dataset"`
	Version   string    `json:"version"`
	Published time.Time `json:"published"`
	// Issued is when the dataset was first published.
	Issued time.Time `json:"issued"`
	RunID  string    `json:"runId"`
	// SourceHash is the SHA-256 of the source as extracted; ContentHash the
	// hash of the published content, part of the version id.
	SourceHash  string              `json:"sourceHash"`
	ContentHash string              `json:"contentHash"`
	Rows        int64               `json:"rows"`
	Rejected    int64               `json:"rejected"`
	Access      string              `json:"access"`
	Schema      *tableschema.Schema `json:"schema"`
	Files       []FileInfo          `json:"files"`
	// History lists the retained versions, newest first (latest.json only).
	History []VersionSummary `json:"history,omitempty"`
}

// File returns the file with the given name, if published.
func (m *Manifest) File(name string) (FileInfo, bool) {
	for _, f := range m.Files {
		if f.Name == name {
			return f, true
		}
	}
	return FileInfo{}, false
}
