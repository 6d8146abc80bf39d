// Package clienttest checks the query API with a client generated from its
// OpenAPI document by an independent generator, oapi-codegen: the client
// lists the datasets, filters rows and pages through a whole dataset, and
// gets exactly the rows DuckDB returns for the same query on the same
// Parquet file.
//
// It is a separate module so oapi-codegen and its runtime never become
// dependencies of Dele itself. The openapi package's tests run this
// module's tests (TestGeneratedClientModule), so ./test.sh covers it.
//
// client.gen.go is generated from ../testdata/openapi.json, the golden
// document the openapi tests compare Build's output with; a test checks it
// is up to date. Regenerate with go generate.
package clienttest

//go:generate go tool oapi-codegen -generate types,client -package clienttest -o client.gen.go ../testdata/openapi.json
