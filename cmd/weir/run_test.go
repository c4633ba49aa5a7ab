package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/runtime"
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

	// A bounded source's data file that does not exist is found before
	// running: a rejected statement (3), positioned at the path.
	nodata := writeFile(t, dir, "nodata.sql", "CREATE SOURCE s (ts TIMESTAMP, WATERMARK FOR ts AS ts)\n  WITH (connector = 'file', path = '"+filepath.Join(dir, "absent.jsonl")+"');\nSELECT window_start, COUNT(*) AS n FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start;\n")
	code, _, errw = runWeir(nodata)
	require.Equal(t, exitSQLError, code)
	require.Contains(t, errw, "nodata.sql: line 2, column 36: ")
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

// resultsFile writes a file whose statements all print finished results
// (no continuous query): SHOW SOURCES, DESCRIBE, EXPLAIN.
func resultsFile(t *testing.T) string {
	dir := t.TempDir()
	data := writeFile(t, dir, "e.jsonl", `{"ts":"2026-11-09T10:00:01Z","k":"a","v":1}`+"\n")
	return writeFile(t, dir, "q.sql", `CREATE SOURCE e (ts TIMESTAMP, k VARCHAR, v BIGINT, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'file', path = '`+data+`');
SHOW SOURCES;
DESCRIBE e;
EXPLAIN SELECT window_start, k, COUNT(*) AS n FROM TUMBLE(e, ts, INTERVAL '1' MINUTE) GROUP BY window_start, k;
`)
}

// TestRunResultFormatsJSONL: SHOW, DESCRIBE and EXPLAIN follow --format
// jsonl: one JSON object per row, keys the result's column names, no _emit
// (they are not window emissions); EXPLAIN one {"QUERY PLAN": line} per plan
// line. Without --format and with stdout not a terminal, jsonl too.
func TestRunResultFormatsJSONL(t *testing.T) {
	q := resultsFile(t)
	code, out, errw := runWeir("--format", "jsonl", q)
	require.Equal(t, exitOK, code, errw)
	require.Empty(t, errw)
	var objs []map[string]any
	var keys [][]string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), sc.Text())
		objs = append(objs, m)
		keys = append(keys, jsonKeys(t, sc.Bytes()))
	}
	require.GreaterOrEqual(t, len(objs), 1+3+2)
	// SHOW SOURCES: the source, its connector, its watermark (1 s = 1000 ms).
	require.Equal(t, map[string]any{"name": "e", "connector": "file", "watermark": "ts - 1000ms"}, objs[0])
	require.Equal(t, []string{"name", "connector", "watermark"}, keys[0])
	// DESCRIBE e: its columns in declared order.
	for i, want := range [][2]string{{"ts", "TIMESTAMP"}, {"k", "VARCHAR"}, {"v", "BIGINT"}} {
		require.Equal(t, map[string]any{"column": want[0], "type": want[1]}, objs[1+i])
		require.Equal(t, []string{"column", "type"}, keys[1+i])
	}
	// EXPLAIN: the rest, one plan line each, from the sink down to the source.
	plan := explainPlan(t, objs[4:])
	require.Equal(t, "Sink stdout", plan[0])
	require.Equal(t, "Source e connector=file", strings.TrimSpace(plan[len(plan)-1]))

	code, def, errw := runWeir(q)
	require.Equal(t, exitOK, code, errw)
	require.Equal(t, out, def, "the default format off a terminal is jsonl")
}

// jsonKeys returns the keys of a JSON object in their order.
func jsonKeys(t *testing.T, line []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(line))
	tok, err := dec.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok)
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		require.NoError(t, err)
		keys = append(keys, k.(string))
		var v json.RawMessage
		require.NoError(t, dec.Decode(&v))
	}
	return keys
}

// jsonlPlan runs resultsFile q with --format jsonl and returns the lines of
// its EXPLAIN (the rows after SHOW SOURCES' one and DESCRIBE's three).
func jsonlPlan(t *testing.T, q string) []string {
	t.Helper()
	code, out, errw := runWeir("--format", "jsonl", q)
	require.Equal(t, exitOK, code, errw)
	var objs []map[string]any
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		objs = append(objs, m)
	}
	require.Greater(t, len(objs), 4)
	return explainPlan(t, objs[4:])
}

// explainPlan checks that objs are EXPLAIN rows and returns their lines.
func explainPlan(t *testing.T, objs []map[string]any) []string {
	t.Helper()
	var plan []string
	for _, m := range objs {
		require.Len(t, m, 1, "%v", m)
		line, ok := m["QUERY PLAN"].(string)
		require.True(t, ok, "%v", m)
		plan = append(plan, line)
	}
	return plan
}

// TestRunResultFormatsCSV: each result is a header line of its column names
// and one record per row, parsed by encoding/csv; EXPLAIN is the column
// QUERY PLAN, one record per line, the same lines as in jsonl (a plan line
// with a comma is quoted).
func TestRunResultFormatsCSV(t *testing.T) {
	q := resultsFile(t)
	plan := jsonlPlan(t, q)
	code, out, errw := runWeir("--format", "csv", q)
	require.Equal(t, exitOK, code, errw)
	require.Empty(t, errw)
	r := csv.NewReader(strings.NewReader(out))
	r.FieldsPerRecord = -1 // several results, each with its own columns
	recs, err := r.ReadAll()
	require.NoError(t, err, out)
	want := [][]string{
		{"name", "connector", "watermark"},
		{"e", "file", "ts - 1000ms"},
		{"column", "type"},
		{"ts", "TIMESTAMP"},
		{"k", "VARCHAR"},
		{"v", "BIGINT"},
		{"QUERY PLAN"},
	}
	for _, line := range plan {
		want = append(want, []string{line})
	}
	require.Equal(t, want, recs)
}

// TestRunResultFormatsTable: aligned columns with a header and a rule,
// then "(N rows)" and a blank line, as psql; EXPLAIN as its plain lines and
// a blank line.
func TestRunResultFormatsTable(t *testing.T) {
	q := resultsFile(t)
	plan := jsonlPlan(t, q)
	code, out, errw := runWeir("--format", "table", q)
	require.Equal(t, exitOK, code, errw)
	require.Empty(t, errw)
	// Widths: name 4 ("name"), connector 9 ("connector"), watermark 11
	// ("ts - 1000ms"); column 6 ("column"), type 9 ("TIMESTAMP").
	want := strings.Join([]string{
		" name | connector | watermark",
		"------+-----------+-------------",
		" e    | file      | ts - 1000ms",
		"(1 row)",
		"",
		" column | type",
		"--------+-----------",
		" ts     | TIMESTAMP",
		" k      | VARCHAR",
		" v      | BIGINT",
		"(3 rows)",
		"",
	}, "\n") + "\n" + strings.Join(plan, "\n") + "\n\n"
	require.Equal(t, want, out)
}

// TestRunResultBesideQueryRows: SHOW QUERIES reached after a SELECT is a
// snapshot of that moment, printed while the query runs; in jsonl its row
// has no _emit and its counters are numbers, and the query's rows keep
// their _emit.
func TestRunResultBesideQueryRows(t *testing.T) {
	dir := t.TempDir()
	data := writeFile(t, dir, "e.jsonl", `{"ts":"2026-11-09T10:00:01Z","k":"a","v":1}`+"\n")
	q := writeFile(t, dir, "q.sql", `CREATE SOURCE e (ts TIMESTAMP, k VARCHAR, v BIGINT, WATERMARK FOR ts AS ts)
  WITH (connector = 'file', path = '`+data+`');
SELECT window_start, k, COUNT(*) AS n FROM TUMBLE(e, ts, INTERVAL '1' MINUTE) GROUP BY window_start, k;
SHOW QUERIES;
`)
	code, out, errw := runWeir("--format", "jsonl", q)
	require.Equal(t, exitOK, code, errw)
	var shows, rows int
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), sc.Text())
		if _, ok := m["sql"]; ok {
			shows++
			require.NotContains(t, m, "_emit")
			require.Equal(t, "q1", m["id"])
			for _, k := range []string{"events_in", "rows_out", "late_events", "dropped_events"} {
				require.IsType(t, float64(0), m[k], k)
			}
			require.Equal(t, []string{"id", "state", "events_in", "rows_out", "late_events", "dropped_events", "sql"}, jsonKeys(t, sc.Bytes()))
			continue
		}
		rows++
		// The one event is in [10:00, 10:01).
		require.Equal(t, map[string]any{"window_start": "2026-11-09T10:00:00.000Z", "k": "a", "n": float64(1), "_emit": "final"}, m)
	}
	require.Equal(t, 1, shows)
	require.Equal(t, 1, rows)
}

// TestRunPrintResultValues: the values of a finished result in each format,
// by column type — what a SELECT from a materialized view prints.
func TestRunPrintResultValues(t *testing.T) {
	res := &runtime.Result{
		Tag: "SELECT 3",
		Columns: catalog.Schema{{Name: "n", Type: catalog.Bigint}, {Name: "d", Type: catalog.Double},
			{Name: "b", Type: catalog.Boolean}, {Name: "ts", Type: catalog.Timestamp}, {Name: "s", Type: catalog.Varchar}},
		Rows: [][]string{
			{"42", "1e-07", "true", "2026-11-09T10:00:00.000Z", "NULL"},
			{"", "NaN", "false", "", ""},
			{"-7", "", "", "2026-11-09T10:01:00.000Z", "a\nb"},
		},
		Nulls: [][]bool{
			{false, false, false, false, false},
			{true, false, false, true, false},
			{false, true, true, false, false},
		},
	}
	// jsonl: numbers and booleans typed, DOUBLE as encoding/json writes it
	// (1e-7), NaN as the string "NaN" (as query rows), NULL null, the string
	// 'NULL' a string, '' an empty string.
	require.Equal(t, `{"n":42,"d":1e-7,"b":true,"ts":"2026-11-09T10:00:00.000Z","s":"NULL"}
{"n":null,"d":"NaN","b":false,"ts":null,"s":""}
{"n":-7,"d":null,"b":null,"ts":"2026-11-09T10:01:00.000Z","s":"a\nb"}
`, string(appendResult(nil, "jsonl", res)))
	// csv: NULL an empty field, '' a quoted empty field, a newline quoted.
	require.Equal(t, `n,d,b,ts,s
42,1e-7,true,2026-11-09T10:00:00.000Z,NULL
,NaN,false,,""
-7,,,2026-11-09T10:01:00.000Z,"a
b"
`, string(appendResult(nil, "csv", res)))
	// table: NULL an empty cell, 'NULL' printed, the newline escaped;
	// widths n 2, d 4 (1e-7), b 5 (false), ts 24, s 4 (NULL, a\nb).
	require.Equal(t, strings.Join([]string{
		" n  | d    | b     | ts                       | s",
		"----+------+-------+--------------------------+------",
		" 42 | 1e-7 | true  | 2026-11-09T10:00:00.000Z | NULL",
		"    |  NaN | false |                          | ",
		" -7 |      |       | 2026-11-09T10:01:00.000Z | a\\nb",
		"(3 rows)",
		"", "",
	}, "\n"), string(appendResult(nil, "table", res)))
}
