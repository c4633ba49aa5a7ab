package stdout

import (
	"strconv"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/coldata/render"
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
// with the new widths are printed before its rows (Output does the same when
// another query printed in between); so every row lines up with the nearest
// header above it, its own query's.
type tableWriter struct {
	layout  *layout
	query   []byte // the _query cell; empty when there is no _query column
	batch   cells
	field   []byte
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

// appendHeader appends the names and the rule, at the current widths.
func (t *tableWriter) appendHeader(dst []byte) []byte { return t.layout.appendHeader(dst) }

// appendBatch lays out the live rows of b, widening the columns to fit
// them, and appends them; it reports whether a column grew.
func (t *tableWriter) appendBatch(dst []byte, b *coldata.Batch) ([]byte, bool) {
	t.batch.reset()
	b.ForEach(func(i int) {
		for c := 0; c < t.valCols; c++ {
			t.field, _ = render.AppendText(t.field[:0], b.Cols[c], i) // NULL: empty
			t.batch.add(t.field)
		}
		if len(t.query) > 0 {
			t.batch.add(t.query)
		}
		t.field = append(t.field[:0], render.EmitKind(b, i).String()...)
		t.batch.add(t.field)
	})
	grew := t.layout.widen(&t.batch)
	for r := 0; r < t.batch.rows(); r++ {
		dst = t.layout.appendRow(dst, &t.batch, r)
	}
	return dst, grew
}
