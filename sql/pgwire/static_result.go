package pgwire

import (
	"context"

	"github.com/weirdb/weir/catalog"
)

// staticResult is an in-memory Result for what pgwire answers itself.
type staticResult struct {
	cols []Column
	rows []Row
	tag  string
	next int
	// empty marks the empty query (EmptyQueryResponse, no tag).
	empty bool
}

var _ Result = (*staticResult)(nil)

func (r *staticResult) Columns() []Column { return r.cols }

func (r *staticResult) Next(context.Context) (Row, bool, error) {
	if r.next >= len(r.rows) {
		return nil, false, nil
	}
	r.next++
	return r.rows[r.next-1], true, nil
}

func (r *staticResult) Tag() string  { return r.tag }
func (r *staticResult) Close() error { return nil }

// command is a Result without rows.
func command(tag string) *staticResult { return &staticResult{tag: tag} }

// textRows is a Result of text columns; a nil *string is NULL.
func textRows(names []string, rows [][]*string) *staticResult {
	cols := make([]Column, len(names))
	for i, n := range names {
		cols[i] = Column{Name: n, Type: catalog.Varchar}
	}
	out := make([]Row, len(rows))
	for i, r := range rows {
		row := make(Row, len(names))
		for j := range row {
			if j >= len(r) || r[j] == nil {
				row[j].Null = true
			} else {
				row[j].S = *r[j]
			}
		}
		out[i] = row
	}
	return &staticResult{cols: cols, rows: out, tag: "SELECT"}
}

func sp(s string) *string { return &s }
