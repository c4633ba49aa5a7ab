package expr

import (
	"fmt"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// And is L AND R with SQL three-valued logic: FALSE if either side is
// FALSE, else NULL if either side is NULL, else TRUE.
type And struct {
	L, R   Expr
	ls, rs *coldata.Vec
}

// Or is L OR R with SQL three-valued logic: TRUE if either side is TRUE,
// else NULL if either side is NULL, else FALSE.
type Or struct {
	L, R   Expr
	ls, rs *coldata.Vec
}

// Not is NOT X: NULL stays NULL.
type Not struct {
	X  Expr
	xs *coldata.Vec
}

var (
	_ Expr = (*And)(nil)
	_ Expr = (*Or)(nil)
	_ Expr = (*Not)(nil)
)

func checkBool(op string, es ...Expr) error {
	for _, e := range es {
		if t := e.Type(); t != catalog.Boolean && t != catalog.Unknown {
			return fmt.Errorf("expr: argument of %s must be BOOLEAN, not %s", op, t)
		}
	}
	return nil
}

// NewAnd returns l AND r.
func NewAnd(l, r Expr) (*And, error) {
	if err := checkBool("AND", l, r); err != nil {
		return nil, err
	}
	return &And{L: l, R: r, ls: newScratch(catalog.Boolean), rs: newScratch(catalog.Boolean)}, nil
}

// NewOr returns l OR r.
func NewOr(l, r Expr) (*Or, error) {
	if err := checkBool("OR", l, r); err != nil {
		return nil, err
	}
	return &Or{L: l, R: r, ls: newScratch(catalog.Boolean), rs: newScratch(catalog.Boolean)}, nil
}

// NewNot returns NOT x.
func NewNot(x Expr) (*Not, error) {
	if err := checkBool("NOT", x); err != nil {
		return nil, err
	}
	return &Not{X: x, xs: newScratch(catalog.Boolean)}, nil
}

// Type returns BOOLEAN.
func (e *And) Type() catalog.Type { return catalog.Boolean }

// Type returns BOOLEAN.
func (e *Or) Type() catalog.Type { return catalog.Boolean }

// Type returns BOOLEAN.
func (e *Not) Type() catalog.Type { return catalog.Boolean }

// Eval computes L AND R.
func (e *And) Eval(b *coldata.Batch, out *coldata.Vec) { e.logic(b, out, false) }

// Eval computes L OR R.
func (e *Or) Eval(b *coldata.Batch, out *coldata.Vec) {
	(*And)(e).logic(b, out, true)
}

// logic evaluates AND (or=false) or OR (or=true). The dominant value is
// FALSE for AND and TRUE for OR: one non-NULL dominant side decides.
func (e *And) logic(b *coldata.Batch, out *coldata.Vec, or bool) {
	e.L.Eval(b, e.ls)
	e.R.Eval(b, e.rs)
	n := b.Len
	reset(out, catalog.Boolean, n)
	l, r, o := e.ls.Bool[:n], e.rs.Bool[:n], out.Bool[:n]
	ln, rn := e.ls.Nulls, e.rs.Nulls
	if !ln.Any() && !rn.Any() {
		if or {
			each(b.Sel, n, func(i int) { o[i] = l[i] || r[i] })
		} else {
			each(b.Sel, n, func(i int) { o[i] = l[i] && r[i] })
		}
		return
	}
	dom := or
	each(b.Sel, n, func(i int) {
		lNull, rNull := ln.IsNull(i), rn.IsNull(i)
		switch {
		case (!lNull && l[i] == dom) || (!rNull && r[i] == dom):
			o[i] = dom
		case lNull || rNull:
			o[i] = false
			out.Nulls.Set(i)
		default:
			o[i] = !dom
		}
	})
}

// Eval computes NOT X.
func (e *Not) Eval(b *coldata.Batch, out *coldata.Vec) {
	e.X.Eval(b, e.xs)
	n := b.Len
	reset(out, catalog.Boolean, n)
	copyNulls(&out.Nulls, e.xs.Nulls)
	x, o := e.xs.Bool[:n], out.Bool[:n]
	each(b.Sel, n, func(i int) { o[i] = !x[i] })
}

// String returns "(L AND R)".
func (e *And) String() string { return "(" + fmt.Sprint(e.L) + " AND " + fmt.Sprint(e.R) + ")" }

// String returns "(L OR R)".
func (e *Or) String() string { return "(" + fmt.Sprint(e.L) + " OR " + fmt.Sprint(e.R) + ")" }

// String returns "NOT X".
func (e *Not) String() string { return "(NOT " + fmt.Sprint(e.X) + ")" }
