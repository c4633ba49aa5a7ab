package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

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
			"weir serve: server: pgwire: loading TLS certificate /nonexistent/cert.pem and key /nonexistent/key.pem: open /nonexistent/cert.pem: no such file or directory\n"},
		{"garbage cert", "server:\n  tls: { cert_file: " + garbage + ", key_file: " + garbage + " }\n",
			"weir serve: server: pgwire: loading TLS certificate " + garbage + " and key " + garbage + ": tls: failed to find any PEM data in certificate input\n"},
		{"tls required without cert", "server:\n  tls: { required: true }\n",
			"weir serve: server: pgwire: TLS is required but no certificate and key are set\n"},
		{"key without cert", "server:\n  tls: { key_file: " + garbage + " }\n",
			"weir serve: server: pgwire: TLS needs both a certificate file and a key file\n"},
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
