package expr

import (
	"fmt"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// Filter narrows a batch's selection to the rows where a BOOLEAN predicate
// is TRUE (NULL counts as false), without copying any column. A top-level
// AND is applied one conjunct at a time, each on the rows the previous ones
// kept.
type Filter struct {
	Pred Expr
	conj []Expr
	vecs []*coldata.Vec // one per conjunct
	sel  []int
}

// NewFilter returns a filter for pred, which must be BOOLEAN.
func NewFilter(pred Expr) (*Filter, error) {
	if err := checkBool("WHERE", pred); err != nil {
		return nil, fmt.Errorf("expr: filter predicate must be BOOLEAN, not %s", pred.Type())
	}
	f := &Filter{Pred: pred}
	var flatten func(e Expr)
	flatten = func(e Expr) {
		if a, ok := e.(*And); ok {
			flatten(a.L)
			flatten(a.R)
			return
		}
		f.conj = append(f.conj, e)
		f.vecs = append(f.vecs, newScratch(catalog.Boolean))
	}
	flatten(pred)
	return f, nil
}

// Apply sets b.Sel to the live rows of b for which the predicate is TRUE.
// When b.Sel is already set it is narrowed in place; otherwise b.Sel is
// pointed at the filter's own buffer, valid until the next Apply.
func (f *Filter) Apply(b *coldata.Batch) {
	for k, c := range f.conj {
		if b.Live() == 0 {
			return
		}
		v := f.vecs[k]
		c.Eval(b, v)
		if c.Type() == catalog.Unknown { // WHERE NULL
			b.Sel = emptySel(f.sel, 0)
			f.sel = b.Sel
			return
		}
		vals, nulls := v.Bool[:b.Len], v.Nulls
		hasNulls := nulls.Any()
		if b.Sel == nil {
			f.sel = emptySel(f.sel, b.Len)
			s := f.sel
			for i, ok := range vals {
				if ok && !(hasNulls && nulls.IsNull(i)) {
					s = append(s, i)
				}
			}
			if len(s) < b.Len {
				f.sel = s
				b.Sel = s
			}
			continue
		}
		s := b.Sel[:0]
		for _, i := range b.Sel {
			if vals[i] && !(hasNulls && nulls.IsNull(i)) {
				s = append(s, i)
			}
		}
		b.Sel = s
	}
}

// String returns the predicate.
func (f *Filter) String() string { return fmt.Sprint(f.Pred) }
