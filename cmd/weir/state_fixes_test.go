package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// twoQueries is a script of two queries over paced datagen sources: q1 reads
// 400 events (0.4 s at 1000/s; 1 s windows of 1 ms apart events: 4 models in
// one window) and finishes long before q2 (5000 events, 5 s), whose first
// window fires about 2 s in.
const twoQueries = `
CREATE SOURCE a (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, cost DOUBLE, tokens BIGINT, error VARCHAR,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH (connector='datagen', kind='llm_metrics', seed='2', count='400', rate='1000');
CREATE SOURCE g (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, cost DOUBLE, tokens BIGINT, error VARCHAR,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH (connector='datagen', kind='llm_metrics', seed='1', count='5000', rate='1000');
SELECT window_start, model, COUNT(*) AS c FROM TUMBLE(a, ts, INTERVAL '1' SECOND) GROUP BY window_start, model;
SELECT window_start, model, COUNT(*) AS c FROM TUMBLE(g, ts, INTERVAL '1' SECOND) GROUP BY window_start, model;
`

// runWeirState runs the binary to the end and returns its exit code, stdout's
// lines and stderr.
func runWeirState(t *testing.T, bin string, args ...string) (int, []string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	var lines []string
	if s := strings.TrimSpace(stdout.String()); s != "" {
		lines = strings.Split(s, "\n")
	}
	return code, lines, stderr.String()
}

func rowsOfQuery(rows []string, n string) []string {
	var out []string
	for _, r := range rows {
		if strings.Contains(r, `"_query":`+n+`}`) {
			out = append(out, r)
		}
	}
	return out
}

// TestKill9FinishedQueryKeepsCheckpoint: a query of `weir run --state-dir`
// that finished while another was still running keeps its final
// checkpoint. After kill -9 the restart resumes it at the end of its input
// and it prints nothing again (SEMANTICS.md §6: only rows after the last
// checkpoint may repeat). Once the whole run has finished, the run's state is
// dropped and running the file again starts over.
func TestKill9FinishedQueryKeepsCheckpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs paced sources")
	}
	bin := buildWeir(t)
	dir := t.TempDir()
	q := filepath.Join(dir, "two.sql")
	require.NoError(t, os.WriteFile(q, []byte(twoQueries), 0o644))
	code, want, _ := runWeirState(t, bin, "run", "--format", "jsonl", q)
	require.Equal(t, 0, code)
	require.Len(t, rowsOfQuery(want, "1"), 4)
	require.Len(t, rowsOfQuery(want, "2"), 20)

	state := filepath.Join(dir, "state")
	args := []string{"run", "--format", "jsonl", "--state-dir", state, "--checkpoint-interval", "50ms", q}
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	// q1 commits its final checkpoint right after its last row; q2's first
	// row comes about 1.5 s later. Kill on q2's first row: q1 has finished,
	// q2 is running.
	var got []string
	sc := bufio.NewScanner(stdout)
	killed := false
	for sc.Scan() {
		got = append(got, sc.Text())
		if strings.Contains(sc.Text(), `"_query":2}`) {
			require.Len(t, rowsOfQuery(got, "1"), 4, "q1 printed all its rows before q2's first")
			require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			killed = true
			break
		}
	}
	_, _ = io.Copy(io.Discard, stdout)
	_ = cmd.Wait()
	require.True(t, killed, "q2 printed no row")

	code, after, stderr := runWeirState(t, bin, args...)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stderr, "query q1 resumes from checkpoint")
	require.Contains(t, stderr, "query q2 resumes from checkpoint")
	require.Empty(t, rowsOfQuery(after, "1"), "the finished query started over")
	sort.Strings(want)
	require.Equal(t, want, dedupeRows(append(got, after...)))

	// The run has finished: its state is gone, a new run starts over.
	code, again, stderr := runWeirState(t, bin, args...)
	require.Equal(t, 0, code, stderr)
	require.NotContains(t, stderr, "resumes from checkpoint")
	sort.Strings(again)
	require.Equal(t, want, again)
}

// TestResetDropsSinkCheckpoints: --reset discards a CREATE SINK's
// checkpoint too, so a changed statement file that is refused without it
// runs with it, from the start.
func TestResetDropsSinkCheckpoints(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs paced sources")
	}
	bin := buildWeir(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "sink.jsonl")
	script := func(extra string) string {
		q := filepath.Join(dir, "sink.sql")
		require.NoError(t, os.WriteFile(q, []byte(`
CREATE SOURCE g (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, cost DOUBLE, tokens BIGINT, error VARCHAR,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH (connector='datagen', kind='llm_metrics', seed='1', count='5000', rate='1000');
CREATE SINK fs AS SELECT window_start, window_end, model, COUNT(*) AS c`+extra+`
  FROM TUMBLE(g, ts, INTERVAL '1' SECOND) GROUP BY window_start, window_end, model
  WITH (connector='file', path='`+out+`');
SELECT window_start, model, COUNT(*) AS c FROM TUMBLE(g, ts, INTERVAL '1' SECOND) GROUP BY window_start, model;
`), 0o644))
		return q
	}
	q := script("")
	state := filepath.Join(dir, "state")
	// Kill on the SELECT's first row: the sink has checkpoints by then.
	cmd := exec.Command(bin, "run", "--format", "jsonl", "--state-dir", state, "--checkpoint-interval", "50ms", q)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	sc := bufio.NewScanner(stdout)
	require.True(t, sc.Scan(), "the SELECT printed no row")
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_, _ = io.Copy(io.Discard, stdout)
	_ = cmd.Wait()

	q = script(", SUM(tokens) AS st")
	code, _, stderr := runWeirState(t, bin, "run", "--format", "jsonl", "--state-dir", state, q)
	require.Equal(t, 1, code, stderr)
	require.Contains(t, stderr, "the state directory holds a checkpoint of sink fs, made by different statements; run with --reset to discard it")
	require.NotContains(t, stderr, "runtime:")

	require.NoError(t, os.Remove(out))
	code, rows, stderr := runWeirState(t, bin, "run", "--format", "jsonl", "--state-dir", state, "--reset", q)
	require.Equal(t, 0, code, stderr)
	require.NotContains(t, stderr, "resumes from checkpoint")
	require.Len(t, rows, 20)
	written, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Equal(t, 20, strings.Count(string(written), "\n"), "the sink wrote every window from the start")
}

// TestCheckpointIntervalMustBePositive: --checkpoint-interval 0 or negative,
// and checkpointing.interval 0 in the config, are refused with exit 2 and the
// flag or key named, instead of silently taking no checkpoint.
func TestCheckpointIntervalMustBePositive(t *testing.T) {
	dir := t.TempDir()
	q := filepath.Join(dir, "q.sql")
	require.NoError(t, os.WriteFile(q, []byte("SELECT 1 AS x;\n"), 0o644))
	for _, v := range []string{"0s", "-1s"} {
		var out, errw bytes.Buffer
		code := runMain([]string{"--state-dir", filepath.Join(dir, "s"), "--checkpoint-interval", v, q}, &out, &errw)
		require.Equal(t, exitUsage, code)
		require.Contains(t, errw.String(), "weir run: --checkpoint-interval must be positive, such as 60s, got "+v)
	}
	cfg := filepath.Join(dir, "c.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("checkpointing:\n  interval: 0s\n"), 0o644))
	var out, errw bytes.Buffer
	code := runMain([]string{"--config", cfg, q}, &out, &errw)
	require.Equal(t, exitUsage, code)
	require.Contains(t, errw.String(), "checkpointing.interval must be positive")

	// weir serve refuses the flag the same way, before it listens.
	for _, v := range []string{"0s", "-5s"} {
		var errw bytes.Buffer
		code := serveMain(context.Background(), []string{"--state-dir", filepath.Join(dir, "srv"), "--pg-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--checkpoint-interval", v}, &errw, nil)
		require.Equal(t, exitUsage, code)
		require.Contains(t, errw.String(), "weir serve: --checkpoint-interval must be positive, such as 60s, got "+v)
	}
}
