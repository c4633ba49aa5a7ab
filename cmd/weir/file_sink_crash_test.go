package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fileSinkQuery is a windowed aggregation of paced datagen bids (200,000
// events at 200,000 a second, so that kills land mid-run) written by a file
// sink to out.
func fileSinkQuery(out string) string {
	return `
CREATE SOURCE bid (auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR,
  date_time TIMESTAMP, extra VARCHAR, WATERMARK FOR date_time AS date_time - INTERVAL '5' SECOND)
WITH (connector = 'datagen', kind = 'bid', seed = '3', count = '200000', rate = '200000',
  event_interval = '10ms', max_out_of_order = '2s');
CREATE SINK out AS SELECT window_start, window_end, auction, COUNT(*) AS bids, SUM(price) AS sp
FROM TUMBLE(bid, date_time, INTERVAL '30' SECOND)
GROUP BY window_start, window_end, auction
WITH (connector = 'file', path = '` + out + `', format = 'json');
`
}

// fileSinkRun is a started `weir run` whose stderr lines arrive on errLines.
type fileSinkRun struct {
	cmd      *exec.Cmd
	errLines chan string
	stderr   *bytes.Buffer // every stderr line, once the process is done
	done     chan struct{} // closed when stderr is at EOF
}

func startFileSinkRun(t *testing.T, bin string, args ...string) *fileSinkRun {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"run"}, args...)...)
	errPipe, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	r := &fileSinkRun{cmd: cmd, errLines: make(chan string, 1024), stderr: &bytes.Buffer{}, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			r.stderr.WriteString(sc.Text() + "\n")
			select {
			case r.errLines <- sc.Text():
			default:
			}
		}
		io.Copy(io.Discard, errPipe)
	}()
	return r
}

// wait waits for the process to exit and returns its exit code (-1 when
// killed) and its stderr.
func (r *fileSinkRun) wait(t *testing.T) (int, string) {
	t.Helper()
	<-r.done
	err := r.cmd.Wait()
	if err != nil {
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
	}
	return r.cmd.ProcessState.ExitCode(), r.stderr.String()
}

// kill sends SIGKILL.
func (r *fileSinkRun) kill(t *testing.T) {
	t.Helper()
	require.NoError(t, r.cmd.Process.Signal(syscall.SIGKILL))
}

// waitUntil polls cond every millisecond until it holds, failing the test
// after 60 s or when the run exits first.
func (r *fileSinkRun) waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.After(60 * time.Second)
	for !cond() {
		select {
		case <-tick.C:
		case <-r.done:
			if cond() {
				return
			}
			code, stderr := r.wait(t)
			t.Fatalf("weir run exited (%d) before %s; stderr:\n%s", code, what, stderr)
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// fileSize is path's size (0 when missing).
func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// hasCheckpoint reports whether the state directory's Pebble WAL holds a
// commit: the only writes of a run with no spilled state are checkpoint
// manifests, so a non-empty *.log means the first checkpoint is durable.
func hasCheckpoint(state string) bool {
	logs, _ := filepath.Glob(filepath.Join(state, "*.log"))
	for _, l := range logs {
		if fileSize(l) > 0 {
			return true
		}
	}
	return false
}

// sortedLines returns path's lines, sorted; the file must end with a newline.
func sortedLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, len(b) == 0 || b[len(b)-1] == '\n', "%s does not end with a newline", path)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	slices.Sort(lines)
	return lines
}

// TestFileSinkKill9ExactlyOnce: `weir run --state-dir` with a file sink is
// killed with SIGKILL at several moments — while rows are being written
// (at growing sizes of the file, so mid-batch writes are likely cut), and
// right after a restart resumed from a checkpoint — and restarted until it
// finishes. The file then holds exactly the uninterrupted run's lines: no
// torn line, no row twice, none missing (compared as sorted lines, since
// rows of one watermark may come in another order).
func TestFileSinkKill9ExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it repeatedly")
	}
	bin := buildWeir(t)
	dir := t.TempDir()

	wantPath := filepath.Join(dir, "want.jsonl")
	wantSQL := filepath.Join(dir, "want.sql")
	require.NoError(t, os.WriteFile(wantSQL, []byte(fileSinkQuery(wantPath)), 0o644))
	code, stderr := startFileSinkRun(t, bin, wantSQL).wait(t)
	require.Equal(t, 0, code, stderr)
	want := sortedLines(t, wantPath)
	require.Greater(t, len(want), 5000)
	wantSize := fileSize(wantPath)

	out := filepath.Join(dir, "out.jsonl")
	q := filepath.Join(dir, "q.sql")
	require.NoError(t, os.WriteFile(q, []byte(fileSinkQuery(out)), 0o644))
	state := filepath.Join(dir, "state")
	args := []string{"--state-dir", state, "--checkpoint-interval", "10ms", q}

	// Kill once the file has reached these fractions of its final size;
	// after the first, also kill a restart as soon as it has resumed
	// (after its restore truncated the file, before it wrote much).
	resumed := 0
	for i, frac := range []float64{0.1, 0.3, 0.5, 0.7, 0.9} {
		r := startFileSinkRun(t, bin, args...)
		if i > 0 {
			r.waitUntil(t, "the restart's resume line", func() bool {
				for {
					select {
					case l := <-r.errLines:
						if strings.Contains(l, "resumes from checkpoint") {
							return true
						}
					default:
						return false
					}
				}
			})
			resumed++
			if i == 2 {
				r.kill(t)
				code, _ := r.wait(t)
				require.Equal(t, -1, code)
				r = startFileSinkRun(t, bin, args...)
			}
		}
		target := int64(frac * float64(wantSize))
		r.waitUntil(t, fmt.Sprintf("the sink file to reach %d bytes and a checkpoint", target), func() bool {
			return fileSize(out) >= target && hasCheckpoint(state)
		})
		r.kill(t)
		code, stderr := r.wait(t)
		require.Equal(t, -1, code, "the run ended before the kill at %.0f%%; stderr:\n%s", frac*100, stderr)
	}
	final := startFileSinkRun(t, bin, args...)
	code, stderr = final.wait(t)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stderr, "resumes from checkpoint", "the last run started over instead of resuming")
	require.Equal(t, 4, resumed)
	require.Empty(t, lineDiff(want, sortedLines(t, out)))
}

// lineDiff describes how the sorted lines got differ from want: the lines
// missing and those in excess (a torn line, a row twice), each with up to
// three examples; "" when they are equal.
func lineDiff(want, got []string) string {
	var missing, extra []string
	i, j := 0, 0
	for i < len(want) || j < len(got) {
		switch {
		case j == len(got) || (i < len(want) && want[i] < got[j]):
			missing = append(missing, want[i])
			i++
		case i == len(want) || got[j] < want[i]:
			extra = append(extra, got[j])
			j++
		default:
			i++
			j++
		}
	}
	if len(missing) == 0 && len(extra) == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d lines missing, e.g. %q; %d lines in excess, e.g. %q",
		len(missing), len(want), missing[:min(3, len(missing))], len(extra), extra[:min(3, len(extra))])
}

// TestFileSinkKill9NoStateDir: without --state-dir the sink appends. A run
// killed while writing, whose file is then left with a torn last line, is
// followed by a whole run: that run ends the torn line first (saying so on
// stderr), so every row it writes is a whole line of its own.
func TestFileSinkKill9NoStateDir(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it repeatedly")
	}
	bin := buildWeir(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	q := filepath.Join(dir, "q.sql")
	require.NoError(t, os.WriteFile(q, []byte(fileSinkQuery(out)), 0o644))

	r := startFileSinkRun(t, bin, q)
	r.waitUntil(t, "the sink file to grow", func() bool { return fileSize(out) > 100_000 })
	r.kill(t)
	code, stderr := r.wait(t)
	require.Equal(t, -1, code, stderr)
	killed, err := os.ReadFile(out)
	require.NoError(t, err)
	if killed[len(killed)-1] == '\n' {
		// The kill fell between two writes: tear the last line as a kill
		// in the middle of one would have.
		killed = killed[:len(killed)-7]
		require.NoError(t, os.WriteFile(out, killed, 0o644))
	}

	code, stderr = startFileSinkRun(t, bin, q).wait(t)
	require.Equal(t, 0, code, stderr)
	require.Equal(t, fmt.Sprintf("weir: sink out: %s did not end with a newline (its last line was cut short, as by a crash): "+
		"ended that line; the rows follow on their own lines\n", out), stderr)

	// A whole run's rows, alone: what the second run appended.
	whole := filepath.Join(dir, "whole.jsonl")
	wq := filepath.Join(dir, "whole.sql")
	require.NoError(t, os.WriteFile(wq, []byte(fileSinkQuery(whole)), 0o644))
	code, stderr = startFileSinkRun(t, bin, wq).wait(t)
	require.Equal(t, 0, code, stderr)

	got, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Equal(t, string(killed)+"\n", string(got[:len(killed)+1]), "the killed run's bytes, its torn line ended")
	rest := filepath.Join(dir, "rest.jsonl")
	require.NoError(t, os.WriteFile(rest, got[len(killed)+1:], 0o644))
	require.Empty(t, lineDiff(sortedLines(t, whole), sortedLines(t, rest)))
}
