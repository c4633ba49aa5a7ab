package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
	buildDir  string
)

// buildWeir compiles the binary once per test run (TestMain removes it).
func buildWeir(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "weir-bin-")
		if buildErr != nil {
			return
		}
		builtBin = filepath.Join(buildDir, "weir")
		out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return builtBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// TestKill9Restart is SEMANTICS.md §6 at process level: `weir run
// --state-dir` is killed with SIGKILL after a varying number of result rows
// (once it has committed a checkpoint), restarted until it finishes, and
// every window's rows equal an uninterrupted run's (rows emitted after the
// last checkpoint may repeat, identically).
func TestKill9Restart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it repeatedly")
	}
	bin := buildWeir(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "m.jsonl")
	f, err := os.Create(data)
	require.NoError(t, err)
	w := bufio.NewWriter(f)
	models := []string{"a", "b", "c", "d"}
	start := time.Date(2026, 11, 9, 10, 0, 0, 0, time.UTC).UnixMilli()
	for i := 0; i < 300_000; i++ {
		// 5 ms apart, up to 300 ms out of order, so that some events are late
		// against a 100 ms delay.
		ts := start + int64(i)*5 - int64(i*7919%61)*5
		fmt.Fprintf(w, `{"ts":%d,"model":"%s","v":%d}`+"\n", ts, models[i*31%4], i%1000)
	}
	require.NoError(t, w.Flush())
	require.NoError(t, f.Close())
	q := filepath.Join(dir, "q.sql")
	require.NoError(t, os.WriteFile(q, []byte(`
CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, v BIGINT, WATERMARK FOR ts AS ts - INTERVAL '100' MILLISECOND)
  WITH (connector = 'file', path = '`+data+`');
SELECT window_start, model, COUNT(*) AS n, SUM(v) AS total, MIN(v) AS lo, MAX(v) AS hi
FROM TUMBLE(m, ts, INTERVAL '5' SECOND)
GROUP BY window_start, model
EMIT LATE WITHIN INTERVAL '200' MILLISECOND;
`), 0o644))

	run := func(args ...string) []string {
		out, err := exec.Command(bin, append([]string{"run", "--format", "jsonl"}, args...)...).Output()
		require.NoError(t, err)
		return strings.Split(strings.TrimSpace(string(out)), "\n")
	}
	want := run(q)
	sort.Strings(want)
	require.Greater(t, len(want), 1000)

	state := filepath.Join(dir, "state")
	var got []string
	kills := 0
	// prevDone: the previous run, killed, had written every row; it may have
	// finished and dropped its state before the kill landed, and then the
	// next run rightly starts over.
	prevDone := false
	for attempt := 0; ; attempt++ {
		require.Less(t, attempt, 50, "the run never finished")
		cmd := exec.Command(bin, "run", "--format", "jsonl", "--state-dir", state, "--checkpoint-interval", "5ms", q)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		wal := walSizes(state)
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		// Kill after a different number of rows each time (the first runs
		// early, later ones further in); the last attempts run to the end.
		killAfter := 0
		if attempt < 6 {
			killAfter = 50 + attempt*137
		}
		sc := bufio.NewScanner(stdout)
		n := 0
		killed := false
		for sc.Scan() {
			got = append(got, sc.Text())
			n++
			// Kill only once this run has committed a checkpoint: killed
			// before its first one, a run leaves nothing to resume from
			// (on a fast machine every run was, and the last started over).
			// Checkpoints every 5 ms keep that wait short, so that the kills
			// still land near killAfter and all six happen.
			if killAfter > 0 && n >= killAfter && walGrew(state, wal) {
				require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
				killed = true
				break
			}
		}
		for sc.Scan() { // drain what was in the pipe; a line cut by the kill is not a row
			if line := sc.Text(); strings.HasSuffix(line, "}") {
				got = append(got, line)
			}
		}
		err = cmd.Wait()
		// Every run after a killed one resumes from the checkpoint that
		// run committed: it does not emit every row.
		if attempt > 0 && !prevDone {
			require.Contains(t, stderr.String(), "resumes from checkpoint", "run %d started over instead of resuming", attempt)
			require.Less(t, n, len(want), "run %d started over instead of resuming", attempt)
		}
		var exit *exec.ExitError
		if killed && errors.As(err, &exit) {
			kills++
			prevDone = containsAll(got, want)
			continue
		}
		// Not killed, or killed too late: the run had already written its
		// last rows (they fit in the pipe), finished and dropped its state,
		// so it is the last run.
		require.NoError(t, err, stderr.String())
		break
	}
	require.GreaterOrEqual(t, kills, 3)
	require.Equal(t, want, dedupeRows(got))
}

// walSizes maps the state directory's Pebble WAL files to their sizes.
func walSizes(state string) map[string]int64 {
	sizes := map[string]int64{}
	logs, _ := filepath.Glob(filepath.Join(state, "*.log"))
	for _, l := range logs {
		sizes[l] = fileSize(l)
	}
	return sizes
}

// walGrew reports whether a WAL file of the state directory is larger than
// in before (a new one than empty): the run has committed a checkpoint since.
// A run with no spilled state writes nothing else (a resumed run's new WAL
// stays empty until its first checkpoint), as hasCheckpoint relies on.
func walGrew(state string, before map[string]int64) bool {
	for l, size := range walSizes(state) {
		if size > before[l] {
			return true
		}
	}
	return false
}

// containsAll reports whether every row of want is among rows.
func containsAll(rows, want []string) bool {
	have := make(map[string]bool, len(rows))
	for _, r := range rows {
		have[r] = true
	}
	for _, w := range want {
		if !have[w] {
			return false
		}
	}
	return true
}

func dedupeRows(rows []string) []string {
	sort.Strings(rows)
	out := rows[:0]
	for i, r := range rows {
		if i == 0 || r != rows[i-1] {
			out = append(out, r)
		}
	}
	return out
}
