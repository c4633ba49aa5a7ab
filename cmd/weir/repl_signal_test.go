package main

import (
	"bufio"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestReplCtrlCCancelsTheQueryNotTheShell runs `weir repl` as a process with
// piped stdin, starts a continuous query over an endless generator, waits for
// its first rows, sends SIGINT (what Ctrl-C delivers), and checks that the
// query is cancelled while the shell keeps reading statements.
func TestReplCtrlCCancelsTheQueryNotTheShell(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildWeir(t)
	cmd := exec.Command(bin, "repl", "--history", "")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer cmd.Process.Kill()

	lines := make(chan string, 1024)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	errLines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			errLines <- sc.Text()
		}
		close(errLines)
	}()
	waitFor := func(ch <-chan string, pred func(string) bool, what string) {
		t.Helper()
		deadline := time.After(30 * time.Second)
		for {
			select {
			case l, ok := <-ch:
				require.True(t, ok, "stream ended before %s", what)
				if pred(l) {
					return
				}
			case <-deadline:
				t.Fatalf("no %s within 30s", what)
			}
		}
	}

	// One-second windows over a generator that never ends: a final row comes
	// out every second or so of generated event time.
	_, err = io.WriteString(stdin, `CREATE SOURCE g (ts TIMESTAMP, model VARCHAR,
  WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
  WITH (connector = 'datagen', kind = 'llm_metrics', rate = '2000', event_interval = '10ms',
        start_time = '2026-11-09T10:00:00Z');
SELECT window_start, COUNT(*) AS n FROM TUMBLE(g, ts, INTERVAL '1' SECOND) GROUP BY window_start;
`)
	require.NoError(t, err)
	waitFor(lines, func(l string) bool { return strings.HasSuffix(l, "| final") }, "streamed row")

	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	waitFor(errLines, func(l string) bool { return l == "cancelled" }, `"cancelled" on stderr`)

	// The shell is still there and takes the next statement.
	_, err = io.WriteString(stdin, "SHOW QUERIES;\n\\q\n")
	require.NoError(t, err)
	waitFor(lines, func(l string) bool { return strings.Contains(l, "q1 | cancelled") }, "SHOW QUERIES listing q1 as cancelled")
	require.NoError(t, stdin.Close())
	require.NoError(t, cmd.Wait())
}
