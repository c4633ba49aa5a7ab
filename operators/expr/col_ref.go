package expr

import (
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// ColRef reads an input column.
//
// Eval does not copy: out is made to share the input column's storage
// (values and null bitmap). Whoever evaluates a ColRef must treat out as
// read-only until its next Eval, as with any batch it does not own.
type ColRef struct {
	Idx  int
	Name string // for EXPLAIN
	T    catalog.Type
}

var _ Expr = (*ColRef)(nil)

// NewColRef returns a reference to input column idx of type t.
func NewColRef(idx int, name string, t catalog.Type) *ColRef {
	return &ColRef{Idx: idx, Name: name, T: t}
}

// Type returns the column's type.
func (c *ColRef) Type() catalog.Type { return c.T }

// Eval makes out share the input column's storage.
func (c *ColRef) Eval(b *coldata.Batch, out *coldata.Vec) {
	*out = *b.Cols[c.Idx]
}

// String returns the column name.
func (c *ColRef) String() string { return c.Name }
