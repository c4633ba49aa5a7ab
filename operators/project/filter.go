package project

import (
	"fmt"

	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/expr"
)

// Filter keeps the rows for which a BOOLEAN predicate is TRUE (NULL drops
// the row). It narrows the input batch's selection in place (see
// operators.Operator) and emits that same batch; a batch left with no live
// row is not emitted.
type Filter struct {
	f *expr.Filter
}

var _ operators.Operator = (*Filter)(nil)

// NewFilter returns a filter on pred.
func NewFilter(pred expr.Expr) (*Filter, error) {
	f, err := expr.NewFilter(pred)
	if err != nil {
		return nil, fmt.Errorf("project: %w", err)
	}
	return &Filter{f: f}, nil
}

// Open does nothing: a filter has no state.
func (f *Filter) Open(*operators.Context) error { return nil }

// Process filters b and emits it when rows remain.
func (f *Filter) Process(b *coldata.Batch, out operators.Emitter) error {
	f.f.Apply(b)
	if b.Live() == 0 {
		return nil
	}
	return out.Emit(b)
}

// OnWatermark does nothing: a filter holds no rows.
func (f *Filter) OnWatermark(int64, operators.Emitter) error { return nil }

// Close does nothing.
func (f *Filter) Close() error { return nil }

// String returns the predicate.
func (f *Filter) String() string { return "Filter " + f.f.String() }
