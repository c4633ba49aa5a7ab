package expr

import (
	"fmt"
	"math"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// ArithOp is an arithmetic operator.
type ArithOp uint8

// The arithmetic operators.
const (
	Add ArithOp = iota
	Sub
	Mul
	Div
	Mod
)

var arithNames = [...]string{Add: "+", Sub: "-", Mul: "*", Div: "/", Mod: "%"}

// String returns the operator's SQL spelling.
func (o ArithOp) String() string { return arithNames[o] }

// Arith is L op R over two operands of the same physical type: both
// BIGINT/TIMESTAMP (int64) or both DOUBLE.
//
// Semantics: NULL in, NULL out. Integer overflow wraps around as Go's int64
// arithmetic does (no error, no NULL). Division and modulo by zero give NULL
// (a streaming query must not die on one bad row); DOUBLE arithmetic
// otherwise follows IEEE 754. The planner makes `/` DOUBLE by casting
// integer operands first (SPEC.md: `/` always yields DOUBLE).
type Arith struct {
	Op     ArithOp
	L, R   Expr
	result catalog.Type
	ls, rs *coldata.Vec
}

var _ Expr = (*Arith)(nil)

// NewArith returns l op r with the given result type. l and r must share a
// physical type (int64 or float64); the result type must have it too
// (e.g. TIMESTAMP + BIGINT interval milliseconds gives TIMESTAMP).
func NewArith(op ArithOp, l, r Expr, result catalog.Type) (*Arith, error) {
	pl, pr, po := physOf(l.Type()), physOf(r.Type()), physOf(result)
	if pl != pr || pl != po || (pl != physI64 && pl != physF64) {
		return nil, fmt.Errorf("expr: cannot apply %s to %s and %s giving %s", op, l.Type(), r.Type(), result)
	}
	return &Arith{Op: op, L: l, R: r, result: result, ls: newScratch(l.Type()), rs: newScratch(r.Type())}, nil
}

// Type returns the result type.
func (a *Arith) Type() catalog.Type { return a.result }

// Eval computes the operator over the live rows.
func (a *Arith) Eval(b *coldata.Batch, out *coldata.Vec) {
	a.L.Eval(b, a.ls)
	a.R.Eval(b, a.rs)
	n := b.Len
	reset(out, a.result, n)
	unionNulls(&out.Nulls, a.ls.Nulls, a.rs.Nulls)
	if physOf(a.result) == physI64 {
		arithI64(a.Op, a.ls.I64[:n], a.rs.I64[:n], out, b.Sel)
	} else {
		arithF64(a.Op, a.ls.F64[:n], a.rs.F64[:n], out, b.Sel)
	}
}

func arithI64(op ArithOp, l, r []int64, out *coldata.Vec, sel []int) {
	o := out.I64[:len(l)]
	r = r[:len(l)]
	switch op {
	case Add:
		if sel == nil {
			for i := range l {
				o[i] = l[i] + r[i]
			}
		} else {
			for _, i := range sel {
				o[i] = l[i] + r[i]
			}
		}
	case Sub:
		if sel == nil {
			for i := range l {
				o[i] = l[i] - r[i]
			}
		} else {
			for _, i := range sel {
				o[i] = l[i] - r[i]
			}
		}
	case Mul:
		if sel == nil {
			for i := range l {
				o[i] = l[i] * r[i]
			}
		} else {
			for _, i := range sel {
				o[i] = l[i] * r[i]
			}
		}
	case Div, Mod:
		// Div on int64 only happens for explicit integer division
		// results; the planner normally casts to DOUBLE first.
		div := op == Div
		each(sel, len(l), func(i int) {
			if r[i] == 0 {
				o[i] = 0
				out.Nulls.Set(i)
			} else if div {
				o[i] = l[i] / r[i]
			} else {
				o[i] = l[i] % r[i]
			}
		})
	}
}

func arithF64(op ArithOp, l, r []float64, out *coldata.Vec, sel []int) {
	o := out.F64[:len(l)]
	r = r[:len(l)]
	switch op {
	case Add:
		if sel == nil {
			for i := range l {
				o[i] = l[i] + r[i]
			}
		} else {
			for _, i := range sel {
				o[i] = l[i] + r[i]
			}
		}
	case Sub:
		if sel == nil {
			for i := range l {
				o[i] = l[i] - r[i]
			}
		} else {
			for _, i := range sel {
				o[i] = l[i] - r[i]
			}
		}
	case Mul:
		if sel == nil {
			for i := range l {
				o[i] = l[i] * r[i]
			}
		} else {
			for _, i := range sel {
				o[i] = l[i] * r[i]
			}
		}
	case Div:
		if sel == nil {
			for i := range l {
				if r[i] == 0 {
					o[i] = 0
					out.Nulls.Set(i)
				} else {
					o[i] = l[i] / r[i]
				}
			}
		} else {
			for _, i := range sel {
				if r[i] == 0 {
					o[i] = 0
					out.Nulls.Set(i)
				} else {
					o[i] = l[i] / r[i]
				}
			}
		}
	case Mod:
		each(sel, len(l), func(i int) {
			if r[i] == 0 {
				o[i] = 0
				out.Nulls.Set(i)
			} else {
				o[i] = math.Mod(l[i], r[i])
			}
		})
	}
}

// each calls f for every live row. It is used on the colder paths only;
// the hot loops above are written out.
func each(sel []int, n int, f func(i int)) {
	if sel == nil {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	for _, i := range sel {
		f(i)
	}
}

// String returns "(L op R)".
func (a *Arith) String() string {
	return "(" + fmt.Sprint(a.L) + " " + a.Op.String() + " " + fmt.Sprint(a.R) + ")"
}

// Neg is unary minus on BIGINT or DOUBLE (BIGINT wraps: -MinInt64 is
// MinInt64).
type Neg struct {
	X  Expr
	xs *coldata.Vec
}

var _ Expr = (*Neg)(nil)

// NewNeg returns -x.
func NewNeg(x Expr) (*Neg, error) {
	if !x.Type().Numeric() {
		return nil, fmt.Errorf("expr: cannot negate %s", x.Type())
	}
	return &Neg{X: x, xs: newScratch(x.Type())}, nil
}

// Type returns the operand's type.
func (e *Neg) Type() catalog.Type { return e.X.Type() }

// Eval negates the live rows.
func (e *Neg) Eval(b *coldata.Batch, out *coldata.Vec) {
	e.X.Eval(b, e.xs)
	n := b.Len
	reset(out, e.X.Type(), n)
	copyNulls(&out.Nulls, e.xs.Nulls)
	if e.X.Type() == catalog.Bigint {
		x, o := e.xs.I64[:n], out.I64[:n]
		each(b.Sel, n, func(i int) { o[i] = -x[i] })
		return
	}
	x, o := e.xs.F64[:n], out.F64[:n]
	each(b.Sel, n, func(i int) { o[i] = -x[i] })
}

// String returns "-X".
func (e *Neg) String() string { return "-" + fmt.Sprint(e.X) }
