package runtime_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/runtime"
	"github.com/weirdb/weir/sql"
)

// startViewLocal is startViewWire's engine without the wire endpoint: the
// views v1, recent and parts over the same events, plus a plain view pv
// over the source m, once their bounded input has ended.
func startViewLocal(t *testing.T) *runtime.Engine {
	t.Helper()
	return startViewEngine(t, "CREATE VIEW pv AS SELECT model FROM m;")
}

// localRows runs one statement with Engine.Exec, as weir run and the
// in-process weir repl do, and renders its rows as "a | b" (NULL as NULL).
func localRows(t *testing.T, eng *runtime.Engine, q string) ([]string, error) {
	t.Helper()
	stmts, err := sql.Parse(q)
	if err != nil {
		return nil, err
	}
	require.Len(t, stmts, 1)
	res, err := eng.Exec(context.Background(), stmts[0], nil)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for i, row := range res.Rows {
		parts := make([]string, len(row))
		for c, v := range row {
			parts[c] = v
			if res.Nulls[i][c] {
				parts[c] = "NULL"
			}
		}
		out = append(out, strings.Join(parts, " | "))
	}
	return out, nil
}

// TestViewReadLocalPostgresForms: weir run and the in-process weir repl
// read a view in the forms PostgreSQL clients write (viewReadForms), with
// the rows TestViewReadPostgresForms gets over the wire, and a few more.
func TestViewReadLocalPostgresForms(t *testing.T) {
	eng := startViewLocal(t)
	const order = " ORDER BY window_start, model"
	for _, tc := range append(viewReadForms(), []viewReadCase{
		{"SELECT model, n FROM v1" + order + " LIMIT 0", nil},
		{"SELECT DISTINCT n * 10 AS tens FROM v1 ORDER BY n * 10", []string{"10", "20"}},
		{"SELECT DISTINCT model FROM v1 ORDER BY v1.model DESC LIMIT 2", []string{"d", "c"}},
		// NULLs are equal under DISTINCT: one NULL max_ms (d), sorted last,
		// first under DESC.
		{"SELECT DISTINCT max_ms FROM v1 WHERE model = 'd' OR max_ms > 300 ORDER BY max_ms", []string{"400", "NULL"}},
		{"SELECT DISTINCT max_ms FROM v1 WHERE model = 'd' OR max_ms > 300 ORDER BY max_ms DESC", []string{"NULL", "400"}},
		{"SELECT model FROM recent WHERE window_end < statement_timestamp() ORDER BY model", []string{"new", "old"}},
		{"SELECT model, window_end < now() AS past FROM recent ORDER BY model", []string{"new | true", "old | true"}},
	}...) {
		t.Run(tc.q, func(t *testing.T) {
			got, err := localRows(t, eng, tc.q)
			require.NoError(t, err)
			if tc.want == nil {
				tc.want = []string{}
			}
			require.Equal(t, tc.want, got)
		})
	}
}

// TestViewReadLocalErrors: what a view read cannot do, and DISTINCT or
// OFFSET in a continuous query, fail with a SQLSTATE at the offending
// text.
func TestViewReadLocalErrors(t *testing.T) {
	eng := startViewLocal(t)
	for _, tc := range []struct {
		q, code, msg string
		at           string // the text the position points at
	}{
		{"SELECT DISTINCT model FROM v1 ORDER BY n", "42P10", "for SELECT DISTINCT, ORDER BY expressions must appear in select list", "n"},
		{"SELECT DISTINCT model FROM v1 ORDER BY lower(model)", "42P10", "for SELECT DISTINCT, ORDER BY expressions must appear in select list", "lower"},
		{"SELECT * FROM v1 LIMIT 1 FETCH FIRST 2 ROWS ONLY", "42601", "multiple LIMIT clauses not allowed", "FETCH"},
		{"SELECT * FROM v1 FETCH FIRST 2 ROWS WITH TIES", "0A000", "FETCH ... WITH TIES is not supported; use FETCH FIRST n ROWS ONLY", "WITH"},
		{"SELECT * FROM v1 OFFSET -1", "2201X", "OFFSET must not be negative", "-1"},
		{"SELECT * FROM v1 LIMIT (-1)", "2201W", "LIMIT must not be negative", "(-1)"},
		{"SELECT * FROM v1 FETCH NEXT '-2' ROWS ONLY", "2201W", "LIMIT must not be negative", "'-2'"},
		{"SELECT * FROM v1 LIMIT 'x'", "42601", "expected a non-negative integer after LIMIT, found 'x'", "'x'"},
		{"SELECT * FROM other.v1", "0A000", `qualified names with a schema are not supported, found "other.v1"`, "other"},
		{"SELECT DISTINCT model FROM public.v1 WHERE window_end < now() AND nope = 1 LIMIT ALL", "42703", `unknown column "nope"`, "nope"},
		// A continuous query: DISTINCT and OFFSET are refused, naming what
		// it reads; the wall clock stays refused.
		{"SELECT DISTINCT model FROM m", "0A000",
			`SELECT DISTINCT is not supported in a continuous query over source "m" (it applies when reading a materialized view); use GROUP BY over the selected columns`, "DISTINCT"},
		{"SELECT model FROM public.m OFFSET 1", "0A000",
			`OFFSET is not supported in a continuous query over source "m" (it applies when reading a materialized view)`, "OFFSET"},
		{"SELECT DISTINCT model FROM pv", "0A000",
			`SELECT DISTINCT is not supported in a continuous query over view "pv" (a plain view, which does not store rows)`, "DISTINCT"},
		{"SELECT DISTINCT window_start FROM TUMBLE(m, ts, INTERVAL '1' MINUTE)", "0A000",
			"SELECT DISTINCT is not supported in a continuous query (it applies when reading a materialized view)", "DISTINCT"},
		{"SELECT DISTINCT model FROM nosuch", "42P01", `"nosuch"`, "nosuch"},
		{"SELECT model FROM m WHERE ts > now()", "0A000", "now() is not supported", "now()"},
		{"CREATE MATERIALIZED VIEW w AS SELECT DISTINCT model FROM m", "0A000", "SELECT DISTINCT is not supported in a continuous query", "DISTINCT"},
	} {
		t.Run(tc.q, func(t *testing.T) {
			_, err := localRows(t, eng, tc.q)
			var se *sql.Error
			require.True(t, errors.As(err, &se), "%v", err)
			require.Equal(t, tc.code, se.Code, se.Error())
			require.Contains(t, se.Msg, tc.msg)
			require.Equal(t, strings.Index(tc.q, tc.at)+1, se.At.Col, se.Error())
		})
	}
}

// TestViewReadLocalDescribe: the dry run (weir run --dry-run, via
// DescribeRead) and IsViewRead route a continuous DISTINCT to its
// refusal instead of running it.
func TestViewReadLocalDescribe(t *testing.T) {
	eng := startViewLocal(t)
	before := len(eng.Queries())
	stmts, err := sql.Parse("SELECT DISTINCT model FROM v1 OFFSET 1; SELECT DISTINCT model FROM m")
	require.NoError(t, err)
	require.True(t, eng.IsViewRead(stmts[0]))
	cols, err := eng.DescribeRead(stmts[0].(*sql.SelectStmt).Query)
	require.NoError(t, err)
	require.Equal(t, "model", cols[0].Name)
	require.Len(t, cols, 1)

	require.True(t, eng.IsViewRead(stmts[1]), "a continuous DISTINCT goes to ReadView, which refuses it")
	_, err = eng.DescribeRead(stmts[1].(*sql.SelectStmt).Query)
	require.ErrorContains(t, err, `SELECT DISTINCT is not supported in a continuous query over source "m"`)
	_, err = eng.Exec(context.Background(), stmts[1], nil)
	require.ErrorContains(t, err, `SELECT DISTINCT is not supported in a continuous query over source "m"`)
	require.Len(t, eng.Queries(), before, "no query started")
}

// TestViewReadContinuousDistinctWire: over the wire too, a continuous
// SELECT DISTINCT (which pgwire hands the engine as written) is refused
// at DISTINCT, in both protocols.
func TestViewReadContinuousDistinctWire(t *testing.T) {
	conn, _ := startViewWire(t)
	const q = "SELECT DISTINCT model FROM m"
	for _, mode := range viewWireModes {
		t.Run(mode.String(), func(t *testing.T) {
			_, err := wireRows(t, conn, q, mode)
			var pe *pgconn.PgError
			require.True(t, errors.As(err, &pe), "%v", err)
			require.Equal(t, "0A000", pe.Code)
			require.Contains(t, pe.Message, `SELECT DISTINCT is not supported in a continuous query over source "m"`)
			require.EqualValues(t, len("SELECT ")+1, pe.Position)
		})
	}
}
