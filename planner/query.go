package planner

import (
	"strings"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators/expr"
	"github.com/weirdb/weir/sql"
)

// PlanQuery binds and plans a continuous query over the catalog. Sources
// become Source (and Watermark) nodes, plain views are expanded in place,
// a window TVF with GROUP BY becomes Project → WindowAgg → Filter(HAVING)
// → Project, and UNION ALL a Union node. Errors are *sql.Error positioned
// in the query's text (or at the view reference, for errors inside a
// view's definition).
func PlanQuery(cat *catalog.Catalog, q *sql.Query) (*Plan, error) {
	b := &builder{cat: cat}
	r, err := b.query(q)
	if err != nil {
		return nil, err
	}
	return &Plan{Root: r.node, Output: r.node.Schema, Sources: b.sources, Windowed: r.windowed, Views: b.read}, nil
}

// query plans SELECT blocks joined by UNION ALL.
func (b *builder) query(q *sql.Query) (*rel, error) {
	if len(q.Selects) == 0 {
		return nil, errf(q.At, codeSyntax, "empty query")
	}
	// The SELECT blocks are planned first so that an unknown relation (or
	// column) is reported before ORDER BY or LIMIT, which only a read of
	// a materialized view supports: "SELECT * FROM nosuch ORDER BY 1" is
	// 42P01.
	rels := make([]*rel, len(q.Selects))
	for i, s := range q.Selects {
		r, err := b.selectBlock(s, q.Emit)
		if err != nil {
			return nil, err
		}
		rels[i] = r
	}
	if len(q.OrderBy) > 0 {
		return nil, errf(q.OrderBy[0].Expr.ExprPos(), codeUnsupported, "ORDER BY is not supported in a continuous query (it applies when reading a materialized view)")
	}
	if q.Limit != nil {
		return nil, errf(q.LimitAt, codeUnsupported, "LIMIT is not supported in a continuous query (it applies when reading a materialized view)")
	}
	if len(rels) == 1 {
		return rels[0], nil
	}
	return b.union(q, rels)
}

// union checks that the inputs line up (same number of columns, same types;
// names come from the first) and merges them. Nested unions are flattened.
func (b *builder) union(q *sql.Query, rels []*rel) (*rel, error) {
	first := rels[0]
	out := &rel{timeCol: first.timeCol, windowed: first.windowed}
	var inputs []*Node
	for i, r := range rels {
		at := q.Selects[i].At
		if len(r.schema()) != len(first.schema()) {
			return nil, errf(at, codeDatatypeMismatch, "each UNION ALL input must have the same number of columns: SELECT %d has %d, the first has %d", i+1, len(r.schema()), len(first.schema()))
		}
		for c, col := range r.schema() {
			if want := first.schema()[c]; col.Type != want.Type {
				return nil, errf(at, codeDatatypeMismatch, "UNION ALL column %d (%s) is %s in SELECT %d but %s in the first", c+1, want.Name, col.Type, i+1, want.Type)
			}
		}
		if r.windowed != first.windowed {
			return nil, errf(at, codeUnsupported, "UNION ALL cannot mix windowed aggregations with plain SELECTs")
		}
		if r.timeCol != out.timeCol {
			out.timeCol = -1
		}
		if r.node.Kind == NodeUnion {
			inputs = append(inputs, r.node.Inputs...)
		} else {
			inputs = append(inputs, r.node)
		}
	}
	out.node = b.node(NodeUnion, first.schema(), inputs...)
	return out, nil
}

// selectBlock plans one SELECT.
func (b *builder) selectBlock(s *sql.Select, emit *sql.Emit) (*rel, error) {
	if s.From == nil {
		return nil, errf(s.At, codeUnsupported, "a continuous query needs a FROM clause")
	}
	tvf, isTVF := s.From.(*sql.WindowTVF)
	if !isTVF {
		in, err := b.from(s.From)
		if err != nil {
			return nil, err
		}
		if at, ok := aggregationAt(s); ok {
			if in.viewRows != "" {
				return nil, viewAggregationErr(s, in.viewRows)
			}
			return nil, errf(at, codeUnsupported, "aggregation needs a window: read FROM TUMBLE(...), HOP(...), CUMULATE(...) or SESSION(...)")
		}
		if emit != nil {
			return nil, errf(emit.At, codeUnsupported, "EMIT applies to windowed aggregations only")
		}
		return b.plainSelect(s, in)
	}
	in, err := b.from(tvf.Input)
	if err != nil {
		return nil, err
	}
	return b.windowSelect(s, tvf, in, emit)
}

// aggregationAt finds the first sign of aggregation in s: GROUP BY,
// HAVING or an aggregate call in the SELECT list.
func aggregationAt(s *sql.Select) (sql.Pos, bool) {
	if len(s.GroupBy) > 0 {
		return s.GroupBy[0].ExprPos(), true
	}
	if s.Having != nil {
		return s.Having.ExprPos(), true
	}
	for _, it := range s.Items {
		if !it.Star && hasAggregate(it.Expr) {
			return it.Expr.ExprPos(), true
		}
	}
	return sql.Pos{}, false
}

// viewAggregationErr refuses aggregation over a materialized view's rows
// (SELECT count(*) FROM v): a view's rows have no event time to window
// them by. The error is at the first aggregate call, else at GROUP BY's
// first key or HAVING's condition. sql/pgwire refuses a wire client's
// read of a view in the same words.
func viewAggregationErr(s *sql.Select, view string) error {
	const instead = "; aggregate over the view's source with a window instead " +
		"(SELECT ... FROM TUMBLE(source, ts, INTERVAL '5' MINUTE) GROUP BY window_start, window_end, ...)"
	f := firstAggregate(s)
	if f == nil {
		f = aggregateIn(s.Having)
	}
	if f != nil {
		return errf(f.At, codeUnsupported, "aggregate functions over the rows of view %q are not supported yet%s", view, instead)
	}
	at, _ := aggregationAt(s)
	what := "GROUP BY"
	if len(s.GroupBy) == 0 {
		what = "HAVING"
	}
	return errf(at, codeUnsupported, "%s over the rows of view %q is not supported yet%s", what, view, instead)
}

// plainSelect plans a SELECT without aggregation: Filter, then Project.
func (b *builder) plainSelect(s *sql.Select, in *rel) (*rel, error) {
	r := in
	sc := &scope{cols: in.schema(), tables: in.tables, clause: "WHERE"}
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

// selectList binds the SELECT items and names the output columns.
func selectList(items []sql.SelectItem, sc *scope) ([]expr.Expr, []string, error) {
	var exprs []expr.Expr
	var names []string
	for _, it := range items {
		if it.Star {
			if sc.pre != nil {
				return nil, nil, errf(it.At, codeGrouping, "SELECT * cannot be used with GROUP BY; list the columns")
			}
			for i, c := range sc.cols {
				if err := checkOutputName(c.Name, it.At, true); err != nil {
					return nil, nil, err
				}
				exprs = append(exprs, expr.NewColRef(i, c.Name, c.Type))
				names = append(names, c.Name)
			}
			continue
		}
		e, err := bindScalar(it.Expr, sc)
		if err != nil {
			return nil, nil, err
		}
		if e.Type() == catalog.Unknown {
			e = expr.ConstNull(catalog.Varchar) // SELECT NULL: a VARCHAR column of NULLs
		}
		name := outputName(it, sc)
		if err := checkOutputName(name, it.At, false); err != nil {
			return nil, nil, err
		}
		exprs = append(exprs, e)
		names = append(names, name)
	}
	return exprs, uniqueNames(names), nil
}

// reservedOutputNames are the keys weir adds to every result row, with
// what they hold: an output column of the same name would repeat the key
// (a JSON object with two "_emit" keys, two csv columns of that name).
var reservedOutputNames = map[string]string{
	"_emit":  "the emission kind",
	"_query": "the query's number when a file has several SELECTs",
}

// checkOutputName refuses an output column named as a key weir adds to
// result rows (any case), at the SELECT item that names it (star: the
// column comes from SELECT *).
func checkOutputName(name string, at sql.Pos, star bool) error {
	n := strings.ToLower(name)
	what, ok := reservedOutputNames[n]
	if !ok {
		return nil
	}
	if star {
		return errf(at, codeReservedName, "column name %s is reserved for %s; list the columns instead of * and give %s another alias", n, what, name)
	}
	return errf(at, codeReservedName, "column name %s is reserved for %s; choose another alias", n, what)
}

// outputName names a SELECT item: its alias, the column it reads, the
// function it calls (as PostgreSQL: count, avg), or ?column?.
func outputName(it sql.SelectItem, sc *scope) string {
	if it.Alias != "" {
		return it.Alias
	}
	e := it.Expr
	for {
		c, ok := e.(*sql.Cast)
		if !ok {
			break
		}
		e = c.X
	}
	switch x := e.(type) {
	case *sql.ColumnRef:
		if i := sc.cols.Index(x.Name); i >= 0 {
			return sc.cols[i].Name
		}
		return x.Name
	case *sql.Func:
		return strings.ToLower(x.Name)
	}
	return "?column?"
}

// uniqueNames suffixes repeated names with _2, _3, ... so that every output
// column (a JSON key) is distinct.
func uniqueNames(names []string) []string {
	seen := map[string]bool{}
	for _, n := range names {
		seen[strings.ToLower(n)] = true
	}
	used := map[string]bool{}
	for i, n := range names {
		if !used[strings.ToLower(n)] {
			used[strings.ToLower(n)] = true
			continue
		}
		for k := 2; ; k++ {
			c := n + "_" + itoa(k)
			if !used[strings.ToLower(c)] && !seen[strings.ToLower(c)] {
				names[i] = c
				used[strings.ToLower(c)] = true
				break
			}
		}
	}
	return names
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

// filter adds a Filter node (none for a constant TRUE predicate).
func (b *builder) filter(r *rel, pred expr.Expr) *rel {
	if c, ok := pred.(*expr.Const); ok && !c.Null && c.T == catalog.Boolean && c.B {
		return r
	}
	n := b.node(NodeFilter, r.schema(), r.node)
	n.Filter = pred
	return &rel{node: n, timeCol: r.timeCol, tables: r.tables, windowed: r.windowed}
}

// project adds a Project node, unless it would pass every column through
// unchanged.
func (b *builder) project(r *rel, exprs []expr.Expr, names []string) *rel {
	schema := make(catalog.Schema, len(exprs))
	identity := len(exprs) == len(r.schema())
	timeCol := -1
	for i, e := range exprs {
		schema[i] = catalog.Column{Name: names[i], Type: e.Type()}
		c, ok := e.(*expr.ColRef)
		if !ok || c.Idx != i || names[i] != r.schema()[c.Idx].Name {
			identity = false
		}
		if ok && c.Idx == r.timeCol && timeCol < 0 {
			timeCol = i
		}
	}
	if identity {
		return r
	}
	n := b.node(NodeProject, schema, r.node)
	n.Exprs = exprs
	return &rel{node: n, timeCol: timeCol, tables: r.tables, windowed: r.windowed}
}
