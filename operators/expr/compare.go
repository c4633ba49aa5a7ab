package expr

import (
	"cmp"
	"fmt"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// CmpOp is a comparison operator.
type CmpOp uint8

// The comparison operators.
const (
	EQ CmpOp = iota
	NE
	LT
	LE
	GT
	GE
)

var cmpNames = [...]string{EQ: "=", NE: "<>", LT: "<", LE: "<=", GT: ">", GE: ">="}

// String returns the operator's SQL spelling.
func (o CmpOp) String() string { return cmpNames[o] }

// Compare is L op R giving BOOLEAN, NULL when either side is NULL. Both
// sides have the same type (the planner casts BIGINT to DOUBLE for mixed
// numeric comparisons). Strings compare bytewise, FALSE < TRUE, TIMESTAMPs
// by time.
type Compare struct {
	Op     CmpOp
	L, R   Expr
	ls, rs *coldata.Vec
}

var _ Expr = (*Compare)(nil)

// NewCompare returns l op r. l and r must have the same type.
func NewCompare(op CmpOp, l, r Expr) (*Compare, error) {
	lt, rt := l.Type(), r.Type()
	if lt == catalog.Unknown {
		lt = rt
	}
	if rt == catalog.Unknown {
		rt = lt
	}
	if lt != rt {
		return nil, fmt.Errorf("expr: cannot compare %s with %s", l.Type(), r.Type())
	}
	return &Compare{Op: op, L: l, R: r, ls: newScratch(lt), rs: newScratch(rt)}, nil
}

// Type returns BOOLEAN.
func (c *Compare) Type() catalog.Type { return catalog.Boolean }

// Eval compares the live rows.
func (c *Compare) Eval(b *coldata.Batch, out *coldata.Vec) {
	c.L.Eval(b, c.ls)
	c.R.Eval(b, c.rs)
	n := b.Len
	reset(out, catalog.Boolean, n)
	unionNulls(&out.Nulls, c.ls.Nulls, c.rs.Nulls)
	if c.L.Type() == catalog.Unknown || c.R.Type() == catalog.Unknown {
		return // every row is NULL
	}
	o := out.Bool[:n]
	switch physOf(c.ls.Type) {
	case physI64:
		cmpLoop(c.Op, c.ls.I64[:n], c.rs.I64[:n], o, b.Sel)
	case physF64:
		cmpLoop(c.Op, c.ls.F64[:n], c.rs.F64[:n], o, b.Sel)
	case physStr:
		cmpLoop(c.Op, c.ls.Str[:n], c.rs.Str[:n], o, b.Sel)
	case physBool:
		l, r := c.ls.Bool[:n], c.rs.Bool[:n]
		each(b.Sel, n, func(i int) { o[i] = cmpBool(c.Op, l[i], r[i]) })
	}
}

func cmpBool(op CmpOp, l, r bool) bool {
	li, ri := b2i(l), b2i(r)
	switch op {
	case EQ:
		return li == ri
	case NE:
		return li != ri
	case LT:
		return li < ri
	case LE:
		return li <= ri
	case GT:
		return li > ri
	}
	return li >= ri
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// cmpLoop writes l[i] op r[i] into o for the live rows.
func cmpLoop[T cmp.Ordered](op CmpOp, l, r []T, o []bool, sel []int) {
	r = r[:len(l)]
	o = o[:len(l)]
	switch op {
	case EQ:
		if sel == nil {
			for i := range l {
				o[i] = l[i] == r[i]
			}
		} else {
			for _, i := range sel {
				o[i] = l[i] == r[i]
			}
		}
	case NE:
		if sel == nil {
			for i := range l {
				o[i] = l[i] != r[i]
			}
		} else {
			for _, i := range sel {
				o[i] = l[i] != r[i]
			}
		}
	case LT:
		if sel == nil {
			for i := range l {
				o[i] = l[i] < r[i]
			}
		} else {
			for _, i := range sel {
				o[i] = l[i] < r[i]
			}
		}
	case LE:
		if sel == nil {
			for i := range l {
				o[i] = l[i] <= r[i]
			}
		} else {
			for _, i := range sel {
				o[i] = l[i] <= r[i]
			}
		}
	case GT:
		if sel == nil {
			for i := range l {
				o[i] = l[i] > r[i]
			}
		} else {
			for _, i := range sel {
				o[i] = l[i] > r[i]
			}
		}
	case GE:
		if sel == nil {
			for i := range l {
				o[i] = l[i] >= r[i]
			}
		} else {
			for _, i := range sel {
				o[i] = l[i] >= r[i]
			}
		}
	}
}

// String returns "(L op R)".
func (c *Compare) String() string {
	return "(" + fmt.Sprint(c.L) + " " + c.Op.String() + " " + fmt.Sprint(c.R) + ")"
}
