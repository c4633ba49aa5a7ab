package runtime_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// TestPlainViewOverWire: a view that is not materialized (CREATE VIEW)
// stores no rows. The catalogs show it as a view (pg_views, relkind 'v'),
// not as a materialized view, and a SELECT from it runs its query as a
// SELECT from a source does: every row of m's file, each with
// _emit NULL (no window).
func TestPlainViewOverWire(t *testing.T) {
	conn, _ := startViewWire(t)
	ctx := context.Background()
	_, err := conn.Exec(ctx, "CREATE VIEW pv AS SELECT model FROM m WHERE latency_ms IS NOT NULL", pgx.QueryExecModeSimpleProtocol)
	require.NoError(t, err)
	for _, mode := range viewWireModes {
		rows, err := wireRows(t, conn, "SELECT viewname FROM pg_views WHERE viewname = 'pv'", mode)
		require.NoError(t, err)
		require.Equal(t, []string{"pv"}, rows)
		rows, err = wireRows(t, conn, "SELECT matviewname FROM pg_matviews WHERE matviewname = 'pv'", mode)
		require.NoError(t, err)
		require.Empty(t, rows)
		// viewWireEvents with a latency: a 100, b 300, a 200, a 50, b 400, c 10.
		rows, err = wireRows(t, conn, "SELECT * FROM pv", mode)
		require.NoError(t, err)
		require.ElementsMatch(t, []string{"a | NULL", "b | NULL", "a | NULL", "a | NULL", "b | NULL", "c | NULL"}, rows)
	}
}
