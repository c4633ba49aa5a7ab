package stdout

import (
	"bufio"
	"strconv"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// tableWriter prints aligned columns, psql style, batch by batch as windows
// close. Numbers are right-aligned, everything else left-aligned; NULL and a
// missing emission kind print as an empty cell, as psql prints NULL (so the
// string 'NULL' is told from NULL; an empty string looks like NULL — jsonl
// and csv tell those apart). Cells escape newlines, tabs and other control
// characters (appendCell) and are measured in display width (East Asian
// wide characters take two columns).
//
// Rows are printed as they arrive, so widths cannot be known in advance.
// The rule: each batch is rendered whole first; a column is as wide as the
// widest cell (header included) of every batch so far, and never narrows.
// When a batch needs a column wider than before, a blank line and the header
// with the new widths are printed before its rows; so every row lines up
// with the nearest header above it.
type tableWriter struct {
	layout  *layout
	header  bool
	query   []byte // the _query cell; empty when there is no _query column
	batch   cells
	field   []byte
	line    []byte
	valCols int
}

func newTable(schema catalog.Schema, queryIndex int) *tableWriter {
	t := &tableWriter{valCols: len(schema)}
	var names []string
	var right []bool
	for _, c := range schema {
		names = append(names, c.Name)
		right = append(right, c.Type.Numeric())
	}
	if queryIndex > 0 {
		names = append(names, "_query")
		right = append(right, true)
		t.query = strconv.AppendInt(nil, int64(queryIndex), 10)
	}
	names = append(names, "_emit")
	right = append(right, false)
	t.layout = newLayout(names, right)
	t.batch.ncols = len(names)
	return t
}

func (t *tableWriter) writeBatch(w *bufio.Writer, b *coldata.Batch) error {
	t.batch.reset()
	b.ForEach(func(i int) {
		for c := 0; c < t.valCols; c++ {
			t.field, _ = appendText(t.field[:0], b.Cols[c], i) // NULL: empty
			t.batch.add(t.field)
		}
		if len(t.query) > 0 {
			t.batch.add(t.query)
		}
		t.field = append(t.field[:0], emitKind(b, i).String()...)
		t.batch.add(t.field)
	})
	if grew := t.layout.widen(&t.batch); grew || !t.header {
		line := t.line[:0]
		if t.header {
			line = append(line, '\n')
		}
		t.header = true
		t.line = t.layout.appendHeader(line)
		if _, err := w.Write(t.line); err != nil {
			return err
		}
	}
	for r := 0; r < t.batch.rows(); r++ {
		t.line = t.layout.appendRow(t.line[:0], &t.batch, r)
		if _, err := w.Write(t.line); err != nil {
			return err
		}
	}
	return nil
}
