package pgwire

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// TestRegclassExistenceChecks sends the existence checks ORMs and
// migration tools write, over both protocols: to_regclass with a
// parameter, and a name cast to regclass and on to oid. The fake engine's
// relations by_model, metrics, weir_dead_letters have OIDs 16384, 16385,
// 16386.
func TestRegclassExistenceChecks(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connectPgx(t, ts.url("tester"))
	ctx := context.Background()
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol} {
		t.Run(mode.String(), func(t *testing.T) {
			var exists bool
			require.NoError(t, conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, mode, "public.metrics").Scan(&exists))
			require.True(t, exists)
			require.NoError(t, conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, mode, "nosuch").Scan(&exists))
			require.False(t, exists)

			var name *string
			require.NoError(t, conn.QueryRow(ctx, `SELECT to_regclass('nosuch')::text`, mode).Scan(&name))
			require.Nil(t, name)

			var oid int64
			require.NoError(t, conn.QueryRow(ctx, `SELECT 'weir_dead_letters'::regclass::oid`, mode).Scan(&oid))
			require.Equal(t, int64(16386), oid)

			err := conn.QueryRow(ctx, `SELECT 'nosuch'::regclass`, mode).Scan(&name)
			require.ErrorContains(t, err, `relation "nosuch" does not exist (SQLSTATE 42P01)`)
		})
	}
}

// TestPsqlRoles runs psql 15's \du against a server with configured users
// (skipped when psql is not on PATH): the roles are those users and the
// loopback client's own name (trust auth lets it connect as any name), in
// name order, none a superuser nor a member of another role.
func TestPsqlRoles(t *testing.T) {
	bin, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql is not on PATH; skipping the psql tests")
	}
	ts := startServer(t, Config{Users: []User{{Name: "zoe", Password: "pw1"}, {Name: "analyst", Password: "pw2"}}})
	dsn := "host=127.0.0.1 port=" + ts.port + " user=x dbname=weir sslmode=disable connect_timeout=10"
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, dsn, "-X", "--no-psqlrc", "-c", `\du`,
		"-c", `SELECT rolname, oid FROM pg_roles ORDER BY oid`)
	cmd.Env = append(os.Environ(), "PAGER=", "PSQL_PAGER=", "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	require.Equal(t, `           List of roles
 Role name | Attributes | Member of 
-----------+------------+-----------
 analyst   |            | {}
 x         |            | {}
 zoe       |            | {}

 rolname |  oid  
---------+-------
 x       | 10
 analyst | 16200
 zoe     | 16201
(3 rows)

`, string(out))
}
