package pgwire

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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
	// table_type = 'BASE TABLE': sources; views are 'VIEW'.
	require.Equal(t, []string{"metrics"}, tables)

	rows, err = conn.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`, "metrics")
	require.NoError(t, err)
	type col struct {
		Name string `db:"column_name"`
		Type string `db:"data_type"`
	}
	cols, err := pgx.CollectRows(rows, pgx.RowToStructByName[col])
	require.NoError(t, err)
	require.Equal(t, []col{{"ts", "timestamp with time zone"}, {"model", "text"}, {"latency_ms", "double precision"}}, cols)

	// A catalog weir does not emulate is refused, not answered with no
	// rows (PostgreSQL's pg_type has the built-in types).
	rows, err = conn.Query(ctx, `SELECT t.oid, t.typname FROM pg_catalog.pg_type t WHERE t.typname = 'foo'`)
	if err == nil {
		rows.Close()
		err = rows.Err()
	}
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr)
	require.Equal(t, "0A000", pgErr.Code)
	require.Equal(t, "pg_catalog.pg_type is not emulated by weir's Postgres endpoint", pgErr.Message)
}

// TestCatalogExistenceChecks runs the auditor's "does this table exist?"
// queries through pgx in both protocols: each answers one row with
// PostgreSQL's value (count is bigint, EXISTS boolean). The fake engine has
// by_model, metrics (the only source) and weir_dead_letters, no extension.
func TestCatalogExistenceChecks(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connectPgx(t, ts.url("tester"))
	ctx := context.Background()
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol} {
		t.Run(mode.String(), func(t *testing.T) {
			var n int64
			require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables`, mode).Scan(&n))
			require.Equal(t, int64(3), n)

			var exists bool
			require.NoError(t, conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name='fm5')`, mode).Scan(&exists))
			require.False(t, exists)
			require.NoError(t, conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = $1)`, mode, "metrics").Scan(&exists))
			require.True(t, exists)

			require.NoError(t, conn.QueryRow(ctx, `SELECT COUNT(1) FROM information_schema.tables WHERE table_name='nosuch'`, mode).Scan(&n))
			require.Equal(t, int64(0), n)
			require.NoError(t, conn.QueryRow(ctx, `SELECT COUNT(1) FROM information_schema.tables WHERE table_name = $1`, mode, "by_model").Scan(&n))
			require.Equal(t, int64(1), n)

			var name string
			require.NoError(t, conn.QueryRow(ctx, `SELECT max(tablename) FROM pg_tables`, mode).Scan(&name))
			require.Equal(t, "metrics", name)

			require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM pg_extension`, mode).Scan(&n))
			require.Equal(t, int64(0), n)

			rows, err := conn.Query(ctx, `SELECT relname FROM pg_class WHERE relname = $1`, mode, "metrics")
			require.NoError(t, err)
			names, err := pgx.CollectRows(rows, pgx.RowTo[string])
			require.NoError(t, err)
			require.Equal(t, []string{"metrics"}, names)
		})
	}
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

// TestCatalogQueryRecognition: only relations named in FROM (or JOIN) make
// a catalog query; names inside string literals, comments or the SELECT
// list do not.
func TestCatalogQueryRecognition(t *testing.T) {
	for _, tc := range []struct {
		stmt string
		want bool
	}{
		{`select model from v where model <> 'pg_class'`, false},
		{`select model, 'information_schema.x' as t from v`, false},
		{`select model from v -- pg_catalog.pg_class`, false},
		{`select model from v /* from pg_class */`, false},
		{`select model as pg_class from v`, false},
		{`select pg_catalog.format_type(1, 2) from v`, false},
		{`select $$from pg_class$$ from v`, false},
		{`select "pg_class" from v`, false},
		{`SELECT t.oid FROM pg_catalog.pg_type t WHERE t.typname = 'foo'`, true},
		{`SELECT 1 FROM information_schema.tables`, true},
		{`select relname from pg_class`, true},
		{`SELECT c.oid FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace`, true},
		{`SELECT a FROM v, pg_catalog.pg_attribute a`, true},
		{`SELECT x FROM (SELECT 1 FROM "pg_catalog"."pg_class") s`, true},
		{`SELECT n FROM v JOIN pg_namespace ON true`, true},
		{`SELECT 'a' FROM v WHERE x IN (SELECT 1 FROM pg_catalog.pg_roles)`, true},
	} {
		require.Equal(t, tc.want, looksLikeCatalogQuery(tc.stmt), tc.stmt)
	}
}

// TestLiteralNamingCatalogReachesEngine: a user query whose literal names a
// catalog table is the engine's, and returns v's 5 rows.
func TestLiteralNamingCatalogReachesEngine(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connectPgx(t, ts.url("tester"))
	ctx := context.Background()
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol} {
		t.Run(mode.String(), func(t *testing.T) {
			rows, err := conn.Query(ctx, `select model from v where model <> 'pg_class'`, mode)
			require.NoError(t, err)
			models, err := pgx.CollectRows(rows, pgx.RowTo[string])
			require.NoError(t, err)
			require.Equal(t, []string{"a", "b", "c", "d", "e"}, models)

			rows, err = conn.Query(ctx, `select model, 'information_schema.x' as t from v`, mode)
			require.NoError(t, err)
			type mt struct {
				Model string `db:"model"`
				T     string `db:"t"`
			}
			got, err := pgx.CollectRows(rows, pgx.RowToStructByName[mt])
			require.NoError(t, err)
			require.Len(t, got, 5)
			require.Equal(t, mt{"a", "information_schema.x"}, got[0])
		})
	}
}
