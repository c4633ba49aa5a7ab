package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReplTimestampsLocalAndRemote: weir repl and weir repl --server print
// TIMESTAMP values the same way, as SPEC.md writes them (RFC 3339, UTC,
// milliseconds): "2026-11-09T10:00:30.250Z", in streamed rows and in a
// finite result (a read of a materialized view) alike, whatever the
// server's wire text ("2026-11-09 10:00:30.25+00").
func TestReplTimestampsLocalAndRemote(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "ms.jsonl")
	appendJSONL(t, data,
		`{"ts":"2026-11-09T10:00:30.250Z","model":"a"}`,
		`{"ts":"2026-11-09T12:00:29.250+02:00","model":"a"}`, // 10:00:29.250Z
		`{"ts":"2026-11-09T10:01:00.007Z","model":"b"}`,
		`{"ts":1794218520000,"model":"b"}`) // 2026-11-09T10:02:00.000Z
	ddl := "CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, WATERMARK FOR ts AS ts)\n" +
		"  WITH (connector = 'file', path = '" + data + "');\n"
	stream := "SELECT window_start, MIN(ts) AS first_ts, MAX(ts) AS last_ts\n" +
		"FROM TUMBLE(m, ts, INTERVAL '1' MINUTE) GROUP BY window_start;\n"
	// Windows 10:00, 10:01 and 10:02; their rows as both REPLs stream them.
	const streamWant = `CREATE SOURCE
window_start | first_ts | last_ts | _emit
-----------------------------------------
2026-11-09T10:00:00.000Z | 2026-11-09T10:00:29.250Z | 2026-11-09T10:00:30.250Z | final
2026-11-09T10:01:00.000Z | 2026-11-09T10:01:00.007Z | 2026-11-09T10:01:00.007Z | final
2026-11-09T10:02:00.000Z | 2026-11-09T10:02:00.000Z | 2026-11-09T10:02:00.000Z | final
(3 rows)
`
	var out, errw syncBuffer
	code := runRepl([]string{"--history", ""}, strings.NewReader(ddl+stream), &out, &errw)
	require.Equal(t, exitOK, code, errw.String())
	require.Equal(t, streamWant, out.String())

	srv := startServe(t, filepath.Join(dir, "state"))
	var rout, rerr syncBuffer
	code = runRepl([]string{"--server", srv.addrs.PG, "--history", ""}, strings.NewReader(ddl+stream), &rout, &rerr)
	require.Equal(t, exitOK, code, rerr.String())
	require.Equal(t, streamWant, rout.String())

	// A finite result: the server's materialized view, once it has read
	// the file, read through weir repl --server.
	view := "CREATE MATERIALIZED VIEW lasts AS SELECT window_start, MAX(ts) AS last_ts\n" +
		"  FROM TUMBLE(m, ts, INTERVAL '1' MINUTE) GROUP BY window_start;\n"
	rout, rerr = syncBuffer{}, syncBuffer{}
	require.Equal(t, exitOK, runRepl([]string{"--server", srv.addrs.PG, "--history", ""}, strings.NewReader(view), &rout, &rerr), rerr.String())
	waitQuery(t, srv.connect(t), "SELECT window_start FROM lasts ORDER BY window_start",
		[]string{"2026-11-09T10:00:00Z", "2026-11-09T10:01:00Z", "2026-11-09T10:02:00Z"})
	rout, rerr = syncBuffer{}, syncBuffer{}
	code = runRepl([]string{"--server", srv.addrs.PG, "--history", ""}, strings.NewReader("SELECT window_start, last_ts FROM lasts ORDER BY window_start;\n"), &rout, &rerr)
	require.Equal(t, exitOK, code, rerr.String())
	require.Equal(t, `       window_start       |         last_ts
--------------------------+--------------------------
 2026-11-09T10:00:00.000Z | 2026-11-09T10:00:30.250Z
 2026-11-09T10:01:00.000Z | 2026-11-09T10:01:00.007Z
 2026-11-09T10:02:00.000Z | 2026-11-09T10:02:00.000Z
(3 rows)
`, rout.String())
}

// TestTimestampText: the wire's text forms of timestamptz and timestamp
// become RFC 3339 UTC with milliseconds; text it cannot read is kept.
func TestTimestampText(t *testing.T) {
	for in, want := range map[string]string{
		"2026-11-09 14:35:00+00":        "2026-11-09T14:35:00.000Z",
		"2026-11-09 14:35:00.25+00":     "2026-11-09T14:35:00.250Z",
		"2026-11-09 14:35:00.007+00":    "2026-11-09T14:35:00.007Z",
		"2026-11-09 16:35:00.1+02":      "2026-11-09T14:35:00.100Z",
		"2026-11-09 14:05:00+05:30":     "2026-11-09T08:35:00.000Z",
		"2026-11-09 14:35:00.123456+00": "2026-11-09T14:35:00.123Z",
		"2026-11-09 14:35:00":           "2026-11-09T14:35:00.000Z",
		"0001-01-01 00:00:00+00":        "0001-01-01T00:00:00.000Z",
		"infinity":                      "infinity",
		"2026-11-09 14:35:00+00 BC":     "2026-11-09 14:35:00+00 BC",
	} {
		require.Equal(t, want, timestampText([]byte(in)), in)
	}
}
