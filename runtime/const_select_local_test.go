package runtime_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/runtime"
	"github.com/weirdb/weir/sql"
)

// constClock is a fixed engine clock: the statement's start time.
type constClock struct{ t time.Time }

func (c constClock) Now() time.Time { return c.t }

// TestConstSelectLocal: weir run and the in-process repl answer a SELECT
// without FROM with one row evaluated once (no _emit: it is not a window
// emission), as the wire endpoint does.
func TestConstSelectLocal(t *testing.T) {
	start := time.Date(2026, 11, 27, 10, 0, 0, 123456789, time.UTC)
	eng := runtime.New(runtime.Options{Stderr: io.Discard, Clock: constClock{start}})
	t.Cleanup(func() { eng.Close() })
	for _, tc := range []struct {
		q    string
		rows []string
	}{
		{"SELECT 1", []string{"1"}},
		{"SELECT 1 AS one", []string{"1"}},
		{"SELECT 1 + 2 AS x, 'a' || 'b' AS s", []string{"3 | ab"}},
		// SPEC: / on integers yields DOUBLE.
		{"SELECT 7 / 2 AS q, 7 % 2 AS r, -(3 - 5) AS n", []string{"3.5 | 1 | 2"}},
		{"SELECT CAST('12' AS BIGINT) + 1 AS c, NULL IS NULL AS b", []string{"13 | true"}},
		{"SELECT CASE WHEN 1 > 2 THEN 'x' ELSE 'y' END AS c, NULL AS z", []string{"y | NULL"}},
		{"SELECT upper('abc') AS u, length('abcd') AS l", []string{"ABC | 4"}},
		// The statement's start time, at millisecond precision (RFC 3339 UTC).
		{"SELECT now() AS t", []string{"2026-11-27T10:00:00.123Z"}},
		{"SELECT current_timestamp AS t, now() = current_timestamp AS same", []string{"2026-11-27T10:00:00.123Z | true"}},
		// version() is weir's, wherever it appears.
		{"SELECT version() LIKE 'weir %' AS ok, position('weir' IN 'x' || version()) AS p", []string{"true | 2"}},
		{"SELECT 1 AS one WHERE version() <> ''", []string{"1"}},
		// WHERE is evaluated on the one row: false keeps none.
		{"SELECT 1 AS one WHERE 1 < 2", []string{"1"}},
		{"SELECT 1 AS one WHERE false", []string{}},
		{"SELECT 1 AS one ORDER BY one LIMIT 0", []string{}},
		{"SELECT 1 AS one LIMIT 5 OFFSET 1", []string{}},
	} {
		t.Run(tc.q, func(t *testing.T) {
			got, err := localRows(t, eng, tc.q)
			require.NoError(t, err)
			require.Equal(t, tc.rows, got)
		})
	}
}

// TestConstSelectLocalColumns: the result has the statement's columns and
// the tag of a read ("SELECT <rows>"), and no continuous query behind it.
func TestConstSelectLocalColumns(t *testing.T) {
	eng := runtime.New(runtime.Options{Stderr: io.Discard})
	t.Cleanup(func() { eng.Close() })
	stmts, err := sql.Parse("SELECT 1 + 2 AS x, 'a' || 'b' AS s, version();")
	require.NoError(t, err)
	res, err := eng.Exec(context.Background(), stmts[0], nil)
	require.NoError(t, err)
	require.Nil(t, res.Query)
	require.Equal(t, "SELECT 1", res.Tag)
	require.Equal(t, []string{"x", "s", "version"}, res.Columns.Names())
	require.Equal(t, "BIGINT", res.Columns[0].Type.String())
	require.Equal(t, "VARCHAR", res.Columns[1].Type.String())
	require.Len(t, res.Rows, 1)
	require.True(t, strings.HasPrefix(res.Rows[0][2], "weir "), res.Rows[0][2])
	require.True(t, eng.IsConstSelect(stmts[0]))
	require.Empty(t, eng.Queries())
}

// TestConstSelectLocalErrors: what a SELECT without FROM cannot mean is
// refused at its position, with PostgreSQL's SQLSTATE.
func TestConstSelectLocalErrors(t *testing.T) {
	eng := runtime.New(runtime.Options{Stderr: io.Discard})
	t.Cleanup(func() { eng.Close() })
	for _, tc := range []struct {
		q         string
		code      string
		line, col int
		msg       string
	}{
		{"SELECT x", "42703", 1, 8, `column "x" does not exist`},
		{"SELECT 1 AS one, t.x + 1", "42703", 1, 18, `column "t.x" does not exist`},
		{"SELECT 1 AS one\n  WHERE x > 0", "42703", 2, 9, `column "x" does not exist`},
		{"SELECT 1 AS one ORDER BY y", "42703", 1, 26, `column "y" does not exist`},
		{"SELECT *", "42601", 1, 8, "SELECT * needs a FROM clause"},
		{"SELECT 1 AS one, count(*) AS n", "42803", 1, 18, "aggregate function count needs rows to aggregate"},
		{"SELECT 1 AS one WHERE sum(1) > 0", "42803", 1, 23, "aggregate functions are not allowed in WHERE"},
		{"SELECT 1 AS one GROUP BY 1", "0A000", 1, 26, "GROUP BY needs a FROM clause"},
	} {
		t.Run(tc.q, func(t *testing.T) {
			_, err := localRows(t, eng, tc.q)
			var se *sql.Error
			require.True(t, errors.As(err, &se), "%v", err)
			require.Equal(t, tc.code, se.Code, se.Msg)
			require.Equal(t, [2]int{tc.line, tc.col}, [2]int{se.At.Line, se.At.Col}, se.Msg)
			require.Contains(t, se.Msg, tc.msg)
			require.NotContains(t, se.Msg, "weir_one_row")
		})
	}
}
