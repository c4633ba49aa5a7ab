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
	f   *expr.Filter
	err error // a predicate that is not BOOLEAN, reported by Process
}

var _ operators.Operator = (*Filter)(nil)

// NewFilter returns a filter on pred. The planner only builds BOOLEAN
// predicates; any other makes Process return an error.
func NewFilter(pred expr.Expr) *Filter {
	f, err := expr.NewFilter(pred)
	if err != nil {
		return &Filter{err: fmt.Errorf("project: %w", err)}
	}
	return &Filter{f: f}
}

// Open does nothing: a filter has no state.
func (f *Filter) Open(*operators.Context) error { return nil }

// Process filters b and emits it when rows remain.
func (f *Filter) Process(b *coldata.Batch, out operators.Emitter) error {
	if f.err != nil {
		return f.err
	}
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
func (f *Filter) String() string {
	if f.err != nil {
		return "Filter <invalid>"
	}
	return "Filter " + f.f.String()
}
