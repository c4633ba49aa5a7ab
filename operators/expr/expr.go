// Package expr evaluates compiled scalar expressions over columnar batches.
// The planner compiles weir's AST into an Expr tree once per query; Eval
// then runs vector-at-a-time, never interpreting the AST per row.
package expr

import (
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// Expr is a compiled scalar expression.
//
// Eval writes the value of every live row of b (see coldata.Batch.Sel) into
// out at the row's own index; out is reset by Eval to b.Len rows of Type().
// Values at rows that are not live are unspecified. Eval never keeps b or
// out past the call and is not safe for concurrent use (it may own scratch
// vectors).
type Expr interface {
	Type() catalog.Type
	Eval(b *coldata.Batch, out *coldata.Vec)
}
