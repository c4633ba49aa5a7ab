package postgres

import (
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// rowBuffer holds pending rows column-wise until they are committed.
type rowBuffer struct {
	cols []*coldata.Vec
	emit []coldata.EmitKind
	n    int

	// Commit scratch: the last row per upsert key and typed arrays.
	last   map[string]int
	keep   []int
	kbuf   []byte
	emits  []string
	arrays []any
}

func (rb *rowBuffer) init(schema catalog.Schema) {
	rb.cols = make([]*coldata.Vec, len(schema))
	for c, col := range schema {
		rb.cols[c] = coldata.NewVec(col.Type, 0)
	}
	rb.last = make(map[string]int)
}

func (rb *rowBuffer) add(b *coldata.Batch, i int) {
	for c, v := range b.Cols {
		rb.cols[c].CopyRow(v, i)
	}
	kind := coldata.EmitNone
	if i < len(b.Emit) {
		kind = b.Emit[i]
	}
	rb.emit = append(rb.emit, kind)
	rb.n++
}

func (rb *rowBuffer) reset() {
	for _, v := range rb.cols {
		v.Reset(0, 0)
	}
	rb.emit = rb.emit[:0]
	rb.n = 0
}

// keyOf encodes row i's upsert key.
func (rb *rowBuffer) keyOf(conflict []int, i int) []byte {
	rb.kbuf = coldata.AppendRowKey(rb.kbuf[:0], rb.cols, conflict, i)
	return rb.kbuf
}

// rows returns the rows to write, in order: the last one per upsert key
// (one INSERT ... ON CONFLICT DO UPDATE may not touch a row twice), all
// of them when there is no key.
func (rb *rowBuffer) rows(conflict []int) []int {
	rb.keep = rb.keep[:0]
	if len(conflict) == 0 {
		for i := 0; i < rb.n; i++ {
			rb.keep = append(rb.keep, i)
		}
		return rb.keep
	}
	clear(rb.last)
	for i := 0; i < rb.n; i++ {
		rb.last[string(rb.keyOf(conflict, i))] = i
	}
	for i := 0; i < rb.n; i++ {
		if rb.last[string(rb.keyOf(conflict, i))] == i {
			rb.keep = append(rb.keep, i)
		}
	}
	return rb.keep
}

// args builds one typed array per column, and the _emit array, over rows.
func (rb *rowBuffer) args(rows []int) []any {
	rb.arrays = rb.arrays[:0]
	for _, v := range rb.cols {
		switch v.Type {
		case catalog.Bigint:
			a := make([]pgtype.Int8, len(rows))
			for j, i := range rows {
				a[j] = pgtype.Int8{Int64: v.I64[i], Valid: !v.Nulls.IsNull(i)}
			}
			rb.arrays = append(rb.arrays, a)
		case catalog.Timestamp:
			a := make([]pgtype.Timestamptz, len(rows))
			for j, i := range rows {
				a[j] = pgtype.Timestamptz{Time: time.UnixMilli(v.I64[i]).UTC(), Valid: !v.Nulls.IsNull(i)}
			}
			rb.arrays = append(rb.arrays, a)
		case catalog.Double:
			a := make([]pgtype.Float8, len(rows))
			for j, i := range rows {
				a[j] = pgtype.Float8{Float64: v.F64[i], Valid: !v.Nulls.IsNull(i)}
			}
			rb.arrays = append(rb.arrays, a)
		case catalog.Varchar:
			a := make([]pgtype.Text, len(rows))
			for j, i := range rows {
				a[j] = pgtype.Text{String: v.Str[i], Valid: !v.Nulls.IsNull(i)}
			}
			rb.arrays = append(rb.arrays, a)
		case catalog.Boolean:
			a := make([]pgtype.Bool, len(rows))
			for j, i := range rows {
				a[j] = pgtype.Bool{Bool: v.Bool[i], Valid: !v.Nulls.IsNull(i)}
			}
			rb.arrays = append(rb.arrays, a)
		}
	}
	rb.emits = rb.emits[:0]
	for _, i := range rows {
		rb.emits = append(rb.emits, rb.emit[i].String())
	}
	return append(rb.arrays, rb.emits)
}
