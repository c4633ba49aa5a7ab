package runtime

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/planner"
	"github.com/weirdb/weir/sql"
	"github.com/weirdb/weir/sql/pgwire"
)

// EmitColumn is the column a streamed row's emission kind travels in over
// the wire (SUBSCRIBE, continuous SELECT): "early", "final", "late", or
// NULL for a row of a query without a window.
const EmitColumn = "_emit"

// WireEngine serves the engine over the Postgres wire: it implements
// pgwire.Engine and pgwire.Cataloger. Statements are parsed with sql.Parse;
// DDL, SHOW, DESCRIBE, EXPLAIN and DROP go through Engine.Exec; a SELECT
// over a materialized view (or weir_dead_letters) reads its current rows;
// SUBSCRIBE and a continuous SELECT stream rows until cancelled (or, for a
// SELECT over bounded sources, the end of input). Errors are the engine's,
// *sql.Error carrying their SQLSTATE.
type WireEngine struct {
	e *Engine
}

var (
	_ pgwire.Engine    = (*WireEngine)(nil)
	_ pgwire.Cataloger = (*WireEngine)(nil)
)

// NewWireEngine returns the wire adapter of e.
func NewWireEngine(e *Engine) *WireEngine { return &WireEngine{e: e} }

func parseOne(stmt string) (sql.Statement, error) {
	stmts, err := sql.Parse(stmt)
	if err != nil {
		return nil, err
	}
	if len(stmts) != 1 {
		return nil, &sql.Error{At: sql.Pos{Line: 1, Col: 1}, Code: "42601", Msg: fmt.Sprintf("expected one statement, got %d", len(stmts))}
	}
	return stmts[0], nil
}

// Execute implements pgwire.Engine.
func (w *WireEngine) Execute(ctx context.Context, _ *pgwire.Session, stmt string) (pgwire.Result, error) {
	st, err := parseOne(stmt)
	if err != nil {
		return nil, err
	}
	switch s := st.(type) {
	case *sql.SelectStmt:
		if w.e.IsConstSelect(s) {
			rows, err := w.e.ReadConst(ctx, s.Query)
			if err != nil {
				return nil, err
			}
			return newRowsResult(rows), nil
		}
		if w.e.IsViewRead(s) {
			rows, err := w.e.ReadView(ctx, s.Query)
			if err != nil {
				return nil, err
			}
			return newRowsResult(rows), nil
		}
		sub, err := w.e.StartStream(ctx, s)
		if err != nil {
			return nil, err
		}
		return newStreamResult(sub, true), nil // _emit on every continuous SELECT, NULL without a window (as weir run's jsonl)
	case *sql.Subscribe:
		sub, err := w.e.Subscribe(s.View)
		if err != nil {
			if se, ok := err.(*sql.Error); ok && se.At == (sql.Pos{}) {
				se.At = subscribeNamePos(s)
			}
			return nil, err
		}
		return newStreamResult(sub, true), nil
	case *sql.Explain:
		res, err := w.explain(s)
		if err != nil {
			return nil, err
		}
		return newExecResult(res), nil
	}
	// DDL starts queries that outlive the statement and its connection.
	res, err := w.e.Exec(context.WithoutCancel(ctx), st, nil)
	if err != nil {
		return nil, err
	}
	typeShowColumns(st, res)
	return newExecResult(res), nil
}

// explain renders EXPLAIN for a client of the wire: the rows of the
// explained query go to the client, not to stdout.
func (w *WireEngine) explain(s *sql.Explain) (*Result, error) {
	plan, err := planner.PlanQuery(w.e.cat, s.Query)
	if err != nil {
		return nil, err
	}
	return textResult("EXPLAIN", "QUERY PLAN", planner.Explain(plan, "client")), nil
}

// showCounterColumns are the SHOW QUERIES columns that hold counts.
var showCounterColumns = []string{"events_in", "rows_out", "late_events", "dropped_events"}

// typeShowColumns types SHOW QUERIES' counters BIGINT on the wire (the
// engine renders every SHOW value as text); other results are unchanged.
func typeShowColumns(st sql.Statement, res *Result) {
	if sh, ok := st.(*sql.Show); !ok || sh.What != "QUERIES" {
		return
	}
	cols := slices.Clone(res.Columns)
	for i, c := range cols {
		if slices.Contains(showCounterColumns, c.Name) && c.Type == catalog.Varchar {
			cols[i].Type = catalog.Bigint
		}
	}
	res.Columns = cols
}

// Describe implements pgwire.Engine; it has no side effects.
func (w *WireEngine) Describe(ctx context.Context, _ *pgwire.Session, stmt string) ([]pgwire.Column, error) {
	st, err := parseOne(stmt)
	if err != nil {
		return nil, err
	}
	switch s := st.(type) {
	case *sql.SelectStmt:
		if w.e.IsConstSelect(s) {
			schema, err := w.e.DescribeConst(s.Query)
			if err != nil {
				return nil, err
			}
			return wireColumns(schema, false), nil
		}
		if w.e.IsViewRead(s) {
			schema, err := w.e.DescribeRead(s.Query)
			if err != nil {
				return nil, err
			}
			return wireColumns(schema, false), nil
		}
		plan, err := planner.PlanQuery(w.e.cat, s.Query)
		if err != nil {
			return nil, err
		}
		return wireColumns(plan.Output, true), nil
	case *sql.Subscribe:
		v := w.e.cat.View(s.View)
		if v == nil {
			return nil, &sql.Error{At: subscribeNamePos(s), Code: "42P01", Msg: fmt.Sprintf("unknown materialized view %q", s.View)}
		}
		if !v.Materialized {
			return nil, &sql.Error{At: subscribeNamePos(s), Code: "0A000", Msg: fmt.Sprintf("view %q is not materialized; SUBSCRIBE needs a materialized view", s.View)}
		}
		return wireColumns(v.Schema, true), nil
	case *sql.Explain:
		res, err := w.explain(s)
		if err != nil {
			return nil, err
		}
		return wireColumns(res.Columns, false), nil
	case *sql.Show, *sql.Describe:
		res, err := w.e.Exec(ctx, st, nil)
		if err != nil {
			return nil, err
		}
		typeShowColumns(st, res)
		return wireColumns(res.Columns, false), nil
	}
	return nil, nil
}

// Relations implements pgwire.Cataloger.
func (w *WireEngine) Relations(context.Context) []pgwire.Relation {
	var out []pgwire.Relation
	for _, s := range w.e.cat.Sources() {
		out = append(out, pgwire.Relation{Name: s.Name, Kind: pgwire.RelSource, Columns: wireColumns(s.Schema, false)})
	}
	for _, v := range w.e.cat.Views() {
		kind := pgwire.RelView
		if !v.Materialized {
			kind = pgwire.RelPlainView
		}
		out = append(out, pgwire.Relation{Name: v.Name, Kind: kind, Columns: wireColumns(v.Schema, false), Definition: v.QuerySQL})
	}
	out = append(out, pgwire.Relation{Name: DeadLettersView, Kind: pgwire.RelSystemView, Columns: wireColumns(deadLetterSchema, false)})
	return out
}

func wireColumns(s catalog.Schema, emit bool) []pgwire.Column {
	out := make([]pgwire.Column, 0, len(s)+1)
	for _, c := range s {
		out = append(out, pgwire.Column{Name: c.Name, Type: c.Type})
	}
	if emit {
		out = append(out, pgwire.Column{Name: EmitColumn, Type: catalog.Varchar})
	}
	return out
}

// setValue stores row i of v in dst.
func setValue(dst *pgwire.Value, v *coldata.Vec, i int) {
	*dst = pgwire.Value{}
	if v.Nulls.IsNull(i) {
		dst.Null = true
		return
	}
	switch v.Type {
	case catalog.Bigint, catalog.Timestamp:
		dst.I = v.I64[i]
	case catalog.Double:
		dst.F = v.F64[i]
	case catalog.Varchar:
		dst.S = v.Str[i]
	case catalog.Boolean:
		dst.B = v.Bool[i]
	default:
		dst.Null = true
	}
}

// rowsResult serves a bounded read.
type rowsResult struct {
	rows *Rows
	cols []pgwire.Column
	i    int
	row  pgwire.Row
}

func newRowsResult(r *Rows) *rowsResult {
	return &rowsResult{rows: r, cols: wireColumns(r.Columns, false), row: make(pgwire.Row, len(r.Cols))}
}

func (r *rowsResult) Columns() []pgwire.Column { return r.cols }

func (r *rowsResult) Next(ctx context.Context) (pgwire.Row, bool, error) {
	if r.i >= r.rows.Len {
		return nil, false, nil
	}
	if r.i&1023 == 0 && ctx.Err() != nil {
		return nil, false, ctx.Err()
	}
	for c, v := range r.rows.Cols {
		setValue(&r.row[c], v, r.i)
	}
	r.i++
	return r.row, true, nil
}

func (r *rowsResult) Tag() string  { return "SELECT " + strconv.Itoa(r.i) }
func (r *rowsResult) Close() error { return nil }

// streamResult serves a Subscription; every row is flushed at once.
type streamResult struct {
	sub   *Subscription
	cols  []pgwire.Column
	emit  bool
	batch *coldata.Batch
	i     int
	n     int
	row   pgwire.Row
}

func newStreamResult(s *Subscription, emit bool) *streamResult {
	cols := wireColumns(s.Columns, emit)
	return &streamResult{sub: s, cols: cols, emit: emit, row: make(pgwire.Row, len(cols))}
}

func (r *streamResult) Columns() []pgwire.Column { return r.cols }

// Streaming implements pgwire.Streamer.
func (r *streamResult) Streaming() bool { return true }

func (r *streamResult) Next(ctx context.Context) (pgwire.Row, bool, error) {
	for r.batch == nil || r.i >= r.batch.Len {
		b, err := r.sub.Next(ctx)
		if err != nil {
			if err == io.EOF {
				return nil, false, nil
			}
			return nil, false, err
		}
		r.batch, r.i = b, 0
	}
	b := r.batch
	for c, v := range b.Cols {
		setValue(&r.row[c], v, r.i)
	}
	if r.emit {
		e := &r.row[len(b.Cols)]
		*e = pgwire.Value{}
		if r.i >= len(b.Emit) || b.Emit[r.i] == coldata.EmitNone {
			e.Null = true
		} else {
			e.S = b.Emit[r.i].String()
		}
	}
	r.i++
	r.n++
	return r.row, true, nil
}

func (r *streamResult) Tag() string  { return "SELECT " + strconv.Itoa(r.n) }
func (r *streamResult) Close() error { return r.sub.Close() }

// execResult serves an Exec result (rendered values).
type execResult struct {
	res  *Result
	cols []pgwire.Column
	i    int
	row  pgwire.Row
}

func newExecResult(res *Result) *execResult {
	t := &execResult{res: res}
	if len(res.Columns) > 0 {
		t.cols = wireColumns(res.Columns, false)
		t.row = make(pgwire.Row, len(t.cols))
	}
	return t
}

func (t *execResult) Columns() []pgwire.Column { return t.cols }

func (t *execResult) Next(context.Context) (pgwire.Row, bool, error) {
	if t.cols == nil || t.i >= len(t.res.Rows) {
		return nil, false, nil
	}
	for c, s := range t.res.Rows[t.i] {
		null := t.i < len(t.res.Nulls) && c < len(t.res.Nulls[t.i]) && t.res.Nulls[t.i][c]
		t.row[c] = parseValue(t.cols[c].Type, s, null)
	}
	t.i++
	return t.row, true, nil
}

func (t *execResult) Tag() string  { return t.res.Tag }
func (t *execResult) Close() error { return nil }

// parseValue turns a rendered value back into a typed one.
func parseValue(typ catalog.Type, s string, null bool) pgwire.Value {
	if null {
		return pgwire.Value{Null: true}
	}
	var v pgwire.Value
	var err error
	switch typ {
	case catalog.Bigint:
		v.I, err = strconv.ParseInt(s, 10, 64)
	case catalog.Double:
		v.F, err = strconv.ParseFloat(s, 64)
	case catalog.Boolean:
		v.B, err = strconv.ParseBool(s)
	case catalog.Timestamp:
		var t time.Time
		t, err = time.Parse(time.RFC3339Nano, s)
		v.I = t.UnixMilli()
	default:
		v.S = s
	}
	if err != nil {
		return pgwire.Value{Null: true}
	}
	return v
}
