package sql

import (
	"sort"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// converter turns TiDB's AST of one rewritten text into weir's AST.
type converter struct {
	p    *parser
	toks []token // the user's tokens the text was made from
	rw   rewrite
	lf   lifted
	// posHint is the rewritten offset of the innermost call being
	// converted, for the nodes TiDB leaves unpositioned.
	posHint int
	// takenPos marks the tokens of GROUP BY / ORDER BY positions already
	// converted (positionToken).
	takenPos map[int]bool
	// nested counts the subqueries in FROM being converted: SELECT
	// DISTINCT is read only in the statement's own SELECT.
	nested int
	// quoted marks the keywords (by offset) handed to TiDB quoted, as
	// column names (keywords.go).
	quoted map[int]bool
}

// origPos maps an offset of the rewritten text to a position in the user's text.
func (c *converter) origPos(off int) Pos { return c.p.lines.pos(c.rw.orig(off)) }

// tokIndex returns the index of the user's token starting at byte offset
// orig, or -1.
func (c *converter) tokIndex(orig int) int {
	i := sort.Search(len(c.toks), func(i int) bool { return c.toks[i].start >= orig })
	if i < len(c.toks) && c.toks[i].start == orig {
		return i
	}
	return -1
}

// checkName rejects a placeholder where TiDB read a name: the user put an
// interval, window TVF or CAST where a name belongs.
func (c *converter) checkName(name string, off int) error {
	if !strings.HasPrefix(strings.ToLower(name), placeholderPrefix) {
		return nil
	}
	at := c.origPos(off)
	if rest, ok := strings.CutPrefix(name, phInterval); ok {
		if k, err := strconv.Atoi(rest); err == nil && k < len(c.lf.intervals) {
			at = c.lf.intervals[k].At
		}
	} else if rest, ok := strings.CutPrefix(name, phTVF); ok {
		if k, err := strconv.Atoi(rest); err == nil && k < len(c.lf.tvfs) {
			at = c.lf.tvfs[k].At
		}
	}
	return &Error{At: at, Code: CodeSyntax, Msg: "expected a name, found an interval, window TVF or CAST"}
}

// unsupported reports an unsupported construct at a rewritten-text offset.
func (c *converter) unsupported(off int, what string) *Error {
	return &Error{At: c.origPos(off), Code: CodeUnsupported, Msg: what}
}

// query converts a SELECT or a UNION ALL of SELECTs.
func (c *converter) query(rs ast.ResultSetNode) (*Query, error) {
	q := &Query{}
	var order *ast.OrderByClause
	var limit *ast.Limit
	switch n := rs.(type) {
	case *ast.SelectStmt:
		sel, err := c.selectBlock(n, c.nested == 0)
		if err != nil {
			return nil, err
		}
		q.Selects = []*Select{sel}
		order, limit = n.OrderBy, n.Limit
	case *ast.SetOprStmt:
		if n.With != nil {
			return nil, c.unsupported(0, "WITH (common table expressions) is not supported")
		}
		if err := c.unionAll(q, n.SelectList, true); err != nil {
			return nil, err
		}
		order, limit = n.OrderBy, n.Limit
	default:
		return nil, c.unsupported(0, "expected a SELECT query")
	}
	q.At = q.Selects[0].At
	if order != nil {
		for _, it := range order.Items {
			e, err := c.expr(it.Expr)
			if err != nil {
				return nil, err
			}
			q.OrderBy = append(q.OrderBy, OrderItem{Expr: e, Desc: it.Desc})
		}
	}
	if limit != nil {
		if limit.Offset != nil {
			// Only a subquery's (or MySQL's LIMIT m, n): the statement's
			// own row-count clauses are read before TiDB (select_tail.go).
			if i := c.tokIndex(q.At.Offset); i >= 0 {
				if j := c.findTopLevel(i, func(t token) bool { return t.is("OFFSET") }); j >= 0 {
					return nil, &Error{At: c.p.lines.pos(c.toks[j].start), Code: CodeUnsupported,
						Msg: "OFFSET is supported only in a read of a materialized view (SELECT ... FROM view OFFSET n), not in a subquery"}
				}
			}
			at := c.posOfFirst(func(t token) bool { return t.is("LIMIT") })
			return nil, &Error{At: at, Code: CodeUnsupported, Msg: "LIMIT m, n is not supported; write LIMIT n OFFSET m"}
		}
		// The LIMIT keyword: the first one at this query's own level (TiDB
		// leaves the count unpositioned), else the statement's top-level one.
		q.LimitAt = c.posOfFirst(func(t token) bool { return t.is("LIMIT") })
		countAt := q.LimitAt
		if i := c.tokIndex(q.At.Offset); i >= 0 {
			if j := c.findTopLevel(i, func(t token) bool { return t.is("LIMIT") }); j >= 0 {
				q.LimitAt = c.p.lines.pos(c.toks[j].start)
				countAt = q.LimitAt
				if j+1 < len(c.toks) {
					countAt = c.p.lines.pos(c.toks[j+1].start)
				}
			}
		}
		e, err := c.expr(limit.Count)
		if err != nil {
			return nil, err
		}
		lit, ok := e.(*Literal)
		if !ok || lit.Kind != LitInt || lit.I < 0 {
			return nil, &Error{At: countAt, Code: CodeSyntax, Msg: "expected a non-negative integer after LIMIT"}
		}
		n := lit.I
		q.Limit, q.LimitCountAt = &n, countAt
	}
	return q, nil
}

// unionAll flattens a list of SELECTs joined by UNION ALL into q.
func (c *converter) unionAll(q *Query, list *ast.SetOprSelectList, first bool) error {
	for i, n := range list.Selects {
		var op *ast.SetOprType
		switch s := n.(type) {
		case *ast.SelectStmt:
			op = s.AfterSetOperator
		case *ast.SetOprSelectList:
			op = s.AfterSetOperator
		}
		if (i > 0 || !first) && op != nil && *op != ast.UnionAll {
			at := c.posOfFirst(func(t token) bool { return t.is("UNION") || t.is("EXCEPT") || t.is("INTERSECT") })
			return &Error{At: at, Code: CodeUnsupported, Msg: "only UNION ALL is supported, found " + op.String()}
		}
		switch s := n.(type) {
		case *ast.SelectStmt:
			if s.OrderBy != nil || s.Limit != nil {
				return c.unsupported(0, "ORDER BY and LIMIT are supported only after the last SELECT of a UNION ALL")
			}
			sel, err := c.selectBlock(s, false)
			if err != nil {
				return err
			}
			q.Selects = append(q.Selects, sel)
		case *ast.SetOprSelectList:
			if s.OrderBy != nil || s.Limit != nil || s.With != nil {
				return c.unsupported(0, "ORDER BY and LIMIT are supported only after the last SELECT of a UNION ALL")
			}
			if err := c.unionAll(q, s, i == 0 && first); err != nil {
				return err
			}
		default:
			return c.unsupported(0, "expected SELECT in UNION ALL")
		}
	}
	return nil
}

// selectBlock converts one SELECT block; distinct tells whether SELECT
// DISTINCT may be read (the statement's own single SELECT, which may read
// a materialized view), else it is refused.
func (c *converter) selectBlock(n *ast.SelectStmt, distinct bool) (*Select, error) {
	if n.Kind != ast.SelectStmtKindSelect || n.Fields == nil || len(n.Fields.Fields) == 0 {
		return nil, c.unsupported(0, "expected a SELECT query (TABLE and VALUES are not supported)")
	}
	first := n.Fields.Fields[0].Offset
	var distinctAt Pos
	if n.Distinct {
		sel := c.selectKeywordPos(first)
		distinctAt = c.p.lines.pos(sel.Offset + len("SELECT"))
		if i := c.tokIndex(sel.Offset); i >= 0 && i+1 < len(c.toks) {
			distinctAt = c.p.lines.pos(c.toks[i+1].start)
		}
	}
	switch {
	case n.With != nil:
		return nil, c.unsupported(first, "WITH (common table expressions) is not supported")
	case n.Distinct && !distinct:
		return nil, &Error{At: distinctAt, Code: CodeUnsupported, Msg: "SELECT DISTINCT is supported only in a read of a materialized view (SELECT DISTINCT ... FROM view), not in a subquery or UNION ALL; use GROUP BY"}
	case len(n.WindowSpecs) > 0:
		return nil, c.unsupported(first, "WINDOW clauses are not supported; use a window TVF such as TUMBLE in FROM")
	case n.LockInfo != nil, n.SelectIntoOpt != nil:
		return nil, c.unsupported(first, "SELECT ... FOR UPDATE and SELECT ... INTO are not supported")
	}
	s := &Select{At: c.selectKeywordPos(first), Distinct: n.Distinct, DistinctAt: distinctAt}
	for _, f := range n.Fields.Fields {
		if f.WildCard != nil {
			if f.WildCard.Schema.O != "" {
				return nil, c.unsupported(f.Offset, "qualified names with a schema are not supported")
			}
			s.Items = append(s.Items, SelectItem{At: c.origPos(f.Offset), Star: true})
			continue
		}
		e, err := c.expr(f.Expr)
		if err != nil {
			return nil, err
		}
		if err := c.checkName(f.AsName.O, f.Offset); err != nil {
			return nil, err
		}
		s.Items = append(s.Items, SelectItem{At: c.origPos(f.Offset), Expr: e, Alias: f.AsName.O})
	}
	if n.From != nil {
		from, err := c.from(n.From.TableRefs, first)
		if err != nil {
			return nil, err
		}
		s.From = from
	}
	var err error
	if n.Where != nil {
		if s.Where, err = c.expr(n.Where); err != nil {
			return nil, err
		}
	}
	if n.GroupBy != nil {
		if n.GroupBy.Rollup {
			return nil, c.unsupported(first, "GROUP BY ... WITH ROLLUP is not supported")
		}
		for _, it := range n.GroupBy.Items {
			e, err := c.expr(it.Expr)
			if err != nil {
				return nil, err
			}
			s.GroupBy = append(s.GroupBy, e)
		}
	}
	if n.Having != nil {
		if s.Having, err = c.expr(n.Having.Expr); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// selectKeywordPos finds the SELECT keyword before the first field.
func (c *converter) selectKeywordPos(firstField int) Pos {
	orig := c.rw.orig(firstField)
	i := sort.Search(len(c.toks), func(i int) bool { return c.toks[i].start >= orig })
	for i--; i >= 0; i-- {
		if c.toks[i].is("SELECT") {
			return c.p.lines.pos(c.toks[i].start)
		}
	}
	return c.p.lines.pos(orig)
}

// fromTokenAfter returns the index of the user's token following the FROM
// of the SELECT whose first field is at rewritten offset firstField.
func (c *converter) fromTokenAfter(firstField int) int {
	orig := c.rw.orig(firstField)
	depth := 0
	for i := sort.Search(len(c.toks), func(i int) bool { return c.toks[i].start >= orig }); i < len(c.toks); i++ {
		t := c.toks[i]
		switch {
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
			if depth < 0 {
				return -1
			}
		case depth == 0 && t.is("FROM") && !isDistinctFrom(c.toks, i):
			if i+1 < len(c.toks) {
				return i + 1
			}
			return -1
		}
	}
	return -1
}

// findTopLevel returns the index of the first token from index i on, at
// the nesting depth of toks[i], that satisfies pred, or -1.
func (c *converter) findTopLevel(i int, pred func(token) bool) int {
	depth := 0
	for ; i < len(c.toks); i++ {
		t := c.toks[i]
		switch {
		case depth == 0 && pred(t):
			return i
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
			if depth < 0 {
				return -1
			}
		}
	}
	return -1
}

// posOfFirst positions an error at the first top-level token of the query
// satisfying pred, or at the query's start.
func (c *converter) posOfFirst(pred func(token) bool) Pos {
	if j := c.findTopLevel(0, pred); j >= 0 {
		return c.p.lines.pos(c.toks[j].start)
	}
	return c.origPos(0)
}

// from converts the FROM clause: one table, view, window TVF or subquery.
func (c *converter) from(refs *ast.Join, firstField int) (FromItem, error) {
	after := c.fromTokenAfter(firstField)
	at := Pos{}
	if after >= 0 {
		at = c.p.lines.pos(c.toks[after].start)
	}
	ts, ok := refs.Left.(*ast.TableSource)
	if refs.Right != nil || !ok {
		joinAt := at
		if after >= 0 {
			if j := c.findTopLevel(after, func(t token) bool { return t.is("JOIN") || t.isOp(",") }); j >= 0 {
				joinAt = c.p.lines.pos(c.toks[j].start)
			}
		}
		return nil, &Error{At: joinAt, Code: CodeUnsupported, Msg: "joins are not supported yet: FROM takes one source, view, window TVF or subquery"}
	}
	alias := ts.AsName.O
	if err := c.checkName(alias, 0); err != nil {
		return nil, err
	}
	switch src := ts.Source.(type) {
	case *ast.TableName:
		schema := ""
		if strings.EqualFold(src.Schema.O, "public") {
			schema = "public" // every relation is in schema public
		} else if src.Schema.O != "" {
			return nil, &Error{At: at, Code: CodeUnsupported, Msg: "qualified names with a schema are not supported, found " + strconv.Quote(src.Schema.O+"."+src.Name.O)}
		}
		if rest, ok := strings.CutPrefix(src.Name.O, phTVF); ok {
			k, err := strconv.Atoi(rest)
			if err != nil || k >= len(c.lf.tvfs) {
				return nil, &Error{At: at, Code: CodeSyntax, Msg: "expected a source or view name"}
			}
			tvf := c.lf.tvfs[k]
			tvf.Alias = alias
			return tvf, nil
		}
		if err := c.checkName(src.Name.O, 0); err != nil {
			err.(*Error).At = at
			return nil, err
		}
		return &TableRef{At: at, Schema: schema, Name: src.Name.O, Alias: alias}, nil
	case *ast.SelectStmt, *ast.SetOprStmt:
		c.nested++
		q, err := c.query(src)
		c.nested--
		if err != nil {
			return nil, err
		}
		return &Subquery{At: at, Query: q, Alias: alias}, nil
	}
	return nil, &Error{At: at, Code: CodeUnsupported, Msg: "expected a source, view, window TVF or subquery in FROM"}
}
