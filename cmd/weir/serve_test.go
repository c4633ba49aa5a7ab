package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe for a server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testServer is a `weir serve` running in-process on free ports.
type testServer struct {
	addrs  serveAddrs
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan int
	once   sync.Once
	code   int
}

// startServe starts serveMain as `weir serve --state-dir dir` would, on
// 127.0.0.1:0 ports; it is stopped (SIGTERM's path) at the test's end.
func startServe(t *testing.T, dir string, extra ...string) *testServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &testServer{stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	ready := make(chan serveAddrs, 1)
	args := append([]string{"--state-dir", dir, "--pg-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"}, extra...)
	go func() { s.done <- serveMain(ctx, args, s.stderr, ready) }()
	select {
	case s.addrs = <-ready:
	case code := <-s.done:
		t.Fatalf("weir serve exited with %d: %s", code, s.stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("weir serve did not start: %s", s.stderr.String())
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop cancels the server's context (as SIGTERM does) and waits for exit.
func (s *testServer) stop(t *testing.T) int {
	t.Helper()
	s.once.Do(func() {
		s.cancel()
		select {
		case s.code = <-s.done:
		case <-time.After(30 * time.Second):
			t.Fatalf("weir serve did not stop: %s", s.stderr.String())
		}
	})
	return s.code
}

func (s *testServer) url() string {
	return fmt.Sprintf("postgres://tester@%s/weir?sslmode=disable", s.addrs.PG)
}

func (s *testServer) connect(t *testing.T) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.url())
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// appendJSONL appends lines to a file (creating it).
func appendJSONL(t *testing.T, path string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	_, err = f.WriteString(strings.Join(lines, "\n") + "\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

// queryStrings runs q with pgx and renders each row as "a | b" (NULL for
// NULL, timestamps in RFC 3339 UTC).
func queryStrings(t *testing.T, conn *pgx.Conn, q string, args ...any) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), q, args...)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		require.NoError(t, err)
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch x := v.(type) {
			case nil:
				parts[i] = "NULL"
			case time.Time:
				parts[i] = x.UTC().Format(time.RFC3339)
			default:
				parts[i] = fmt.Sprint(x)
			}
		}
		out = append(out, strings.Join(parts, " | "))
	}
	require.NoError(t, rows.Err())
	return out
}

// waitQuery polls q until it returns want or the deadline passes (the
// view is written by the server's query goroutine; its rows are the event).
func waitQuery(t *testing.T, conn *pgx.Conn, q string, want []string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var got []string
	for time.Now().Before(deadline) {
		if got = queryStrings(t, conn, q); fmt.Sprint(got) == fmt.Sprint(want) {
			return
		}
		<-time.After(10 * time.Millisecond)
	}
	require.Equal(t, want, got)
}

func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// The bounded data set of the wire tests: 1-minute windows per model.
//
//	10:00 a: 2 events   10:00 b: 1   10:01 a: 1   10:01 b: 2
const wireData = `{"ts":"2026-11-09T10:00:10Z","model":"a","latency_ms":100}
{"ts":"2026-11-09T10:00:20Z","model":"b","latency_ms":300}
{"ts":"2026-11-09T10:00:30Z","model":"a","latency_ms":200}
{"ts":"2026-11-09T10:01:05Z","model":"a","latency_ms":50}
{"ts":"2026-11-09T10:01:10Z","model":"b","latency_ms":null}
{"ts":"2026-11-09T10:01:15Z","model":"b","latency_ms":400}`

const wireDDL = `CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE,
  WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
  WITH (connector = 'file', path = '%s');
CREATE MATERIALIZED VIEW v AS
  SELECT window_start, window_end, model, COUNT(*) AS n, MAX(latency_ms) AS max_ms
  FROM TUMBLE(m, ts, INTERVAL '1' MINUTE)
  GROUP BY window_start, window_end, model;
`

// TestServeWire creates a source and a view with `psql -f`, reads the
// view with pgx in the extended protocol (parameters, typed values) and in
// the simple protocol, and with `psql -c`; bad SQL gets SQLSTATEs.
func TestServeWire(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "m.jsonl")
	appendJSONL(t, data, wireData)
	ddl := filepath.Join(dir, "create.sql")
	require.NoError(t, os.WriteFile(ddl, []byte(fmt.Sprintf(wireDDL, data)), 0o644))
	srv := startServe(t, filepath.Join(dir, "state"))
	psql := psqlRunner(t, srv)

	require.Equal(t, "CREATE SOURCE\nCREATE MATERIALIZED VIEW\n", psql("-f", ddl))
	conn := srv.connect(t)
	waitQuery(t, conn, "SELECT model, n FROM v ORDER BY window_start, model",
		[]string{"a | 2", "b | 1", "a | 1", "b | 2"})

	// Extended protocol with parameters; typed results.
	rows, err := conn.Query(context.Background(),
		"SELECT window_end, model, n, max_ms FROM v WHERE n >= $1 AND model <> $2 ORDER BY window_start", int64(2), "zzz")
	require.NoError(t, err)
	type row struct {
		end   time.Time
		model string
		n     int64
		max   *float64
	}
	var got []row
	for rows.Next() {
		var r row
		require.NoError(t, rows.Scan(&r.end, &r.model, &r.n, &r.max))
		got = append(got, r)
	}
	require.NoError(t, rows.Err())
	require.Len(t, got, 2)
	require.Equal(t, time.Date(2026, 11, 9, 10, 1, 0, 0, time.UTC), got[0].end.UTC())
	require.Equal(t, "a", got[0].model)
	require.Equal(t, int64(2), got[0].n)
	require.Equal(t, 200.0, *got[0].max)
	require.Equal(t, time.Date(2026, 11, 9, 10, 2, 0, 0, time.UTC), got[1].end.UTC())
	require.Equal(t, "b", got[1].model)
	require.Equal(t, 400.0, *got[1].max) // MAX skips the NULL

	// The simple protocol decodes the same.
	simple := queryStrings(t, conn, "SELECT model, max_ms FROM v WHERE model = 'b' ORDER BY window_start", pgx.QueryExecModeSimpleProtocol)
	require.Equal(t, []string{"b | 300", "b | 400"}, simple)

	// psql, unaligned and tuples only.
	require.Equal(t, "b|2|400\na|2|200\n", psql("-At", "-c", "SELECT model, n, max_ms FROM v WHERE n = 2 ORDER BY max_ms DESC"))
	require.Contains(t, psql("-At", "-c", "SHOW VIEWS"), "v|true")

	// Errors carry SQLSTATEs and the server goes on.
	_, err = conn.Exec(context.Background(), "SELEC 1")
	require.Equal(t, "42601", sqlState(err), "%v", err)
	_, err = conn.Exec(context.Background(), "SELECT * FROM nope")
	require.Equal(t, "42P01", sqlState(err), "%v", err)
	_, err = conn.Exec(context.Background(), fmt.Sprintf(wireDDL[:strings.Index(wireDDL, ";")+1], data))
	require.Equal(t, "42P07", sqlState(err), "%v", err)
	_, err = conn.Exec(context.Background(), "DROP SOURCE m")
	require.Equal(t, "2BP01", sqlState(err), "view v depends on m: %v", err)
	require.ErrorContains(t, err, `cannot drop source "m": view v depends on it`)
	require.Equal(t, []string{"a | 2", "b | 1", "a | 1", "b | 2"}, queryStrings(t, conn, "SELECT model, n FROM v ORDER BY window_start, model"))

	require.Equal(t, exitOK, srv.stop(t))
}

// psqlRunner returns a function running psql against srv (skipping the
// test when psql is not installed) and returning its stdout.
func psqlRunner(t *testing.T, srv *testServer) func(args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql is not on PATH")
	}
	host, port, _ := strings.Cut(srv.addrs.PG, ":")
	return func(args ...string) string {
		t.Helper()
		all := append([]string{fmt.Sprintf("host=%s port=%s user=tester dbname=weir sslmode=disable", host, port), "-X", "-v", "ON_ERROR_STOP=1"}, args...)
		cmd := exec.Command(bin, all...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		require.NoError(t, cmd.Run(), "psql %v: %s", args, errb.String())
		return out.String()
	}
}

const followDDL = `CREATE SOURCE m (ts TIMESTAMP, model VARCHAR,
  WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
  WITH (connector = 'file', path = '%s', follow = 'true');
CREATE MATERIALIZED VIEW v AS
  SELECT window_start, model, COUNT(*) AS n FROM TUMBLE(m, ts, INTERVAL '1' MINUTE)
  GROUP BY window_start, window_end, model`

// TestServeSubscribeAndMetrics streams a view's emissions with SUBSCRIBE
// over pgx, cancels it, and reads /metrics and /healthz while the query runs.
func TestServeSubscribeAndMetrics(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "m.jsonl")
	appendJSONL(t, data, `{"ts":"2026-11-09T10:00:10Z","model":"a"}`)
	srv := startServe(t, filepath.Join(dir, "state"))
	conn := srv.connect(t)
	for _, stmt := range strings.Split(fmt.Sprintf(followDDL, data), ";") {
		_, err := conn.Exec(context.Background(), stmt)
		require.NoError(t, err)
	}

	sub := srv.connect(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// pgx's Query returns with the first row in the extended protocol, so
	// a reader goroutine feeds the rows to the test.
	type result struct {
		names []string
		row   string
		err   error
	}
	results := make(chan result, 16)
	go func() {
		defer close(results)
		rows, err := sub.Query(ctx, "SUBSCRIBE TO v")
		if err != nil {
			results <- result{err: err}
			return
		}
		defer rows.Close()
		var names []string
		for _, fd := range rows.FieldDescriptions() {
			names = append(names, fd.Name)
		}
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				results <- result{err: err}
				return
			}
			results <- result{names: names, row: fmt.Sprintf("%s | %v | %v | %v", vals[0].(time.Time).UTC().Format("15:04"), vals[1], vals[2], vals[3])}
		}
		results <- result{err: rows.Err()}
	}()
	next := func() result {
		t.Helper()
		select {
		case r := <-results:
			return r
		case <-time.After(15 * time.Second):
			t.Fatal("no row from SUBSCRIBE")
		}
		return result{}
	}

	// 10:01:05 closes window 10:00 (a: 2); 10:02 closes 10:01 (b: 1).
	appendJSONL(t, data, `{"ts":"2026-11-09T10:00:20Z","model":"a"}`, `{"ts":"2026-11-09T10:01:05Z","model":"b"}`)
	r := next()
	require.NoError(t, r.err)
	require.Equal(t, []string{"window_start", "model", "n", "_emit"}, r.names)
	require.Equal(t, "10:00 | a | 2 | final", r.row)
	appendJSONL(t, data, `{"ts":"2026-11-09T10:02:00Z","model":"c"}`)
	require.Equal(t, result{names: r.names, row: "10:01 | b | 1 | final"}, next())

	// Metrics while the view's query runs.
	get := func(path string) string {
		resp, err := http.Get("http://" + srv.addrs.HTTP + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return string(body)
	}
	require.Equal(t, "ok\n", get("/healthz"))
	metrics := get("/metrics")
	for _, name := range specMetricNames {
		require.Contains(t, metrics, "\nweir_"+name, "metric %s", name)
	}
	require.Contains(t, metrics, `weir_events_in_total{query="q1"} 4`)

	// Cancelling the context sends a CancelRequest: the stream ends.
	cancel()
	r = next()
	require.Error(t, r.err)
	_, open := <-results
	require.False(t, open)
	// The other sessions and the view are unaffected.
	require.Equal(t, []string{"a | 2", "b | 1"}, queryStrings(t, conn, "SELECT model, n FROM v ORDER BY window_start"))
}

// specMetricNames are SPEC.md's metric names (with the weir_ prefix
// removed), every one of which /metrics must export.
var specMetricNames = []string{
	"window_event_count",
	"windows_created_total", "windows_completed_total", "windows_pruned_total",
	"watermark_lag_seconds", "watermark_idle_partitions", "late_events_total",
	"dropped_events_total", "dead_letter_events_total", "hot_state_size_bytes",
	"warm_state_size_bytes", "state_evictions_total", "checkpoint_duration_seconds",
	"events_in_total", "rows_out_total",
}

// TestServeRestartKeepsCatalogAndViews stops a server (the SIGTERM path:
// final checkpoint) and starts another on the same state directory: the
// catalog and the view's rows are back, and the source resumes where the
// checkpoint left it (new input counted once).
func TestServeRestartKeepsCatalogAndViews(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	data := filepath.Join(dir, "m.jsonl")
	appendJSONL(t, data, `{"ts":"2026-11-09T10:00:10Z","model":"a"}`, `{"ts":"2026-11-09T10:00:20Z","model":"a"}`,
		`{"ts":"2026-11-09T10:01:05Z","model":"a"}`)
	srv := startServe(t, state)
	conn := srv.connect(t)
	for _, stmt := range strings.Split(fmt.Sprintf(followDDL, data), ";") {
		_, err := conn.Exec(context.Background(), stmt)
		require.NoError(t, err)
	}
	const q = "SELECT model, n FROM v ORDER BY window_start, model"
	waitQuery(t, conn, q, []string{"a | 2"})
	conn.Close(context.Background())
	require.Equal(t, exitOK, srv.stop(t))

	srv = startServe(t, state)
	require.Contains(t, srv.stderr.String(), "restored 2 catalog statements")
	conn = srv.connect(t)
	require.Equal(t, []string{"a | 2"}, queryStrings(t, conn, q))
	require.Equal(t, []string{"m | file | ts - 0ms"}, queryStrings(t, conn, "SHOW SOURCES"))
	// Window 10:01 holds one event from before the restart; one more
	// arrives now and 10:02 closes it: 2, not 3 (no re-read).
	appendJSONL(t, data, `{"ts":"2026-11-09T10:01:30Z","model":"a"}`, `{"ts":"2026-11-09T10:02:00Z","model":"b"}`)
	waitQuery(t, conn, q, []string{"a | 2", "a | 2"})
}

// TestServeConfig rejects unknown configuration keys by name, and flags
// override the file.
func TestServeConfig(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("server:\n  pg_adress: 127.0.0.1:1\n"), 0o644))
	var errb syncBuffer
	code := serveMain(context.Background(), []string{"--config", bad}, &errb, nil)
	require.Equal(t, exitUsage, code)
	require.Contains(t, errb.String(), "pg_adress")

	good := filepath.Join(dir, "good.yaml")
	require.NoError(t, os.WriteFile(good, []byte("server:\n  pg_addr: 127.0.0.1:1\n  http_addr: 127.0.0.1:1\ncheckpointing: { interval: 5s }\n"), 0o644))
	srv := startServe(t, filepath.Join(dir, "state"), "--config", good)
	require.NotEqual(t, "127.0.0.1:1", srv.addrs.PG, "--pg-addr overrides server.pg_addr")

	for _, name := range []string{"development.yaml", "production.yaml"} {
		var errb syncBuffer
		path := filepath.Join("..", "..", "examples", "config", name)
		code := serveMain(context.Background(), []string{"--config", path, "--state-dir", filepath.Join(dir, name), "--pg-addr", "bad address", "--http-addr", "127.0.0.1:0"}, &errb, nil)
		require.Equal(t, exitFailed, code, "%s loads and then fails only on the bad address: %s", name, errb.String())
		require.NotContains(t, errb.String(), "config")
	}
}
