package stdout

import (
	"strconv"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/coldata/render"
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
		dst = render.AppendJSONLine(dst, b, j.schema, i)
		dst = append(dst[:len(dst)-2], j.query...) // drop "}\n"
		dst = append(dst, '}', '\n')
	})
	return dst, false
}
