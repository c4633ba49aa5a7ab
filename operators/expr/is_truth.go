package expr

import (
	"fmt"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// IsTruth is X IS [NOT] TRUE or X IS [NOT] FALSE over a BOOLEAN: never
// NULL itself. X IS TRUE is TRUE only for TRUE (FALSE for NULL), X IS NOT
// TRUE is TRUE for FALSE and NULL, and likewise for FALSE.
type IsTruth struct {
	X     Expr
	Value bool // TRUE or FALSE
	Not   bool
	xs    *coldata.Vec
}

var _ Expr = (*IsTruth)(nil)

// NewIsTruth returns x IS [NOT] TRUE|FALSE; x must be BOOLEAN (or an
// untyped NULL).
func NewIsTruth(x Expr, value, not bool) (*IsTruth, error) {
	if t := x.Type(); t != catalog.Boolean && t != catalog.Unknown {
		return nil, fmt.Errorf("expr: argument of IS %s must be BOOLEAN, not %s", truthName(value), t)
	}
	return &IsTruth{X: x, Value: value, Not: not, xs: newScratch(catalog.Boolean)}, nil
}

func truthName(v bool) string {
	if v {
		return "TRUE"
	}
	return "FALSE"
}

// Type returns BOOLEAN.
func (e *IsTruth) Type() catalog.Type { return catalog.Boolean }

// Eval tests the live rows.
func (e *IsTruth) Eval(b *coldata.Batch, out *coldata.Vec) {
	e.X.Eval(b, e.xs)
	n := b.Len
	reset(out, catalog.Boolean, n)
	o, nulls, v, not := out.Bool[:n], e.xs.Nulls, e.Value, e.Not
	if e.X.Type() == catalog.Unknown {
		each(b.Sel, n, func(i int) { o[i] = not })
		return
	}
	x := e.xs.Bool[:n]
	if !nulls.Any() {
		each(b.Sel, n, func(i int) { o[i] = (x[i] == v) != not })
		return
	}
	each(b.Sel, n, func(i int) { o[i] = (!nulls.IsNull(i) && x[i] == v) != not })
}

// String returns "(X IS [NOT] TRUE|FALSE)".
func (e *IsTruth) String() string {
	not := ""
	if e.Not {
		not = "NOT "
	}
	return "(" + fmt.Sprint(e.X) + " IS " + not + truthName(e.Value) + ")"
}
