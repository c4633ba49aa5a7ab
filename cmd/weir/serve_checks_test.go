package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
)

// TestServeStartupChecks: a wire configuration that cannot work fails at
// startup with a message naming the problem, before the server says it is
// up (and before the state directory is created).
func TestServeStartupChecks(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	require.NoError(t, os.WriteFile(garbage, []byte("not a certificate"), 0o600))
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"scram without users", "server:\n  auth: scram\n",
			"weir serve: server.auth is scram but server.users is empty: no client could log in (add users, or use auth: trust for loopback clients)\n"},
		{"missing cert", "server:\n  tls: { cert_file: /nonexistent/cert.pem, key_file: /nonexistent/key.pem }\n",
			"weir serve: server: loading TLS certificate /nonexistent/cert.pem and key /nonexistent/key.pem: open /nonexistent/cert.pem: no such file or directory\n"},
		{"garbage cert", "server:\n  tls: { cert_file: " + garbage + ", key_file: " + garbage + " }\n",
			"weir serve: server: loading TLS certificate " + garbage + " and key " + garbage + ": tls: failed to find any PEM data in certificate input\n"},
		{"tls required without cert", "server:\n  tls: { required: true }\n",
			"weir serve: server: TLS is required but no certificate and key are set\n"},
		{"key without cert", "server:\n  tls: { key_file: " + garbage + " }\n",
			"weir serve: server: TLS needs both a certificate file and a key file\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "weir.yaml")
			require.NoError(t, os.WriteFile(path, []byte(tc.yaml), 0o644))
			state := filepath.Join(dir, "state-"+tc.name)
			var errb syncBuffer
			// Had the server started, it would stop at the deadline.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			code := serveMain(ctx, []string{"--config", path, "--state-dir", state, "--pg-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"}, &errb, nil)
			require.Equal(t, exitUsage, code)
			require.Equal(t, tc.want, errb.String())
			require.NoDirExists(t, state)
		})
	}
}

// TestServeWireAudit runs the wire findings of the audit against the real
// engine: a literal naming a catalog table, LIMIT $1 in pgx's default
// (extended) mode, and error positions in the extended protocol.
func TestServeWireAudit(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "m.jsonl")
	appendJSONL(t, data, wireData)
	srv := startServe(t, filepath.Join(dir, "state"))
	conn := srv.connect(t)
	ctx := context.Background()
	for _, stmt := range strings.Split(strings.TrimSpace(fmt.Sprintf(wireDDL, data)), ";") {
		if strings.TrimSpace(stmt) != "" {
			_, err := conn.Exec(ctx, stmt)
			require.NoError(t, err)
		}
	}
	// 4 rows: (10:00, a), (10:00, b), (10:01, a), (10:01, b).
	waitQuery(t, conn, "SELECT model, n FROM v ORDER BY window_start, model",
		[]string{"a | 2", "b | 1", "a | 1", "b | 2"})

	require.Equal(t, []string{"a", "b", "a", "b"}, queryStrings(t, conn, "select model from v where model <> 'pg_class' order by window_start, model"))
	require.Equal(t, []string{"a | information_schema.x", "b | information_schema.x", "a | information_schema.x", "b | information_schema.x"},
		queryStrings(t, conn, "select model, 'information_schema.x' as t from v order by window_start, model"))

	require.Equal(t, []string{"a | 2", "b | 1"}, queryStrings(t, conn, "SELECT model, n FROM v ORDER BY window_start, model LIMIT $1", 2))

	rows, err := conn.Query(ctx, "select zz from v")
	if err == nil {
		rows.Close()
		err = rows.Err()
	}
	var pe *pgconn.PgError
	require.True(t, errors.As(err, &pe), "%v", err)
	require.EqualValues(t, 8, pe.Position, "%s: %s", pe.Code, pe.Message)
}
