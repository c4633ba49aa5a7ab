// Package render is how weir writes values as text: TIMESTAMP in
// TimestampLayout, DOUBLE as the shortest decimal that round-trips, JSON
// strings, values and rows (RowJSON, AppendJSONLine), CSV fields, and the
// plain text of a value. The stdout, file and Kafka sinks, dead letters,
// the runtime and cmd/weir all print values through it, so that a value
// reads the same wherever it goes (SPEC.md "Result rows on stdout").
//
// It is a leaf: it imports only catalog, coldata and the standard library
// (internal/lint checks this), so that any layer may use it without a
// sink package in between.
package render
