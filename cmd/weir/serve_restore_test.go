package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestServeRestoreTruncatedFileSink: a file sink whose file was emptied
// while the server was stopped stays listed after the restart, failed
// with an error naming the file (SHOW SINKS, SHOW QUERIES); DROP SINK
// removes it, and CREATE SINK with the same statement starts it over, as
// stderr's message and docs/state.md say.
func TestServeRestoreTruncatedFileSink(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	data := filepath.Join(dir, "events.jsonl")
	out := filepath.Join(dir, "out.jsonl")
	appendJSONL(t, data, `{"ts":"2026-11-09T10:00:10Z","k":"a"}`, `{"ts":"2026-11-09T10:00:20Z","k":"b"}`,
		`{"ts":"2026-11-09T10:01:10Z","k":"a"}`)
	source := fmt.Sprintf(`CREATE SOURCE e (ts TIMESTAMP, k VARCHAR, WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
  WITH (connector = 'file', path = '%s')`, data)
	sink := fmt.Sprintf(`CREATE SINK out AS SELECT window_start, k, COUNT(*) AS n FROM TUMBLE(e, ts, INTERVAL '1' MINUTE)
  GROUP BY window_start, k WITH (connector = 'file', path = '%s')`, out)
	lines := func() int {
		b, err := os.ReadFile(out)
		if os.IsNotExist(err) {
			return 0
		}
		require.NoError(t, err)
		return strings.Count(string(b), "\n")
	}
	// The file source is bounded: at its end every window fires, [10:00,
	// 10:01) with a and b, [10:01,10:02) with a.
	waitLines := func() {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for lines() < 3 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		require.Equal(t, 3, lines())
	}
	ctx := context.Background()
	srv := startServe(t, state)
	conn := srv.connect(t)
	for _, stmt := range []string{source, sink} {
		_, err := conn.Exec(ctx, stmt)
		require.NoError(t, err)
	}
	waitLines()
	conn.Close(ctx)
	require.Equal(t, exitOK, srv.stop(t))

	require.NoError(t, os.Truncate(out, 0))
	srv = startServe(t, state)
	require.Contains(t, srv.stderr.String(), "weir: restoring sink out: ")
	require.Contains(t, srv.stderr.String(), "shorter than the")
	conn = srv.connect(t)
	require.Equal(t, []string{"out | file"}, queryStrings(t, conn, "SHOW SINKS"))
	qs := showQueries(t, conn)
	require.Len(t, qs, 1)
	require.Contains(t, qs[0], "| failed: ")
	require.Contains(t, qs[0], out)
	_, err := conn.Exec(ctx, sink)
	require.Error(t, err)
	require.Equal(t, "42P07", sqlState(err)) // the name is still taken
	_, err = conn.Exec(ctx, "DROP SINK out")
	require.NoError(t, err)
	require.Empty(t, queryStrings(t, conn, "SHOW SINKS"))
	_, err = conn.Exec(ctx, sink)
	require.NoError(t, err)
	waitLines()
	conn.Close(ctx)
	require.Equal(t, exitOK, srv.stop(t))

	// The new sink is restored like any other.
	srv = startServe(t, state)
	require.NotContains(t, srv.stderr.String(), "weir: restoring")
	conn = srv.connect(t)
	require.Equal(t, []string{"out | file"}, queryStrings(t, conn, "SHOW SINKS"))
}
