package expr

import (
	"fmt"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// IsNull is X IS NULL (or X IS NOT NULL when Not); never NULL itself.
type IsNull struct {
	X   Expr
	Not bool
	xs  *coldata.Vec
}

var _ Expr = (*IsNull)(nil)

// NewIsNull returns x IS [NOT] NULL.
func NewIsNull(x Expr, not bool) *IsNull {
	return &IsNull{X: x, Not: not, xs: newScratch(x.Type())}
}

// Type returns BOOLEAN.
func (e *IsNull) Type() catalog.Type { return catalog.Boolean }

// Eval tests the live rows.
func (e *IsNull) Eval(b *coldata.Batch, out *coldata.Vec) {
	e.X.Eval(b, e.xs)
	n := b.Len
	reset(out, catalog.Boolean, n)
	o, nulls, not := out.Bool[:n], e.xs.Nulls, e.Not
	if !nulls.Any() {
		for i := range o {
			o[i] = not
		}
		return
	}
	each(b.Sel, n, func(i int) { o[i] = nulls.IsNull(i) != not })
}

// String returns "(X IS [NOT] NULL)".
func (e *IsNull) String() string {
	if e.Not {
		return "(" + fmt.Sprint(e.X) + " IS NOT NULL)"
	}
	return "(" + fmt.Sprint(e.X) + " IS NULL)"
}
