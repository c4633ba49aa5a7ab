package pgwire

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/stretchr/testify/require"
)

// scramFirst starts a SCRAM exchange as user and returns the salt (base64)
// and iteration count of the server's first message.
func scramFirst(t *testing.T, addr, user string) (salt, iters string) {
	t.Helper()
	c := dialRaw(t, addr)
	c.fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": user}})
	require.NoError(t, c.fe.Flush())
	msg, err := c.fe.Receive()
	require.NoError(t, err)
	require.IsType(t, &pgproto3.AuthenticationSASL{}, msg)
	c.fe.Send(&pgproto3.SASLInitialResponse{AuthMechanism: scramMechanism, Data: []byte("n,,n=,r=clientnonce0123")})
	require.NoError(t, c.fe.Flush())
	msg, err = c.fe.Receive()
	require.NoError(t, err)
	cont, ok := msg.(*pgproto3.AuthenticationSASLContinue)
	require.True(t, ok, "%T", msg)
	for _, kv := range strings.Split(string(cont.Data), ",") {
		switch {
		case strings.HasPrefix(kv, "s="):
			salt = kv[2:]
		case strings.HasPrefix(kv, "i="):
			iters = kv[2:]
		}
	}
	require.NotEmpty(t, salt, string(cont.Data))
	return salt, iters
}

// TestSCRAMMockSalt: an unknown user gets the same salt on every attempt
// (as a real user does), so two attempts do not reveal that it does not
// exist; the salt depends on the name and on a per-server secret.
func TestSCRAMMockSalt(t *testing.T) {
	cfg := Config{Auth: AuthSCRAM, Users: []User{{Name: "analyst", Password: "s3cret"}}}
	ts := startServer(t, cfg)

	real1, realIters := scramFirst(t, ts.addr, "analyst")
	real2, _ := scramFirst(t, ts.addr, "analyst")
	require.Equal(t, real1, real2)
	require.Equal(t, "4096", realIters)

	ghost1, ghostIters := scramFirst(t, ts.addr, "ghost")
	ghost2, _ := scramFirst(t, ts.addr, "ghost")
	require.Equal(t, ghost1, ghost2, "an unknown user's salt must not change between attempts")
	require.Equal(t, realIters, ghostIters)
	rawReal, err := base64.StdEncoding.DecodeString(real1)
	require.NoError(t, err)
	rawGhost, err := base64.StdEncoding.DecodeString(ghost1)
	require.NoError(t, err)
	require.Len(t, rawGhost, len(rawReal))

	other, _ := scramFirst(t, ts.addr, "ghost2")
	require.NotEqual(t, ghost1, other, "the salt depends on the user name")

	ts2 := startServer(t, cfg)
	elsewhere, _ := scramFirst(t, ts2.addr, "ghost")
	require.NotEqual(t, ghost1, elsewhere, "the salt depends on the server's secret")
}

// TestMockCredentialsCacheBounded: the cache of unknown users stops
// growing at maxMockCredentials; names past it still get the same
// credentials on every attempt.
func TestMockCredentialsCacheBounded(t *testing.T) {
	s := NewServer(Config{}, newFakeEngine())
	defer s.Close()
	for i := range maxMockCredentials + 10 {
		s.mockCredentials(strings.Repeat("x", i+1))
	}
	require.Len(t, s.mocks, maxMockCredentials)
	late := strings.Repeat("x", maxMockCredentials+5)
	require.Equal(t, s.mockCredentials(late), s.mockCredentials(late))
}

// TestConfigValidate: configurations Serve would refuse are reported by
// Validate, with a message that says why.
func TestConfigValidate(t *testing.T) {
	cert, key := writeTestCert(t)
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	require.NoError(t, os.WriteFile(garbage, []byte("not a certificate"), 0o600))
	users := []User{{Name: "analyst", Password: "s3cret"}}
	for _, tc := range []struct {
		name string
		cfg  Config
		want string // "" when valid
	}{
		{"zero", Config{}, ""},
		{"scram with users", Config{Auth: AuthSCRAM, Users: users}, ""},
		{"tls", Config{TLSCertFile: cert, TLSKeyFile: key, TLSRequired: true}, ""},
		{"unknown auth", Config{Auth: "md5"}, `unknown auth mode "md5" (want "trust" or "scram")`},
		{"scram without users", Config{Auth: AuthSCRAM}, `auth mode "scram" needs at least one user: no client could log in`},
		{"nameless user", Config{Users: []User{{Password: "x"}}}, "a user has no name"},
		{"cert without key", Config{TLSCertFile: cert}, "TLS needs both a certificate file and a key file"},
		{"required without cert", Config{TLSRequired: true}, "TLS is required but no certificate and key are set"},
		{"missing cert", Config{TLSCertFile: "/nonexistent/cert.pem", TLSKeyFile: key}, "loading TLS certificate /nonexistent/cert.pem and key " + key + ": open /nonexistent/cert.pem: no such file or directory"},
		{"garbage cert", Config{TLSCertFile: garbage, TLSKeyFile: key}, "loading TLS certificate " + garbage + " and key " + key + ": tls: failed to find any PEM data in certificate input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tc.want)
			// Serve refuses the same configuration.
			s := NewServer(tc.cfg, newFakeEngine())
			require.EqualError(t, s.Serve(nil), tc.want)
			require.NoError(t, s.Close())
		})
	}
}

// BenchmarkMockCredentials: deriving an unknown user's credentials (cache
// miss) costs HMACs, not PBKDF2.
func BenchmarkMockCredentials(b *testing.B) {
	s := NewServer(Config{}, newFakeEngine())
	defer s.Close()
	b.ReportAllocs()
	for b.Loop() {
		clear(s.mocks)
		_ = s.mockCredentials("ghost")
	}
}
