package stdout

import (
	"bufio"
	"strconv"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// jsonlWriter prints one JSON object per row.
type jsonlWriter struct {
	schema catalog.Schema
	query  []byte // `,"_query":n` or empty
	buf    []byte
}

func newJSONL(schema catalog.Schema, queryIndex int) *jsonlWriter {
	w := &jsonlWriter{schema: schema}
	if queryIndex > 0 {
		w.query = strconv.AppendInt([]byte(`,"_query":`), int64(queryIndex), 10)
	}
	return w
}

func (j *jsonlWriter) writeBatch(w *bufio.Writer, b *coldata.Batch) error {
	var err error
	b.ForEach(func(i int) {
		if err != nil {
			return
		}
		j.buf = AppendJSONLine(j.buf[:0], b, j.schema, i)
		j.buf = append(j.buf[:len(j.buf)-2], j.query...) // drop "}\n"
		j.buf = append(j.buf, '}', '\n')
		_, err = w.Write(j.buf)
	})
	return err
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
