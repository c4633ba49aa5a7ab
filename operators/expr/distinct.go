package expr

import (
	"fmt"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// Distinct is L IS [NOT] DISTINCT FROM R: equality in which NULL is a
// value. It is never NULL: two NULLs are not distinct, a NULL and a value
// are, two values are distinct when L <> R. Both sides have the same type
// (the planner brings them to one, as for =); an UNKNOWN side (an untyped
// NULL) is NULL on every row.
type Distinct struct {
	L, R Expr
	Not  bool // IS NOT DISTINCT FROM (MySQL's <=>)
	ls   *coldata.Vec
	rs   *coldata.Vec
}

var _ Expr = (*Distinct)(nil)

// NewDistinct returns l IS DISTINCT FROM r, or l IS NOT DISTINCT FROM r
// when not is set. l and r must have the same type.
func NewDistinct(l, r Expr, not bool) (*Distinct, error) {
	lt, rt := l.Type(), r.Type()
	if lt != rt && lt != catalog.Unknown && rt != catalog.Unknown {
		return nil, fmt.Errorf("expr: cannot compare %s with %s", lt, rt)
	}
	return &Distinct{L: l, R: r, Not: not, ls: newScratch(lt), rs: newScratch(rt)}, nil
}

// Type returns BOOLEAN.
func (d *Distinct) Type() catalog.Type { return catalog.Boolean }

// Eval compares the live rows.
func (d *Distinct) Eval(b *coldata.Batch, out *coldata.Vec) {
	d.L.Eval(b, d.ls)
	d.R.Eval(b, d.rs)
	n := b.Len
	reset(out, catalog.Boolean, n)
	o := out.Bool[:n]
	lu, ru := d.L.Type() == catalog.Unknown, d.R.Type() == catalog.Unknown
	if !lu && !ru {
		// Values first (rows with a NULL side get any value here and are
		// fixed below).
		switch physOf(d.ls.Type) {
		case physI64:
			cmpLoop(NE, d.ls.I64[:n], d.rs.I64[:n], o, b.Sel)
		case physF64:
			cmpLoop(NE, d.ls.F64[:n], d.rs.F64[:n], o, b.Sel)
		case physStr:
			cmpLoop(NE, d.ls.Str[:n], d.rs.Str[:n], o, b.Sel)
		case physBool:
			l, r := d.ls.Bool[:n], d.rs.Bool[:n]
			each(b.Sel, n, func(i int) { o[i] = l[i] != r[i] })
		}
	}
	ln, rn := d.ls.Nulls, d.rs.Nulls
	if lu || ru || ln.Any() || rn.Any() {
		each(b.Sel, n, func(i int) {
			lnull, rnull := lu || ln.IsNull(i), ru || rn.IsNull(i)
			if lnull || rnull {
				o[i] = lnull != rnull
			}
		})
	}
	if d.Not {
		each(b.Sel, n, func(i int) { o[i] = !o[i] })
	}
}

// String returns "(L IS [NOT] DISTINCT FROM R)".
func (d *Distinct) String() string {
	op := " IS DISTINCT FROM "
	if d.Not {
		op = " IS NOT DISTINCT FROM "
	}
	return "(" + fmt.Sprint(d.L) + op + fmt.Sprint(d.R) + ")"
}
