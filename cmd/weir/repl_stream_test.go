package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// replBoundedScript: bare SELECTs (no window) over a bounded file source
// and over a view that is not materialized, a read of a materialized view
// named in another case, and a read of weir_dead_letters. %s are the paths of the data file and an empty file.
const replBoundedScript = `CREATE SOURCE s (ts TIMESTAMP, k VARCHAR, WATERMARK FOR ts AS ts)
  WITH (connector = 'file', path = '%s');
CREATE SOURCE e (ts TIMESTAMP, k VARCHAR, WATERMARK FOR ts AS ts)
  WITH (connector = 'file', path = '%s');
CREATE MATERIALIZED VIEW v1 AS SELECT window_start, COUNT(*) AS n
  FROM TUMBLE(e, ts, INTERVAL '1' MINUTE) GROUP BY window_start;
CREATE VIEW w AS SELECT k FROM s;
SELECT ts, k FROM s;
SELECT k, UPPER(k) AS u FROM s WHERE k <> 'a';
SELECT * FROM w;
SELECT window_start, n FROM V1;
SELECT * FROM weir_dead_letters;
`

// replBoundedWant: a SELECT without a window over sources is a continuous
// query (SPEC.md): its rows stream, unaligned, with the _emit column, empty
// for a row no window emitted (NULL on the wire); the stream ends at the end
// of the bounded file, then the count; a SELECT over a view that is not
// materialized runs the view's query, a stream as well. A read of a view (v1 reads the empty
// file: no rows; its name in another case is the same view) and of
// weir_dead_letters is finite: aligned as psql does.
const replBoundedWant = `CREATE SOURCE
CREATE SOURCE
CREATE MATERIALIZED VIEW
CREATE VIEW
ts | k | _emit
--------------
2026-11-09T10:00:01.000Z | a | 
2026-11-09T10:00:02.000Z | b | 
(2 rows)
k | u | _emit
-------------
b | B | 
(1 row)
k | _emit
---------
a | 
b | 
(2 rows)
 window_start | n
--------------+---
(0 rows)
 query | source | partition | offset | reason | detail | payload | time
-------+--------+-----------+--------+--------+--------+---------+------
(0 rows)
`

// TestReplBareSelectStreamsLocalAndRemote: weir repl and weir repl
// --server print a SELECT without a window over a bounded source the same
// way, as a stream with _emit, and a view read the same way, as a table.
func TestReplBareSelectStreamsLocalAndRemote(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "s.jsonl")
	appendJSONL(t, data, `{"ts":"2026-11-09T10:00:01Z","k":"a"}`, `{"ts":"2026-11-09T10:00:02Z","k":"b"}`)
	empty := filepath.Join(dir, "e.jsonl")
	appendJSONL(t, empty)
	script := fmt.Sprintf(replBoundedScript, data, empty)

	var out, errw syncBuffer
	code := runRepl([]string{"--history", ""}, strings.NewReader(script), &out, &errw)
	require.Equal(t, exitOK, code, errw.String())
	require.Equal(t, replBoundedWant, out.String())

	srv := startServe(t, filepath.Join(dir, "state"))
	var rout, rerr syncBuffer
	code = runRepl([]string{"--server", srv.addrs.PG, "--history", ""}, strings.NewReader(script), &rout, &rerr)
	require.Equal(t, exitOK, code, rerr.String())
	require.Equal(t, replBoundedWant, rout.String())
}

// replGenDDL declares an endless generator: one event every 10 ms of event
// time from 10:00:00, 200 events a second of wall time, so 1-second windows
// close about twice a second.
const replGenDDL = `CREATE SOURCE g (ts TIMESTAMP, model VARCHAR,
  WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
  WITH (connector = 'datagen', kind = 'llm_metrics', rate = '200', event_interval = '10ms',
        start_time = '2026-11-09T10:00:00Z');
`

// TestReplStreamsAndCtrlCLocalAndRemote runs `weir repl` and `weir repl
// --server` as processes with piped stdin on continuous queries over an
// endless source: a SELECT without a window, a windowed SELECT, and
// SUBSCRIBE to a materialized view. In both modes the header (with _emit)
// and rows print while the query runs, SIGINT (what Ctrl-C delivers)
// cancels the query and prints "cancelled" on stderr, and the shell takes
// the next statement: SHOW QUERIES lists the SELECT's query as cancelled,
// while the view's query keeps running after its SUBSCRIBE is cancelled.
func TestReplStreamsAndCtrlCLocalAndRemote(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildWeir(t)
	for _, tc := range []struct {
		name   string
		ddl    string // statements before the stream
		stream string
		header string
		row    string // a regexp one of the first streamed rows matches
		after  string // a regexp a row of SHOW QUERIES matches after Ctrl-C
	}{{
		name:   "select without window",
		stream: "SELECT ts, model FROM g;",
		header: "ts | model | _emit",
		// The first event is at start_time; no window: an empty _emit.
		row:   `^2026-11-09T10:00:00\.000Z \| [a-z0-9.-]+ \| $`,
		after: `^ *q1 *\| cancelled *\|`,
	}, {
		name:   "windowed select",
		stream: "SELECT window_start, COUNT(*) AS n FROM TUMBLE(g, ts, INTERVAL '1' SECOND) GROUP BY window_start;",
		header: "window_start | n | _emit",
		// [10:00:00, 10:00:01) holds the events at 0, 10, ..., 990 ms: 100;
		// it is final once the event at 10:00:01 moves the watermark there.
		row:   `^2026-11-09T10:00:00\.000Z \| 100 \| final$`,
		after: `^ *q1 *\| cancelled *\|`,
	}, {
		name: "subscribe",
		ddl: "CREATE MATERIALIZED VIEW v AS SELECT window_start, COUNT(*) AS n\n" +
			"  FROM TUMBLE(g, ts, INTERVAL '1' SECOND) GROUP BY window_start;\n",
		stream: "SUBSCRIBE TO v;",
		header: "window_start | n | _emit",
		// The snapshot, then every window the view closes: 100 events each.
		row:   `^2026-11-09T10:00:\d\d\.000Z \| 100 \| final$`,
		after: `^ *q1 *\| running *\|`,
	}} {
		for _, remote := range []bool{false, true} {
			name := tc.name + "/in-process"
			if remote {
				name = tc.name + "/server"
			}
			t.Run(name, func(t *testing.T) {
				args := []string{"repl", "--history", ""}
				if remote {
					srv := startServe(t, filepath.Join(t.TempDir(), "state"))
					args = append(args, "--server", srv.addrs.PG)
				}
				p := startReplProc(t, bin, args...)
				p.write(t, replGenDDL+tc.ddl+tc.stream+"\n")
				p.out.waitFor(t, func(l string) bool { return l == tc.header }, "the header "+tc.header)
				row := regexp.MustCompile(tc.row)
				p.out.waitFor(t, row.MatchString, "a streamed row matching "+tc.row)

				require.NoError(t, p.cmd.Process.Signal(syscall.SIGINT))
				p.err.waitFor(t, func(l string) bool { return l == "cancelled" }, `"cancelled" on stderr`)

				// The shell is still there and takes the next statement.
				p.write(t, "SHOW QUERIES;\n\\q\n")
				after := regexp.MustCompile(tc.after)
				p.out.waitFor(t, after.MatchString, "SHOW QUERIES matching "+tc.after)
				require.NoError(t, p.stdin.Close())
				require.NoError(t, p.cmd.Wait(), p.err.String())
			})
		}
	}
}

// replProc is a `weir repl` process with piped stdin.
type replProc struct {
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	out, err *lineLog
}

func startReplProc(t *testing.T, bin string, args ...string) *replProc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return &replProc{cmd: cmd, stdin: stdin, out: readLines(stdout), err: readLines(stderr)}
}

func (p *replProc) write(t *testing.T, s string) {
	t.Helper()
	_, err := io.WriteString(p.stdin, s)
	require.NoError(t, err)
}

// lineLog collects the lines of a pipe as they come. It never blocks the
// writer: a process streaming rows must not stall on a full pipe while a
// test waits on its other output.
type lineLog struct {
	mu     sync.Mutex
	lines  []string
	ended  bool
	next   int           // the first line waitFor has not looked at
	notify chan struct{} // a token when lines are added or the pipe ends
}

func readLines(r io.Reader) *lineLog {
	l := &lineLog{notify: make(chan struct{}, 1)}
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			l.mu.Lock()
			l.lines = append(l.lines, sc.Text())
			l.mu.Unlock()
			l.poke()
		}
		l.mu.Lock()
		l.ended = true
		l.mu.Unlock()
		l.poke()
	}()
	return l
}

func (l *lineLog) poke() {
	select {
	case l.notify <- struct{}{}:
	default:
	}
}

// waitFor waits up to 30 s for a line, after those an earlier waitFor
// matched, that pred accepts.
func (l *lineLog) waitFor(t *testing.T, pred func(string) bool, what string) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		l.mu.Lock()
		for ; l.next < len(l.lines); l.next++ {
			if pred(l.lines[l.next]) {
				l.next++
				l.mu.Unlock()
				return
			}
		}
		ended := l.ended
		l.mu.Unlock()
		require.False(t, ended, "output ended before %s:\n%s", what, l.String())
		select {
		case <-l.notify:
		case <-deadline:
			t.Fatalf("no %s within 30s; output:\n%s", what, l.tail(40))
		}
	}
}

// String is every line so far.
func (l *lineLog) String() string { return l.tail(-1) }

// tail is the last n lines so far (all when n < 0).
func (l *lineLog) tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	lines := l.lines
	if n >= 0 && len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// TestStreamsOnServer: which statements weir repl --server prints as
// streams, deciding as the server does (runtime's view-read rule): a
// SELECT over sources or a view that is not materialized, and SUBSCRIBE,
// stream; a read of a materialized view (in any case) or of
// weir_dead_letters, a SELECT without FROM, statements weir's parser
// refuses (answered by the server for PostgreSQL clients) and other
// statements do not.
func TestStreamsOnServer(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "s.jsonl")
	appendJSONL(t, data, `{"ts":"2026-11-09T10:00:01Z","k":"a"}`)
	srv := startServe(t, filepath.Join(dir, "state"))
	ctx := context.Background()
	conn, err := connectServer(ctx, srv.addrs.PG, "weir")
	require.NoError(t, err)
	b := &remoteBackend{conn: conn}
	defer b.close()
	for _, ddl := range []string{
		"CREATE SOURCE s (ts TIMESTAMP, k VARCHAR, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = '" + data + "')",
		"CREATE MATERIALIZED VIEW mv AS SELECT window_start, COUNT(*) AS n FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start",
		"CREATE VIEW w AS SELECT k FROM s",
	} {
		_, err := conn.Exec(ctx, ddl)
		require.NoError(t, err, ddl)
	}
	for stmt, want := range map[string]bool{
		"SELECT ts, k FROM s": true,
		"SELECT k FROM w":     true,
		"SELECT COUNT(*) AS n FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start": true,
		"SELECT k FROM s UNION ALL SELECT k FROM s":                                          true,
		"SELECT k FROM (SELECT k FROM s)":                                                    true,
		"SUBSCRIBE TO mv":                                                                    true,
		"SELECT * FROM mv":                                                                   false,
		"SELECT n FROM MV WHERE n > 1 ORDER BY n LIMIT 3":                                    false,
		"SELECT * FROM weir_dead_letters":                                                    false,
		"SELECT * FROM public.mv":                                                            false,
		"SELECT 1":                                                                           false,
		"SELECT version()":                                                                   false,
		"SHOW VIEWS":                                                                         false,
		"EXPLAIN SELECT ts FROM s":                                                           false,
		"SELEC 1":                                                                            false,
	} {
		got, err := b.streamsOnServer(ctx, stmt)
		require.NoError(t, err, stmt)
		require.Equal(t, want, got, stmt)
	}
}
