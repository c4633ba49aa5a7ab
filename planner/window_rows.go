package planner

import (
	"strings"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators/window"
	"github.com/weirdb/weir/sql"
)

// aggregating reports whether a SELECT over a window TVF aggregates:
// GROUP BY, HAVING or an aggregate call in the SELECT list.
func aggregating(s *sql.Select) bool {
	return len(s.GroupBy) > 0 || s.Having != nil || firstAggregate(s) != nil
}

// checkWindowColClash refuses an input column named window_start or
// window_end: the TVF adds columns of those names.
func checkWindowColClash(tvf *sql.WindowTVF, in *rel) error {
	for _, c := range in.schema() {
		if isWindowCol(c.Name) {
			return errf(tvf.At, codeDuplicateColumn, "source column %s clashes with the column %s adds; rename it with a subquery or an alias", strings.ToLower(c.Name), tvf.Kind)
		}
	}
	return nil
}

// windowRows plans a window TVF read without aggregation (as Flink's
// windowing TVFs allow): every input row once per window it belongs to,
// with window_start and window_end appended, as the rows arrive:
//
//	input → WindowAssign → Filter(WHERE) → Project(SELECT list)
//
// Rows are not dropped for lateness (no window is ever fired). SESSION is
// refused: a session's bounds are known only when it closes. EMIT is
// refused: there is nothing to fire.
func (b *builder) windowRows(s *sql.Select, tvf *sql.WindowTVF, spec *window.Spec, in *rel, tables []string, emit *sql.Emit) (*rel, error) {
	if spec.Kind == window.Session {
		return nil, errf(tvf.At, codeUnsupported, "SESSION needs an aggregation (GROUP BY window_start, window_end and a key): a session's bounds are known only when it closes")
	}
	if emit != nil {
		return nil, errf(emit.At, codeUnsupported, "EMIT applies to windowed aggregations only: a %s without GROUP BY returns each event with its windows as it arrives", tvf.Kind)
	}
	schema := append(append(catalog.Schema(nil), in.schema()...),
		catalog.Column{Name: "window_start", Type: catalog.Timestamp},
		catalog.Column{Name: "window_end", Type: catalog.Timestamp})
	n := b.node(NodeWindowAssign, schema, in.node)
	n.Window = spec
	r := &rel{node: n, timeCol: in.timeCol, tables: tables}
	sc := &scope{cols: schema, tables: tables, clause: "WHERE"}
	if s.Where != nil {
		pred, err := bindBool(s.Where, sc)
		if err != nil {
			return nil, err
		}
		r = b.filter(r, pred)
	}
	sc.clause = "SELECT"
	exprs, names, err := selectList(s.Items, sc)
	if err != nil {
		return nil, err
	}
	return b.project(r, exprs, names), nil
}
