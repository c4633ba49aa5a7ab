package pgwire

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// psqlStream starts psql running script against ts and returns its stdout
// lines as they come; psql is killed at the end of the test. psql's stdout
// is line-buffered on a terminal and block-buffered on a pipe; stdbuf -oL
// gives the pipe a terminal's buffering, so the test sees what a user at a
// terminal sees.
func psqlStream(t *testing.T, ts *testServer, script string) <-chan string {
	t.Helper()
	bin, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql is not on PATH; skipping the psql streaming tests")
	}
	stdbuf, err := exec.LookPath("stdbuf")
	if err != nil {
		t.Skip("stdbuf (coreutils) is not on PATH; skipping the psql streaming tests")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	dsn := "host=127.0.0.1 port=" + ts.port + " user=x dbname=weir sslmode=disable connect_timeout=10"
	cmd := exec.CommandContext(ctx, stdbuf, "-oL", bin, dsn, "-X", "--no-psqlrc", "-At")
	cmd.Env = append(os.Environ(), "PGTZ=UTC", "PAGER=", "PSQL_PAGER=", "LC_ALL=C")
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	return lines
}

// nextLine waits for psql's next output line.
func nextLine(t *testing.T, lines <-chan string) string {
	t.Helper()
	select {
	case l, ok := <-lines:
		require.True(t, ok, "psql ended early")
		return l
	case <-time.After(10 * time.Second):
		t.Fatal("no line from psql within 10s")
		return ""
	}
}

// TestPsqlStreamsSubscribe: psql prints the rows of
// COPY (SUBSCRIBE TO v) TO STDOUT, and of a SUBSCRIBE read through a cursor
// with FETCH_COUNT, one by one as the view emits them — each row is read
// before the next one is even produced.
func TestPsqlStreamsSubscribe(t *testing.T) {
	for name, script := range map[string]string{
		"copy":   "COPY (SUBSCRIBE TO by_model) TO STDOUT\n",
		"cursor": "BEGIN;\nDECLARE c CURSOR FOR SUBSCRIBE TO by_model;\nFETCH 1 c;\nFETCH 1 c;\nFETCH 1 c;\n",
	} {
		t.Run(name, func(t *testing.T) {
			ts := startServer(t, Config{})
			lines := psqlStream(t, ts, script)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			sep := "\t"
			if name == "cursor" {
				sep = "|"
				require.Equal(t, "BEGIN", nextLine(t, lines))
				require.Equal(t, "DECLARE CURSOR", nextLine(t, lines))
			}
			for i := range 3 {
				select {
				case ts.eng.feed <- Row{{S: "m"}, {I: int64(i)}, {F: 1.5}, {I: windowEnd}, {B: true}}:
				case <-ctx.Done():
					t.Fatal("the stream did not take a row")
				}
				want := strings.Join([]string{"m", string(rune('0' + i)), "1.5", "2026-11-09 14:35:00+00", "t"}, sep)
				require.Equal(t, want, nextLine(t, lines), "row %d", i)
			}
		})
	}
}
