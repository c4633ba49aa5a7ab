package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chzyer/readline"
	"github.com/stretchr/testify/require"
)

// replScript is piped to `weir repl`: a multi-line CREATE, \d, a
// continuous SELECT over a bounded file (its rows stream until the end of
// input), a bad statement (reported, the shell goes on) and \q (the last
// statement never runs).
const replScript = `CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE,
  WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
  WITH (connector = 'file', path = '%s');
\d m
SELECT window_start, COUNT(*) AS n
FROM TUMBLE(m, ts, INTERVAL '1' MINUTE)
GROUP BY window_start, window_end;
SELEC 1;
\q
SHOW SOURCES;
`

// replWant is the expected output; %s are the two window starts as the
// backend renders timestamps. wireData has 3 events in 10:00 and 3 in 10:01.
// DESCRIBE is finite: aligned as psql does (widths 10 and 9, names
// centred, trailing blanks trimmed). The continuous SELECT streams: its
// rows print as they come, unaligned.
const replWant = `CREATE SOURCE
   column   |   type
------------+-----------
 ts         | TIMESTAMP
 model      | VARCHAR
 latency_ms | DOUBLE
(3 rows)
window_start | n | _emit
------------------------
%s | 3 | final
%s | 3 | final
(2 rows)
`

func TestReplPipedLocalAndRemote(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "m.jsonl")
	appendJSONL(t, data, wireData)
	script := fmt.Sprintf(replScript, data)

	var out, errw syncBuffer
	code := runRepl([]string{"--history", ""}, strings.NewReader(script), &out, &errw)
	require.Equal(t, exitSQLError, code, errw.String())
	require.Equal(t, fmt.Sprintf(replWant, "2026-11-09T10:00:00.000Z", "2026-11-09T10:01:00.000Z"), out.String())
	// SELEC is line 8 of the piped input.
	badStmt := "ERROR: line 8, column 1: expected a statement (CREATE, DROP, SELECT, SHOW, DESCRIBE, EXPLAIN, SUBSCRIBE or SET), found 'SELEC'\n"
	require.Contains(t, errw.String(), badStmt)

	srv := startServe(t, filepath.Join(dir, "state"))
	var rout, rerr syncBuffer
	code = runRepl([]string{"--server", srv.addrs.PG}, strings.NewReader(script), &rout, &rerr)
	require.Equal(t, exitSQLError, code, rerr.String())
	// Timestamps print as the in-process REPL prints them (RFC 3339 UTC,
	// milliseconds), not in the wire's text form.
	require.Equal(t, fmt.Sprintf(replWant, "2026-11-09T10:00:00.000Z", "2026-11-09T10:01:00.000Z"), rout.String())
	require.Contains(t, rerr.String(), badStmt)
}

func TestReplCommands(t *testing.T) {
	var out, errw syncBuffer
	code := runRepl(nil, strings.NewReader("\\timing\n\\help\n\\nope\n\\d\n"), &out, &errw)
	require.Equal(t, exitOK, code)
	require.Contains(t, out.String(), "Timing is on.\n")
	require.Contains(t, out.String(), `\d NAME      describe a source or view`)
	require.Contains(t, out.String(), " name | connector | watermark\n------+-----------+-----------\n(0 rows)\n")
	require.Contains(t, out.String(), "Time: ")
	require.Equal(t, "unknown command \\nope; try \\help\n", errw.String())
}

// TestPrintTable: widths are the longest cell or name in runes; names are
// centred (the odd blank goes right); numeric columns are right-aligned,
// others left-aligned; NULL is an empty cell; lines end without blanks.
func TestPrintTable(t *testing.T) {
	var b strings.Builder
	printTable(&b, []string{"model", "n", "avg"}, []bool{false, true, true}, [][]string{
		{"gpt", "3", "120.5"},
		{"claude", "-17", ""},
		{"héllo", "1000", ""},
	})
	require.Equal(t, ` model  |  n   |  avg
--------+------+-------
 gpt    |    3 | 120.5
 claude |  -17 |
 héllo  | 1000 |
(3 rows)
`, b.String())

	b.Reset()
	printTable(&b, []string{"a"}, nil, [][]string{{"x"}})
	require.Equal(t, " a\n---\n x\n(1 row)\n", b.String())

	// A multi-line value (SHOW QUERIES' sql) stays on its row: newline,
	// CR and tab print as \n, \r, \t, and widths count the escapes.
	b.Reset()
	printTable(&b, []string{"id", "sql"}, nil, [][]string{{"q1", "SELECT a\r\nFROM\tm"}})
	require.Equal(t, ` id |         sql
----+---------------------
 q1 | SELECT a\r\nFROM\tm
(1 row)
`, b.String())

	b.Reset()
	p := &rowPrinter{w: &b}
	p.columns([]string{"k", "_emit"})
	p.row([]string{"a\nb", "final"})
	p.end()
	require.Equal(t, "k | _emit\n---------\na\\nb | final\n(1 row)\n", b.String())
}

func TestCompleter(t *testing.T) {
	c := &completer{names: func() []string { return []string{"metrics", "by_model", "g", "weir_dead_letters", "ZedCase"} }}
	got := func(line string) []string {
		cands, n := c.Do([]rune(line), len([]rune(line)))
		var out []string
		for _, r := range cands {
			out = append(out, line[len(line)-n:]+string(r))
		}
		return out
	}
	require.Equal(t, []string{"SELECT ", "SESSION ", "SECOND ", "SECONDS "}, got("SE"))
	require.Equal(t, []string{"select ", "session ", "second ", "seconds "}, got("se"))
	require.Equal(t, []string{"metrics ", "materialized ", "min ", "max ", "minute ", "minutes "}, got("SELECT * FROM m"))
	require.Equal(t, []string{"by_model ", "by "}, got("select * from by"))
	require.Equal(t, []string{"by_model ", "by ", "between ", "bigint ", "boolean "}, got("select * from b"))
	require.Empty(t, got("SELECT "))
	require.Empty(t, c.recase)

	// A whole name is a candidate: g Tab must not become group.
	require.Equal(t, []string{"g ", "group "}, got("select * from g"))
	require.Equal(t, []string{"G ", "GROUP "}, got("SELECT * FROM G"))
	require.Equal(t, map[string]string{"G": "g"}, c.recase)
	require.Equal(t, []string{"select "}, got("select"))

	// Keywords take the typed case (upper unless all lower, window_start
	// included); a catalog name keeps its own, which onChange restores
	// after readline appended the rest to the typed prefix.
	require.Equal(t, []string{"Weir_dead_letters ", "WHERE ", "WHEN ", "WITH ", "WATERMARK ", "WATERMARKS ", "WINDOW ", "WITHIN ", "WINDOW_START ", "WINDOW_END "}, got("SELECT * FROM W"))
	line := "SELECT * FROM Weir_dead_letters "
	fixed, pos, ok := c.onChange([]rune(line), len(line), readline.CharTab)
	require.True(t, ok)
	require.Equal(t, "SELECT * FROM weir_dead_letters ", string(fixed))
	require.Equal(t, len(line), pos)
	// A candidate chosen from the list with Enter (no listener call) is
	// recased at the next key, which ends the completion.
	got("SELECT * FROM W")
	fixed, _, ok = c.onChange([]rune(line+"x"), len(line)+1, 'x')
	require.True(t, ok)
	require.Equal(t, "SELECT * FROM weir_dead_letters x", string(fixed))
	_, _, ok = c.onChange([]rune(line+"xy"), len(line)+2, 'y')
	require.False(t, ok, "the completion has ended")

	require.Equal(t, []string{"zedCase "}, got("select * from zed"))
	fixed, _, ok = c.onChange([]rune("select * from zedCase "), 22, readline.CharTab)
	require.True(t, ok)
	require.Equal(t, "select * from ZedCase ", string(fixed))

	// A name typed in its own case needs no rewrite.
	require.Equal(t, []string{"metrics ", "materialized ", "min ", "max ", "minute ", "minutes "}, got("from m"))
	_, _, ok = c.onChange([]rune("from metrics "), 13, readline.CharTab)
	require.False(t, ok)
}

func TestSubmit(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "m.jsonl")
	appendJSONL(t, data, wireData)
	good := filepath.Join(dir, "good.sql")
	require.NoError(t, os.WriteFile(good, []byte(fmt.Sprintf(wireDDL, data)), 0o644))
	bad := filepath.Join(dir, "bad.sql")
	require.NoError(t, os.WriteFile(bad, []byte("SHOW VIEWS;\n\nDROP VIEW nope;\nDROP VIEW v;\n"), 0o644))
	srv := startServe(t, filepath.Join(dir, "state"))

	var out, errw syncBuffer
	require.Equal(t, exitOK, runSubmit([]string{"--server", srv.addrs.PG, good}, &out, &errw), errw.String())
	require.Equal(t, "created source m\ncreated materialized view v\n2 objects created\n", out.String())

	out, errw = syncBuffer{}, syncBuffer{}
	require.Equal(t, exitSQLError, runSubmit([]string{"--server", srv.addrs.PG, bad}, &out, &errw))
	require.Equal(t, "SHOW\n0 objects created before the error\n", out.String())
	// The server positions the error at the name, line 3, column 11.
	require.Equal(t, bad+":3:11: ERROR: view \"nope\" does not exist\n", errw.String())

	out, errw = syncBuffer{}, syncBuffer{}
	require.Equal(t, exitUsage, runSubmit([]string{"--server", srv.addrs.PG}, &out, &errw))
	require.Contains(t, errw.String(), "no .sql file given")
}
