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
	"testing"

	"github.com/stretchr/testify/require"
)

// pacedCounts is a script of one query over a paced datagen source: 2000
// events at 1000/s, 10 ms of event time apart (20 s of event time in 2 s),
// counted per model in 1 s windows. Its first row comes about 0.2 s in,
// when the watermark (event time − 1 s) closes the first window.
const pacedCounts = `
CREATE SOURCE g (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, cost DOUBLE, tokens BIGINT, error VARCHAR,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH (connector='datagen', kind='llm_metrics', seed='3', count='2000', rate='1000', event_interval='10ms');
SELECT window_start, model, COUNT(*) AS c FROM TUMBLE(g, ts, INTERVAL '1' SECOND) GROUP BY window_start, model;
`

// interruptAfterFirstRow runs the binary with args, sends it SIGINT (Ctrl-C)
// once it has printed its first row and returns the rows it printed and its
// exit code. The run is still reading its source then: it ends unfinished.
func interruptAfterFirstRow(t *testing.T, bin string, args ...string) ([]string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	sc := bufio.NewScanner(stdout)
	require.True(t, sc.Scan(), "the run printed no row: %s", stderr.String())
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	rows := []string{sc.Text()}
	for sc.Scan() {
		rows = append(rows, sc.Text())
	}
	_, _ = io.Copy(io.Discard, stdout)
	err = cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return rows, code
}

// TestRunConfigStateDir: `weir run --config c.yaml` with state.dir in the
// file uses that directory exactly as --state-dir would (SPEC.md: flags
// override the config file): an interrupted run leaves its checkpoint
// there and the next run resumes from it; --state-dir wins over the file's
// state.dir; a changed .sql file is refused over the file's directory and
// --reset accepts it.
func TestRunConfigStateDir(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs paced sources")
	}
	bin := buildWeir(t)
	dir := t.TempDir()
	q := writeFile(t, dir, "q.sql", pacedCounts)
	cfgState := filepath.Join(dir, "cfg-state")
	cfg := writeFile(t, dir, "c.yaml", "state:\n  dir: "+cfgState+"\ncheckpointing:\n  interval: 50ms\n")

	// Interrupted after its first row: the config's directory holds the
	// query's checkpoint.
	got, code := interruptAfterFirstRow(t, bin, "run", "--format", "jsonl", "--config", cfg, q)
	require.Equal(t, 0, code)
	require.DirExists(t, cfgState)

	// --state-dir overrides state.dir: a run over another, empty directory
	// starts from the beginning and reads the whole input.
	flagState := filepath.Join(dir, "flag-state")
	code, want, stderr := runWeirState(t, bin, "run", "--format", "jsonl", "--config", cfg, "--state-dir", flagState, q)
	require.Equal(t, 0, code, stderr)
	require.NotContains(t, stderr, "resumes from checkpoint")
	require.DirExists(t, flagState)
	sort.Strings(want)
	require.NotEmpty(t, want)
	require.Less(t, len(got), len(want), "the interrupted run printed every row")

	// The config's directory alone: the run resumes from the checkpoint the
	// interrupted run left there (which the flag's run did not touch), and
	// together they printed every row (repeating at most those after the
	// last checkpoint, SEMANTICS.md §6).
	code, after, stderr := runWeirState(t, bin, "run", "--format", "jsonl", "--config", cfg, q)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stderr, "weir run: query q1 resumes from checkpoint ")
	require.Contains(t, stderr, " in "+cfgState+"\n")
	require.Equal(t, want, dedupeRows(append(got, after...)))

	// That run finished, so its state is gone: interrupted again, the
	// directory holds a checkpoint of these statements, which a changed
	// file may not resume from without --reset.
	_, code = interruptAfterFirstRow(t, bin, "run", "--format", "jsonl", "--config", cfg, q)
	require.Equal(t, 0, code)
	changed := writeFile(t, dir, "q.sql", strings.Replace(pacedCounts, "COUNT(*) AS c", "COUNT(*) AS n", 1))
	code, rows, stderr := runWeirState(t, bin, "run", "--format", "jsonl", "--config", cfg, changed)
	require.Equal(t, 1, code, stderr)
	require.Contains(t, stderr, "made by different statements; run with --reset to discard it")
	require.Empty(t, rows)

	code, rows, stderr = runWeirState(t, bin, "run", "--format", "jsonl", "--config", cfg, "--reset", changed)
	require.Equal(t, 0, code, stderr)
	require.NotContains(t, stderr, "resumes from checkpoint")
	require.Len(t, rows, len(want), "the changed file ran from the start")
}

// TestRunConfigWithoutStateDirKeepsNoState: a config file that sets no
// state.dir leaves weir run stateless, as without --config: the built-in
// default (./weir-data, weir serve's) is not used, no directory appears in
// the working directory and running the file again starts over.
func TestRunConfigWithoutStateDirKeepsNoState(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	q := writeFile(t, dir, "q.sql", `
CREATE SOURCE g (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, cost DOUBLE, tokens BIGINT, error VARCHAR,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH (connector='datagen', kind='llm_metrics', seed='3', count='300', event_interval='10ms', start_time='2026-01-01T00:00:00Z');
SELECT window_start, COUNT(*) AS c FROM TUMBLE(g, ts, INTERVAL '1' SECOND) GROUP BY window_start;
`)
	cfg := writeFile(t, dir, "c.yaml", "checkpointing:\n  interval: 50ms\nstate:\n  hot: { max_size_mb: 64 }\n")
	// 300 events 10 ms apart from the generator's start: event times 0 to
	// 2.99 s, 100 per 1 s window.
	want := `{"window_start":"2026-01-01T00:00:00.000Z","c":100,"_emit":"final"}
{"window_start":"2026-01-01T00:00:01.000Z","c":100,"_emit":"final"}
{"window_start":"2026-01-01T00:00:02.000Z","c":100,"_emit":"final"}
`
	for range 2 {
		code, out, stderr := runWeir("--format", "jsonl", "--config", cfg, q)
		require.Equal(t, 0, code, stderr)
		require.NotContains(t, stderr, "resumes from checkpoint")
		require.Equal(t, want, out)
	}
	require.NoDirExists(t, filepath.Join(dir, "weir-data"))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	require.ElementsMatch(t, []string{"q.sql", "c.yaml"}, names, "the run left files in the working directory")
}

// TestUsageArgumentNames: `weir <command> -h` names each flag's argument
// by what it takes (HOST:PORT, FILE, DIR, ...), never by a word of the
// description or a bare Go type.
func TestUsageArgumentNames(t *testing.T) {
	help := map[string]func() string{
		"run": func() string {
			var out, errw bytes.Buffer
			require.Equal(t, exitOK, runMain([]string{"-h"}, &out, &errw))
			return errw.String()
		},
		"serve": func() string {
			var errw bytes.Buffer
			require.Equal(t, exitOK, serveMain(context.Background(), []string{"-h"}, &errw, nil))
			return errw.String()
		},
		"repl": func() string {
			var out, errw bytes.Buffer
			require.Equal(t, exitOK, runRepl([]string{"-h"}, strings.NewReader(""), &out, &errw))
			return errw.String()
		},
		"submit": func() string {
			var out, errw bytes.Buffer
			require.Equal(t, exitOK, runSubmit([]string{"-h"}, &out, &errw))
			return errw.String()
		},
		"dev-broker": func() string {
			var errw bytes.Buffer
			require.Equal(t, exitOK, devBrokerMain(context.Background(), []string{"-h"}, &errw, nil))
			return errw.String()
		},
		"produce": func() string {
			var errw bytes.Buffer
			require.Equal(t, exitOK, produceMain(context.Background(), []string{"-h"}, strings.NewReader(""), &errw))
			return errw.String()
		},
	}
	want := map[string][]string{
		"run":        {"-format table|jsonl|csv\n", "-config FILE\n", "-state-dir DIR\n", "-checkpoint-interval DURATION\n", "-reset\n"},
		"serve":      {"-config FILE\n", "-state-dir DIR\n", "-pg-addr HOST:PORT\n", "-http-addr HOST:PORT\n", "-checkpoint-interval DURATION\n", "-reset\n"},
		"repl":       {"-server HOST:PORT\n", "-user NAME\n", "-config FILE\n", "-history FILE\n"},
		"submit":     {"-server HOST:PORT\n", "-user NAME\n"},
		"dev-broker": {"-addr HOST:PORT\n", "-topics NAME:PARTITIONS,...\n", "-default-partitions N\n"},
		"produce":    {"-topic TOPIC\n", "-brokers HOST:PORT,...\n", "-key-field FIELD\n"},
	}
	for cmd, lines := range want {
		t.Run(cmd, func(t *testing.T) {
			text := help[cmd]()
			for _, l := range lines {
				require.Contains(t, text, "  "+l)
			}
			// Every flag line ("  -name ARG") is one of the above: no flag
			// was added with a bare type (string, int, duration) for its
			// argument.
			n := 0
			for _, l := range strings.Split(text, "\n") {
				if strings.HasPrefix(l, "  -") {
					n++
				}
			}
			require.Equal(t, len(lines), n, text)
		})
	}
}
