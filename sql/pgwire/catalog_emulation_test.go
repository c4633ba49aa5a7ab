package pgwire

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// TestGrafanaCatalog runs the kind of queries Grafana's Postgres data
// source sends for its table and column pickers.
func TestGrafanaCatalog(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connectPgx(t, ts.url("grafana"))
	ctx := context.Background()

	rows, err := conn.Query(ctx, `SELECT quote_ident(table_name) as "table" FROM information_schema.tables
    WHERE quote_ident(table_schema) NOT IN ('information_schema', 'pg_catalog', '_timescaledb_cache')
    AND table_type = 'BASE TABLE' ORDER BY table_name`)
	require.NoError(t, err)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Equal(t, []string{"by_model", "metrics", "weir_dead_letters"}, tables)

	rows, err = conn.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`, "metrics")
	require.NoError(t, err)
	type col struct {
		Name string `db:"column_name"`
		Type string `db:"data_type"`
	}
	cols, err := pgx.CollectRows(rows, pgx.RowToStructByName[col])
	require.NoError(t, err)
	require.Equal(t, []col{{"ts", "timestamp with time zone"}, {"model", "text"}, {"latency_ms", "double precision"}}, cols)

	// Other catalog queries get an empty result with the right columns.
	rows, err = conn.Query(ctx, `SELECT t.oid, t.typname FROM pg_catalog.pg_type t WHERE t.typname = 'foo'`)
	require.NoError(t, err)
	require.Equal(t, 2, len(rows.FieldDescriptions()))
	require.False(t, rows.Next())
	require.NoError(t, rows.Err())
	rows.Close()
}

func BenchmarkRowEncode(b *testing.B) {
	for _, bc := range []struct {
		name    string
		formats []int16
	}{{"text", nil}, {"binary", []int16{1}}} {
		b.Run(bc.name, func(b *testing.B) {
			var e rowEncoder
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				_ = e.encode(byModelCols, bc.formats, byModelRows[i%2])
			}
		})
	}
}
