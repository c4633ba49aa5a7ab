package project

import (
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
	exprs []expr.Expr
	out   *coldata.Batch
}

var _ operators.Operator = (*Project)(nil)

// NewProject returns a projection computing exprs, in order.
func NewProject(exprs []expr.Expr) *Project {
	types := make(catalog.Schema, len(exprs))
	for i, e := range exprs {
		types[i].Type = e.Type()
	}
	return &Project{exprs: exprs, out: coldata.NewBatch(types, 0)}
}

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
