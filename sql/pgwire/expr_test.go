package pgwire

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// testConn is a session of a Server over the fake engine that never
// serves: enough to evaluate statements pgwire answers itself.
func testConn(t testing.TB) *conn {
	srv := NewServer(Config{}, newFakeEngine())
	t.Cleanup(func() { _ = srv.Close() })
	c := &conn{srv: srv, sess: &Session{user: "u", database: "weir"}, defaults: srv.defaults}
	c.sess.resetAll(srv.defaults)
	return c
}

// TestParseNumeric: numeric literals keep PostgreSQL's output form (scale
// from the literal's decimals less its exponent).
func TestParseNumeric(t *testing.T) {
	for in, want := range map[string]string{
		"1.50": "1.50", "1e3": "1000", "1.5e3": "1500", "1.5e-3": "0.0015", "007": "7",
		".5": "0.5", "1.": "1", "-0.0": "0.0", "-1.25": "-1.25", "12e-1": "1.2", "0e5": "0",
	} {
		got, ok := parseNumeric(in)
		require.True(t, ok, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"", ".", "e5", "1e", "1.2.3", "abc", "1e9999"} {
		_, ok := parseNumeric(in)
		require.False(t, ok, in)
	}
}

// TestQuoteAndParseIdent: quote_ident and parse_ident as PostgreSQL's
// (checked against it).
func TestQuoteAndParseIdent(t *testing.T) {
	for in, want := range map[string]string{
		"v1": "v1", "Foo": `"Foo"`, "time": `"time"`, "value": "value", "a b": `"a b"`,
		"select": `"select"`, "_x9": "_x9", "9x": `"9x"`, `a"b`: `"a""b"`, "": `""`,
	} {
		require.Equal(t, want, quoteIdent(in), in)
	}
	got, ok := parseIdent(`public."V1"`)
	require.True(t, ok)
	require.Equal(t, []string{"public", "V1"}, got)
	got, ok = parseIdent(" A . b ")
	require.True(t, ok)
	require.Equal(t, []string{"a", "b"}, got)
	got, ok = parseIdent(`"a""b".c`)
	require.True(t, ok)
	require.Equal(t, []string{`a"b`, "c"}, got)
	// Unterminated quotes are invalid (a lone " used to panic).
	for _, in := range []string{"", "a.", ".a", "a..b", `""`, "a b", `"`, `"ab""`, `a."`} {
		_, ok := parseIdent(in)
		require.False(t, ok, in)
	}
}

// TestMillis: statement_timeout values as PostgreSQL reads and shows them.
func TestMillis(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0", "50": "50ms", "1.5": "2ms", "5s": "5s", "90000": "90s", "1min": "1min",
		"1500": "1500ms", "3600000": "1h", " 10 s ": "10s", "1000us": "1ms", "1d": "1d", "0.5s": "500ms",
	} {
		ms, err := parseMillis(in)
		require.NoError(t, err, in)
		require.Equal(t, want, formatMillis(ms), in)
	}
	for _, in := range []string{"", "abc", "5 S", "5x", "99999999999", "s"} {
		_, err := parseMillis(in)
		require.Error(t, err, in)
	}
}

// FuzzEvaluate: pgwire's own evaluation of constant SELECTs and catalog
// queries never panics, whatever the text.
func FuzzEvaluate(f *testing.F) {
	for _, s := range []string{
		"SELECT 41::BIGINT + 1 AS x, 'a' || 1, current_setting('TimeZone')",
		"SELECT -2.5::int, 1e3, E'a\\nb', $$x$$, $t$y$t$, (parse_ident('a.b'))[2]",
		"SELECT CASE WHEN 1 = 1 THEN 'a' ELSE NULL END, coalesce(NULL, 2), 7 % -1",
		"SELECT quote_ident(table_name) FROM information_schema.tables WHERE table_type IN ('VIEW') ORDER BY 1 DESC LIMIT 1 OFFSET 0",
		"SELECT DISTINCT n.nspname FROM pg_catalog.pg_namespace n WHERE n.nspname !~ '^pg_' AND NOT n.oid IS NULL",
		"SELECT * FROM information_schema.columns WHERE data_type LIKE 'b%' AND ordinal_position BETWEEN 1 AND 2",
		"SELECT d.datname FROM pg_database d WHERE d.datname OPERATOR(pg_catalog.~) '^(weir)$' COLLATE pg_catalog.default",
		"SELECT pg_catalog.pg_get_viewdef('16384'::pg_catalog.oid, true)",
		"SELECT table_type, count(*), min(table_name), sum(ordinal_position) FROM information_schema.tables GROUP BY table_type HAVING count(*) > 1 ORDER BY 2 DESC",
		"SELECT EXISTS (SELECT FROM pg_tables WHERE tablename = 'x'), (SELECT max(relname) FROM pg_class)",
		"SELECT c.relname AS \"Name\" FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relname IN (SELECT tablename FROM pg_tables) ORDER BY 1",
		"SELECT 1 FROM pg_catalog.pg_class c, pg_catalog.pg_inherits i WHERE c.oid = i.inhparent UNION SELECT 2 FROM pg_policy",
	} {
		f.Add(s)
	}
	c := testConn(f)
	f.Fuzz(func(t *testing.T, stmt string) {
		ctx := context.Background()
		_, _, _ = c.constSelect(ctx, stmt)
		if looksLikeCatalogQuery(stmt) {
			_, _ = c.catalogQuery(ctx, stmt)
		}
	})
}
