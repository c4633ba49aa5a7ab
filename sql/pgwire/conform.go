package pgwire

import (
	"context"
	"strconv"
	"strings"

	"github.com/weirdb/weir/catalog"
)

// conform makes a portal's result match the columns its statement was
// described with at Parse (what the client decodes by). A column described
// as text that comes out as another type is sent as that value's text: a
// bare parameter ($1) is described as text (bound to NULL), and PostgreSQL
// returns it as text whatever its value. Any other difference (the catalog
// changed since Parse) fails as in PostgreSQL, with 0A000 "cached plan must
// not change result type"; drivers then prepare the statement again.
func conform(res Result, described []Column) (Result, error) {
	cols := res.Columns()
	if described == nil || cols == nil {
		return res, nil
	}
	if len(cols) != len(described) {
		return nil, errorf(codeFeatureNotSupported, "cached plan must not change result type")
	}
	var toText []bool
	for i, c := range cols {
		if c.Type == described[i].Type {
			continue
		}
		if described[i].Type != catalog.Varchar {
			return nil, errorf(codeFeatureNotSupported, "cached plan must not change result type")
		}
		if toText == nil {
			toText = make([]bool, len(cols))
		}
		toText[i] = true
	}
	if toText == nil {
		return res, nil
	}
	out := make([]Column, len(cols))
	for i, c := range cols {
		out[i] = c
		if toText[i] {
			out[i].Type = catalog.Varchar
		}
	}
	return &textResult{Result: res, from: cols, cols: out, toText: toText}, nil
}

// textResult sends some columns of a Result as their text.
type textResult struct {
	Result
	from   []Column // the result's own columns
	cols   []Column
	toText []bool
	row    Row
	buf    []byte
}

func (r *textResult) Columns() []Column { return r.cols }

func (r *textResult) Next(ctx context.Context) (Row, bool, error) {
	row, ok, err := r.Result.Next(ctx)
	if !ok || err != nil {
		return row, ok, err
	}
	r.row = append(r.row[:0], row...)
	for i, conv := range r.toText {
		if conv && i < len(r.row) && !r.row[i].Null {
			r.buf = appendValue(r.buf[:0], r.from[i].Type, false, &r.row[i])
			r.row[i] = Value{S: string(r.buf)}
		}
	}
	return r.row, true, nil
}

// Streaming implements Streamer as the wrapped result does.
func (r *textResult) Streaming() bool {
	s, ok := r.Result.(Streamer)
	return ok && s.Streaming()
}

// exhaustedTag is the tag of a finished portal executed again: its count
// is 0 ("SELECT 0"), as in PostgreSQL.
func exhaustedTag(tag string) string {
	if i := strings.LastIndexByte(tag, ' '); i > 0 {
		if _, err := strconv.Atoi(tag[i+1:]); err == nil {
			return tag[:i+1] + "0"
		}
	}
	return tag
}
