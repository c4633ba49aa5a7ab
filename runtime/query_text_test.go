package runtime

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/sql"
)

// TestQueryText: a view's definition (pg_get_viewdef, \d+) is its query as
// written, whatever precedes it or is inside it: a line break after AS, an
// "AS" alias or comment before or within the query, CRLF line ends, a
// parenthesized query, a statement after another in the script.
func TestQueryText(t *testing.T) {
	for _, tc := range []struct{ script, want string }{
		{"CREATE MATERIALIZED VIEW v3 AS\nSELECT window_start, window_end, model,\n       COUNT(*) AS n\nFROM TUMBLE(m, ts, INTERVAL '5' MINUTE)\nGROUP BY window_start, window_end, model;",
			"SELECT window_start, window_end, model,\n       COUNT(*) AS n\nFROM TUMBLE(m, ts, INTERVAL '5' MINUTE)\nGROUP BY window_start, window_end, model"},
		{"-- a view AS such\r\nCREATE MATERIALIZED VIEW v4 AS\r\nSELECT model,\r\n       COUNT(*) AS n\r\nFROM TUMBLE(m, ts, INTERVAL '5' MINUTE)\r\nGROUP BY window_start, window_end, model;\r\n",
			"SELECT model,\r\n       COUNT(*) AS n\r\nFROM TUMBLE(m, ts, INTERVAL '5' MINUTE)\r\nGROUP BY window_start, window_end, model"},
		{"SELECT 1 FROM m;\nCREATE VIEW \"a s\" AS\n-- the query\n(\n  SELECT model AS x FROM m\n);",
			"(\n  SELECT model AS x FROM m\n)"},
		{"CREATE VIEW v AS SELECT 'é AS x' AS s FROM m", "SELECT 'é AS x' AS s FROM m"},
	} {
		stmts, err := sql.Parse(tc.script)
		require.NoError(t, err, tc.script)
		cv := stmts[len(stmts)-1].(*sql.CreateView)
		require.Equal(t, tc.want, queryText(cv), tc.script)
	}
}
