package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// shutdownStart is the event time of the first datagen event of the
// shutdown test; event k is k milliseconds later.
var shutdownStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// shutdownRows reads the file sink's rows as event numbers (k of
// shutdownStart + k ms), in file order. A line that is not a whole JSON
// row fails the test.
func shutdownRows(t *testing.T, path string) []int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	var out []int64
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if line == "" {
			continue
		}
		var row struct{ TS string }
		require.NoError(t, json.Unmarshal([]byte(line), &row), "line %q", line)
		ts, err := time.Parse("2006-01-02T15:04:05.000Z", row.TS)
		require.NoError(t, err, "line %q", line)
		out = append(out, ts.Sub(shutdownStart).Milliseconds())
	}
	return out
}

// TestServeShutdownStopsAtCheckpoint: SIGTERM stops each query at a final
// checkpoint — its source reads nothing after the barrier — so that after
// a restart a file sink neither takes back rows written after the
// checkpoint (no "removed the last" on stderr) nor repeats any: through
// two SIGTERMs and restarts the file holds events 0, 1, 2, ... each once,
// in order.
func TestServeShutdownStopsAtCheckpoint(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	out := filepath.Join(dir, "out.jsonl")
	out2 := filepath.Join(dir, "out2.jsonl")
	ddl := []string{
		fmt.Sprintf(`CREATE SOURCE g (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, cost DOUBLE, tokens BIGINT, error VARCHAR,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH (connector = 'datagen', kind = 'llm_metrics', seed = '1', rate = '20000', event_interval = '1ms',
  start_time = '%s')`, shutdownStart.Format(time.RFC3339)),
		fmt.Sprintf(`CREATE SINK s AS SELECT ts, model FROM g WITH (connector = 'file', path = '%s')`, out),
		// A second query reading the same source stops at its own checkpoint.
		fmt.Sprintf(`CREATE SINK s2 AS SELECT ts, tokens FROM g WITH (connector = 'file', path = '%s')`, out2),
	}
	waitRows := func(srv *testServer, path string, n int) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for len(shutdownRows(t, path)) < n {
			if time.Now().After(deadline) {
				t.Fatalf("%s has fewer than %d rows: %s", path, n, srv.stderr.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	srv := startServe(t, state)
	conn := srv.connect(t)
	for _, stmt := range ddl {
		_, err := conn.Exec(context.Background(), stmt)
		require.NoError(t, err, stmt)
	}
	waitRows(srv, out, 2000)
	waitRows(srv, out2, 2000)
	conn.Close(context.Background())
	require.Equal(t, exitOK, srv.stop(t))
	require.NotContains(t, srv.stderr.String(), "final checkpoint of")

	for round := 0; round < 2; round++ {
		before := len(shutdownRows(t, out))
		srv = startServe(t, state)
		require.Contains(t, srv.stderr.String(), "restored 3 catalog statements")
		waitRows(srv, out, before+2000)
		waitRows(srv, out2, before+2000)
		require.Equal(t, exitOK, srv.stop(t))
		log := srv.stderr.String()
		require.NotContains(t, log, "removed the last", "the file sink took back rows written after the final checkpoint")
		require.NotContains(t, log, "final checkpoint of")
	}
	for _, path := range []string{out, out2} {
		rows := shutdownRows(t, path)
		require.Greater(t, len(rows), 6000)
		for i, k := range rows {
			if k != int64(i) {
				t.Fatalf("%s: row %d is event %d, want %d (a row repeated or lost at a restart)", path, i, k, i)
			}
		}
	}
}
