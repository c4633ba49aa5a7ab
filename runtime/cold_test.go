package runtime

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/sql"
)

// coldClock is an injected engine clock.
type coldClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *coldClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *coldClock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// syncBuffer is a stderr safe for the archiver goroutine.
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

func coldURL(t *testing.T) string {
	url := os.Getenv("WEIR_TEST_PG_URL")
	if url == "" {
		t.Skip("WEIR_TEST_PG_URL is not set: skipping the cold-tier tests (CI sets it to the local server)")
	}
	return url
}

func newColdEngine(t *testing.T, url string, clock *coldClock, stderr *syncBuffer) *Engine {
	cfg := Defaults()
	cfg.State.Cold.PostgresURL = url
	cfg.State.Cold.Retention = 24 * time.Hour
	e := New(Options{Config: cfg, Clock: clock, Stderr: stderr})
	e.cold.keepHot = 1
	return e
}

func coldExec(t *testing.T, e *Engine, text string) *Result {
	t.Helper()
	stmts, err := sql.Parse(text)
	require.NoError(t, err)
	var res *Result
	for _, s := range stmts {
		res, err = e.Exec(context.Background(), s, nil)
		require.NoError(t, err, s.Text())
	}
	return res
}

func coldRead(t *testing.T, e *Engine, text string) []string {
	t.Helper()
	res := coldExec(t, e, text)
	var out []string
	for i, row := range res.Rows {
		vals := make([]string, len(row))
		for c, v := range row {
			vals[c] = v
			if res.Nulls[i][c] {
				vals[c] = "NULL"
			}
		}
		out = append(out, strings.Join(vals, " | "))
	}
	return out
}

func waitQueries(t *testing.T, e *Engine) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for _, q := range e.Queries() {
		select {
		case <-q.Done():
		case <-deadline:
			t.Fatalf("query %s still %s", q.ID, q.State())
		}
	}
}

func coldCount(t *testing.T, url, view string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var n int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM weir_cold_rows WHERE view = $1`, view).Scan(&n))
	return n
}

// The events, with a watermark delay of 0 and end of input closing every
// 1-minute window:
//
//	[10:00, 10:01) a: 1, 2  -> n=2 total=3
//	[10:00, 10:01) b: 3     -> n=1 total=3
//	[10:01, 10:02) a: 4     -> n=1 total=4
//	[10:02, 10:03) b: 5, 6  -> n=2 total=11
const coldEvents = `{"ts":"2026-11-09T10:00:10Z","model":"a","v":1}
{"ts":"2026-11-09T10:00:20Z","model":"b","v":3}
{"ts":"2026-11-09T10:00:30Z","model":"a","v":2}
{"ts":"2026-11-09T10:01:05Z","model":"a","v":4}
{"ts":"2026-11-09T10:02:00Z","model":"b","v":5}
{"ts":"2026-11-09T10:02:30Z","model":"b","v":6}
`

func coldScript(dir, file, view string) string {
	return fmt.Sprintf(`CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, v BIGINT,
  WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
  WITH (connector = 'file', path = '%s');
CREATE MATERIALIZED VIEW %s AS
  SELECT window_start, window_end, model, COUNT(*) AS n, SUM(v) AS total
  FROM TUMBLE(m, ts, INTERVAL '1' MINUTE)
  GROUP BY window_start, window_end, model;`, filepath.Join(dir, file), view)
}

func TestColdTierArchiveReadPruneRestart(t *testing.T) {
	url := coldURL(t)
	ctx := context.Background()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "m.jsonl"), []byte(coldEvents), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "empty.jsonl"), nil, 0o644))
	view := fmt.Sprintf("cold_v_%d", time.Now().UnixNano())
	clock := &coldClock{now: time.Date(2026, 11, 9, 10, 5, 0, 0, time.UTC)}
	stderr := &syncBuffer{}

	e := newColdEngine(t, url, clock, stderr)
	coldExec(t, e, coldScript(dir, "m.jsonl", view))
	waitQueries(t, e)
	mv := e.view(view)
	require.Equal(t, 4, mv.Len())

	// One flush archives the four final rows in one statement, then keeps
	// only the most recent closed window (keepHot = 1) in memory.
	require.NoError(t, e.cold.flush(ctx))
	require.Equal(t, 4, coldCount(t, url, view))
	require.Equal(t, 1, mv.Len())

	// The read spans cold (three rows) and hot (one).
	all := []string{
		"2026-11-09T10:00:00.000Z | a | 2 | 3",
		"2026-11-09T10:00:00.000Z | b | 1 | 3",
		"2026-11-09T10:01:00.000Z | a | 1 | 4",
		"2026-11-09T10:02:00.000Z | b | 2 | 11",
	}
	q := "SELECT window_start, model, n, total FROM " + view + " ORDER BY window_start, model"
	require.Equal(t, all, coldRead(t, e, q))
	require.Equal(t, []string{"a | 3", "b | 11"},
		coldRead(t, e, "SELECT model, total FROM "+view+" WHERE n >= 2 ORDER BY total LIMIT 5"))
	require.Equal(t, []string{"b | 11"},
		coldRead(t, e, "SELECT model, total FROM "+view+" ORDER BY total DESC LIMIT 1"))

	// Hot wins per (window, key): a hot row differing from its archived
	// copy is what the read shows, and the archived copy is not repeated.
	mv.mu.Lock()
	mv.cols[mv.schema.Index("total")].I64[0] = 99
	mv.mu.Unlock()
	require.Equal(t, []string{all[0], all[1], all[2], "2026-11-09T10:02:00.000Z | b | 2 | 99"}, coldRead(t, e, q))
	mv.mu.Lock()
	mv.cols[mv.schema.Index("total")].I64[0] = 11
	mv.mu.Unlock()

	// Retention 24 h at 2026-11-10 10:01:30: the window ending 10:01 (a, b)
	// is older than 2026-11-09 10:01:30 and goes; those ending 10:02 and
	// 10:03 stay.
	clock.set(time.Date(2026, 11, 10, 10, 1, 30, 0, time.UTC))
	n, err := e.cold.prune(ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, n, int64(2))
	require.Equal(t, 2, coldCount(t, url, view))
	require.Equal(t, all[2:], coldRead(t, e, q))
	require.NoError(t, e.Close())

	// A restarted engine whose view has no hot rows (its source is empty)
	// still reads the archived windows.
	e2 := newColdEngine(t, url, clock, stderr)
	t.Cleanup(func() { e2.Close() })
	coldExec(t, e2, coldScript(dir, "empty.jsonl", view))
	waitQueries(t, e2)
	require.Zero(t, e2.view(view).Len())
	require.Equal(t, all[2:], coldRead(t, e2, q))

	// DROP VIEW deletes the archived rows.
	coldExec(t, e2, "DROP VIEW "+view)
	require.Zero(t, coldCount(t, url, view))
	require.NotContains(t, stderr.String(), "cold tier:")
}

func TestColdTierErrorsSurface(t *testing.T) {
	coldURL(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "m.jsonl"), []byte(coldEvents), 0o644))
	clock := &coldClock{now: time.Date(2026, 11, 9, 10, 5, 0, 0, time.UTC)}
	stderr := &syncBuffer{}
	// Nothing listens on port 1.
	e := newColdEngine(t, "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2", clock, stderr)
	coldExec(t, e, coldScript(dir, "m.jsonl", "cold_err"))
	waitQueries(t, e)

	// A flush fails and keeps the rows queued (and in memory).
	err := e.cold.flush(context.Background())
	require.ErrorContains(t, err, "connect: ")
	mv := e.view("cold_err")
	require.Equal(t, 4, mv.Len())
	mv.mu.RLock()
	require.Equal(t, 4, mv.cold.pending.Len)
	mv.mu.RUnlock()

	// A read fails with the error rather than showing hot rows only.
	stmts, perr := sql.Parse("SELECT * FROM cold_err")
	require.NoError(t, perr)
	_, err = e.Exec(context.Background(), stmts[0], nil)
	require.ErrorContains(t, err, "reading view cold_err from the cold tier: connect: ")

	// The archiver reports on stderr and SHOW QUERIES shows it on the
	// view's query (while it runs: this one has finished, so the check is
	// on queryState of a running stand-in below).
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stderr.String(), "weir: cold tier: connect: ") {
		require.True(t, time.Now().Before(deadline), "no cold-tier error on stderr: %q", stderr.String())
		select {
		case <-time.After(20 * time.Millisecond):
		}
	}
	require.Contains(t, stderr.String(), "(retrying with backoff)")
	q := mv.query
	q.mu.Lock()
	q.state = "running"
	q.mu.Unlock()
	require.Contains(t, e.queryState(q), "running (cold tier failing: connect: ")
	require.ErrorContains(t, e.Close(), "cold tier: last archive")
	require.NotContains(t, e.Close().Error(), "runtime:")
}

// TestWindowEventCountMetric: the view above fires four windows with 2,
// 1, 1 and 2 events, so weir_window_event_count has count 4, sum 6, two
// observations ≤ 1 and four ≤ 2 (and ≤ every larger bound).
func TestWindowEventCountMetric(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "m.jsonl"), []byte(coldEvents), 0o644))
	e := New(Options{Stderr: &syncBuffer{}})
	defer e.Close()
	coldExec(t, e, coldScript(dir, "m.jsonl", "counted"))
	waitQueries(t, e)
	mfs, err := e.Registry().Gather()
	require.NoError(t, err)
	var h *dto.Histogram
	for _, mf := range mfs {
		if mf.GetName() == "weir_window_event_count" {
			require.Len(t, mf.Metric, 1)
			h = mf.Metric[0].GetHistogram()
		}
	}
	require.NotNil(t, h, "weir_window_event_count not exported")
	require.EqualValues(t, 4, h.GetSampleCount())
	require.EqualValues(t, 6, h.GetSampleSum())
	got := map[float64]uint64{}
	for _, b := range h.Bucket {
		got[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	require.EqualValues(t, 2, got[1])
	require.EqualValues(t, 4, got[2])
	require.EqualValues(t, 4, got[4])
	require.EqualValues(t, 4, got[1<<24])
}
