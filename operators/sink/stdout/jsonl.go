package stdout

import (
	"strconv"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// jsonlWriter prints one JSON object per row.
type jsonlWriter struct {
	schema catalog.Schema
	query  []byte // `,"_query":n` or empty
}

func newJSONL(schema catalog.Schema, queryIndex int) *jsonlWriter {
	w := &jsonlWriter{schema: schema}
	if queryIndex > 0 {
		w.query = strconv.AppendInt([]byte(`,"_query":`), int64(queryIndex), 10)
	}
	return w
}

// appendHeader appends nothing: jsonl has no header.
func (j *jsonlWriter) appendHeader(dst []byte) []byte { return dst }

// appendBatch appends one JSON object per live row of b.
func (j *jsonlWriter) appendBatch(dst []byte, b *coldata.Batch) ([]byte, bool) {
	b.ForEach(func(i int) {
		dst = AppendJSONLine(dst, b, j.schema, i)
		dst = append(dst[:len(dst)-2], j.query...) // drop "}\n"
		dst = append(dst, '}', '\n')
	})
	return dst, false
}

// AppendJSONLine appends row i of b as one jsonl result line (with its
// trailing newline): RowJSON's object plus "_emit" ("early", "final",
// "late", or null for rows that are not window results). The file and Kafka
// sinks use the same rendering.
func AppendJSONLine(dst []byte, b *coldata.Batch, schema catalog.Schema, i int) []byte {
	dst = append(dst, '{')
	dst = appendFields(dst, b, schema, i)
	if len(schema) > 0 {
		dst = append(dst, ',')
	}
	dst = append(dst, `"_emit":`...)
	if k := emitKind(b, i); k != coldata.EmitNone {
		dst = append(dst, '"')
		dst = append(dst, k.String()...)
		dst = append(dst, '"')
	} else {
		dst = append(dst, "null"...)
	}
	return append(dst, '}', '\n')
}
