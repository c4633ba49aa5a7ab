package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/runtime"
)

// TestReplExtraArgument: `weir repl one.sql` is a usage error (exit 2), as
// for the other commands; it does not start a shell that ignores the file.
func TestReplExtraArgument(t *testing.T) {
	var out, errw syncBuffer
	code := runRepl([]string{"--history", "", "one.sql"}, strings.NewReader("SELECT 1;\n"), &out, &errw)
	require.Equal(t, exitUsage, code)
	require.Equal(t, "weir repl: unexpected argument \"one.sql\" (the REPL reads statements from standard input: weir repl < FILE, or weir run FILE)\n", errw.String())
	require.Empty(t, out.String())
}

// TestReplCommandAfterStatement: as in psql, a backslash command after a
// statement on the same line runs after it; the lines that follow are
// statements of their own. A backslash in a literal is not a command.
func TestReplCommandAfterStatement(t *testing.T) {
	var out, errw syncBuffer
	in := "SELECT 1 AS one; \\timing\nSELECT 2 AS two;\nSELECT 'a\\b' AS s;\nSELECT\n 3 AS three; \\timing\n"
	code := runRepl([]string{"--history", ""}, strings.NewReader(in), &out, &errw)
	require.Equal(t, exitOK, code, errw.String())
	require.Empty(t, errw.String())
	got := out.String()
	// Timing lines vary: keep their prefix only.
	var lines []string
	for _, l := range strings.Split(got, "\n") {
		if strings.HasPrefix(l, "Time: ") {
			l = "Time: ..."
		}
		lines = append(lines, l)
	}
	require.Equal(t, ` one
-----
   1
(1 row)
Timing is on.
 two
-----
   2
(1 row)
Time: ...
  s
-----
 a\b
(1 row)
Time: ...
 three
-------
     3
(1 row)
Time: ...
Timing is off.
`, strings.Join(lines, "\n"))
}

func TestSplitCommand(t *testing.T) {
	for _, c := range []struct{ buffered, line, sql, cmd string }{
		{"", `\q`, "", `\q`},
		{"", `  \d m`, "  ", `\d m`},
		{"", `SELECT 1; \timing`, "SELECT 1; ", `\timing`},
		{"", `SELECT 'a\b';`, `SELECT 'a\b';`, ""},
		{"", `SELECT 1 -- a \comment`, `SELECT 1 -- a \comment`, ""},
		{"SELECT 'multi\n", `line \x`, `line \x`, ""},
		{"SELECT 'multi\n", `line\' \x`, `line\' `, `\x`}, // standard strings: \ is no escape
		{"SELECT 'multi\n", `line' \x`, `line' `, `\x`},
		{"SELECT /* open\n", `\x */ 1; \q`, `\x */ 1; `, `\q`},
	} {
		sqlPart, cmd := splitCommand(c.buffered, c.line)
		require.Equal(t, c.sql, sqlPart, "%q after %q", c.line, c.buffered)
		require.Equal(t, c.cmd, cmd, "%q after %q", c.line, c.buffered)
	}
}

// TestReplHistoryEntries: a statement typed over several lines is one
// history entry (its lines joined by blanks, -- comments dropped so the
// joined lines stay SQL); a command line is one entry; blank lines none.
func TestReplHistoryEntries(t *testing.T) {
	var out, errw syncBuffer
	cfg, code := loadConfig("weir repl", "", &errw)
	require.Equal(t, exitOK, code)
	be := &localBackend{e: runtime.New(runtime.Options{Config: cfg, Stderr: &errw})}
	defer be.close()
	var entries []string
	r := &repl{be: be, out: &out, errw: &errw, saveHistory: func(e string) { entries = append(entries, e) }}
	for _, l := range []string{"SELECT 1", "  AS one; -- the first", "", `\timing`, "SELECT 'x -- y'", "  AS two -- not ; the end", ";", `SELECT 3 AS three; \timing`} {
		require.False(t, r.line(l))
	}
	require.Equal(t, []string{
		"SELECT 1 AS one;",
		`\timing`,
		"SELECT 'x -- y' AS two ;",
		`SELECT 3 AS three; \timing`,
	}, entries)
	require.Empty(t, errw.String())
}

// TestHistoryFile: a new history file is created 0600 (entries can hold
// passwords); entries survive a reopen; a file grown past twice the limit
// is cut back to the last historyLimit entries, keeping its mode.
func TestHistoryFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".weir_history")
	h, entries, err := openHistory(path)
	require.NoError(t, err)
	require.Empty(t, entries)
	h.add("SELECT 1;")
	h.add(`\d`)
	h.close()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	h, entries, err = openHistory(path)
	require.NoError(t, err)
	require.Equal(t, []string{"SELECT 1;", `\d`}, entries)
	h.close()

	var b strings.Builder
	for i := range 2*historyLimit + 1 {
		fmt.Fprintf(&b, "SELECT %d;\n", i)
	}
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o600))
	h, entries, err = openHistory(path)
	require.NoError(t, err)
	h.close()
	require.Len(t, entries, historyLimit)
	require.Equal(t, fmt.Sprintf("SELECT %d;", historyLimit+1), entries[0])
	require.Equal(t, fmt.Sprintf("SELECT %d;", 2*historyLimit), entries[historyLimit-1])
	onDisk, err := readHistory(path)
	require.NoError(t, err)
	require.Equal(t, entries, onDisk)
	fi, err = os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
}
