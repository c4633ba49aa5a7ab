package pgwire

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/stretchr/testify/require"
)

func connectPgx(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

type byModelRow struct {
	model string
	n     *int64
	avg   *float64
	end   *time.Time
	ok    *bool
}

func readByModel(t *testing.T, conn *pgx.Conn, mode pgx.QueryExecMode) []byModelRow {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SELECT * FROM by_model", mode)
	require.NoError(t, err)
	var out []byModelRow
	for rows.Next() {
		var r byModelRow
		require.NoError(t, rows.Scan(&r.model, &r.n, &r.avg, &r.end, &r.ok))
		out = append(out, r)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, "SELECT 3", rows.CommandTag().String())
	return out
}

// TestPgxTypes reads typed rows with pgx in the extended protocol (binary
// results) and the simple protocol (text results): both decode the same.
func TestPgxTypes(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connectPgx(t, ts.url("tester"))
	p := func(v int64) *int64 { return &v }
	f := func(v float64) *float64 { return &v }
	b := func(v bool) *bool { return &v }
	tm := func(ms int64) *time.Time { v := time.UnixMilli(ms); return &v }
	want := []byModelRow{
		{"gpt", p(3), f(120.5), tm(windowEnd), b(true)},
		{"claude", p(-7), f(0.25), tm(windowEnd + 123), b(false)},
		{"it's", nil, nil, nil, nil},
	}
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeDescribeExec, pgx.QueryExecModeSimpleProtocol} {
		t.Run(mode.String(), func(t *testing.T) {
			got := readByModel(t, conn, mode)
			require.Len(t, got, len(want))
			for i := range want {
				require.Equal(t, want[i].model, got[i].model)
				require.Equal(t, want[i].n, got[i].n)
				require.Equal(t, want[i].avg, got[i].avg)
				require.Equal(t, want[i].ok, got[i].ok)
				if want[i].end == nil {
					require.Nil(t, got[i].end)
				} else {
					require.True(t, want[i].end.Equal(*got[i].end), "%v != %v", *want[i].end, *got[i].end)
				}
			}
		})
	}
}

// TestPgxParameters checks the SQL literals the engine receives for pgx
// arguments in every query mode. With a described statement pgx encodes
// each argument as the type Describe reported: the casts type $1 and $3;
// $2 and $4, untyped, are text.
func TestPgxParameters(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connectPgx(t, ts.url("tester"))
	ctx := context.Background()
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeExec, pgx.QueryExecModeSimpleProtocol} {
		t.Run(mode.String(), func(t *testing.T) {
			var got string
			err := conn.QueryRow(ctx, "echo $1::int8 $2 $3::float8 $4", mode, int64(42), "it's; DROP", 2.5, nil).Scan(&got)
			require.NoError(t, err)
			if mode == pgx.QueryExecModeSimpleProtocol {
				// pgx interpolates client-side (its own spacing and
				// quoting); the ';' inside the literal must not split
				// the statement.
				require.Contains(t, got, "'it''s; DROP'")
				require.True(t, strings.HasSuffix(got, "null"), got)
				return
			}
			require.Equal(t, "echo 42::int8 'it''s; DROP' 2.5::float8 NULL", got)
		})
	}
}

func TestPgxErrors(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connectPgx(t, ts.url("tester"))
	ctx := context.Background()

	_, err := conn.Exec(ctx, "SELECT bad")
	var pe *pgconn.PgError
	require.True(t, errors.As(err, &pe), "%v", err)
	require.Equal(t, "42601", pe.Code)
	require.EqualValues(t, 8, pe.Position)

	_, err = conn.Exec(ctx, "SELECT * FROM nope", pgx.QueryExecModeSimpleProtocol)
	require.True(t, errors.As(err, &pe), "%v", err)
	require.Equal(t, "42P01", pe.Code)
	require.EqualValues(t, 15, pe.Position)

	// The connection still works.
	var one int64
	require.NoError(t, conn.QueryRow(ctx, "SELECT 1").Scan(&one))
	require.EqualValues(t, 1, one)
}

func TestPgxTransactionAndSettings(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connectPgx(t, ts.url("tester"))
	ctx := context.Background()

	tx, err := conn.Begin(ctx)
	require.NoError(t, err)
	require.Equal(t, byte('T'), conn.PgConn().TxStatus())
	_, err = tx.Exec(ctx, "CREATE SOURCE s (a BIGINT)")
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))
	require.Equal(t, byte('I'), conn.PgConn().TxStatus())

	tx, err = conn.Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, "SELECT bad")
	require.Error(t, err)
	require.Equal(t, byte('E'), conn.PgConn().TxStatus())
	require.NoError(t, tx.Rollback(ctx))
	require.Equal(t, byte('I'), conn.PgConn().TxStatus())

	_, err = conn.Exec(ctx, "SET search_path TO weir, public")
	require.NoError(t, err)
	var v string
	require.NoError(t, conn.QueryRow(ctx, "SELECT current_setting('search_path')").Scan(&v))
	require.Equal(t, "weir, public", v)
	require.NoError(t, conn.QueryRow(ctx, "SHOW server_version").Scan(&v))
	require.Equal(t, "15.0", v)
	require.Equal(t, []string{"CREATE SOURCE s (a BIGINT)", "SELECT bad"}, ts.eng.executed())
}

// TestCancelSubscribe streams a SUBSCRIBE, then cancels it with a
// CancelRequest: the query ends with 57014 and the session stays usable.
func TestCancelSubscribe(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connectPgx(t, ts.url("tester"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// pgx's Query waits for the first row, so rows are fed concurrently.
	fed := feedRows(ctx, ts.eng, 2)
	rows, err := conn.Query(ctx, "SUBSCRIBE TO by_model")
	require.NoError(t, err)
	for i := range 2 {
		require.True(t, rows.Next(), "row %d: %v", i, rows.Err())
		vals, err := rows.Values()
		require.NoError(t, err)
		require.Equal(t, int64(i), vals[1])
	}
	require.NoError(t, <-fed)
	require.NoError(t, conn.PgConn().CancelRequest(ctx))
	require.False(t, rows.Next())
	var pe *pgconn.PgError
	require.True(t, errors.As(rows.Err(), &pe), "%v", rows.Err())
	require.Equal(t, "57014", pe.Code)
	rows.Close()

	var one int64
	require.NoError(t, conn.QueryRow(ctx, "SELECT 1").Scan(&one))
}

// TestCancelWrongKey: a CancelRequest with a wrong secret does nothing.
func TestCancelWrongKey(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connectPgx(t, ts.url("tester"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fed := feedRows(ctx, ts.eng, 1)
	rows, err := conn.Query(ctx, "SUBSCRIBE TO by_model")
	require.NoError(t, err)
	require.NoError(t, <-fed)
	require.True(t, rows.Next(), "%v", rows.Err())

	c := dialRaw(t, ts.addr)
	key := conn.PgConn().SecretKey()
	bad := append([]byte(nil), key...)
	bad[0] ^= 0xff
	c.fe.Send(&pgproto3.CancelRequest{ProcessID: conn.PgConn().PID(), SecretKey: bad})
	require.NoError(t, c.fe.Flush())
	require.Equal(t, "<closed>\n", c.readUntil(t, "", 0))

	// The subscription still streams.
	fed = feedRows(ctx, ts.eng, 1)
	require.True(t, rows.Next(), "%v", rows.Err())
	require.NoError(t, <-fed)
	require.NoError(t, conn.PgConn().CancelRequest(ctx))
	require.False(t, rows.Next())
	rows.Close()
}

// feedRows feeds n rows to the engine's SUBSCRIBE on a goroutine; the
// channel reports when they were all taken (or ctx ended).
func feedRows(ctx context.Context, eng *fakeEngine, n int) <-chan error {
	done := make(chan error, 1)
	go func() {
		for i := range n {
			select {
			case eng.feed <- Row{{S: "m"}, {I: int64(i)}, {F: 1}, {I: windowEnd}, {B: true}}:
			case <-ctx.Done():
				done <- ctx.Err()
				return
			}
		}
		done <- nil
	}()
	return done
}

// TestPgxLimitParameter: LIMIT $1 in pgx's default (extended) mode. The
// statement is described before its parameter is known, and LIMIT NULL
// does not parse: Describe must substitute something that does.
func TestPgxLimitParameter(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connectPgx(t, ts.url("tester"))
	ctx := context.Background()
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeCacheDescribe, pgx.QueryExecModeDescribeExec} {
		t.Run(mode.String(), func(t *testing.T) {
			rows, err := conn.Query(ctx, "SELECT * FROM v ORDER BY 1 LIMIT $1", mode, 2)
			require.NoError(t, err)
			models, err := pgx.CollectRows(rows, pgx.RowTo[string])
			require.NoError(t, err)
			require.Equal(t, []string{"a", "b"}, models)
		})
	}
}

// TestPgxErrorPositionExtended: errors found while describing a statement
// (Parse, Describe) carry the position in the client's query string, as in
// the simple protocol.
func TestPgxErrorPositionExtended(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connectPgx(t, ts.url("tester"))
	ctx := context.Background()
	for _, tc := range []struct {
		query string
		args  []any
		pos   int32
	}{
		{"select zz from v", nil, 8},
		{"  select zz from v", nil, 10},
		// After a parameter: described as "select NULL, zz ...", the
		// position is still in the client's text.
		{"select $1, zz from v", []any{"x"}, 12},
		// Characters, not bytes: 'é' is two bytes.
		{"select 'é', zz from v", nil, 13},
	} {
		for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol} {
			if mode == pgx.QueryExecModeSimpleProtocol && tc.args != nil {
				continue // pgx interpolates the arguments into its own text
			}
			t.Run(mode.String()+"/"+tc.query, func(t *testing.T) {
				rows, err := conn.Query(ctx, tc.query, append([]any{mode}, tc.args...)...)
				if err == nil {
					rows.Close()
					err = rows.Err()
				}
				var pe *pgconn.PgError
				require.True(t, errors.As(err, &pe), "%v", err)
				require.Equal(t, "42703", pe.Code)
				require.Equal(t, tc.pos, pe.Position)
			})
		}
	}
}
