package pgwire

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
)

// TestWireColumns: the names a SELECT's columns get over the wire are
// PostgreSQL 15's (each case checked against it), where the engine made
// them unique or named a rewritten now() ?column?.
func TestWireColumns(t *testing.T) {
	for _, tc := range []struct {
		stmt   string
		engine []string // the engine's names
		want   []string // nil: the engine's
	}{
		// pgwire's parser reads these, no FROM: its names.
		{"SELECT 0.1+0.2, 1, upper('a'), now()", []string{"?column?", "?column?_2", "upper", "?column?_3"},
			[]string{"?column?", "?column?", "upper", "now"}},
		{"SELECT current_timestamp, 1::int AS x, x", []string{"?column?", "x", "x_2"},
			[]string{"current_timestamp", "x", "x"}},
		// Only the engine's parser reads INTERVAL '30 days': a renamed
		// ?column? gets PostgreSQL's name.
		{"SELECT now() - INTERVAL '30 days', now()", []string{"?column?", "?column?_2"},
			[]string{"?column?", "now"}},
		// With FROM: only what the engine renamed; a column keeps the
		// relation's spelling.
		{"SELECT n, n, now(), N FROM mv", []string{"n", "n_2", "?column?", "n_3"},
			[]string{"n", "n", "now", "n"}},
		{"SELECT model FROM mv", []string{"Model"}, nil},
		{"SELECT x AS n_2, n FROM mv", []string{"n_2", "n"}, nil},
		// Unchanged: already PostgreSQL's, a star, not a SELECT.
		{"SELECT a, b FROM mv", []string{"a", "b"}, nil},
		{"SELECT *, a FROM mv", []string{"a", "a_2"}, nil},
		{"echo 1", []string{"stmt"}, nil},
	} {
		cols := make([]Column, len(tc.engine))
		for i, n := range tc.engine {
			cols[i] = Column{Name: n, Type: catalog.Varchar}
		}
		got := wireColumns(tc.stmt, cols)
		if tc.want == nil {
			require.Nil(t, got, tc.stmt)
			continue
		}
		names := make([]string, len(got))
		for i, c := range got {
			names[i] = c.Name
		}
		require.Equal(t, tc.want, names, tc.stmt)
		require.Equal(t, tc.engine[0], cols[0].Name, "the engine's columns are not changed")
	}
}

// TestCommandTags: CREATE/DROP TABLE and [MATERIALIZED] VIEW are tagged
// with the statement's words, as PostgreSQL does.
func TestCommandTags(t *testing.T) {
	for _, tc := range []struct{ stmt, engine, want string }{
		{"DROP TABLE t", "DROP SOURCE", "DROP TABLE"},
		{"drop table if exists t", "DROP SOURCE", "DROP TABLE"},
		{"CREATE TABLE t (a BIGINT) WITH (connector = 'x')", "CREATE SOURCE", "CREATE TABLE"},
		{"DROP MATERIALIZED VIEW mv", "DROP VIEW", "DROP MATERIALIZED VIEW"},
		{"/* c */ CREATE MATERIALIZED VIEW mv AS SELECT 1", "CREATE MATERIALIZED VIEW", "CREATE MATERIALIZED VIEW"},
		{"DROP VIEW v", "DROP VIEW", "DROP VIEW"},
		{"DROP SOURCE s", "DROP SOURCE", "DROP SOURCE"},
		{"CREATE SINK k", "CREATE SINK", "CREATE SINK"},
		{"SELECT 1", "SELECT", "SELECT"},
	} {
		require.Equal(t, tc.want, pgTag(tc.engine, createDropVerb(tc.stmt)), tc.stmt)
	}
}

// TestStandardStrings: dollar-quoted strings become standard ones and the
// edits map offsets back.
func TestStandardStrings(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"SELECT $$x$$", "SELECT 'x'"},
		{"SELECT $$it's$$, $t$a$$b$t$", "SELECT 'it''s', 'a$$b'"},
		{"SELECT $$$$", "SELECT ''"},
		{"SELECT '$$', \"$$\" -- $$\n", "SELECT '$$', \"$$\" -- $$\n"},
		{"SELECT $1, a$$b$$", "SELECT $1, a$$b$$"},
		{"SELECT $$unterminated", "SELECT $$unterminated"},
		{"SELECT $$a\\n$$", "SELECT 'a\\n'"},
	} {
		got, edits := standardStrings(tc.in)
		require.Equal(t, tc.want, got, tc.in)
		require.Equal(t, got == tc.in, edits == nil, tc.in)
	}
	got, edits := standardStrings("$$it's$$ xy")
	require.Equal(t, "'it''s' xy", got)
	require.Equal(t, 9, origOffset(edits, 8)) // y
	require.Equal(t, 0, origOffset(edits, 3)) // inside the string: its start
}

// TestParseOptions: the options startup parameter as PostgreSQL splits
// and reads it.
func TestParseOptions(t *testing.T) {
	got, err := parseOptions(`-c statement_timeout=1500  --search-path=b,\ a -cDateStyle=ISO --extra-float-digits=2`)
	require.NoError(t, err)
	require.Equal(t, [][2]string{{"statement_timeout", "1500"}, {"search_path", "b, a"}, {"datestyle", "ISO"}, {"extra_float_digits", "2"}}, got)
	for _, in := range []string{"", "  ", "--"} {
		got, err = parseOptions(in)
		require.NoError(t, err)
		require.Empty(t, got)
	}
	for in, msg := range map[string]string{
		"-c":        "invalid command-line argument for server process: -c (SQLSTATE 42601)",
		"-c x-y":    "-c x-y requires a value (SQLSTATE 42601)",
		"--x-y":     "--x-y requires a value (SQLSTATE 42601)",
		"-x":        "invalid command-line argument for server process: -x (SQLSTATE 42601)",
		"statement": "invalid command-line argument for server process: statement (SQLSTATE 42601)",
		"-- -c x=1": "invalid command-line argument for server process: -c (SQLSTATE 42601)",
	} {
		_, err := parseOptions(in)
		require.EqualError(t, err, msg, in)
	}
}
