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
	"github.com/weirdb/weir/storage"
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
	mu    sync.Mutex
	b     bytes.Buffer
	wrote chan struct{} // closed by the next Write (nil until waited on)
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wrote != nil {
		close(s.wrote)
		s.wrote = nil
	}
	return s.b.Write(p)
}

// waitContains waits until the buffer holds sub, looking again after each
// Write, and fails t if it does not within d.
func (s *syncBuffer) waitContains(t *testing.T, sub string, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		s.mu.Lock()
		has := strings.Contains(s.b.String(), sub)
		if s.wrote == nil {
			s.wrote = make(chan struct{})
		}
		wrote := s.wrote
		s.mu.Unlock()
		if has {
			return
		}
		select {
		case <-wrote:
		case <-deadline:
			t.Fatalf("no %q after %s in: %q", sub, d, s.String())
		}
	}
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
	return newColdServer(t, url, clock, stderr, nil)
}

// newColdServer is newColdEngine with st (when not nil) as its state
// directory and persisted catalog, as `weir serve` runs.
func newColdServer(t *testing.T, url string, clock *coldClock, stderr *syncBuffer, st *storage.Store) *Engine {
	cfg := Defaults()
	cfg.State.Cold.PostgresURL = url
	cfg.State.Cold.Retention = 24 * time.Hour
	opts := Options{Config: cfg, Clock: clock, Stderr: stderr}
	if st != nil {
		opts.Storage, opts.Catalog = st, st
	}
	e := New(opts)
	e.cold.keepHot = 1
	return e
}

// openState opens the state directory dir.
func openState(t *testing.T, dir string) *storage.Store {
	t.Helper()
	st, err := storage.Open(dir, storage.Options{})
	require.NoError(t, err)
	return st
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

// coldCount counts the archived rows of view, of every archive.
func coldCount(t *testing.T, url, view string) int {
	return coldCountWhere(t, url, "view = $1", view)
}

// coldCountID counts the rows of one archive.
func coldCountID(t *testing.T, url, id string) int {
	return coldCountWhere(t, url, "archive_id = $1", id)
}

func coldCountWhere(t *testing.T, url, where, arg string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var n int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM weir_cold_rows WHERE `+where, arg).Scan(&n))
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

// coldFixture is the cold-tier tests' common setup: a directory holding
// m.jsonl (coldEvents) and an empty empty.jsonl, a clock at 10:05 and a
// buffer for stderr.
func coldFixture(t *testing.T) (dir string, clock *coldClock, stderr *syncBuffer) {
	dir = t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "m.jsonl"), []byte(coldEvents), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "empty.jsonl"), nil, 0o644))
	return dir, &coldClock{now: time.Date(2026, 11, 9, 10, 5, 0, 0, time.UTC)}, &syncBuffer{}
}

// TestColdTierArchiveReadPruneRestart: a view archives its closed
// windows, reads hot and cold together, prunes past the retention, and —
// restarted with the same state directory, as `weir serve` restarts —
// finds its archive again under the identity recorded there.
func TestColdTierArchiveReadPruneRestart(t *testing.T) {
	url := coldURL(t)
	ctx := context.Background()
	dir, clock, stderr := coldFixture(t)
	view := fmt.Sprintf("cold_v_%d", time.Now().UnixNano())

	st, e := startColdView(t, url, dir, clock, stderr, "m.jsonl", view)
	mv := e.view(view)
	require.Equal(t, 4, mv.Len())
	id := mv.cold.id
	require.NotEmpty(t, id)

	// One flush archives the four final rows in one statement, then keeps
	// only the most recent closed window (keepHot = 1) in memory.
	require.NoError(t, e.cold.flush(ctx))
	require.Equal(t, 4, coldCountID(t, url, id))
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
	require.Equal(t, int64(2), n)
	require.Equal(t, 2, coldCountID(t, url, id))
	require.Equal(t, all[2:], coldRead(t, e, q))
	require.NoError(t, e.Close())
	require.NoError(t, st.Close())

	// A restart with the same state directory restores the view (its hot
	// rows from the final checkpoint, taken when its input ended: all four,
	// queued again) under the same archive identity. Once they are archived
	// again and evicted, the read still shows all four: three from the
	// archive the view found again.
	st = openState(t, filepath.Join(dir, "state"))
	t.Cleanup(func() { st.Close() })
	e2 := newColdServer(t, url, clock, stderr, st)
	t.Cleanup(func() { e2.Close() })
	restored, err := e2.Restore(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, restored)
	waitQueries(t, e2)
	mv2 := e2.view(view)
	require.Equal(t, id, mv2.cold.id)
	require.NoError(t, e2.cold.flush(ctx))
	require.Equal(t, 1, mv2.Len())
	require.Equal(t, 4, coldCountID(t, url, id))
	require.Equal(t, all, coldRead(t, e2, q))

	// DROP VIEW deletes the archived rows and forgets the identity: the
	// view created again under the same name starts from an empty archive.
	coldExec(t, e2, "DROP VIEW "+view)
	require.Zero(t, coldCountID(t, url, id))
	rec, err := StoreCheckpoints{S: st}.Latest(coldIDKey(view))
	require.NoError(t, err)
	require.Nil(t, rec, "the identity record is deleted with the view")
	script := coldScript(dir, "m.jsonl", view)
	coldExec(t, e2, script[strings.Index(script, "CREATE MATERIALIZED VIEW"):])
	waitQueries(t, e2)
	newID := e2.view(view).cold.id
	require.NotEqual(t, id, newID)
	require.Equal(t, all, coldRead(t, e2, q), "its own rows, once each")
	require.NoError(t, e2.cold.flush(ctx))
	require.Equal(t, 4, coldCountID(t, url, newID))
	coldExec(t, e2, "DROP VIEW "+view)
	require.Zero(t, coldCount(t, url, view))
	require.NotContains(t, stderr.String(), "cold tier:")
}

// TestColdTierArchivesAreOwnedByTheirServer: two servers sharing one
// PostgreSQL — or one server whose state directory was wiped and the
// server it was — each have their own archive for a view of the same name:
// a new view does not read the old rows, and pruning by one server leaves
// the other's rows.
func TestColdTierArchivesAreOwnedByTheirServer(t *testing.T) {
	url := coldURL(t)
	ctx := context.Background()
	dir, clock, stderr := coldFixture(t)
	view := fmt.Sprintf("cold_own_%d", time.Now().UnixNano())

	stA := openState(t, filepath.Join(dir, "a"))
	t.Cleanup(func() { stA.Close() })
	a := newColdServer(t, url, clock, stderr, stA)
	t.Cleanup(func() { a.Close() })
	coldExec(t, a, coldScript(dir, "m.jsonl", view))
	waitQueries(t, a)
	require.NoError(t, a.cold.flush(ctx))
	idA := a.view(view).cold.id
	require.Equal(t, 4, coldCountID(t, url, idA))
	t.Cleanup(func() { coldExec(t, a, "DROP VIEW "+view) })

	// Server B (another state directory: a second server, or A's wiped)
	// has the same view name over an empty source: it reads nothing.
	stB := openState(t, filepath.Join(dir, "b"))
	t.Cleanup(func() { stB.Close() })
	b := newColdServer(t, url, clock, stderr, stB)
	t.Cleanup(func() { b.Close() })
	coldExec(t, b, coldScript(dir, "empty.jsonl", view))
	waitQueries(t, b)
	require.NotEqual(t, idA, b.view(view).cold.id)
	require.Empty(t, coldRead(t, b, "SELECT * FROM "+view))

	// B prunes at a clock past every window's retention: A's rows stay.
	clock.set(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	n, err := b.cold.prune(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
	require.Equal(t, 4, coldCountID(t, url, idA))
	// B's DROP VIEW leaves A's rows too.
	coldExec(t, b, "DROP VIEW "+view)
	require.Equal(t, 4, coldCountID(t, url, idA))
	require.NotContains(t, stderr.String(), "cold tier:")
}

// TestColdTierAdoptsRowsOfAnOlderWeir: a view restored from the persisted
// catalog of a weir that had no archive identities (no identity record)
// takes over the rows archived under its name with an empty archive_id.
func TestColdTierAdoptsRowsOfAnOlderWeir(t *testing.T) {
	url := coldURL(t)
	ctx := context.Background()
	dir, clock, stderr := coldFixture(t)
	view := fmt.Sprintf("cold_old_%d", time.Now().UnixNano())

	leaveOlderWeirArchive(t, url, dir, clock, stderr, view)

	st := openState(t, filepath.Join(dir, "state"))
	t.Cleanup(func() { st.Close() })
	e2 := newColdServer(t, url, clock, stderr, st)
	t.Cleanup(func() { e2.Close() })
	_, err := e2.Restore(ctx)
	require.NoError(t, err)
	waitQueries(t, e2)
	q := "SELECT window_start, model, n, total FROM " + view
	require.Equal(t, []string{"2026-11-09T10:00:00.000Z | a | 5 | 50"}, coldRead(t, e2, q))
	require.Contains(t, stderr.String(), "weir: cold tier: view "+view+" takes over 1 rows archived by an older weir")
	coldExec(t, e2, "DROP VIEW "+view)
	require.Zero(t, coldCount(t, url, view))
}

func TestColdTierErrorsSurface(t *testing.T) {
	coldURL(t)
	dir, clock, stderr := coldFixture(t)
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
	stderr.waitContains(t, "weir: cold tier: connect: ", 20*time.Second)
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

// TestColdTierDropWhilePostgresIsDown: DROP VIEW succeeds while the cold
// tier cannot be reached: the view's identity is forgotten (so no view
// reads its rows again) and stderr says how to delete the rows left.
func TestColdTierDropWhilePostgresIsDown(t *testing.T) {
	coldURL(t)
	dir, clock, stderr := coldFixture(t)
	st := openState(t, filepath.Join(dir, "state"))
	t.Cleanup(func() { st.Close() })
	// Nothing listens on port 1.
	e := newColdServer(t, "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2", clock, stderr, st)
	t.Cleanup(func() { e.Close() })
	coldExec(t, e, coldScript(dir, "empty.jsonl", "cold_down"))
	waitQueries(t, e)
	id := e.view("cold_down").cold.id
	coldExec(t, e, "DROP VIEW cold_down")
	rec, err := StoreCheckpoints{S: st}.Latest(coldIDKey("cold_down"))
	require.NoError(t, err)
	require.Nil(t, rec)
	require.Contains(t, stderr.String(), "weir: cold tier: dropping view cold_down: its archived rows stay in PostgreSQL, read by no view (connect: ")
	require.Contains(t, stderr.String(), "delete them with DELETE FROM weir_cold_rows WHERE archive_id = '"+id+"'")
}

// TestStateExpiredMetric: weir_state_expired_total{query} counts the warm
// entries of the query's tier (storage.TierKey.Query "view/<name>" for a
// view) that state.warm.ttl expired; a query without expiries shows 0.
func TestStateExpiredMetric(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "m.jsonl"), []byte(coldEvents), 0o644))
	clock := &coldClock{now: time.Date(2026, 11, 9, 10, 0, 0, 0, time.UTC)}
	st, err := storage.Open(filepath.Join(dir, "state"), storage.Options{WarmTTL: time.Hour, Now: clock.Now})
	require.NoError(t, err)
	defer st.Close()
	stderr := &syncBuffer{}
	st.Metrics().SetExpiryLog(stderr)
	e := New(Options{Config: Defaults(), Stderr: stderr, Storage: st})
	defer e.Close()
	coldExec(t, e, coldScript(dir, "m.jsonl", "expiring"))
	coldExec(t, e, "CREATE MATERIALIZED VIEW other AS SELECT window_start, window_end, COUNT(*) AS n FROM TUMBLE(m, ts, INTERVAL '1' MINUTE) GROUP BY window_start, window_end;")
	waitQueries(t, e)

	// Two entries of the view's warm tier, spilled at 10:00, read at 11:01.
	require.Equal(t, "view/expiring", e.view("expiring").query.tierQuery())
	tier, err := st.Tier(storage.TierKey{Query: "view/expiring", Operator: 99}, 1)
	require.NoError(t, err)
	defer tier.Close()
	require.NoError(t, tier.Put([]byte("k1"), []byte("v")))
	require.NoError(t, tier.Put([]byte("k2"), []byte("v")))
	clock.set(clock.Now().Add(61 * time.Minute))
	require.NoError(t, tier.Scan(nil, nil, func(k, v []byte) error { return nil }))

	mfs, err := e.Registry().Gather()
	require.NoError(t, err)
	got := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() == "weir_state_expired_total" {
			for _, m := range mf.Metric {
				got[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
			}
		}
	}
	require.Equal(t, map[string]float64{e.view("expiring").query.ID: 2, e.view("other").query.ID: 0}, got)
	require.Contains(t, stderr.String(), "weir: query view/expiring: 1 spilled state entries expired after state.warm.ttl (1h0m0s)")
}

// TestColdTierNewStatementStartsNewArchive: a view that failed to restore
// at startup (its source's statement failed, and no checkpoint of its
// query was taken before the stop) stays listed as failed; DROP VIEW
// deletes the rows its query archived (though the failed view never looked
// up its archive), and the view created again under the same name with
// another query does not read them: it starts a new archive, and the
// identity record names it with the new statement's fingerprint.
func TestColdTierNewStatementStartsNewArchive(t *testing.T) {
	url := coldURL(t)
	ctx := context.Background()
	dir, clock, stderr := coldFixture(t)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "m2.jsonl"),
		[]byte(`{"ts":"2026-11-09T10:05:10Z","model":"c","v":7}`+"\n"), 0o644))
	view := fmt.Sprintf("cold_new_%d", time.Now().UnixNano())

	st, e := startColdView(t, url, dir, clock, stderr, "m.jsonl", view)
	require.NoError(t, e.cold.flush(ctx))
	oldID := e.view(view).cold.id
	require.Equal(t, 4, coldCountID(t, url, oldID))
	rec, err := StoreCheckpoints{S: st}.Latest(coldIDKey(view))
	require.NoError(t, err)
	require.Equal(t, statementFingerprint(e.cat.View(view).SQL), rec.Fingerprint, "the record carries the statement's fingerprint")
	require.NoError(t, e.Close())
	// What a stop before the view's first checkpoint and a source that
	// fails to restore leave: no checkpoint of the view's query, and a
	// persisted catalog whose view statement fails (unknown source m).
	require.NoError(t, StoreCheckpoints{S: st}.Delete("view/"+strings.ToLower(view)))
	require.NoError(t, st.DeleteStatement("m"))
	require.NoError(t, st.Close())

	st = openState(t, filepath.Join(dir, "state"))
	t.Cleanup(func() { st.Close() })
	e2 := newColdServer(t, url, clock, stderr, st)
	t.Cleanup(func() { e2.Close() })
	_, err = e2.Restore(ctx)
	require.ErrorContains(t, err, "restoring "+view)
	require.NotNil(t, e2.cat.View(view), "a view that failed to restore stays listed")
	coldExec(t, e2, "DROP VIEW "+view+";")
	require.Nil(t, e2.view(view))
	require.Zero(t, coldCountID(t, url, oldID), "DROP VIEW deletes the former archive")

	// Created again with another query (MAX instead of SUM) over one event.
	coldExec(t, e2, fmt.Sprintf(`CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, v BIGINT,
  WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
  WITH (connector = 'file', path = '%s');
CREATE MATERIALIZED VIEW %s AS
  SELECT window_start, window_end, model, COUNT(*) AS n, MAX(v) AS total
  FROM TUMBLE(m, ts, INTERVAL '1' MINUTE)
  GROUP BY window_start, window_end, model;`, filepath.Join(dir, "m2.jsonl"), view))
	waitQueries(t, e2)
	mv := e2.view(view)
	newID := mv.cold.id
	require.NotEqual(t, oldID, newID)
	q := "SELECT window_start, model, n, total FROM " + view + " ORDER BY window_start, model"
	require.Equal(t, []string{"2026-11-09T10:05:00.000Z | c | 1 | 7"}, coldRead(t, e2, q), "none of the former query's rows")
	require.Zero(t, coldCountID(t, url, oldID), "the former archive stays deleted")
	rec, err = StoreCheckpoints{S: st}.Latest(coldIDKey(view))
	require.NoError(t, err)
	require.Equal(t, newID, string(rec.Blobs[coldIDBlob]))
	require.Equal(t, statementFingerprint(e2.cat.View(view).SQL), rec.Fingerprint)

	// The new archive is the view's from now on: archived and evicted
	// (keepHot = 1 keeps the one window), its row reads from it.
	require.NoError(t, e2.cold.flush(ctx))
	require.Equal(t, 1, coldCountID(t, url, newID))
	require.Equal(t, []string{"2026-11-09T10:05:00.000Z | c | 1 | 7"}, coldRead(t, e2, q))
	coldExec(t, e2, "DROP VIEW "+view)
	require.Zero(t, coldCount(t, url, view))
}

// TestColdTierOlderRecordAdopted: an identity record without a
// fingerprint (made by a weir before fingerprints) is the view's: the
// restored view reads its archive, and the record gets the fingerprint.
func TestColdTierOlderRecordAdopted(t *testing.T) {
	url := coldURL(t)
	ctx := context.Background()
	dir, clock, stderr := coldFixture(t)
	view := fmt.Sprintf("cold_rec_%d", time.Now().UnixNano())

	st, e := startColdView(t, url, dir, clock, stderr, "m.jsonl", view)
	require.NoError(t, e.cold.flush(ctx))
	id := e.view(view).cold.id
	fingerprint := statementFingerprint(e.cat.View(view).SQL)
	require.NoError(t, e.Close())
	// The record an older weir wrote: the archive id, no fingerprint.
	sc := StoreCheckpoints{S: st}
	rec, err := sc.Latest(coldIDKey(view))
	require.NoError(t, err)
	require.NoError(t, sc.Commit(&Checkpoint{Query: coldIDKey(view), ID: rec.ID + 1, Blobs: map[string][]byte{coldIDBlob: []byte(id)}}))
	require.NoError(t, st.Close())

	st = openState(t, filepath.Join(dir, "state"))
	t.Cleanup(func() { st.Close() })
	e2 := newColdServer(t, url, clock, stderr, st)
	t.Cleanup(func() { e2.Close() })
	restored, err := e2.Restore(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, restored)
	waitQueries(t, e2)
	require.Equal(t, id, e2.view(view).cold.id)
	require.NoError(t, e2.cold.flush(ctx))
	require.Equal(t, 4, coldCountID(t, url, id))
	require.Len(t, coldRead(t, e2, "SELECT * FROM "+view), 4)
	rec, err = StoreCheckpoints{S: st}.Latest(coldIDKey(view))
	require.NoError(t, err)
	require.Equal(t, id, string(rec.Blobs[coldIDBlob]))
	require.Equal(t, fingerprint, rec.Fingerprint)
	coldExec(t, e2, "DROP VIEW "+view)
	require.Zero(t, coldCount(t, url, view))
	require.NotContains(t, stderr.String(), "cold tier:")
}

// TestColdTierDropWithFormerArchivePending: a view created again with
// another statement while its former query's checkpoint remains is
// refused (ErrStateMismatch) and leaves the former archive's record as it
// was; once it starts, DROP VIEW while PostgreSQL is down (so that the
// former archive's rows are not deleted yet) names both archives in the
// DELETE that stderr suggests.
func TestColdTierDropWithFormerArchivePending(t *testing.T) {
	coldURL(t)
	dir, clock, stderr := coldFixture(t)
	st := openState(t, filepath.Join(dir, "state"))
	t.Cleanup(func() { st.Close() })
	// Nothing listens on port 1.
	const down = "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2"
	e := newColdServer(t, down, clock, stderr, st)
	coldExec(t, e, coldScript(dir, "empty.jsonl", "cold_twice"))
	waitQueries(t, e)
	formerID := e.view("cold_twice").cold.id
	e.Close()

	e2 := newColdServer(t, down, clock, stderr, st)
	t.Cleanup(func() { e2.Close() })
	script := coldScript(dir, "empty.jsonl", "cold_twice")
	source, view, _ := strings.Cut(strings.Replace(script, "SUM(v) AS total", "MAX(v) AS total", 1), ";\n")
	coldExec(t, e2, source)
	// While the former query's checkpoint remains, the new statement is
	// refused, and the identity record still names the former archive.
	stmts, err := sql.Parse(view)
	require.NoError(t, err)
	_, err = e2.Exec(context.Background(), stmts[0], nil)
	var mismatch *ErrStateMismatch
	require.ErrorAs(t, err, &mismatch)
	rec, err := StoreCheckpoints{S: st}.Latest(coldIDKey("cold_twice"))
	require.NoError(t, err)
	require.Equal(t, formerID, string(rec.Blobs[coldIDBlob]))
	// Without it (a stop before the first checkpoint), the view starts.
	require.NoError(t, StoreCheckpoints{S: st}.Delete("view/cold_twice"))
	coldExec(t, e2, view)
	waitQueries(t, e2)
	id := e2.view("cold_twice").cold.id
	require.NotEqual(t, formerID, id)
	coldExec(t, e2, "DROP VIEW cold_twice")
	rec, err = StoreCheckpoints{S: st}.Latest(coldIDKey("cold_twice"))
	require.NoError(t, err)
	require.Nil(t, rec)
	require.Contains(t, stderr.String(), "delete them with DELETE FROM weir_cold_rows WHERE archive_id IN ('"+id+"', '"+formerID+"')")
}

// leaveOlderWeirArchive runs view once in the state directory under dir,
// then makes it what a weir without archive identities left: no identity
// record, and one archived row (window 10:00–10:01, key a, n 5, total 50)
// under the view's name with an empty archive_id.
func leaveOlderWeirArchive(t *testing.T, url, dir string, clock *coldClock, stderr *syncBuffer, view string) {
	t.Helper()
	ctx := context.Background()
	st, e := startColdView(t, url, dir, clock, stderr, "empty.jsonl", view)
	require.NoError(t, e.Close())
	require.NoError(t, StoreCheckpoints{S: st}.Delete(coldIDKey(view)))
	require.NoError(t, st.Close())
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `INSERT INTO weir_cold_rows (archive_id, view, window_start, window_end, key, row, archived_at) `+
		`VALUES ('', $1, '2026-11-09T10:00:00Z', '2026-11-09T10:01:00Z', '["a"]', `+
		`'{"window_start":1794218400000,"window_end":1794218460000,"model":"a","n":5,"total":50}', now())`, view)
	require.NoError(t, err)
}

// startColdView opens the state directory under dir, starts an engine with
// the cold tier on it and creates view over the source file, then waits
// until its query has read the file.
func startColdView(t *testing.T, url, dir string, clock *coldClock, stderr *syncBuffer, file, view string) (*storage.Store, *Engine) {
	t.Helper()
	st := openState(t, filepath.Join(dir, "state"))
	e := newColdServer(t, url, clock, stderr, st)
	coldExec(t, e, coldScript(dir, file, view))
	waitQueries(t, e)
	return st, e
}
