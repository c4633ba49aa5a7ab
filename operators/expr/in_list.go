package expr

import (
	"fmt"
	"strings"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// InList is X [NOT] IN (constants...). The list is turned into a set once.
// Three-valued: NULL when X is NULL, or when X matches nothing and the list
// holds a NULL; NOT IN negates the non-NULL results. (The planner rewrites
// IN over non-constant lists into ORs of comparisons.)
type InList struct {
	X       Expr
	List    []*Const
	Not     bool
	hasNull bool
	xs      *coldata.Vec
	ints    set[int64]
	floats  set[float64]
	strs    set[string]
	bools   [2]bool // bools[b2i(v)]: v is in the list
}

var _ Expr = (*InList)(nil)

// set is a set of constants: a slice scan for short lists, a map beyond.
type set[T comparable] struct {
	vals []T
	m    map[T]struct{}
}

const setMapThreshold = 8

func (s *set[T]) add(v T) {
	s.vals = append(s.vals, v)
	if len(s.vals) > setMapThreshold && s.m == nil {
		s.m = make(map[T]struct{}, len(s.vals))
		for _, x := range s.vals {
			s.m[x] = struct{}{}
		}
	} else if s.m != nil {
		s.m[v] = struct{}{}
	}
}

func (s *set[T]) has(v T) bool {
	if s.m != nil {
		_, ok := s.m[v]
		return ok
	}
	for _, x := range s.vals {
		if x == v {
			return true
		}
	}
	return false
}

// NewInList returns x [NOT] IN (list). Every constant has x's type, or is
// a NULL.
func NewInList(x Expr, list []*Const, not bool) (*InList, error) {
	e := &InList{X: x, List: list, Not: not, xs: newScratch(x.Type())}
	for _, c := range list {
		if c.Null {
			e.hasNull = true
			continue
		}
		if c.T != x.Type() {
			return nil, fmt.Errorf("expr: IN list value %s is %s, expected %s", c, c.T, x.Type())
		}
		switch physOf(c.T) {
		case physI64:
			e.ints.add(c.I)
		case physF64:
			e.floats.add(c.F)
		case physStr:
			e.strs.add(c.S)
		case physBool:
			e.bools[b2i(c.B)] = true
		}
	}
	return e, nil
}

// Type returns BOOLEAN.
func (e *InList) Type() catalog.Type { return catalog.Boolean }

// Eval tests the live rows.
func (e *InList) Eval(b *coldata.Batch, out *coldata.Vec) {
	e.X.Eval(b, e.xs)
	n := b.Len
	reset(out, catalog.Boolean, n)
	copyNulls(&out.Nulls, e.xs.Nulls)
	o := out.Bool[:n]
	switch physOf(e.xs.Type) {
	case physI64:
		x := e.xs.I64[:n]
		each(b.Sel, n, func(i int) { o[i] = e.ints.has(x[i]) })
	case physF64:
		x := e.xs.F64[:n]
		each(b.Sel, n, func(i int) { o[i] = e.floats.has(x[i]) })
	case physStr:
		x := e.xs.Str[:n]
		each(b.Sel, n, func(i int) { o[i] = e.strs.has(x[i]) })
	case physBool:
		x := e.xs.Bool[:n]
		each(b.Sel, n, func(i int) { o[i] = e.bools[b2i(x[i])] })
	}
	if e.hasNull {
		each(b.Sel, n, func(i int) {
			if !o[i] {
				out.Nulls.Set(i)
			}
		})
	}
	if e.Not {
		each(b.Sel, n, func(i int) { o[i] = !o[i] })
	}
}

// String returns "(X [NOT] IN (a, b, ...))".
func (e *InList) String() string {
	var sb strings.Builder
	sb.WriteString("(")
	sb.WriteString(fmt.Sprint(e.X))
	if e.Not {
		sb.WriteString(" NOT")
	}
	sb.WriteString(" IN (")
	for i, c := range e.List {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(c.String())
	}
	sb.WriteString("))")
	return sb.String()
}
