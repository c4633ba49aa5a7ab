package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/stretchr/testify/require"
)

// fakeAuthServer accepts connections and refuses each as a Postgres server
// refuses a wrong password: 'N' to a TLS request, then FATAL 28P01 to the
// startup message.
func fakeAuthServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				be := pgproto3.NewBackend(c, c)
				for {
					msg, err := be.ReceiveStartupMessage()
					if err != nil {
						return
					}
					switch m := msg.(type) {
					case *pgproto3.SSLRequest:
						if _, err := c.Write([]byte{'N'}); err != nil {
							return
						}
					case *pgproto3.StartupMessage:
						be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "28P01",
							Message: `password authentication failed for user "` + m.Parameters["user"] + `"`})
						_ = be.Flush()
						return
					default:
						return
					}
				}
			}(c)
		}
	}()
	return ln.Addr().String()
}

// refusedAddr is a local address nothing listens on.
func refusedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// TestConnectErrors: a failed connection prints one line, the server's
// address and the real cause: the server's error with its SQLSTATE (not
// the refused TLS upgrade tried first), or the dial error once.
func TestConnectErrors(t *testing.T) {
	t.Setenv("PGPASSWORD", "wrong")
	auth := fakeAuthServer(t)
	refused := refusedAddr(t)
	sqlFile := filepath.Join(t.TempDir(), "x.sql")
	require.NoError(t, os.WriteFile(sqlFile, []byte("SHOW VIEWS;\n"), 0o644))

	for _, c := range []struct {
		name string
		run  func(out, errw *syncBuffer) int
		want string
	}{
		{"repl wrong password", func(out, errw *syncBuffer) int {
			return runRepl([]string{"--history", "", "--server", auth, "--user", "analyst"}, strings.NewReader(""), out, errw)
		}, "weir repl: cannot connect to " + auth + ": password authentication failed for user \"analyst\" (28P01)\n"},
		{"submit wrong password", func(out, errw *syncBuffer) int {
			return runSubmit([]string{"--server", auth, "--user", "analyst", sqlFile}, out, errw)
		}, "weir submit: cannot connect to " + auth + ": password authentication failed for user \"analyst\" (28P01)\n"},
		{"repl refused", func(out, errw *syncBuffer) int {
			return runRepl([]string{"--history", "", "--server", refused}, strings.NewReader(""), out, errw)
		}, "weir repl: cannot connect to " + refused + ": connection refused\n"},
		{"submit refused URL", func(out, errw *syncBuffer) int {
			return runSubmit([]string{"--server", "postgres://u:secret@" + refused + "/weir", sqlFile}, out, errw)
		}, "weir submit: cannot connect to " + refused + ": connection refused\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errw syncBuffer
			require.Equal(t, exitFailed, c.run(&out, &errw))
			require.Equal(t, c.want, errw.String())
			require.Empty(t, out.String())
		})
	}
}
