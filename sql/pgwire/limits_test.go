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

// startupRaw sends a StartupMessage on a raw connection and reads up to
// its first ReadyForQuery: a trusted loopback session.
func startupRaw(t *testing.T, addr string) *rawClient {
	t.Helper()
	c := dialRaw(t, addr)
	c.fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "x"}})
	require.NoError(t, c.fe.Flush())
	require.Contains(t, c.readUntil(t, "ReadyForQuery", 0), "AuthenticationOk")
	return c
}

// requireTooManyClients connects with pgx and expects PostgreSQL's answer
// to a client over max_connections: FATAL 53300 "sorry, too many clients
// already".
func requireTooManyClients(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err == nil {
		_ = conn.Close(ctx)
		t.Fatal("connected over MaxConnections")
	}
	var pe *pgconn.PgError
	require.True(t, errors.As(err, &pe), "%v", err)
	require.Equal(t, "53300", pe.Code)
	require.Equal(t, "FATAL", pe.Severity)
	require.Equal(t, "sorry, too many clients already", pe.Message)
}

// TestMaxConnections: with MaxConnections 2, a third session is refused
// with 53300; a cancel request is not a session and is served at the
// limit; a connection that has not sent its StartupMessage holds no slot;
// once a session ends (the client sees its socket close), its slot is
// free again, and only that one slot.
func TestMaxConnections(t *testing.T) {
	ts := startServer(t, Config{MaxConnections: 2})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// Connected but silent: not counted.
	_ = dialRaw(t, ts.addr)

	first := connectPgx(t, ts.url("tester"))
	second := startupRaw(t, ts.addr)
	requireTooManyClients(t, ctx, ts.url("tester"))

	// At the limit, a CancelRequest still reaches first's statement.
	fed := feedRows(ctx, ts.eng, 1)
	rows, err := first.Query(ctx, "SUBSCRIBE TO by_model")
	require.NoError(t, err)
	require.True(t, rows.Next(), "%v", rows.Err())
	require.NoError(t, <-fed)
	require.NoError(t, first.PgConn().CancelRequest(ctx))
	require.False(t, rows.Next())
	var pe *pgconn.PgError
	require.True(t, errors.As(rows.Err(), &pe), "%v", rows.Err())
	require.Equal(t, "57014", pe.Code)
	rows.Close()
	// ... and took no slot: the server is still full.
	requireTooManyClients(t, ctx, ts.url("tester"))

	// second leaves; the server releases its slot before closing the
	// socket, so once the close is seen a new session fits (one, not
	// two: the refused attempts held nothing).
	second.fe.Send(&pgproto3.Terminate{})
	require.NoError(t, second.fe.Flush())
	require.Equal(t, "<closed>\n", second.readUntil(t, "", 0))
	third := connectPgx(t, ts.url("tester"))
	var one int64
	require.NoError(t, third.QueryRow(ctx, "SELECT 1").Scan(&one))
	requireTooManyClients(t, ctx, ts.url("tester"))
	require.NoError(t, first.QueryRow(ctx, "SELECT 1").Scan(&one))
}

// TestIdleTimeout: a session that sends nothing for IdleTimeout gets
// PostgreSQL's FATAL 57P05 (idle_session_timeout) and is closed, and its
// connection slot is given back. The test waits on the close itself (the
// raw client's read deadline is 10s), not on a clock.
func TestIdleTimeout(t *testing.T) {
	ts := startServer(t, Config{IdleTimeout: 50 * time.Millisecond, MaxConnections: 1})
	c := startupRaw(t, ts.addr)
	require.Equal(t, "ErrorResponse FATAL 57P05 \"terminating connection due to idle-session timeout\"\n<closed>\n", c.readUntil(t, "", 0))

	// The slot is free: a new session is admitted, then idles out too.
	c = startupRaw(t, ts.addr)
	require.Contains(t, c.readUntil(t, "", 0), "57P05")
}

// TestMaxMessageSizeBoundary: MaxMessageSize bounds the body of a message
// (its length word counts itself, the body does not). A Query body is the
// query string and its NUL terminator, so with MaxMessageSize 1024 a
// 1023-byte query is served and a 1024-byte one is refused with FATAL
// 08P01 naming both sizes.
func TestMaxMessageSizeBoundary(t *testing.T) {
	ts := startServer(t, Config{MaxMessageSize: 1024})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn := connectPgx(t, ts.url("tester"))
	// The fake engine answers "echo ..." with the statement it received.
	fits := "echo " + strings.Repeat("x", 1023-len("echo "))
	var got string
	require.NoError(t, conn.QueryRow(ctx, fits, pgx.QueryExecModeSimpleProtocol).Scan(&got))
	require.Equal(t, fits, got)

	_, err := conn.Exec(ctx, fits+"x", pgx.QueryExecModeSimpleProtocol)
	var pe *pgconn.PgError
	require.True(t, errors.As(err, &pe), "%v", err)
	require.Equal(t, "08P01", pe.Code)
	require.Equal(t, "FATAL", pe.Severity)
	require.Equal(t, "message of 1025 bytes exceeds the maximum of 1024 bytes", pe.Message)
}
