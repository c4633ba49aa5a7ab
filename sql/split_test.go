package sql

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSplitStatements(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" ;; ; ", nil},
		{"SELECT 1; SELECT 2", []string{"SELECT 1", "SELECT 2"}},
		{"SELECT 'a;b';\n-- c;\nSELECT \"x;\" /* ; */ FROM t;", []string{"SELECT 'a;b'", "SELECT \"x;\" /* ; */ FROM t"}},
		{"SELECT 1; SELECT 'open;", []string{"SELECT 1", "SELECT 'open;"}},
		{"SELECT 1 /* open ;", []string{"SELECT 1 /* open ;"}},
		{"/* a /* b */ c; */ SELECT 1; SELECT $x$;$x$, E'\\';'", []string{"SELECT 1", "SELECT $x$;$x$, E'\\';'"}},
		{"SELECT 1 /* a /* b */ ; */; SELECT $$;", []string{"SELECT 1", "SELECT $$;"}},
		{"SELECT E'\\u12;'; SELECT 2", []string{"SELECT E'\\u12;'", "SELECT 2"}},
	} {
		require.Equal(t, tc.want, SplitStatements(tc.in), "input %q", tc.in)
	}
}

func TestComplete(t *testing.T) {
	for in, want := range map[string]bool{
		"":                           false,
		"SELECT 1":                   false,
		"SELECT 1;":                  true,
		"SELECT 1; -- trailing":      true,
		"SELECT 1;\n  ":              true,
		"SELECT ';":                  false,
		"SELECT 1 /* ; */":           false,
		"SELECT 1 /* ; */;":          true,
		"CREATE SOURCE s (\n  a INT": false,
		"SELECT \"a;\"":              false,
		"SELECT $$;$$;":              true,
		"SELECT $$;":                 false,
		"SELECT 1 /* a /* b */ ; */": false,
		"/* a /* b */ */ SELECT 1;":  true,
		"SELECT E'\\';":              false,
		"SELECT E'\\u12';":           true, // complete; Parse reports the escape
	} {
		require.Equal(t, want, Complete(in), "input %q", in)
	}
}

// TestParseErrorsArePositioned checks that every failure is a *Error with
// a position inside the script, for inputs in every statement family.
func TestParseErrorsArePositioned(t *testing.T) {
	for _, in := range []string{
		"SELECT", "SELECT FROM", "CREATE", "CREATE SOURCE", "CREATE SOURCE s (", "CREATE SOURCE s (a",
		"CREATE SINK", "CREATE SINK s AS", "CREATE VIEW v AS", "DROP", "DROP VIEW", "SET", "SET x", "SET x =",
		"DESCRIBE", "SUBSCRIBE TO", "EXPLAIN", "SELECT * FROM TUMBLE(", "SELECT * FROM TUMBLE((SELECT", "SELECT 1 EMIT",
		"SELECT 1 EMIT EARLY", "SELECT 1 EMIT EARLY WHEN", "SELECT CAST(a AS", "SELECT CAST(", "SELECT INTERVAL",
		"SELECT * FROM TABLE(TUMBLE(m, ts, INTERVAL '1' MINUTE)", "SELECT 1e400",
	} {
		_, err := Parse(in)
		require.Error(t, err, "input %q", in)
		var e *Error
		require.ErrorAs(t, err, &e, "input %q", in)
		require.GreaterOrEqual(t, e.At.Offset, 0, "input %q", in)
		require.LessOrEqual(t, e.At.Offset, len(in), "input %q", in)
		require.Equal(t, 1, e.At.Line, "input %q", in)
		require.NotEmpty(t, e.Code, "input %q", in)
	}
}
