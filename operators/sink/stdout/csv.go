package stdout

import (
	"strconv"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/coldata/render"
)

// csvWriter prints a header line, then one record per row, quoted as RFC
// 4180 says; lines end in "\n" (as encoding/csv's default), not CRLF. NULL is
// an empty field; an empty string is a quoted empty field ("").
type csvWriter struct {
	schema     catalog.Schema
	queryIndex int
	field      []byte
}

func newCSV(schema catalog.Schema, queryIndex int) *csvWriter {
	return &csvWriter{schema: schema, queryIndex: queryIndex}
}

// appendHeader appends the header line.
func (c *csvWriter) appendHeader(dst []byte) []byte {
	for _, col := range c.schema {
		dst = render.AppendCSVField(dst, []byte(col.Name), false)
		dst = append(dst, ',')
	}
	if c.queryIndex > 0 {
		dst = append(dst, "_query,"...)
	}
	return append(dst, "_emit\n"...)
}

// appendBatch appends one record per live row of b.
func (c *csvWriter) appendBatch(dst []byte, b *coldata.Batch) ([]byte, bool) {
	b.ForEach(func(i int) {
		for col := range c.schema {
			var ok bool
			c.field, ok = render.AppendText(c.field[:0], b.Cols[col], i)
			if ok {
				dst = render.AppendCSVField(dst, c.field, c.schema[col].Type == catalog.Varchar)
			}
			dst = append(dst, ',')
		}
		if c.queryIndex > 0 {
			dst = strconv.AppendInt(dst, int64(c.queryIndex), 10)
			dst = append(dst, ',')
		}
		dst = append(dst, render.EmitKind(b, i).String()...)
		dst = append(dst, '\n')
	})
	return dst, false
}
