package pgwire

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/stretchr/testify/require"
)

// startupAs connects a raw client as user and returns it with its
// session's process id.
func startupAs(t *testing.T, ts *testServer, user string) (*rawClient, int64) {
	t.Helper()
	c := dialRaw(t, ts.addr)
	c.fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": user}})
	require.NoError(t, c.fe.Flush())
	require.Contains(t, c.readUntil(t, "ReadyForQuery", 0), "AuthenticationOk")
	c.fe.Send(&pgproto3.Query{String: "SELECT pg_backend_pid()"})
	require.NoError(t, c.fe.Flush())
	out := c.readUntil(t, "ReadyForQuery", 0)
	i := strings.Index(out, "DataRow \"")
	require.GreaterOrEqual(t, i, 0, out)
	rest := out[i+len("DataRow \""):]
	pid, err := strconv.ParseInt(rest[:strings.IndexByte(rest, '"')], 10, 64)
	require.NoError(t, err)
	return c, pid
}

// subscribe starts SUBSCRIBE TO by_model on c and waits for its first row.
func subscribe(t *testing.T, ts *testServer, c *rawClient) {
	t.Helper()
	c.fe.Send(&pgproto3.Query{String: "SUBSCRIBE TO by_model"})
	require.NoError(t, c.fe.Flush())
	require.Contains(t, c.readUntil(t, "", 1), "RowDescription")
	ts.eng.feed <- Row{{S: "m"}, {I: 1}, {F: 1}, {I: windowEnd}, {B: true}}
	require.Contains(t, c.readUntil(t, "", 1), "DataRow")
}

// signal cancels (terminate false) or ends the session pid for the
// session of process id by, as its pg_cancel_backend or
// pg_terminate_backend does.
func signal(t *testing.T, ts *testServer, by int64, terminate bool, pid int64) (bool, error) {
	t.Helper()
	c := ts.srv.session(by)
	require.NotNil(t, c)
	return ts.srv.signal(c, pid, terminate)
}

// offlineConn is a session of user that no client serves: what its
// evaluation sends is in the buffer.
func offlineConn(ts *testServer, user string) (*conn, *bytes.Buffer) {
	var out bytes.Buffer
	c := &conn{srv: ts.srv, sess: &Session{user: user}}
	c.be = pgproto3.NewBackend(strings.NewReader(""), &out)
	return c, &out
}

// TestCancelBackend: pg_cancel_backend cancels the running statement of
// the session with that pid, which goes on; a pid of no session is false
// and a WARNING, as in PostgreSQL; NULL is NULL.
func TestCancelBackend(t *testing.T) {
	ts := startServer(t, Config{})
	_, callerPid := startupAs(t, ts, "tester")
	target, targetPid := startupAs(t, ts, "tester")
	subscribe(t, ts, target)

	found, err := signal(t, ts, callerPid, false, targetPid)
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, "ErrorResponse ERROR 57014 \"canceling statement due to user request\"\nReadyForQuery I\n",
		target.readUntil(t, "ReadyForQuery", 0))
	target.fe.Send(&pgproto3.Query{String: "SELECT 1"})
	require.NoError(t, target.fe.Flush())
	require.Contains(t, target.readUntil(t, "ReadyForQuery", 0), "CommandComplete SELECT 1")

	// No session has pid 0 (process ids are positive): false, and a
	// WARNING; NULL is NULL.
	c, out := offlineConn(ts, "tester")
	env := &evalEnv{c: c, ctx: context.Background()}
	v, err := env.signalBackend(false, value{t: tInt4, i: 0})
	require.NoError(t, err)
	require.Equal(t, value{t: tBool}, v)
	require.NoError(t, c.be.Flush())
	require.Contains(t, out.String(), "PID 0 is not a PostgreSQL backend process")
	v, err = env.signalBackend(true, value{t: tInt4, null: true})
	require.NoError(t, err)
	require.Equal(t, value{t: tBool, null: true}, v)

	// A session cancelling itself cancels the statement that asks.
	_, err = signal(t, ts, callerPid, false, callerPid)
	require.EqualError(t, err, "canceling statement due to user request (SQLSTATE 57014)")
}

// TestTerminateBackend: pg_terminate_backend ends the session with that
// pid, idle or running a statement, with the FATAL 57P01 PostgreSQL sends;
// another user's session is refused with 42501.
func TestTerminateBackend(t *testing.T) {
	ts := startServer(t, Config{})
	_, callerPid := startupAs(t, ts, "tester")
	idle, idlePid := startupAs(t, ts, "tester")
	streaming, streamingPid := startupAs(t, ts, "tester")
	other, otherPid := startupAs(t, ts, "someone_else")
	subscribe(t, ts, streaming)

	_, err := signal(t, ts, callerPid, true, otherPid)
	require.EqualError(t, err, "must be a member of the role whose process is being terminated or member of pg_signal_backend (SQLSTATE 42501)")
	_, err = signal(t, ts, callerPid, false, otherPid)
	require.EqualError(t, err, "must be a member of the role whose query is being canceled or member of pg_signal_backend (SQLSTATE 42501)")

	const bye = "ErrorResponse FATAL 57P01 \"terminating connection due to administrator command\"\n<closed>\n"
	for _, pid := range []int64{idlePid, streamingPid} {
		found, err := signal(t, ts, callerPid, true, pid)
		require.NoError(t, err)
		require.True(t, found)
	}
	require.Equal(t, bye, idle.readUntil(t, "", 0))
	require.Equal(t, bye, streaming.readUntil(t, "", 0))

	// The other user's session was not touched.
	other.fe.Send(&pgproto3.Query{String: "SELECT 1"})
	require.NoError(t, other.fe.Flush())
	require.Contains(t, other.readUntil(t, "ReadyForQuery", 0), "CommandComplete SELECT 1")
}

// TestSignalBackendDescribeOnly: describing a statement (Parse) signals
// nothing.
func TestSignalBackendDescribeOnly(t *testing.T) {
	ts := startServer(t, Config{})
	idle, idlePid := startupAs(t, ts, "tester")
	c, out := offlineConn(ts, "tester")
	c.describing = true
	v, err := (&evalEnv{c: c, ctx: context.Background()}).signalBackend(true, value{t: tInt4, i: idlePid})
	require.NoError(t, err)
	require.Equal(t, value{t: tBool}, v)
	require.Zero(t, out.Len())
	idle.fe.Send(&pgproto3.Query{String: "SELECT 1"})
	require.NoError(t, idle.fe.Flush())
	require.Contains(t, idle.readUntil(t, "ReadyForQuery", 0), "CommandComplete SELECT 1")
}
