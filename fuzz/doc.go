// Package fuzz holds linstream's fuzz targets: every decoder (matrix file
// formats, serialized sketch states) and every kernel (assembly against the
// generic Go body). Seed corpora are committed under testdata/fuzz/. Run one
// with
//
//	go test ./fuzz -run '^$' -fuzz '^FuzzName$' -fuzztime 30s
package fuzz
