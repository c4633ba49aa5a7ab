package stdout

import (
	"bufio"
	"strconv"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// csvWriter prints a header line, then one record per row, quoted as RFC
// 4180 says; lines end in "\n" (as encoding/csv's default), not CRLF. NULL is
// an empty field; an empty string is a quoted empty field ("").
type csvWriter struct {
	schema     catalog.Schema
	queryIndex int
	header     bool
	buf, field []byte
}

func newCSV(schema catalog.Schema, queryIndex int) *csvWriter {
	return &csvWriter{schema: schema, queryIndex: queryIndex}
}

func (c *csvWriter) writeBatch(w *bufio.Writer, b *coldata.Batch) error {
	if !c.header {
		c.header = true
		buf := c.buf[:0]
		for _, col := range c.schema {
			buf = AppendCSVField(buf, []byte(col.Name), false)
			buf = append(buf, ',')
		}
		if c.queryIndex > 0 {
			buf = append(buf, "_query,"...)
		}
		buf = append(buf, "_emit\n"...)
		if _, err := w.Write(buf); err != nil {
			return err
		}
		c.buf = buf
	}
	var err error
	b.ForEach(func(i int) {
		if err != nil {
			return
		}
		buf := c.buf[:0]
		for col := range c.schema {
			var ok bool
			c.field, ok = appendText(c.field[:0], b.Cols[col], i)
			if ok {
				buf = AppendCSVField(buf, c.field, c.schema[col].Type == catalog.Varchar)
			}
			buf = append(buf, ',')
		}
		if c.queryIndex > 0 {
			buf = strconv.AppendInt(buf, int64(c.queryIndex), 10)
			buf = append(buf, ',')
		}
		buf = append(buf, emitKind(b, i).String()...)
		buf = append(buf, '\n')
		c.buf = buf
		_, err = w.Write(buf)
	})
	return err
}

// appendCSVField appends s, quoted when it holds a comma, quote, CR or LF,
// or when it is an empty string value (to tell it from NULL).
func AppendCSVField(dst []byte, s []byte, quoteEmpty bool) []byte {
	quote := quoteEmpty && len(s) == 0
	for i := 0; i < len(s) && !quote; i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			quote = true
		}
	}
	if !quote {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, s[i])
	}
	return append(dst, '"')
}
