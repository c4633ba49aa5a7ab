package planner

import (
	"strings"

	"github.com/weirdb/weir/sql"
)

// CheckConstSelect refuses what a SELECT without FROM cannot mean: it
// evaluates its list once over a single row that has no columns, so a
// column reference, SELECT *, an aggregate, GROUP BY, HAVING or EMIT is
// an error at its position. ORDER BY may name an output column.
func CheckConstSelect(q *sql.Query) error {
	s := q.Selects[0]
	if q.Emit != nil {
		return errf(q.Emit.At, codeUnsupported, "EMIT applies to windowed aggregations only, not to a SELECT without FROM")
	}
	for _, it := range s.Items {
		if it.Star {
			return errf(it.At, codeSyntax, "SELECT * needs a FROM clause: a SELECT without FROM has no columns")
		}
	}
	if f := firstAggregate(s); f != nil {
		return errf(f.At, codeGrouping, "aggregate function %s needs rows to aggregate: a SELECT without FROM evaluates its list once; aggregate over a source with a window (FROM TUMBLE(...) GROUP BY ...)", f.Name)
	}
	if len(s.GroupBy) > 0 {
		return errf(s.GroupBy[0].ExprPos(), codeUnsupported, "GROUP BY needs a FROM clause")
	}
	if s.Having != nil {
		return errf(s.Having.ExprPos(), codeUnsupported, "HAVING needs a FROM clause")
	}
	var exprs []sql.Expr
	for _, it := range s.Items {
		exprs = append(exprs, it.Expr)
	}
	exprs = append(exprs, s.Where)
	for _, e := range exprs {
		if f := aggregateIn(e); f != nil {
			return errf(f.At, codeGrouping, "aggregate functions are not allowed in WHERE")
		}
		if err := constColumnRef(e, nil); err != nil {
			return err
		}
	}
	outputs := map[string]bool{}
	for _, it := range s.Items {
		if it.Alias != "" {
			outputs[strings.ToLower(it.Alias)] = true
		}
	}
	for _, o := range q.OrderBy {
		if err := constColumnRef(o.Expr, outputs); err != nil {
			return err
		}
	}
	return nil
}

// constColumnRef returns the error for the first column reference in e
// (in the order of the text) that is not one of the output names.
func constColumnRef(e sql.Expr, outputs map[string]bool) error {
	if e == nil {
		return nil
	}
	if c, ok := e.(*sql.ColumnRef); ok {
		if c.Table == "" && outputs[strings.ToLower(c.Name)] {
			return nil
		}
		name := c.Name
		if c.Table != "" {
			name = c.Table + "." + c.Name
		}
		return errf(c.At, codeUndefinedColumn, "column %q does not exist: a SELECT without FROM has no columns (add FROM source to read one)", name)
	}
	for _, c := range children(e) {
		if err := constColumnRef(c, outputs); err != nil {
			return err
		}
	}
	return nil
}
