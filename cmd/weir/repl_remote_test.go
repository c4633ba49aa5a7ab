package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
)

// replErrScript has an error on each of lines 1 and 2, two statements on
// one line, a multi-line statement with its error on its second line, a
// comment before a statement and a non-ASCII literal (columns count
// characters), and a \d of a missing name.
const replErrScript = `SELEC 1;
SELECT 1 +;
CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE,
  WATERMARK FOR ts AS ts)
  WITH (connector = 'file', path = '%s');
  SHOW SOURCES; SELEC 2;
SELECT model,
  kk FROM m;
/* c */ SELECT 'é', kk FROM m;
\d nope
`

// replErrWant is stderr for replErrScript, positions in the piped input:
//   - line 1: SELEC is at column 1;
//   - line 2: "SELECT 1 +" ends at column 10, the missing expression is at 11;
//   - line 6: "  SHOW SOURCES; " is 16 characters, SELEC is at 17;
//   - line 8 (the SELECT's second line): "  kk", kk at column 3;
//   - line 9: "/* c */ " is 8 characters and "SELECT 'é', " 12 more, kk at 21;
//   - \d NAME runs a statement of its own making: no position.
const replErrWant = `ERROR: line 1, column 1: expected a statement (CREATE, DROP, SELECT, SHOW, DESCRIBE, EXPLAIN, SUBSCRIBE or SET), found 'SELEC'
ERROR: line 2, column 11: expected an expression, found end of statement
ERROR: line 6, column 17: expected a statement (CREATE, DROP, SELECT, SHOW, DESCRIBE, EXPLAIN, SUBSCRIBE or SET), found 'SELEC'
ERROR: line 8, column 3: unknown column "kk"
ERROR: line 9, column 21: unknown column "kk"
ERROR: unknown source or view "nope"
`

// TestReplRemoteErrorsMatchLocal: weir repl --server prints a failed
// statement's error exactly as the in-process repl does: one "ERROR:", the
// line and column in the user's input (from the server's character
// position), no SQLSTATE.
func TestReplRemoteErrorsMatchLocal(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "m.jsonl")
	appendJSONL(t, data, wireData)
	script := fmt.Sprintf(replErrScript, data)

	var out, errw syncBuffer
	code := runRepl([]string{"--history", ""}, strings.NewReader(script), &out, &errw)
	require.Equal(t, exitSQLError, code)
	require.Equal(t, replErrWant, errw.String())

	srv := startServe(t, filepath.Join(dir, "state"))
	var rout, rerr syncBuffer
	code = runRepl([]string{"--server", srv.addrs.PG, "--history", ""}, strings.NewReader(script), &rout, &rerr)
	require.Equal(t, exitSQLError, code)
	require.Equal(t, replErrWant, rerr.String())
	require.Equal(t, out.String(), rout.String())
}

// TestStatementsAt: each statement of a REPL input with the line and
// column (in characters) where it starts; text before a statement that
// repeats it (in a comment) does not fool the search.
func TestStatementsAt(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []stmtAt
	}{
		{"SELEC 1;\n", []stmtAt{{"SELEC 1", 1, 1}}},
		{"  a; b;;  c\n", []stmtAt{{"a", 1, 3}, {"b", 1, 6}, {"c", 1, 11}}},
		{"é; x\n  y;\n\tz;", []stmtAt{{"é", 1, 1}, {"x\n  y", 1, 4}, {"z", 3, 2}}},
		{"a; -- b;\n b;", []stmtAt{{"a", 1, 1}, {"b", 2, 2}}},
		{"a; /* b; */ b;", []stmtAt{{"a", 1, 1}, {"b", 1, 13}}},
		{"a; 'x;\ny", []stmtAt{{"a", 1, 1}, {"'x;\ny", 1, 4}}},
		{"a; /* b", []stmtAt{{"a", 1, 1}, {"/* b", 1, 4}}},
		{"-- only a comment\n", nil},
	} {
		require.Equal(t, tc.want, statementsAt(tc.text), "%q", tc.text)
	}
}

// TestStmtErrorIn: a position on the statement's first line is shifted by
// the statement's column; on later lines only the line moves.
func TestStmtErrorIn(t *testing.T) {
	at := &stmtAt{line: 5, col: 10}
	line, col := (&stmtError{line: 1, col: 3}).in(at)
	require.Equal(t, []int{5, 12}, []int{line, col})
	line, col = (&stmtError{line: 2, col: 3}).in(at)
	require.Equal(t, []int{6, 3}, []int{line, col})
	line, col = (&stmtError{}).in(at)
	require.Equal(t, []int{0, 0}, []int{line, col})
	line, col = (&stmtError{line: 1, col: 1}).in(nil)
	require.Equal(t, []int{0, 0}, []int{line, col})
}

// TestRemoteErrorPosition: an ErrorResponse's position is a 1-based
// character offset into the statement sent; it becomes a line and a
// column (in characters) in that statement.
func TestRemoteErrorPosition(t *testing.T) {
	pos := func(text string, p int32) []int {
		e := remoteError(&pgconn.PgError{Message: "m", Position: p}, text)
		return []int{e.line, e.col}
	}
	// "SELECT x,\n" is 10 characters; the second line's kk starts at 13.
	require.Equal(t, []int{2, 3}, pos("SELECT x,\n  kk FROM m", 13))
	// 'é' is one character (two bytes): kk is the 13th character.
	require.Equal(t, []int{1, 13}, pos("SELECT 'é', kk FROM m", 13))
	require.Equal(t, []int{1, 1}, pos("SELEC 1", 1))
	// Just past the end (a missing expression), and beyond it: clamped.
	require.Equal(t, []int{1, 11}, pos("SELECT 1 +", 11))
	require.Equal(t, []int{1, 11}, pos("SELECT 1 +", 99))
	require.Equal(t, []int{0, 0}, pos("SELECT 1 +", 0))

	e := remoteError(&pgconn.PgError{Severity: "ERROR", Code: "42601", Message: "bad", Detail: "d", Hint: "h"}, "x")
	var b strings.Builder
	printError(&b, e, &stmtAt{line: 3, col: 1})
	require.Equal(t, "ERROR: bad\nDETAIL: d\nHINT: h\n", b.String())
}
