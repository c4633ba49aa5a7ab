package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// tvfRowsSource writes three events and returns their CREATE SOURCE. The
// second is 4 minutes older than the first, so it arrives behind the
// watermark (delay 10 s): late.
func tvfRowsSource(t *testing.T, dir string) string {
	data := writeFile(t, dir, "d.jsonl", `{"ts":"2026-01-01T00:07:00Z","k":"a","v":1}
{"ts":"2026-01-01T00:03:00Z","k":"b","v":2}
{"ts":"2026-01-01T00:10:00Z","k":"c","v":3}
`)
	return "CREATE SOURCE s (ts TIMESTAMP, k VARCHAR, v BIGINT, WATERMARK FOR ts AS ts - INTERVAL '10' SECOND)\n" +
		"WITH (connector = 'file', path = '" + data + "');\n"
}

// TestRunWindowTVFWithoutAggregation: a window TVF read without GROUP BY
// gives each event once per window it belongs to, in input order, windows
// in ascending start, as a plain SELECT does (_emit null); the late event
// is kept. Expected rows derived by hand (SEMANTICS.md §2).
func TestRunWindowTVFWithoutAggregation(t *testing.T) {
	for _, tc := range []struct {
		name, query, want string
	}{{
		// HOP 15m/5m: 00:07 is in the windows starting 23:55, 00:00, 00:05;
		// 00:03 in 23:50, 23:55, 00:00; 00:10 in 00:00, 00:05, 00:10.
		name:  "hop",
		query: "SELECT window_start, window_end, k, v FROM HOP(s, ts, INTERVAL '5' MINUTE, INTERVAL '15' MINUTE);\n",
		want: `{"window_start":"2025-12-31T23:55:00.000Z","window_end":"2026-01-01T00:10:00.000Z","k":"a","v":1,"_emit":null}
{"window_start":"2026-01-01T00:00:00.000Z","window_end":"2026-01-01T00:15:00.000Z","k":"a","v":1,"_emit":null}
{"window_start":"2026-01-01T00:05:00.000Z","window_end":"2026-01-01T00:20:00.000Z","k":"a","v":1,"_emit":null}
{"window_start":"2025-12-31T23:50:00.000Z","window_end":"2026-01-01T00:05:00.000Z","k":"b","v":2,"_emit":null}
{"window_start":"2025-12-31T23:55:00.000Z","window_end":"2026-01-01T00:10:00.000Z","k":"b","v":2,"_emit":null}
{"window_start":"2026-01-01T00:00:00.000Z","window_end":"2026-01-01T00:15:00.000Z","k":"b","v":2,"_emit":null}
{"window_start":"2026-01-01T00:00:00.000Z","window_end":"2026-01-01T00:15:00.000Z","k":"c","v":3,"_emit":null}
{"window_start":"2026-01-01T00:05:00.000Z","window_end":"2026-01-01T00:20:00.000Z","k":"c","v":3,"_emit":null}
{"window_start":"2026-01-01T00:10:00.000Z","window_end":"2026-01-01T00:25:00.000Z","k":"c","v":3,"_emit":null}
`,
	}, {
		// TUMBLE 5m, SELECT *: the source's columns then the window's; the
		// WHERE on window_start drops b's window [00:00, 00:05).
		name:  "tumble star where",
		query: "SELECT * FROM TUMBLE(s, ts, INTERVAL '5' MINUTE) WHERE window_start >= TIMESTAMP '2026-01-01 00:05:00';\n",
		want: `{"ts":"2026-01-01T00:07:00.000Z","k":"a","v":1,"window_start":"2026-01-01T00:05:00.000Z","window_end":"2026-01-01T00:10:00.000Z","_emit":null}
{"ts":"2026-01-01T00:10:00.000Z","k":"c","v":3,"window_start":"2026-01-01T00:10:00.000Z","window_end":"2026-01-01T00:15:00.000Z","_emit":null}
`,
	}, {
		// CUMULATE 5m steps up to 15m, from 00:00: 00:07 ends 00:10, 00:15;
		// 00:03 ends 00:05, 00:10, 00:15; 00:10 ends 00:15 only.
		name:  "cumulate",
		query: "SELECT k, window_end FROM CUMULATE(s, ts, INTERVAL '5' MINUTE, INTERVAL '15' MINUTE);\n",
		want: `{"k":"a","window_end":"2026-01-01T00:10:00.000Z","_emit":null}
{"k":"a","window_end":"2026-01-01T00:15:00.000Z","_emit":null}
{"k":"b","window_end":"2026-01-01T00:05:00.000Z","_emit":null}
{"k":"b","window_end":"2026-01-01T00:10:00.000Z","_emit":null}
{"k":"b","window_end":"2026-01-01T00:15:00.000Z","_emit":null}
{"k":"c","window_end":"2026-01-01T00:15:00.000Z","_emit":null}
`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			q := writeFile(t, dir, "q.sql", tvfRowsSource(t, dir)+tc.query)
			code, out, errw := runWeir("--format", "jsonl", q)
			require.Equal(t, exitOK, code, errw)
			require.Equal(t, tc.want, out)
		})
	}
}

// TestRunWindowTVFWithoutAggregationErrors: SESSION and EMIT need an
// aggregation; a source column named window_start clashes with the TVF's.
func TestRunWindowTVFWithoutAggregationErrors(t *testing.T) {
	dir := t.TempDir()
	src := tvfRowsSource(t, dir)
	for _, tc := range []struct{ query, want string }{
		{"SELECT * FROM SESSION(s, ts, INTERVAL '1' MINUTE);\n",
			"line 3, column 15: SESSION needs an aggregation"},
		{"SELECT k FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) EMIT ON WINDOW CLOSE;\n",
			"line 3, column 50: EMIT applies to windowed aggregations only"},
		{"SELECT window_start FROM TUMBLE((SELECT ts, k AS window_start FROM s), ts, INTERVAL '1' MINUTE);\n",
			"line 3, column 26: source column window_start clashes with the column TUMBLE adds"},
	} {
		q := writeFile(t, dir, "q.sql", src+tc.query)
		code, out, errw := runWeir(q)
		require.Equal(t, exitSQLError, code, errw)
		require.Empty(t, out)
		require.Contains(t, errw, tc.want)
	}
}
