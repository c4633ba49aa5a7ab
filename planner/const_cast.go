package planner

import (
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators/expr"
	"github.com/weirdb/weir/sql"
)

// checkConstCast refuses a cast of a constant that cannot succeed, as
// PostgreSQL does: CAST('42x' AS BIGINT), TIMESTAMP 'bogus',
// DATE '2026-02-30', CAST(1e300 AS BIGINT). in is the bound operand and
// out the folded cast. A computed value that does not convert still gives
// NULL on its row (a streaming query must not stop on one bad event); a
// constant is a mistake in the query, reported when it is planned and
// positioned at the operand.
func checkConstCast(x *sql.Cast, in, out expr.Expr) error {
	ic, ok := in.(*expr.Const)
	if !ok || ic.Null {
		return nil
	}
	oc, ok := out.(*expr.Const)
	if !ok || !oc.Null {
		return nil
	}
	at := x.X.ExprPos()
	if at.Line == 0 {
		at = x.At
	}
	if ic.T == catalog.Varchar {
		return errf(at, codeInvalidText, "invalid input syntax for type %s: %s", x.To, ic)
	}
	return errf(at, codeOutOfRange, "value %s is out of range for type %s", ic, x.To)
}
