package pgwire

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
)

// TestCloseTerminatesSessions: Server.Close (weir serve's SIGTERM) ends an
// idle session and one streaming a SUBSCRIBE with FATAL 57P01, as
// PostgreSQL does when it shuts down, before closing their connections.
func TestCloseTerminatesSessions(t *testing.T) {
	ts := startServer(t, Config{})
	idle := startupRaw(t, ts.addr)
	streaming := startupRaw(t, ts.addr)
	streaming.fe.Send(&pgproto3.Query{String: "SUBSCRIBE TO by_model"})
	require.NoError(t, streaming.fe.Flush())
	require.Contains(t, streaming.readUntil(t, "", 1), "RowDescription")
	ts.eng.feed <- Row{{S: "m"}, {I: 1}, {F: 1}, {I: windowEnd}, {B: true}}
	require.Equal(t, "DataRow \"m\" \"1\" \"1\" \"2026-11-09 14:35:00+00\" \"t\"\n", streaming.readUntil(t, "", 1))

	require.NoError(t, ts.srv.Close())
	const bye = "ErrorResponse FATAL 57P01 \"terminating connection due to administrator command\"\n<closed>\n"
	require.Equal(t, bye, idle.readUntil(t, "", 0))
	require.Equal(t, bye, streaming.readUntil(t, "", 0))
}

// TestParseDescribesOnce: Parse plans the statement once; Describe of the
// statement and of its portal, and Execute, do not plan it again.
func TestParseDescribesOnce(t *testing.T) {
	ts := startServer(t, Config{})
	c := startupRaw(t, ts.addr)
	c.fe.Send(&pgproto3.Parse{Name: "s", Query: "SELECT model FROM v WHERE model = $1"})
	c.fe.Send(&pgproto3.Describe{ObjectType: 'S', Name: "s"})
	c.fe.Send(&pgproto3.Bind{PreparedStatement: "s", Parameters: [][]byte{[]byte("a")}})
	c.fe.Send(&pgproto3.Describe{ObjectType: 'P'})
	c.fe.Send(&pgproto3.Execute{})
	c.fe.Send(&pgproto3.Sync{})
	require.NoError(t, c.fe.Flush())
	require.Equal(t, `ParseComplete
ParameterDescription [25]
RowDescription model:25:0
BindComplete
RowDescription model:25:0
DataRow "a"
DataRow "b"
DataRow "c"
DataRow "d"
DataRow "e"
CommandComplete SELECT 5
ReadyForQuery I
`, c.readUntil(t, "ReadyForQuery", 0))
	require.Equal(t, []string{"SELECT model FROM v WHERE model = NULL"}, ts.eng.describedStmts())
}

// TestConform: a portal's result keeps the columns Parse described; a text
// column whose value comes out typed is sent as its text, any other change
// is PostgreSQL's 0A000.
func TestConform(t *testing.T) {
	res := &staticResult{cols: []Column{{"a", catalog.Bigint}, {"b", catalog.Double}}, rows: []Row{{{I: 41}, {F: 4e6}}, {{Null: true}, {F: 0.5}}}}
	got, err := conform(res, []Column{{"a", catalog.Varchar}, {"b", catalog.Varchar}})
	require.NoError(t, err)
	require.Equal(t, []Column{{"a", catalog.Varchar}, {"b", catalog.Varchar}}, got.Columns())
	row, ok, err := got.Next(context.Background())
	require.True(t, ok)
	require.NoError(t, err)
	require.Equal(t, Row{{S: "41"}, {S: "4000000"}}, row)
	row, ok, err = got.Next(context.Background())
	require.True(t, ok)
	require.NoError(t, err)
	require.Equal(t, Row{{Null: true}, {S: "0.5"}}, row)

	same, err := conform(res, res.cols)
	require.NoError(t, err)
	require.Same(t, Result(res), same)

	_, err = conform(res, []Column{{"a", catalog.Double}, {"b", catalog.Double}})
	require.EqualError(t, err, "cached plan must not change result type (SQLSTATE 0A000)")
	_, err = conform(res, []Column{{"a", catalog.Bigint}})
	require.EqualError(t, err, "cached plan must not change result type (SQLSTATE 0A000)")
}

// TestPgxConstantsAndParams: what drivers send, in every pgx mode: the
// audit's SELECT $1::BIGINT + 1 gives 42 (int8), SELECT $1 gives the text
// back, current_setting($1) works.
func TestPgxConstantsAndParams(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connectPgx(t, ts.url("tester"))
	ctx := context.Background()
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeCacheDescribe, pgx.QueryExecModeDescribeExec, pgx.QueryExecModeExec, pgx.QueryExecModeSimpleProtocol} {
		t.Run(mode.String(), func(t *testing.T) {
			var x int64
			require.NoError(t, conn.QueryRow(ctx, "SELECT $1::BIGINT + 1 AS x", mode, 41).Scan(&x))
			require.Equal(t, int64(42), x)
			var s string
			require.NoError(t, conn.QueryRow(ctx, "SELECT $1", mode, "it's").Scan(&s))
			require.Equal(t, "it's", s)
			require.NoError(t, conn.QueryRow(ctx, "SELECT current_setting($1)", mode, "search_path").Scan(&s))
			require.Equal(t, `"$user", public`, s)
			var f float64
			require.NoError(t, conn.QueryRow(ctx, "SELECT $1::float8 * 2", mode, 2e6).Scan(&f))
			require.Equal(t, 4e6, f)
		})
	}
}

// TestStatementTimeoutStartupParameter: statement_timeout given at startup
// (pgx's RuntimeParams, libpq's options) applies from the first statement
// and is what RESET returns to.
func TestStatementTimeoutStartupParameter(t *testing.T) {
	ts := startServer(t, Config{})
	cfg, err := pgx.ParseConfig(ts.url("tester"))
	require.NoError(t, err)
	cfg.RuntimeParams["statement_timeout"] = "50"
	ctx := context.Background()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	require.NoError(t, err)
	defer func() { _ = conn.Close(ctx) }()
	var v string
	require.NoError(t, conn.QueryRow(ctx, "SHOW statement_timeout").Scan(&v))
	require.Equal(t, "50ms", v)
	rows, err := conn.Query(ctx, "SUBSCRIBE TO by_model")
	require.NoError(t, err)
	for rows.Next() {
	}
	var pe *pgconn.PgError
	require.ErrorAs(t, rows.Err(), &pe)
	require.Equal(t, "57014", pe.Code)
	require.Equal(t, "canceling statement due to statement timeout", pe.Message)
	_, err = conn.Exec(ctx, "SET statement_timeout = 0; RESET statement_timeout")
	require.NoError(t, err)
	require.NoError(t, conn.QueryRow(ctx, "SHOW statement_timeout").Scan(&v))
	require.Equal(t, "50ms", v)
}
