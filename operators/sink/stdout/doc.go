// Package stdout is the result sink of bare SELECTs: it prints emitted rows
// to a writer (the process's stdout) as JSON lines, CSV or an aligned table,
// per SPEC.md "Result rows on stdout". It also provides the JSON rendering
// of a row (RowJSON) that the file sink and dead letters of generated
// sources use.
package stdout
