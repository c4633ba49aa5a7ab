package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRunMissingDataFile: a bounded file source whose data file does not
// exist is a statement error (exit 3, nothing on stdout) found before any
// query starts, positioned at the path option's value, naming the file and
// the working directory a relative path was resolved against (relative
// paths resolve against the current working directory, as in Flink).
func TestRunMissingDataFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	wd, err := os.Getwd()
	require.NoError(t, err)
	require.NoError(t, os.Mkdir("data", 0o755))
	writeFile(t, dir, "data/ok.jsonl", `{"ts":"2026-11-09T10:00:30Z","k":"a"}`+"\n")
	query := "SELECT window_start, COUNT(*) AS n FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start;\n"
	source := func(path string) string {
		return "CREATE SOURCE s (ts TIMESTAMP, k VARCHAR,\n  WATERMARK FOR ts AS ts)\nWITH (connector = 'file',\n      path = '" + path + "');\n"
	}

	// A SELECT that would print rows comes first: nothing runs.
	first := writeFile(t, dir, "first.sql", source("data/ok.jsonl")+query)
	q := writeFile(t, dir, "q.sql", "CREATE SOURCE t (ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 'data/ok.jsonl');\n"+
		"CREATE SOURCE u (ts TIMESTAMP, WATERMARK FOR ts AS ts)\n  WITH (connector = 'file',\n   path = /* relative */ 'data/missng.jsonl');\n"+query)
	code, out, errw := runWeir("--format", "jsonl", first, q)
	require.Equal(t, exitSQLError, code, errw)
	require.Empty(t, out)
	require.Equal(t, q+`: line 4, column 26: source "u": data file "data/missng.jsonl" does not exist (relative paths are resolved against the working directory `+wd+")\n", errw)

	// The same file with the path right: it runs, from the working directory.
	code, out, errw = runWeir("--format", "jsonl", first)
	require.Equal(t, exitOK, code, errw)
	require.Equal(t, `{"window_start":"2026-11-09T10:00:00.000Z","n":1,"_emit":"final"}`+"\n", out)

	// A tailed file may not exist yet: the source waits for it (not checked).
	// A file that a file sink earlier in the script writes is not checked
	// either: the run creates it.
	sinkOut := filepath.Join(dir, "out.jsonl")
	chained := writeFile(t, dir, "chained.sql", source("data/ok.jsonl")+
		"CREATE SINK k AS SELECT ts, k FROM s WITH (connector = 'file', path = '"+sinkOut+"');\n"+
		"CREATE SOURCE later (ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = '"+sinkOut+"', follow = 'true');\n"+
		"CREATE SOURCE again (ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = '"+sinkOut+"');\n")
	code, _, errw = runWeir("--format", "jsonl", chained)
	require.Equal(t, exitOK, code, errw)

	// IF NOT EXISTS of a source declared earlier is never read: not checked.
	ifne := writeFile(t, dir, "ifne.sql", source("data/ok.jsonl")+
		"CREATE SOURCE IF NOT EXISTS s (ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 'gone.jsonl');\n"+query)
	code, _, errw = runWeir("--format", "jsonl", ifne)
	require.Equal(t, exitOK, code, errw)
}
