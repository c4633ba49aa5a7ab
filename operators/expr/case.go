package expr

import (
	"fmt"
	"strings"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// When is one WHEN Cond THEN Then arm of a searched CASE.
type When struct {
	Cond Expr // BOOLEAN
	Then Expr
}

// Case is the searched CASE WHEN c1 THEN v1 ... [ELSE e] END; the planner
// rewrites the simple form (CASE x WHEN a ...) into it. Each arm is
// evaluated only on the rows still undecided (a narrowed selection), so
// later arms never see rows an earlier arm took. A NULL condition counts as
// false. No ELSE means ELSE NULL.
type Case struct {
	Whens []When
	Else  Expr // may be nil
	T     catalog.Type

	// One scratch vector per child: a vector is only ever written by the
	// one node it is passed to (a ColRef makes it share input storage).
	conds, vals []*coldata.Vec
	elseVal     *coldata.Vec
	rest, taken []int
	next        []int
}

var _ Expr = (*Case)(nil)

// NewCase returns a searched CASE of result type t; every THEN and the ELSE
// must have type t (or be an untyped NULL).
func NewCase(whens []When, els Expr, t catalog.Type) (*Case, error) {
	if len(whens) == 0 {
		return nil, fmt.Errorf("expr: CASE needs at least one WHEN")
	}
	for _, w := range whens {
		if err := checkBool("CASE WHEN", w.Cond); err != nil {
			return nil, err
		}
		if err := checkResult("CASE", w.Then, t); err != nil {
			return nil, err
		}
	}
	if els != nil {
		if err := checkResult("CASE", els, t); err != nil {
			return nil, err
		}
	}
	e := &Case{Whens: whens, Else: els, T: t, elseVal: newScratch(t)}
	for range whens {
		e.conds = append(e.conds, newScratch(catalog.Boolean))
		e.vals = append(e.vals, newScratch(t))
	}
	return e, nil
}

func checkResult(what string, e Expr, t catalog.Type) error {
	if e.Type() != t && e.Type() != catalog.Unknown {
		return fmt.Errorf("expr: %s branch is %s, expected %s", what, e.Type(), t)
	}
	return nil
}

// Type returns the result type.
func (e *Case) Type() catalog.Type { return e.T }

// Eval picks, for every live row, the first arm whose condition is TRUE.
func (e *Case) Eval(b *coldata.Batch, out *coldata.Vec) {
	n := b.Len
	reset(out, e.T, n)
	saved := b.Sel
	defer func() { b.Sel = saved }()

	e.rest = liveRows(b, e.rest)
	for k, w := range e.Whens {
		if len(e.rest) == 0 {
			return
		}
		b.Sel = e.rest
		cond := e.conds[k]
		w.Cond.Eval(b, cond)
		e.taken = emptySel(e.taken, len(e.rest))
		e.next = emptySel(e.next, len(e.rest))
		for _, i := range e.rest {
			if cond.Bool[i] && !cond.Nulls.IsNull(i) {
				e.taken = append(e.taken, i)
			} else {
				e.next = append(e.next, i)
			}
		}
		if len(e.taken) > 0 {
			b.Sel = e.taken
			assign(b, w.Then, e.vals[k], out, e.taken)
		}
		e.rest, e.next = e.next, e.rest
	}
	if len(e.rest) == 0 {
		return
	}
	if e.Else == nil {
		setNullRows(out, e.rest)
		return
	}
	b.Sel = e.rest
	assign(b, e.Else, e.elseVal, out, e.rest)
}

// assign evaluates v on the rows of sel (already b.Sel) into scratch and
// copies them to out.
func assign(b *coldata.Batch, v Expr, scratch, out *coldata.Vec, sel []int) {
	if v.Type() == catalog.Unknown {
		setNullRows(out, sel)
		return
	}
	v.Eval(b, scratch)
	copyRows(out, scratch, sel)
}

// String returns "CASE WHEN ... END".
func (e *Case) String() string {
	var sb strings.Builder
	sb.WriteString("CASE")
	for _, w := range e.Whens {
		fmt.Fprintf(&sb, " WHEN %v THEN %v", w.Cond, w.Then)
	}
	if e.Else != nil {
		fmt.Fprintf(&sb, " ELSE %v", e.Else)
	}
	sb.WriteString(" END")
	return sb.String()
}

// Coalesce is COALESCE(a, b, ...): the first non-NULL argument. Each
// argument is evaluated only on the rows still NULL.
type Coalesce struct {
	Args []Expr
	T    catalog.Type

	vals       []*coldata.Vec // one per argument
	rest, next []int
}

var _ Expr = (*Coalesce)(nil)

// NewCoalesce returns COALESCE(args...) of type t; every argument has type
// t or is an untyped NULL.
func NewCoalesce(args []Expr, t catalog.Type) (*Coalesce, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("expr: COALESCE needs at least one argument")
	}
	for _, a := range args {
		if err := checkResult("COALESCE", a, t); err != nil {
			return nil, err
		}
	}
	e := &Coalesce{Args: args, T: t}
	for range args {
		e.vals = append(e.vals, newScratch(t))
	}
	return e, nil
}

// Type returns the result type.
func (e *Coalesce) Type() catalog.Type { return e.T }

// Eval computes the first non-NULL argument of every live row.
func (e *Coalesce) Eval(b *coldata.Batch, out *coldata.Vec) {
	n := b.Len
	reset(out, e.T, n)
	saved := b.Sel
	defer func() { b.Sel = saved }()

	e.rest = liveRows(b, e.rest)
	for k, a := range e.Args {
		if len(e.rest) == 0 {
			return
		}
		if a.Type() == catalog.Unknown {
			continue
		}
		b.Sel = e.rest
		val := e.vals[k]
		a.Eval(b, val)
		e.next = emptySel(e.next, len(e.rest))
		for _, i := range e.rest {
			if val.Nulls.IsNull(i) {
				e.next = append(e.next, i)
			}
		}
		if len(e.next) < len(e.rest) {
			copyRows(out, val, e.rest) // NULL rows are copied as NULL, taken later
		}
		e.rest, e.next = e.next, e.rest
	}
	setNullRows(out, e.rest)
}

// String returns "COALESCE(a, b, ...)".
func (e *Coalesce) String() string { return callString("COALESCE", e.Args) }

func callString(name string, args []Expr) string {
	var sb strings.Builder
	sb.WriteString(name)
	sb.WriteString("(")
	for i, a := range args {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprint(&sb, a)
	}
	sb.WriteString(")")
	return sb.String()
}
