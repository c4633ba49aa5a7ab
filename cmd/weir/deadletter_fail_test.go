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

// deadLetterFull is the error of a query whose source's dead letters go
// to a full disk (/dev/full).
const deadLetterFull = "source d: writing dead letters to /dev/full: no space left on device"

func skipWithoutDevFull(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full to fail dead-letter writes with")
	}
}

// TestRunDeadLetterWriteFails: weir run whose dead_letter_path cannot be
// written once the run has begun (a full disk) stops with exit 1, saying
// once which source and file.
func TestRunDeadLetterWriteFails(t *testing.T) {
	skipWithoutDevFull(t)
	dir := t.TempDir()
	data := writeFile(t, dir, "d.jsonl", `{"ts":"2026-11-09T10:00:00Z","v":1}
not json
{"ts":"2026-11-09T10:00:02Z","v":3}
`)
	q := writeFile(t, dir, "q.sql", `CREATE SOURCE d (ts TIMESTAMP, v BIGINT)
  WITH (connector = 'file', path = '`+data+`', dead_letter_path = '/dev/full');
SELECT v FROM d;
`)
	code, _, errw := runWeir(q)
	require.Equal(t, exitFailed, code, errw)
	require.Equal(t, "weir run: query q1 failed: "+deadLetterFull+"\n", errw)
}

// TestServeDeadLetterWriteFails: in weir serve, the view whose source's
// dead letters cannot be written fails: one line on the server's stderr
// naming the query, the view, the source and the file, and its state in
// SHOW QUERIES.
func TestServeDeadLetterWriteFails(t *testing.T) {
	skipWithoutDevFull(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "d.jsonl")
	appendJSONL(t, data, `{"ts":"2026-11-09T10:00:00Z","v":1}`, `not json`)
	srv := startServe(t, filepath.Join(dir, "state"))
	conn := srv.connect(t)
	ctx := context.Background()
	_, err := conn.Exec(ctx, fmt.Sprintf(`CREATE SOURCE d (ts TIMESTAMP, v BIGINT)
	  WITH (connector = 'file', path = '%s', dead_letter_path = '/dev/full')`, data))
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `CREATE MATERIALIZED VIEW bad AS SELECT ts, v FROM d`)
	require.NoError(t, err)

	const line = "weir: query q1 (view bad) failed: " + deadLetterFull
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(srv.stderr.String(), line) && time.Now().Before(deadline) {
		<-time.After(10 * time.Millisecond)
	}
	require.Contains(t, srv.stderr.String(), line+"\n")
	require.Equal(t, []string{"q1 | failed: " + deadLetterFull + " | 0"}, showQueries(t, conn))
}
