package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// replConstScript is typed into a piped weir repl: SELECT without FROM
// answers one row at once, like a view read (no _emit), and what needs a
// FROM clause is refused at its position.
const replConstScript = `SELECT 1;
SELECT 1 + 2 AS x, 'a' || 'b';
SELECT 1 AS one WHERE false;
SELECT CASE WHEN 2 > 1 THEN 'yes' END AS c, NULL IS NULL AS b;
SELECT version() LIKE 'weir %' AS ok;
SELECT 1 AS one,
  count(*) AS n;
`

// replConstWant is psql's table for each (trailing blanks trimmed, as the
// REPL prints tables): an unnamed column is ?column? as in PostgreSQL;
// numbers align right; 1 + 2 is 3 and 'a' || 'b' is ab; WHERE false keeps
// no row.
const replConstWant = ` ?column?
----------
        1
(1 row)
 x | ?column?
---+----------
 3 | ab
(1 row)
 one
-----
(0 rows)
  c  |  b
-----+------
 yes | true
(1 row)
  ok
------
 true
(1 row)
`

// TestReplConstSelect: the in-process repl answers SELECT 1 and its kin.
func TestReplConstSelect(t *testing.T) {
	var out, errw syncBuffer
	code := runRepl([]string{"--history", ""}, strings.NewReader(replConstScript), &out, &errw)
	require.Equal(t, exitSQLError, code, errw.String())
	require.Equal(t, replConstWant, out.String())
	require.NotContains(t, out.String(), "_emit")
	// count(*) is on line 7 of the piped input, column 3.
	require.Contains(t, errw.String(), "ERROR: line 7, column 3: aggregate function count needs rows to aggregate")
}

// TestRunConstSelectFormats: weir run prints SELECT 1 AS one; as the other
// statements that return rows (README): one JSON object without _emit, a
// CSV header and row, or a psql table with "(1 row)" and a blank line.
func TestRunConstSelectFormats(t *testing.T) {
	q := writeFile(t, t.TempDir(), "q.sql", "SELECT 1 AS one;\n")
	for _, tc := range []struct{ format, want string }{
		{"jsonl", `{"one":1}` + "\n"},
		{"csv", "one\n1\n"},
		{"table", " one\n-----\n   1\n(1 row)\n\n"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			code, out, errw := runWeir("--format", tc.format, q)
			require.Equal(t, exitOK, code, errw)
			require.Empty(t, errw)
			require.Equal(t, tc.want, out)
		})
	}
}

// TestRunConstSelectError: a column reference without FROM fails the
// script's check before anything starts, naming its line and column.
func TestRunConstSelectError(t *testing.T) {
	q := writeFile(t, t.TempDir(), "q.sql", "SELECT 1 AS one;\nSELECT 2 AS two WHERE x > 0;\n")
	code, out, errw := runWeir(q)
	require.Equal(t, exitSQLError, code, errw)
	require.Empty(t, out)
	require.Contains(t, errw, filepath.Base(q))
	require.Contains(t, errw, `line 2, column 23: column "x" does not exist`)
}
