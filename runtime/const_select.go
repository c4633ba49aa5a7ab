package runtime

import (
	"context"
	"runtime/debug"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/planner"
	"github.com/weirdb/weir/sql"
)

// constRelation names the one-row, no-column relation a SELECT without
// FROM is planned over. It never reaches the user: CheckConstSelect
// refuses column references first.
const constRelation = "weir_one_row"

// IsConstSelect reports whether stmt is a SELECT without FROM (SELECT 1,
// SELECT version(), SELECT 1 + 2 AS x): a bounded statement that returns
// one row, not a continuous query.
func (e *Engine) IsConstSelect(stmt sql.Statement) bool {
	s, ok := stmt.(*sql.SelectStmt)
	return ok && isConstQuery(s.Query)
}

func isConstQuery(q *sql.Query) bool {
	return q != nil && len(q.Selects) == 1 && q.Selects[0].From == nil
}

// ReadConst evaluates a SELECT without FROM with weir's own expression
// compiler over one row without columns: one row (none when its WHERE is
// false), with now() and the other wall-clock functions read as the
// statement's start time and version() as weir's version.
func (e *Engine) ReadConst(ctx context.Context, q *sql.Query) (*Rows, error) {
	bp, err := e.planConst(q)
	if err != nil {
		return nil, err
	}
	in := coldata.NewBatch(catalog.Schema{}, 1)
	in.Len = 1
	return e.runRead(ctx, bp, in)
}

// DescribeConst returns the columns a SELECT without FROM returns.
func (e *Engine) DescribeConst(q *sql.Query) (catalog.Schema, error) {
	bp, err := e.planConst(q)
	if err != nil {
		return nil, err
	}
	return bp.plan.Output[:bp.visible], nil
}

func (e *Engine) planConst(q *sql.Query) (*boundedPlan, error) {
	if err := planner.CheckConstSelect(q); err != nil {
		return nil, err
	}
	q = withStatementTime(q, e.clock.Now())
	sel := *q.Selects[0]
	sel.Items = withVersion(sel.Items)
	if sel.Where != nil {
		sel.Where = replaceFuncs(sel.Where, versionLiteral)
	}
	sel.From = &sql.TableRef{At: sel.At, Name: constRelation}
	out := *q
	out.Selects = []*sql.Select{&sel}
	return planRead(constRelation, catalog.Schema{}, &out)
}

// WeirVersion is what version() returns in `weir run` and the in-process
// repl: "weir " and the module version the binary was built from
// ("(devel)" for a build from a checkout). The wire endpoint answers
// version() itself, in PostgreSQL's form, for the clients that parse it.
func WeirVersion() string {
	v := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		v = bi.Main.Version
	}
	return "weir " + v
}
