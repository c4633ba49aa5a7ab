package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRunZeroRows: a query without rows (its source's file holds only a
// malformed line) prints its header in csv, its header and rule in table
// (as table output ends after any query: no footer), nothing in jsonl.
func TestRunZeroRows(t *testing.T) {
	dir := t.TempDir()
	data := writeFile(t, dir, "bad.jsonl", "not json\n")
	q := writeFile(t, dir, "q.sql", "CREATE SOURCE s (ts TIMESTAMP, k VARCHAR, WATERMARK FOR ts AS ts)\n"+
		"WITH (connector = 'file', path = '"+data+"');\n"+
		"SELECT window_start, COUNT(*) AS n FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start;\n")
	code, out, errw := runWeir("--format", "csv", q)
	require.Equal(t, exitOK, code, errw)
	require.Equal(t, "window_start,n,_emit\n", out)

	code, out, errw = runWeir("--format", "table", q)
	require.Equal(t, exitOK, code, errw)
	// Widths: window_start 12, n 1, _emit 5 (the names).
	require.Equal(t, " window_start | n | _emit\n--------------+---+-------\n", out)

	code, out, errw = runWeir("--format", "jsonl", q)
	require.Equal(t, exitOK, code, errw)
	require.Empty(t, out)
}

// TestRunTwoQueriesCSV: with two SELECTs in csv, every record has the
// fields of the nearest header line above it, and its _query names the
// query whose header that is.
func TestRunTwoQueriesCSV(t *testing.T) {
	dir := t.TempDir()
	q := writeFile(t, dir, "q.sql", "CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)\n"+
		"WITH (connector = 'datagen', kind = 'llm_metrics', seed = '1', count = '100000', event_interval = '10ms');\n"+
		"SELECT window_start, model, COUNT(*) AS n FROM TUMBLE(m, ts, INTERVAL '10' SECOND) GROUP BY window_start, model;\n"+
		"SELECT window_start, AVG(latency_ms) AS a FROM TUMBLE(m, ts, INTERVAL '10' SECOND) GROUP BY window_start;\n")
	code, out, errw := runWeir("--format", "csv", q)
	require.Equal(t, exitOK, code, errw)
	r := csv.NewReader(strings.NewReader(out))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	require.NoError(t, err)
	headers := map[string]string{
		"window_start,model,n,_query,_emit": "1",
		"window_start,a,_query,_emit":       "2",
	}
	var header []string
	rows := map[string]int{}
	for _, rec := range recs {
		if _, ok := headers[strings.Join(rec, ",")]; ok {
			header = rec
			continue
		}
		require.NotNil(t, header, "a record before any header: %v", rec)
		require.Len(t, rec, len(header), "record %v under header %v", rec, header)
		require.Equal(t, headers[strings.Join(header, ",")], rec[len(rec)-2], "record %v under header %v", rec, header)
		rows[rec[len(rec)-2]]++
	}
	// 100,000 events 10 ms apart span 1,000 s: 100 ten-second windows (and
	// the one before the start that out-of-order jitter may reach), 5
	// models in each.
	require.GreaterOrEqual(t, rows["2"], 100)
	require.GreaterOrEqual(t, rows["1"], 100*4)
}

// TestRunErrorMessages: errors of sources and dead-letter files while
// running name the source once, the path and the OS's reason, without an
// internal package prefix.
func TestRunErrorMessages(t *testing.T) {
	dir := t.TempDir()
	run := func(with string) (int, string) {
		q := writeFile(t, dir, "q.sql", "CREATE SOURCE s (ts TIMESTAMP, WATERMARK FOR ts AS ts)\nWITH (connector = 'file', "+with+");\n"+
			"SELECT window_start, COUNT(*) AS n FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start;\n")
		code, _, errw := runWeir("--format", "jsonl", q)
		for _, prefix := range []string{"file:", "datagen:", "deadletter:", "stdout:", "runtime:"} {
			require.NotContains(t, errw, prefix)
		}
		return code, strings.TrimPrefix(errw, q+": ")
	}
	// A missing data file or a directory is refused before running, at the
	// path's value (line 2, column 34).
	missing := filepath.Join(dir, "absent.jsonl")
	code, errw := run("path = '" + missing + "'")
	require.Equal(t, exitSQLError, code)
	require.Equal(t, `line 2, column 34: source "s": data file "`+missing+`" does not exist`+"\n", errw)

	code, errw = run("path = '" + dir + "'")
	require.Equal(t, exitSQLError, code)
	require.Equal(t, `line 2, column 34: source "s": data file "`+dir+`" is a directory, expected a JSON-lines file`+"\n", errw)

	data := writeFile(t, dir, "e.jsonl", `{"ts":1000}`+"\n")
	dl := filepath.Join(dir, "nosuchdir", "x.dl")
	code, errw = run("path = '" + data + "', dead_letter_path = '" + dl + "'")
	require.Equal(t, exitFailed, code)
	require.Equal(t, "source s: dead_letter_path: open "+dl+": no such file or directory\n", errw)
	_, err := os.Stat(filepath.Dir(dl))
	require.ErrorIs(t, err, os.ErrNotExist)
}
