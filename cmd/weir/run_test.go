package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	return p
}

func runWeir(args ...string) (code int, stdout, stderr string) {
	var out, errw bytes.Buffer
	code = runMain(args, &out, &errw)
	return code, out.String(), errw.String()
}

func TestRunExitCodesAndErrors(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.sql", "CREATE SOURCE s (ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)\n  WITH (connector = 'datagen', kind = 'llm_metrics', count = '10');\nSELECT window_start, COUNT(*) FROM TUMBLE(s, ts, INTERVAL '1' MINUTE)\nGROUP BY window_start, nosuch;\n")
	code, out, errw := runWeir(bad)
	require.Equal(t, exitSQLError, code)
	require.Empty(t, out, "diagnostics must not go to stdout")
	// "nosuch" is on line 4, column 24 of the file.
	require.Contains(t, errw, "bad.sql: line 4, column 24")
	require.Contains(t, errw, `"nosuch"`)

	code, _, errw = runWeir("--nope", bad)
	require.Equal(t, exitUsage, code)
	require.Contains(t, errw, "nope")

	code, _, errw = runWeir(filepath.Join(dir, "missing.sql"))
	require.Equal(t, exitFailed, code)
	require.Contains(t, errw, "missing.sql")

	code, _, _ = runWeir()
	require.Equal(t, exitUsage, code)

	// A data file that cannot be opened is a failure to run (1), not a
	// rejected statement (3).
	nodata := writeFile(t, dir, "nodata.sql", "CREATE SOURCE s (ts TIMESTAMP, WATERMARK FOR ts AS ts)\n  WITH (connector = 'file', path = '"+filepath.Join(dir, "absent.jsonl")+"');\nSELECT window_start, COUNT(*) AS n FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start;\n")
	code, _, errw = runWeir(nodata)
	require.Equal(t, exitFailed, code)
	require.Contains(t, errw, "absent.jsonl")

	code, _, errw = runWeir("--format", "xml", bad)
	require.Equal(t, exitUsage, code)
	require.Contains(t, errw, "xml")
}

// TestRunTwoQueriesJSONL checks SPEC.md's jsonl rows: keys in SELECT order,
// then _emit, and _query when a file runs several SELECTs.
func TestRunTwoQueriesJSONL(t *testing.T) {
	dir := t.TempDir()
	data := writeFile(t, dir, "e.jsonl", `{"ts":"2026-11-09T10:00:01Z","k":"a","v":1}
{"ts":"2026-11-09T10:00:02Z","k":"b","v":2}
{"ts":"2026-11-09T10:00:03Z","k":"a","v":3}
`)
	q := writeFile(t, dir, "q.sql", `CREATE SOURCE e (ts TIMESTAMP, k VARCHAR, v BIGINT, WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
  WITH (connector = 'file', path = '`+data+`');
SELECT k, window_end, SUM(v) AS total FROM TUMBLE(e, ts, INTERVAL '1' MINUTE) GROUP BY window_end, k;
SELECT window_start, COUNT(*) AS n FROM TUMBLE(e, ts, INTERVAL '1' MINUTE) GROUP BY window_start;
`)
	code, out, errw := runWeir("--format", "jsonl", q)
	require.Equal(t, exitOK, code, errw)
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), sc.Text())
		lines = append(lines, sc.Text())
	}
	// Every event is in [10:00, 10:01): query 1 gives a=1+3 and b=2, query 2 gives 3 events.
	require.ElementsMatch(t, []string{
		`{"k":"a","window_end":"2026-11-09T10:01:00.000Z","total":4,"_emit":"final","_query":1}`,
		`{"k":"b","window_end":"2026-11-09T10:01:00.000Z","total":2,"_emit":"final","_query":1}`,
		`{"window_start":"2026-11-09T10:00:00.000Z","n":3,"_emit":"final","_query":2}`,
	}, lines)

	code, out, errw = runWeir(q, "--format", "csv")
	require.Equal(t, exitOK, code, errw)
	require.Contains(t, out, "k,window_end,total,_query,_emit\n")
}

// TestRunMainExample runs the README's first command's example.
func TestRunMainExample(t *testing.T) {
	code, out, errw := runWeir("--format", "jsonl", "../../examples/llm-metrics.sql")
	require.Equal(t, exitOK, code, errw)
	rows := strings.Split(strings.TrimSpace(out), "\n")
	// 200,000 events 10 ms apart span 2,000 s: 7 five-minute windows (plus
	// the one before the start that out-of-order jitter reaches), 5 models.
	require.Greater(t, len(rows), 20)
	var total float64
	for _, r := range rows {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(r), &m))
		require.Equal(t, "final", m["_emit"])
		total += m["requests"].(float64)
	}
	require.Equal(t, float64(200000), total, "every generated event is counted in exactly one window")
}

// TestRunManyQueriesLinesStayWhole: several SELECTs write to stdout at once;
// every line is one whole JSON row (sinks flush at arbitrary byte
// boundaries, so lines from different queries must not be spliced).
func TestRunManyQueriesLinesStayWhole(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := 0; i < 60_000; i++ {
		fmt.Fprintf(&b, `{"ts":%d,"k":"key-%d","v":%d}`+"\n", 1794218400000+int64(i)*10, i%97, i)
	}
	data := writeFile(t, dir, "e.jsonl", b.String())
	q := writeFile(t, dir, "q.sql", `CREATE SOURCE e (ts TIMESTAMP, k VARCHAR, v BIGINT, WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
  WITH (connector = 'file', path = '`+data+`');
SELECT window_start, k, COUNT(*) AS n FROM TUMBLE(e, ts, INTERVAL '1' SECOND) GROUP BY window_start, k;
SELECT window_start, k, SUM(v) AS total FROM TUMBLE(e, ts, INTERVAL '1' SECOND) GROUP BY window_start, k;
SELECT window_end, k, MAX(v) AS hi FROM TUMBLE(e, ts, INTERVAL '1' SECOND) GROUP BY window_end, k;
`)
	code, out, errw := runWeir("--format", "jsonl", q)
	require.Equal(t, exitOK, code, errw)
	perQuery := map[float64]int{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), "spliced line: %q", sc.Text())
		perQuery[m["_query"].(float64)]++
	}
	// 60,000 events 10 ms apart: 600 one-second windows, each holding 100
	// consecutive events, which cover all 97 keys (each key at most twice).
	require.Equal(t, map[float64]int{1: 600 * 97, 2: 600 * 97, 3: 600 * 97}, perQuery)
}
