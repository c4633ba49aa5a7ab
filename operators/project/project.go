package project

import (
	"fmt"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/expr"
)

// Project computes one output column per expression and emits a batch of
// those columns over the same rows: Sel, EventTime, WmBefore, Offset, Raw,
// RawBuf, Source, Partition and Emit are carried through unchanged.
//
// The output batch is reused from one Process call to the next, and a
// column that is a bare column reference shares the input column's storage
// instead of being copied: the receiver must copy what it keeps and must
// not write into the batch (operators.Emitter's contract).
type Project struct {
	exprs  []expr.Expr
	schema catalog.Schema
	out    *coldata.Batch
}

var _ operators.Operator = (*Project)(nil)

// NewProject returns a projection of exprs; schema names the output
// columns and must match the expressions' types.
func NewProject(exprs []expr.Expr, schema catalog.Schema) (*Project, error) {
	if len(exprs) != len(schema) {
		return nil, fmt.Errorf("project: %d expressions for %d output columns", len(exprs), len(schema))
	}
	for i, e := range exprs {
		if e.Type() != schema[i].Type {
			return nil, fmt.Errorf("project: column %q is %s but its expression %v is %s", schema[i].Name, schema[i].Type, e, e.Type())
		}
	}
	return &Project{exprs: exprs, schema: schema, out: coldata.NewBatch(schema, 0)}, nil
}

// Schema returns the output columns.
func (p *Project) Schema() catalog.Schema { return p.schema }

// Open does nothing: a projection has no state.
func (p *Project) Open(*operators.Context) error { return nil }

// Process computes the projected columns of b's live rows and emits them.
func (p *Project) Process(b *coldata.Batch, out operators.Emitter) error {
	if b.Live() == 0 {
		return nil
	}
	o := p.out
	for i, e := range p.exprs {
		e.Eval(b, o.Cols[i])
	}
	o.Len = b.Len
	o.Sel = b.Sel
	o.EventTime = b.EventTime
	o.WmBefore = b.WmBefore
	o.Source = b.Source
	o.Partition = b.Partition
	o.Offset = b.Offset
	o.Raw = b.Raw
	o.RawBuf = b.RawBuf
	o.Emit = b.Emit
	err := out.Emit(o)
	// Drop the references to the input's slices so that the reused batch
	// never keeps them alive past the call.
	o.Sel, o.EventTime, o.WmBefore, o.Offset, o.Raw, o.RawBuf, o.Emit = nil, nil, nil, nil, nil, nil, nil
	return err
}

// OnWatermark does nothing: a projection holds no rows.
func (p *Project) OnWatermark(int64, operators.Emitter) error { return nil }

// Close does nothing.
func (p *Project) Close() error { return nil }
