package pgwire

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/stretchr/testify/require"
)

func TestSCRAM(t *testing.T) {
	ts := startServer(t, Config{Auth: AuthSCRAM, Users: []User{{Name: "analyst", Password: "s3cret"}}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := func(user, pw string) string {
		return "postgres://" + user + ":" + pw + "@" + ts.addr + "/weir?sslmode=disable"
	}

	conn, err := pgx.Connect(ctx, url("analyst", "s3cret"))
	require.NoError(t, err)
	var one int64
	require.NoError(t, conn.QueryRow(ctx, "SELECT 1").Scan(&one))
	require.NoError(t, conn.Close(ctx))

	for _, c := range []struct{ user, pw string }{{"analyst", "wrong"}, {"nobody", "s3cret"}} {
		_, err = pgx.Connect(ctx, url(c.user, c.pw))
		var pe *pgconn.PgError
		require.True(t, errors.As(err, &pe), "%s: %v", c.user, err)
		require.Equal(t, "28P01", pe.Code)
		require.Equal(t, `password authentication failed for user "`+c.user+`"`, pe.Message)
	}
}

// TestTrustLoopback: in trust mode a loopback client needs no password,
// even when users are configured.
func TestTrustLoopback(t *testing.T) {
	ts := startServer(t, Config{Users: []User{{Name: "analyst", Password: "s3cret"}}})
	conn := connectPgx(t, ts.url("anyone"))
	var user string
	require.NoError(t, conn.QueryRow(context.Background(), "SELECT current_user").Scan(&user))
	require.Equal(t, "anyone", user)
}

// writeTestCert writes a self-signed certificate for 127.0.0.1.
func writeTestCert(t testing.TB) (certFile, keyFile string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "weir test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kder, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600))
	return certFile, keyFile
}

func TestTLS(t *testing.T) {
	cert, key := writeTestCert(t)
	ts := startServer(t, Config{TLSCertFile: cert, TLSKeyFile: key, Auth: AuthSCRAM, Users: []User{{Name: "analyst", Password: "s3cret"}}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, "postgres://analyst:s3cret@"+ts.addr+"/weir?sslmode=require")
	require.NoError(t, err)
	defer func() { _ = conn.Close(ctx) }()
	_, isTLS := conn.PgConn().Conn().(*tls.Conn)
	require.True(t, isTLS)
	var one int64
	require.NoError(t, conn.QueryRow(ctx, "SELECT 1").Scan(&one))

	// Without a certificate an SSLRequest is answered 'N'; sslmode=require
	// then fails, sslmode=prefer falls back to plain text.
	plain := startServer(t, Config{})
	_, err = pgx.Connect(ctx, "postgres://x@"+plain.addr+"/weir?sslmode=require")
	require.Error(t, err)
	conn2, err := pgx.Connect(ctx, "postgres://x@"+plain.addr+"/weir?sslmode=prefer")
	require.NoError(t, err)
	require.NoError(t, conn2.Close(ctx))
}

func sslRequestBytes() []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint32(b, 8)
	binary.BigEndian.PutUint32(b[4:], 80877103)
	return b
}

// TestSSLRequestWithTrailingBytes: bytes sent after an SSLRequest, before
// the handshake, get the connection closed, never a session.
func TestSSLRequestWithTrailingBytes(t *testing.T) {
	cert, key := writeTestCert(t)
	ts := startServer(t, Config{TLSCertFile: cert, TLSKeyFile: key})
	nc, err := net.Dial("tcp", ts.addr)
	require.NoError(t, err)
	defer func() { _ = nc.Close() }()
	startup, err := (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "x"}}).Encode(nil)
	require.NoError(t, err)
	_, err = nc.Write(append(sslRequestBytes(), startup...))
	require.NoError(t, err)
	require.NoError(t, nc.SetReadDeadline(time.Now().Add(10*time.Second)))
	got, err := io.ReadAll(nc)
	require.NoError(t, err)
	// Refused before answering, or (had the bytes come in a later packet)
	// answered 'S' and then failed the handshake: never an 'R'.
	require.Contains(t, []string{"", "S"}, string(got))
}

func TestGSSENCRequest(t *testing.T) {
	ts := startServer(t, Config{})
	c := dialRaw(t, ts.addr)
	b := make([]byte, 8)
	binary.BigEndian.PutUint32(b, 8)
	binary.BigEndian.PutUint32(b[4:], 80877104)
	_, err := c.nc.Write(b)
	require.NoError(t, err)
	one := make([]byte, 1)
	_, err = io.ReadFull(c.nc, one)
	require.NoError(t, err)
	require.Equal(t, "N", string(one))
	c.fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "x"}})
	require.NoError(t, c.fe.Flush())
	msg, err := c.fe.Receive()
	require.NoError(t, err)
	require.IsType(t, &pgproto3.AuthenticationOk{}, msg)
}

// TestOversizedMessage: a message larger than MaxMessageSize, or a header
// announcing 2 GiB, gets an 08P01 error and the connection closes without
// reading (or allocating) the body.
func TestOversizedMessage(t *testing.T) {
	ts := startServer(t, Config{MaxMessageSize: 1024})
	for _, tc := range []struct {
		name string
		raw  []byte
		want string
	}{
		{"2GiB header", []byte{'Q', 0x7f, 0xff, 0xff, 0xff}, "ErrorResponse FATAL 08P01 \"message of 2147483643 bytes exceeds the maximum of 1024 bytes\"\n<closed>\n"},
		{"2KiB query", func() []byte {
			b, _ := (&pgproto3.Query{String: string(make([]byte, 2048))}).Encode(nil)
			return b
		}(), "ErrorResponse FATAL 08P01 \"message of 2049 bytes exceeds the maximum of 1024 bytes\"\n<closed>\n"},
		{"bad length", []byte{'Q', 0, 0, 0, 2}, "ErrorResponse FATAL 08P01 \"invalid frontend message: invalid message length: 2\"\n<closed>\n"},
		{"unknown type", []byte{'!', 0, 0, 0, 4}, "ErrorResponse FATAL 08P01 \"invalid frontend message: unknown message type: !\"\n<closed>\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, ts.addr)
			c.fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "x"}})
			require.NoError(t, c.fe.Flush())
			c.readUntil(t, "ReadyForQuery", 0)
			_, err := c.nc.Write(tc.raw)
			require.NoError(t, err)
			require.Equal(t, tc.want, c.readUntil(t, "", 0))
		})
	}
}

// TestTLSRequired: with TLSRequired a client that does not negotiate TLS
// is refused with FATAL 28000 before authentication, loopback included;
// one that does is served.
func TestTLSRequired(t *testing.T) {
	cert, key := writeTestCert(t)
	ts := startServer(t, Config{TLSCertFile: cert, TLSKeyFile: key, TLSRequired: true})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	_, err := pgx.Connect(ctx, "postgres://x@"+ts.addr+"/weir?sslmode=disable")
	var pe *pgconn.PgError
	require.True(t, errors.As(err, &pe), "%v", err)
	require.Equal(t, "28000", pe.Code)
	require.Equal(t, "FATAL", pe.Severity)
	require.Equal(t, "the server requires TLS; connect with sslmode=require or stricter", pe.Message)

	for _, mode := range []string{"prefer", "require"} {
		conn, err := pgx.Connect(ctx, "postgres://x@"+ts.addr+"/weir?sslmode="+mode)
		require.NoError(t, err, mode)
		_, isTLS := conn.PgConn().Conn().(*tls.Conn)
		require.True(t, isTLS, mode)
		require.NoError(t, conn.Close(ctx))
	}

	// Without TLSRequired, the same server accepts plain-text clients.
	open := startServer(t, Config{TLSCertFile: cert, TLSKeyFile: key})
	conn, err := pgx.Connect(ctx, "postgres://x@"+open.addr+"/weir?sslmode=disable")
	require.NoError(t, err)
	require.NoError(t, conn.Close(ctx))
}
