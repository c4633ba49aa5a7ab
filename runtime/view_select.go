package runtime

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/coldata/render"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/planner"
	"github.com/weirdb/weir/sql"
	"github.com/weirdb/weir/sql/pgwire"
)

// Rows is the bounded result of a SELECT over a materialized view or a
// system view: typed columns, Len rows. It is owned by the caller.
type Rows struct {
	Columns catalog.Schema
	Cols    []*coldata.Vec
	Len     int
}

// readTarget reports whether q reads a materialized view or a system view
// (a bounded SELECT) and which. It is also true, with name "", for a
// continuous query that uses what only a read of a view applies (SELECT
// DISTINCT, OFFSET): ReadView and DescribeRead then refuse it, so that
// every caller routing on readTarget or IsViewRead reports the refusal.
func (e *Engine) readTarget(q *sql.Query) (name string, ok bool) {
	if name, ok := e.viewTarget(q); ok {
		return name, true
	}
	return "", q != nil && q.ContinuousClause("") != nil
}

// viewTarget reports whether q reads a materialized view or a system view
// and which.
func (e *Engine) viewTarget(q *sql.Query) (string, bool) {
	if q == nil || len(q.Selects) != 1 {
		return "", false
	}
	ref, ok := q.Selects[0].From.(*sql.TableRef)
	if !ok {
		return "", false
	}
	if strings.EqualFold(ref.Name, DeadLettersView) && e.cat.Source(ref.Name) == nil {
		return DeadLettersView, true
	}
	if v := e.cat.View(ref.Name); v != nil && v.Materialized {
		return v.Name, true
	}
	return "", false
}

// readName is the view q reads, or the error for a query that reads none:
// the planner's (an unknown relation or column, ORDER BY or LIMIT) or, for
// a continuous query with SELECT DISTINCT or OFFSET, their refusal naming
// what it reads.
func (e *Engine) readName(q *sql.Query) (string, error) {
	if name, ok := e.viewTarget(q); ok {
		return name, nil
	}
	if _, err := planner.PlanQuery(e.cat, q); err != nil {
		return "", err
	}
	over := ""
	if ref, ok := q.Selects[0].From.(*sql.TableRef); ok && len(q.Selects) == 1 {
		if src := e.cat.Source(ref.Name); src != nil {
			over = fmt.Sprintf("source %q", src.Name)
		} else if v := e.cat.View(ref.Name); v != nil {
			over = fmt.Sprintf("view %q (a plain view, which does not store rows)", v.Name)
		}
	}
	if err := q.ContinuousClause(over); err != nil {
		return "", err
	}
	return "", &sql.Error{At: q.At, Code: "42P01", Msg: "not a read of a materialized view"}
}

// IsViewRead reports whether stmt is a bounded SELECT over a materialized
// view or a system view (rather than a continuous query).
func (e *Engine) IsViewRead(stmt sql.Statement) bool {
	s, ok := stmt.(*sql.SelectStmt)
	if !ok {
		return false
	}
	_, ok = e.readTarget(s.Query)
	return ok
}

// boundedPlan is a planned read of a view: the planned SELECT (with
// ORDER BY expressions the SELECT list lacks appended as hidden columns),
// the sort keys as output column indexes, how many columns are shown and
// what is done on the sorted rows: DISTINCT, OFFSET, LIMIT (in that
// order, as in PostgreSQL).
type boundedPlan struct {
	plan     *planner.Plan
	visible  int
	order    []sortKey
	distinct bool
	offset   int64
	limit    int64 // -1: none
}

type sortKey struct {
	col  int
	desc bool
}

// planRead plans q over the relation name with the given schema: the view
// is presented to the planner as a source without event time, so WHERE and
// the SELECT list compile with the same expression machinery as
// continuous queries.
func planRead(name string, schema catalog.Schema, q *sql.Query) (*boundedPlan, error) {
	sel := q.Selects[0]
	if q.Emit != nil {
		return nil, &sql.Error{At: q.Emit.At, Code: "0A000", Msg: fmt.Sprintf("EMIT does not apply to reading view %q", name)}
	}
	if _, tvf := sel.From.(*sql.TableRef); !tvf {
		return nil, &sql.Error{At: sel.At, Code: "0A000", Msg: "a view is read with SELECT ... FROM view"}
	}
	cat := catalog.New()
	if err := cat.AddSource(&catalog.Source{Name: name, Schema: schema, Connector: planner.ViewConnector, Options: catalog.Options{}}); err != nil {
		return nil, err
	}
	plain := func(items []sql.SelectItem) *sql.Query {
		s := *sel
		s.Items = items
		s.Distinct = false // applied on the rows (runRead)
		return &sql.Query{At: q.At, Selects: []*sql.Select{&s}}
	}
	plan, err := planner.PlanQuery(cat, plain(sel.Items))
	if err != nil {
		return nil, err
	}
	bp := &boundedPlan{plan: plan, visible: len(plan.Output), distinct: sel.Distinct, limit: -1}
	if q.Limit != nil {
		if *q.Limit < 0 {
			return nil, &sql.Error{At: q.LimitCountAt, Code: "2201W", Msg: "LIMIT must not be negative"}
		}
		bp.limit = *q.Limit
	}
	if q.Offset != nil {
		if *q.Offset < 0 {
			return nil, &sql.Error{At: q.OffsetCountAt, Code: "2201X", Msg: "OFFSET must not be negative"}
		}
		bp.offset = *q.Offset
	}
	items := sel.Items
	hidden := 0
	for _, o := range q.OrderBy {
		col := -1
		switch x := o.Expr.(type) {
		case *sql.Literal:
			if x.Kind == sql.LitInt {
				if x.I < 1 || x.I > int64(bp.visible) {
					return nil, &sql.Error{At: x.At, Code: "42P10", Msg: fmt.Sprintf("ORDER BY position %d is not in select list", x.I)}
				}
				col = int(x.I) - 1
			}
		case *sql.ColumnRef:
			if x.Table == "" {
				col = plan.Output.Index(x.Name)
			}
		}
		if col < 0 && bp.distinct {
			// As PostgreSQL: DISTINCT compares the shown columns only, so
			// a sort key must be one of them (its expression, here).
			if col = itemWithExpr(sel.Items, o.Expr); col < 0 {
				return nil, &sql.Error{At: o.Expr.ExprPos(), Code: "42P10", Msg: "for SELECT DISTINCT, ORDER BY expressions must appear in select list"}
			}
		}
		if col < 0 {
			// Not an output column: computed as a hidden column after the
			// visible ones.
			if hidden == 0 {
				items = slices.Clone(items)
			}
			items = append(items, sql.SelectItem{At: o.Expr.ExprPos(), Expr: o.Expr, Alias: "_order_" + strconv.Itoa(hidden)})
			col = bp.visible + hidden
			hidden++
		}
		bp.order = append(bp.order, sortKey{col: col, desc: o.Desc})
	}
	if hidden > 0 {
		if bp.plan, err = planner.PlanQuery(cat, plain(items)); err != nil {
			return nil, err
		}
	}
	return bp, nil
}

// ReadView runs a bounded SELECT [DISTINCT] ... FROM view [WHERE]
// [ORDER BY] [LIMIT] [OFFSET] over the current rows of a materialized view or a system view
// (weir_dead_letters). With the cold tier, a view's rows are its archived
// rows no longer in memory plus its hot rows (cold.go).
func (e *Engine) ReadView(ctx context.Context, q *sql.Query) (*Rows, error) {
	name, err := e.readName(q)
	if err != nil {
		return nil, err
	}
	q = withStatementTime(q, e.clock.Now())
	var schema catalog.Schema
	var snap func() *coldata.Batch
	if name == DeadLettersView {
		schema, snap = deadLetterSchema, e.deadLetterBatch
	} else {
		mv := e.view(name)
		if mv == nil {
			return nil, &sql.Error{At: q.At, Code: "55000", Msg: fmt.Sprintf("materialized view %q is not running", name)}
		}
		if err := mv.restoreFailure(); err != nil {
			err.At = q.At
			return nil, err
		}
		schema, snap = mv.visibleSchema(), mv.snapshotBatch
		if mv.cold != nil {
			bp, err := planRead(name, schema, q)
			if err != nil {
				return nil, err
			}
			in, err := e.cold.readSnapshot(ctx, mv)
			if err != nil {
				return nil, err
			}
			in.Cols = in.Cols[:mv.visible] // not the hidden keys
			return e.runRead(ctx, bp, in)
		}
	}
	bp, err := planRead(name, schema, q)
	if err != nil {
		return nil, err
	}
	return e.runRead(ctx, bp, snap())
}

// DescribeRead returns the columns a bounded read would return.
func (e *Engine) DescribeRead(q *sql.Query) (catalog.Schema, error) {
	name, err := e.readName(q)
	if err != nil {
		return nil, err
	}
	q = withStatementTime(q, e.clock.Now())
	schema := deadLetterSchema
	if name != DeadLettersView {
		schema = e.cat.View(name).Schema
	}
	bp, err := planRead(name, schema, q)
	if err != nil {
		return nil, err
	}
	return bp.plan.Output[:bp.visible], nil
}

// runRead pushes the snapshot through the plan's filter and projection
// operators, then sorts and limits.
func (e *Engine) runRead(ctx context.Context, bp *boundedPlan, in *coldata.Batch) (*Rows, error) {
	var nodes []*planner.Node
	for n := bp.plan.Root; n.Kind != planner.NodeSource; n = n.Inputs[0] {
		nodes = append(nodes, n)
	}
	ops, err := e.newOperators(reverse(nodes))
	if err != nil {
		return nil, err
	}
	opctx := &operators.Context{Ctx: ctx, Query: "read", Clock: e.clock, DeadLetters: e.deadLetters, Counters: &operators.Counters{}}
	for _, op := range ops {
		if err := op.Open(opctx); err != nil {
			return nil, err
		}
	}
	out := coldata.NewBatch(bp.plan.Output, in.Len)
	collect := operators.EmitterFunc(func(b *coldata.Batch) error {
		b.ForEach(func(i int) {
			for c, v := range out.Cols {
				v.CopyRow(b.Cols[c], i)
			}
			out.Len++
		})
		return nil
	})
	emitters := make([]operators.Emitter, len(ops))
	for k := range ops {
		if k+1 < len(ops) {
			next, nk := ops[k+1], k+1
			emitters[k] = operators.EmitterFunc(func(b *coldata.Batch) error { return next.Process(b, emitters[nk]) })
		} else {
			emitters[k] = collect
		}
	}
	var runErr error
	if in.Len > 0 {
		if len(ops) == 0 {
			runErr = collect(in)
		} else {
			runErr = ops[0].Process(in, emitters[0])
		}
	}
	for _, op := range ops {
		if err := op.Close(); err != nil && runErr == nil {
			runErr = err
		}
	}
	if runErr != nil {
		return nil, runErr
	}
	perm := make([]int, out.Len)
	for i := range perm {
		perm[i] = i
	}
	if len(bp.order) > 0 {
		slices.SortStableFunc(perm, func(a, b int) int {
			for _, k := range bp.order {
				c := compareRows(out.Cols[k.col], a, b)
				if k.desc {
					c = -c
				}
				if c != 0 {
					return c
				}
			}
			return 0
		})
	}
	if bp.distinct {
		perm = distinctRows(out.Cols[:bp.visible], perm)
	}
	perm = perm[min(bp.offset, int64(len(perm))):]
	if bp.limit >= 0 && int64(len(perm)) > bp.limit {
		perm = perm[:bp.limit]
	}
	res := &Rows{Columns: bp.plan.Output[:bp.visible], Len: len(perm), Cols: make([]*coldata.Vec, bp.visible)}
	for c := range res.Cols {
		v := coldata.NewVec(out.Cols[c].Type, len(perm))
		for _, r := range perm {
			v.CopyRow(out.Cols[c], r)
		}
		res.Cols[c] = v
	}
	return res, nil
}

// compareRows orders rows a and b of v as PostgreSQL does by default: NULL
// sorts after every value (so first under DESC).
func compareRows(v *coldata.Vec, a, b int) int {
	na, nb := v.Nulls.IsNull(a), v.Nulls.IsNull(b)
	switch {
	case na && nb:
		return 0
	case na:
		return 1
	case nb:
		return -1
	}
	switch v.Type {
	case catalog.Bigint, catalog.Timestamp:
		return cmpOrdered(v.I64[a], v.I64[b])
	case catalog.Double:
		return cmpOrdered(v.F64[a], v.F64[b])
	case catalog.Varchar:
		return strings.Compare(v.Str[a], v.Str[b])
	case catalog.Boolean:
		switch {
		case v.Bool[a] == v.Bool[b]:
			return 0
		case !v.Bool[a]:
			return -1
		}
		return 1
	}
	return 0
}

func cmpOrdered[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Text renders value r of column c as text ("" for NULL, with null=true):
// integers and doubles in their shortest form, timestamps in RFC 3339 UTC
// with milliseconds, booleans as true/false.
func (r *Rows) Text(c, row int) (s string, null bool) {
	return renderValue(r.Cols[c], row)
}

func renderValue(v *coldata.Vec, i int) (string, bool) {
	if v.Nulls.IsNull(i) {
		return "", true
	}
	switch v.Type {
	case catalog.Bigint:
		return strconv.FormatInt(v.I64[i], 10), false
	case catalog.Timestamp:
		return fmtTime(v.I64[i]), false
	case catalog.Double:
		return float8Text(v.F64[i]), false
	case catalog.Varchar:
		return v.Str[i], false
	case catalog.Boolean:
		return strconv.FormatBool(v.Bool[i]), false
	}
	return "", true
}

// result renders the rows for Engine.Exec's callers (weir run, the
// in-process REPL).
func (r *Rows) result() *Result {
	res := &Result{Tag: "SELECT " + strconv.Itoa(r.Len), Columns: r.Columns}
	for i := 0; i < r.Len; i++ {
		row := make([]string, len(r.Cols))
		nulls := make([]bool, len(r.Cols))
		for c := range r.Cols {
			row[c], nulls[c] = r.Text(c, i)
		}
		res.Rows = append(res.Rows, row)
		res.Nulls = append(res.Nulls, nulls)
	}
	return res
}

// float8Text renders f as PostgreSQL's float8 output does, so the
// in-process REPL prints what `weir repl --server` and psql print.
func float8Text(f float64) string { return pgwire.Float8Text(f) }

// itemWithExpr returns the output column of the SELECT item computing e
// (compared as the planner matches GROUP BY keys: planner.Canon, so case
// and table qualifiers aside), or -1; -1 also when a * makes the list's
// columns not line up with its items.
func itemWithExpr(items []sql.SelectItem, e sql.Expr) int {
	key := planner.Canon(e)
	for i, it := range items {
		if it.Star {
			return -1
		}
		if planner.Canon(it.Expr) == key {
			return i
		}
	}
	return -1
}

// distinctRows keeps the first of the rows (perm, in order) equal in every
// column of cols, as SELECT DISTINCT: NULL equals NULL, 0 equals -0 and
// NaN equals NaN (PostgreSQL's float8 equality).
func distinctRows(cols []*coldata.Vec, perm []int) []int {
	seen := make(map[string]struct{}, len(perm))
	out := perm[:0]
	all := make([]int, len(cols))
	for i := range all {
		all[i] = i
	}
	var key []byte
	for _, r := range perm {
		key = coldata.AppendRowKey(key[:0], cols, all, r)
		if _, dup := seen[string(key)]; dup {
			continue
		}
		seen[string(key)] = struct{}{}
		out = append(out, r)
	}
	return out
}

// wallClockFuncs are the functions that read the wall clock and that a
// read of a view evaluates as the statement's start time, as the wire
// endpoint does (sql/pgwire/view_read.go). A continuous query still
// refuses them (the planner): its results must not depend on when it runs
// or replays.
var wallClockFuncs = map[string]bool{
	"now": true, "current_timestamp": true, "localtimestamp": true,
	"transaction_timestamp": true, "statement_timestamp": true, "clock_timestamp": true,
}

// withStatementTime returns q with every wall-clock call without arguments
// in its SELECT list, WHERE and ORDER BY replaced by the TIMESTAMP now, to
// the millisecond (q itself is not changed).
func withStatementTime(q *sql.Query, now time.Time) *sql.Query {
	ts := now.UTC().Truncate(time.Millisecond).Format(render.TimestampLayout)
	changed := false
	sub := func(e sql.Expr) sql.Expr {
		out := replaceWallClock(e, ts)
		changed = changed || out != e
		return out
	}
	sel := *q.Selects[0]
	sel.Items = slices.Clone(sel.Items)
	for i := range sel.Items {
		if sel.Items[i].Expr != nil {
			sel.Items[i].Expr = sub(sel.Items[i].Expr)
		}
	}
	if sel.Where != nil {
		sel.Where = sub(sel.Where)
	}
	out := *q
	out.OrderBy = slices.Clone(q.OrderBy)
	for i := range out.OrderBy {
		out.OrderBy[i].Expr = sub(out.OrderBy[i].Expr)
	}
	if !changed {
		return q
	}
	out.Selects = []*sql.Select{&sel}
	return &out
}

// replaceWallClock returns e with the wall-clock calls in it replaced by
// the TIMESTAMP ts, copying only the nodes on the way to one.
func replaceWallClock(e sql.Expr, ts string) sql.Expr {
	return replaceFuncs(e, func(x *sql.Func) sql.Expr {
		if wallClockFuncs[x.Name] && len(x.Args) == 0 && !x.Star {
			return &sql.Cast{At: x.At, X: &sql.Literal{At: x.At, Kind: sql.LitString, S: ts}, To: catalog.Timestamp}
		}
		return nil
	})
}
