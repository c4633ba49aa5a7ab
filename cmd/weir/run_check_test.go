package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// eventsSource declares source s over a file of 9 events in two minutes.
func eventsSource(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	for i, ts := range []string{"10:00:30", "10:01:05", "10:00:59", "10:01:10", "10:00:59.999", "10:01:00", "10:02:10", "10:01:59", "10:02:00"} {
		k := "a"
		if i == 6 {
			k = "b"
		}
		b.WriteString(`{"ts":"2026-11-09T` + ts + `Z","k":"` + k + `","v":` + string(rune('1'+i)) + "}\n")
	}
	data := writeFile(t, dir, "t2.jsonl", b.String())
	return "CREATE SOURCE s (ts TIMESTAMP, k VARCHAR, v BIGINT, WATERMARK FOR ts AS ts - INTERVAL '10' SECOND)\n" +
		"WITH (connector = 'file', path = '" + data + "');\n"
}

// TestRunRejectsBeforeRunning: a file whose last statement is rejected
// prints its error and no row, every time — every statement is checked
// before any query starts (the audit saw a random share of the earlier
// queries' rows on stdout).
func TestRunRejectsBeforeRunning(t *testing.T) {
	dir := t.TempDir()
	src := eventsSource(t, dir)
	q := writeFile(t, dir, "misc.sql", src+
		"SELECT ts, k FROM s;\n"+
		"SELECT window_start, COUNT(*) AS n FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start;\n"+
		"SELECT window_start, nosuch FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start;\n")
	for i := 0; i < 5; i++ {
		code, out, errw := runWeir("--format", "jsonl", q)
		require.Equal(t, exitSQLError, code, errw)
		require.Empty(t, out, "run %d", i)
		// "nosuch" is on line 5, column 22.
		require.True(t, strings.HasPrefix(errw, q+": line 5, column 22: "), errw)
		require.Equal(t, 1, strings.Count(errw, "\n"), errw)
	}

	// The same statements without the rejected one run, and print rows.
	ok := writeFile(t, dir, "ok.sql", src+
		"SELECT ts, k FROM s;\n"+
		"SELECT window_start, COUNT(*) AS n FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start;\n")
	code, out, errw := runWeir("--format", "jsonl", ok)
	require.Equal(t, exitOK, code, errw)
	require.NotEmpty(t, out)

	// A rejected statement in the second file: nothing of the first runs
	// either.
	bad := writeFile(t, dir, "bad.sql", "SELECT ts, k FROM s;\nSELECT nosuch FROM s;\n")
	code, out, errw = runWeir("--format", "jsonl", ok, bad)
	require.Equal(t, exitSQLError, code, errw)
	require.Empty(t, out)
	require.True(t, strings.HasPrefix(errw, bad+": line 2, column 8: "), errw)
}

// TestRunCheckKeepsDependencies: the check sees what earlier statements
// create — a source, a view, a materialized view read by a later SELECT, a
// DROP — as the run does.
func TestRunCheckKeepsDependencies(t *testing.T) {
	dir := t.TempDir()
	src := eventsSource(t, dir)
	q := writeFile(t, dir, "deps.sql", src+
		"CREATE VIEW a_only AS SELECT ts, v FROM s WHERE k = 'a';\n"+
		"CREATE MATERIALIZED VIEW totals AS SELECT window_start, SUM(v) AS total FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start;\n"+
		"SELECT window_start, COUNT(*) AS n FROM TUMBLE(a_only, ts, INTERVAL '1' MINUTE) GROUP BY window_start;\n"+
		"SELECT window_start, total FROM totals;\n"+
		"DESCRIBE a_only;\n"+
		"DROP VIEW a_only;\n"+
		"CREATE VIEW a_only AS SELECT ts, v FROM s WHERE k = 'b';\n")
	code, out, errw := runWeir("--format", "jsonl", q)
	require.Equal(t, exitOK, code, errw)
	// Events of k = a judged against the watermark (delay 10 s): a@10:00
	// holds 10:00:30 and 10:00:59 (10:00:59.999 comes after the watermark
	// reached 10:01:00: too late), a@10:01 holds 10:01:05, 10:01:10,
	// 10:01:00 (10:01:59 comes once the watermark is 10:02:00: too late),
	// a@10:02 holds 10:02:00.
	require.Contains(t, out, `{"window_start":"2026-11-09T10:00:00.000Z","n":2,"_emit":"final","_query":1}`)
	require.Contains(t, out, `{"window_start":"2026-11-09T10:01:00.000Z","n":3,"_emit":"final","_query":1}`)
	require.Contains(t, out, `{"column":"ts","type":"TIMESTAMP"}`)

	// A DROP the run would refuse (a sink reads the source) is refused by
	// the check: nothing runs, and the sink's file is never created.
	sinkPath := filepath.Join(dir, "sink.jsonl")
	q = writeFile(t, dir, "drop.sql", src+
		"SELECT ts, k FROM s;\n"+
		"CREATE SINK out AS SELECT ts, v FROM s WITH (connector = 'file', path = '"+sinkPath+"');\n"+
		"DROP SOURCE s;\n")
	code, out, errw = runWeir("--format", "jsonl", q)
	require.Equal(t, exitSQLError, code, errw)
	require.Empty(t, out)
	require.Contains(t, errw, `line 5, column 1: cannot drop source "s": sink out depends on it`)
	_, err := os.Stat(sinkPath)
	require.ErrorIs(t, err, os.ErrNotExist)

	// Once the sink is dropped, so can the source be.
	q = writeFile(t, dir, "drop2.sql", src+
		"CREATE SINK out AS SELECT ts, v FROM s WITH (connector = 'file', path = '"+sinkPath+"');\n"+
		"DROP SINK out;\nDROP SOURCE s;\n")
	code, _, errw = runWeir("--format", "jsonl", q)
	require.Equal(t, exitOK, code, errw)
}

// TestRunCheckRefusesOptions: an option or column the connector refuses is
// a rejected statement found before anything runs (exit 3, at the CREATE
// SOURCE), not a failure of the query once it started (exit 1), and its
// message has no package prefix.
func TestRunCheckRefusesOptions(t *testing.T) {
	dir := t.TempDir()
	q := writeFile(t, dir, "dg.sql", "CREATE SOURCE ok (ts TIMESTAMP, WATERMARK FOR ts AS ts)\n"+
		"WITH (connector = 'datagen', kind = 'llm_metrics', count = '10');\n"+
		"SELECT ts FROM ok;\n"+
		"CREATE SOURCE m (ts TIMESTAMP, latency_ms BIGINT, WATERMARK FOR ts AS ts)\n"+
		"WITH (connector = 'datagen', kind = 'llm_metrics', count = '10');\n"+
		"SELECT ts, latency_ms FROM m;\n")
	code, out, errw := runWeir("--format", "jsonl", q)
	require.Equal(t, exitSQLError, code, errw)
	require.Empty(t, out)
	require.True(t, strings.HasPrefix(errw, q+": line 4, column "), errw)
	require.Contains(t, errw, `source "m": column "latency_ms" must be DOUBLE for kind llm_metrics, declared BIGINT`)
	require.NotContains(t, errw, "datagen:")
}

// TestRunUnsupportedStatement: a statement weir run does not run is named
// by its whole first line, not cut after three words.
func TestRunUnsupportedStatement(t *testing.T) {
	dir := t.TempDir()
	q := writeFile(t, dir, "set.sql", "SET x = 1;\n")
	code, out, errw := runWeir(q)
	require.Equal(t, exitSQLError, code)
	require.Empty(t, out)
	require.Equal(t, q+": line 1, column 1: statement not supported here: SET x = 1\n", errw)
}
