package pgwire

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
)

// TestPgxOptions: pgx's options URL parameter (as libpq's PGOPTIONS) sets
// statement_timeout, and a setting PostgreSQL does not know fails the
// connection with FATAL 42704.
func TestPgxOptions(t *testing.T) {
	ts := startServer(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, ts.url("tester")+"&options=-c%20statement_timeout%3D1500")
	require.NoError(t, err)
	defer func() { _ = conn.Close(ctx) }()
	var v string
	require.NoError(t, conn.QueryRow(ctx, "SHOW statement_timeout").Scan(&v))
	require.Equal(t, "1500ms", v)

	_, err = pgx.Connect(ctx, ts.url("tester")+"&options=-c%20nosuch%3D1")
	var pe *pgconn.PgError
	require.True(t, errors.As(err, &pe), "%v", err)
	require.Equal(t, "FATAL", pe.Severity)
	require.Equal(t, "42704", pe.Code)
	require.Equal(t, `unrecognized configuration parameter "nosuch"`, pe.Message)
}

// TestShowSSL: SHOW ssl is on when the server accepts TLS, whether or not
// this session uses it (PostgreSQL's ssl is the server's setting).
func TestShowSSL(t *testing.T) {
	cert, key := writeTestCert(t)
	ts := startServer(t, Config{TLSCertFile: cert, TLSKeyFile: key})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, mode := range []string{"require", "disable"} {
		conn, err := pgx.Connect(ctx, "postgres://x@"+ts.addr+"/weir?sslmode="+mode)
		require.NoError(t, err)
		var v string
		require.NoError(t, conn.QueryRow(ctx, "SHOW ssl").Scan(&v))
		require.Equal(t, "on", v, mode)
		require.NoError(t, conn.Close(ctx))
	}
}
