package render

import (
	"math"
	"strconv"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// RowJSON appends row i of b as one JSON object to dst and returns it: keys
// are the schema's column names in order; TIMESTAMP as an RFC 3339 UTC
// string with milliseconds, BIGINT and DOUBLE as JSON numbers (NaN and ±Inf
// as the strings "NaN", "Infinity", "-Infinity", as PostgreSQL's to_json
// writes them), BOOLEAN as true/false, VARCHAR as a JSON string, NULL as null.
// It is the payload of dead letters from sources without raw payloads
// (datagen) and the base of the jsonl format (AppendJSONLine).
func RowJSON(b *coldata.Batch, schema catalog.Schema, i int, dst []byte) []byte {
	dst = append(dst, '{')
	dst = appendFields(dst, b, schema, i)
	return append(dst, '}')
}

// appendFields appends `"name":value` pairs, comma-separated.
func appendFields(dst []byte, b *coldata.Batch, schema catalog.Schema, i int) []byte {
	for c, col := range schema {
		if c > 0 {
			dst = append(dst, ',')
		}
		dst = AppendJSONString(dst, col.Name)
		dst = append(dst, ':')
		dst = AppendJSONValue(dst, b.Cols[c], i)
	}
	return dst
}

// AppendJSONValue appends row i of v as a JSON value.
func AppendJSONValue(dst []byte, v *coldata.Vec, i int) []byte {
	if v.Nulls.IsNull(i) {
		return append(dst, "null"...)
	}
	switch v.Type {
	case catalog.Bigint:
		return strconv.AppendInt(dst, v.I64[i], 10)
	case catalog.Timestamp:
		dst = append(dst, '"')
		dst = AppendTimestamp(dst, v.I64[i])
		return append(dst, '"')
	case catalog.Double:
		f := v.F64[i]
		switch {
		// JSON has no non-finite numbers; writing null would make them look
		// like SQL NULL. PostgreSQL's to_json writes them as strings.
		case math.IsNaN(f):
			return append(dst, `"NaN"`...)
		case math.IsInf(f, 1):
			return append(dst, `"Infinity"`...)
		case math.IsInf(f, -1):
			return append(dst, `"-Infinity"`...)
		}
		return AppendDouble(dst, f)
	case catalog.Varchar:
		return AppendJSONString(dst, v.Str[i])
	case catalog.Boolean:
		return strconv.AppendBool(dst, v.Bool[i])
	}
	return append(dst, "null"...)
}

// AppendText appends row i of v as plain text, as the csv and table
// formats print it: TIMESTAMP in TimestampLayout, DOUBLE as AppendDouble
// (NaN, Infinity, -Infinity for the non-finite), VARCHAR as it is. It
// reports false for NULL (nothing appended).
func AppendText(dst []byte, v *coldata.Vec, i int) ([]byte, bool) {
	if v.Nulls.IsNull(i) {
		return dst, false
	}
	switch v.Type {
	case catalog.Bigint:
		return strconv.AppendInt(dst, v.I64[i], 10), true
	case catalog.Timestamp:
		return AppendTimestamp(dst, v.I64[i]), true
	case catalog.Double:
		f := v.F64[i]
		switch {
		case math.IsNaN(f):
			return append(dst, "NaN"...), true
		case math.IsInf(f, 1):
			return append(dst, "Infinity"...), true
		case math.IsInf(f, -1):
			return append(dst, "-Infinity"...), true
		}
		return AppendDouble(dst, f), true
	case catalog.Varchar:
		return append(dst, v.Str[i]...), true
	case catalog.Boolean:
		return strconv.AppendBool(dst, v.Bool[i]), true
	}
	return dst, false
}

// EmitKind returns row i's emission kind; EmitNone for rows of batches
// without Emit (non-windowed queries).
func EmitKind(b *coldata.Batch, i int) coldata.EmitKind {
	if i < len(b.Emit) {
		return b.Emit[i]
	}
	return coldata.EmitNone
}

// AppendJSONLine appends row i of b as one jsonl result line (with its
// trailing newline): RowJSON's object plus "_emit" ("early", "final",
// "late", or null for rows that are not window results). The stdout, file
// and Kafka sinks use the same rendering.
func AppendJSONLine(dst []byte, b *coldata.Batch, schema catalog.Schema, i int) []byte {
	dst = append(dst, '{')
	dst = appendFields(dst, b, schema, i)
	if len(schema) > 0 {
		dst = append(dst, ',')
	}
	dst = append(dst, `"_emit":`...)
	if k := EmitKind(b, i); k != coldata.EmitNone {
		dst = append(dst, '"')
		dst = append(dst, k.String()...)
		dst = append(dst, '"')
	} else {
		dst = append(dst, "null"...)
	}
	return append(dst, '}', '\n')
}
