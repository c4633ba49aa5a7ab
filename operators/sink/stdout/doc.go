// Package stdout is the result sink of bare SELECTs: it prints emitted rows
// to a writer (the process's stdout) as JSON lines, CSV or an aligned table,
// per SPEC.md "Result rows on stdout". Values are written by coldata/render,
// as every sink writes them. The table format's cell escaping and layout
// (CellText, AppendTable) are exported for cmd/weir, which prints finished
// results and the REPL's tables the same way.
package stdout
