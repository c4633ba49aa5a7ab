package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"strconv"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata/render"
	"github.com/weirdb/weir/operators/sink/stdout"
	"github.com/weirdb/weir/runtime"
)

// runFormat resolves `weir run --format`: given, it must be table, jsonl
// or csv; empty, it is table when out is a terminal's stdout, else jsonl.
func runFormat(flag string, out io.Writer) (string, error) {
	switch flag {
	case "":
		if out == io.Writer(os.Stdout) && isTerminal(os.Stdout) {
			return stdout.FormatTable, nil
		}
		return stdout.FormatJSONL, nil
	case stdout.FormatTable, stdout.FormatJSONL, stdout.FormatCSV:
		return flag, nil
	}
	return "", fmt.Errorf("--format must be table, jsonl or csv, got %q", flag)
}

// printResult prints the rows of a finished result — SHOW, DESCRIBE,
// EXPLAIN, or a SELECT that reads a materialized view — in format, with one
// Write, so that the lines of a result stay together on a stdout shared
// with running queries. These rows are not window emissions: they carry
// neither _emit nor _query.
//
//   - jsonl: one JSON object per row, keys the result's column names in
//     order; BIGINT and DOUBLE columns as numbers, BOOLEAN as true/false,
//     NULL as null, everything else as strings.
//   - csv: a header line of the column names, then one record per row
//     (RFC 4180 quoting, as the query rows: NULL an empty field, an empty
//     string "").
//   - table: aligned with a header and a rule, then "(N rows)" and a blank
//     line, as psql prints a result.
//
// EXPLAIN's result is one column, QUERY PLAN (the name psql and `weir
// serve` show), one row per line of the plan: in jsonl and csv it is printed
// as any other result, in table format as the plain plan lines and a blank
// line.
func printResult(w io.Writer, format string, r *runtime.Result) error {
	_, err := w.Write(appendResult(nil, format, r))
	return err
}

// appendResult appends r as printResult prints it.
func appendResult(dst []byte, format string, r *runtime.Result) []byte {
	switch format {
	case stdout.FormatJSONL:
		return appendResultJSONL(dst, r)
	case stdout.FormatCSV:
		return appendResultCSV(dst, r)
	}
	if r.Tag == "EXPLAIN" {
		for _, row := range r.Rows {
			dst = append(dst, cell(row, 0)...)
			dst = append(dst, '\n')
		}
		return append(dst, '\n')
	}
	right := make([]bool, len(r.Columns))
	for i, c := range r.Columns {
		right[i] = c.Type.Numeric()
	}
	texts := make([][]string, len(r.Rows))
	for i, row := range r.Rows {
		texts[i] = make([]string, len(r.Columns))
		for j, col := range r.Columns {
			texts[i][j] = cellText(col.Type, cell(row, j))
		}
	}
	dst = stdout.AppendTable(dst, r.Columns.Names(), right, texts, r.Nulls)
	if len(r.Rows) == 1 {
		return append(dst, "(1 row)\n\n"...)
	}
	return fmt.Appendf(dst, "(%d rows)\n\n", len(r.Rows))
}

func appendResultJSONL(dst []byte, r *runtime.Result) []byte {
	for i, row := range r.Rows {
		dst = append(dst, '{')
		for j, col := range r.Columns {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = render.AppendJSONString(dst, col.Name)
			dst = append(dst, ':')
			dst = appendJSONCell(dst, col.Type, cell(row, j), isNull(r, i, j))
		}
		dst = append(dst, '}', '\n')
	}
	return dst
}

func appendResultCSV(dst []byte, r *runtime.Result) []byte {
	for j, col := range r.Columns {
		if j > 0 {
			dst = append(dst, ',')
		}
		dst = render.AppendCSVField(dst, []byte(col.Name), false)
	}
	dst = append(dst, '\n')
	for i, row := range r.Rows {
		for j, col := range r.Columns {
			if j > 0 {
				dst = append(dst, ',')
			}
			if !isNull(r, i, j) {
				dst = render.AppendCSVField(dst, []byte(cellText(col.Type, cell(row, j))), col.Type == catalog.Varchar)
			}
		}
		dst = append(dst, '\n')
	}
	return dst
}

// appendJSONCell appends one rendered value as JSON: a number for BIGINT and
// finite DOUBLE, "NaN", "Infinity" or "-Infinity" for the others (as query
// rows print them), true/false for BOOLEAN, a string for everything else
// and for text that does not parse as its column's type.
func appendJSONCell(dst []byte, typ catalog.Type, s string, null bool) []byte {
	if null {
		return append(dst, "null"...)
	}
	switch typ {
	case catalog.Bigint:
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			return append(dst, s...)
		}
	case catalog.Double:
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return render.AppendDouble(dst, f)
		}
		return render.AppendJSONString(dst, cellText(typ, s))
	case catalog.Boolean:
		if b, err := strconv.ParseBool(s); err == nil {
			return strconv.AppendBool(dst, b)
		}
	}
	return render.AppendJSONString(dst, s)
}

// cellText is a rendered value as csv and table print it: DOUBLE in the
// notation of query rows (1e-7, not 1e-07; NaN, Infinity, -Infinity), the
// rest as it is.
func cellText(typ catalog.Type, s string) string {
	if typ != catalog.Double {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil:
		return s
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return string(render.AppendDouble(nil, f))
}

func cell(row []string, j int) string {
	if j < len(row) {
		return row[j]
	}
	return ""
}

// isNull reports whether r's row i, column j is NULL.
func isNull(r *runtime.Result, i, j int) bool {
	return i < len(r.Nulls) && j < len(r.Nulls[i]) && r.Nulls[i][j]
}
