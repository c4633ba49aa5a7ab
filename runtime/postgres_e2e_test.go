package runtime_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/runtime"
	"github.com/weirdb/weir/sql"
)

func pgURL(t *testing.T) string {
	u := os.Getenv("WEIR_TEST_PG_URL")
	if u == "" {
		t.Skip("WEIR_TEST_PG_URL is not set: skipping the PostgreSQL sink test (.ci/run sets it to the local server)")
	}
	return u
}

// TestPostgresSinkExactlyOnce runs CREATE SINK ... WITH (connector =
// 'postgres') through the engine, stops it right after a checkpoint, resumes
// it, and checks that the table equals the table of an uninterrupted run:
// each window's final row exactly once (SEMANTICS.md §6).
func TestPostgresSinkExactlyOnce(t *testing.T) {
	url := pgURL(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	suffix := time.Now().UnixNano()
	want, got := fmt.Sprintf("weir_e2e_want_%d", suffix), fmt.Sprintf("weir_e2e_got_%d", suffix)
	if os.Getenv("WEIR_KEEP_TABLES") == "" {
		defer conn.Exec(ctx, "DROP TABLE IF EXISTS "+want)
		defer conn.Exec(ctx, "DROP TABLE IF EXISTS "+got)
	}

	// The generator is paced (rate) so that the run lasts about two seconds
	// and can be stopped in the middle; the same seed gives the same events.
	script := func(table string) []sql.Statement {
		stmts, err := sql.Parse(fmt.Sprintf(`
CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, tokens BIGINT, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'datagen', kind = 'llm_metrics', seed = '11', count = '60000', rate = '30000',
        start_time = '2026-11-09T10:00:00Z', event_interval = '10ms', max_out_of_order = '500ms');
CREATE SINK per_minute AS
  SELECT window_start, window_end, model, COUNT(*) AS n, SUM(tokens) AS tokens
  FROM TUMBLE(m, ts, INTERVAL '10' SECOND) GROUP BY window_start, window_end, model
  WITH (connector = 'postgres', url = '%s', table = '%s');`, url, table))
		require.NoError(t, err)
		return stmts
	}
	start := func(opts runtime.Options, stmts []sql.Statement) *runtime.Query { return startPaced(t, opts, stmts) }
	wait := func(q *runtime.Query) { require.NoError(t, waitQuery(t, q)) }

	// Uninterrupted.
	wait(start(runtime.Options{Config: runtime.Defaults()}, script(want)))

	// Interrupted: checkpoint once a third of the events are in, stop, resume.
	store := runtime.NewMemoryCheckpoints()
	opts := runtime.Options{Config: runtime.Defaults(), Checkpoints: store, Fingerprint: "pg-1"}
	opts.Config.Checkpointing.Interval = time.Hour
	stmts := script(got)
	q := start(opts, stmts)
	waitPacedEvents(t, q, 20_000)
	require.NoError(t, q.Checkpoint(ctx))
	q.Cancel()
	wait(q)
	q = start(opts, stmts)
	wait(q)
	require.Equal(t, uint64(1), q.Restored, "the second run resumed from the checkpoint")
	require.Less(t, q.Counters.EventsIn.Load(), int64(60_000))

	var total, dupes, diff int64
	require.NoError(t, conn.QueryRow(ctx, "SELECT sum(n) FROM "+got).Scan(&total))
	require.Equal(t, int64(60_000), total, "every generated event is counted once")
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM (SELECT window_start, model FROM "+got+" GROUP BY 1, 2 HAVING count(*) > 1) d").Scan(&dupes))
	require.Zero(t, dupes)
	cols := "window_start, window_end, model, n, tokens, _emit"
	require.NoError(t, conn.QueryRow(ctx, fmt.Sprintf(
		"SELECT count(*) FROM ((SELECT %[1]s FROM %[2]s EXCEPT SELECT %[1]s FROM %[3]s) UNION ALL (SELECT %[1]s FROM %[3]s EXCEPT SELECT %[1]s FROM %[2]s)) d",
		cols, want, got)).Scan(&diff))
	require.Zero(t, diff, "the resumed run's table differs from the uninterrupted run's")
}

// failingStore fails the commit of one checkpoint id, as a crash between a
// sink's commit and the manifest's would.
type failingStore struct {
	*runtime.MemoryCheckpoints
	failID uint64
}

func (f failingStore) Commit(c *runtime.Checkpoint) error {
	if c.ID == f.failID {
		return fmt.Errorf("injected: crash before the manifest of checkpoint %d", c.ID)
	}
	return f.MemoryCheckpoints.Commit(c)
}

// TestPostgresSinkCrashBetweenSinkCommitAndManifest: the sink committed the
// rows of checkpoint 2 but the manifest of 2 never became durable. The
// restart resumes from checkpoint 1 and its next barrier lands later in the
// input than the lost one did; no row may be lost (SEMANTICS.md §6).
func TestPostgresSinkCrashBetweenSinkCommitAndManifest(t *testing.T) {
	url := pgURL(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	suffix := time.Now().UnixNano()
	want, got := fmt.Sprintf("weir_crash_want_%d", suffix), fmt.Sprintf("weir_crash_got_%d", suffix)
	defer conn.Exec(ctx, "DROP TABLE IF EXISTS "+want)
	defer conn.Exec(ctx, "DROP TABLE IF EXISTS "+got)
	sinkName := fmt.Sprintf("crash_%d", suffix)
	defer conn.Exec(ctx, "DELETE FROM weir_sink_checkpoints WHERE sink = $1", sinkName)

	script := func(table string) []sql.Statement {
		stmts, err := sql.Parse(fmt.Sprintf(`
CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, tokens BIGINT, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'datagen', kind = 'llm_metrics', seed = '5', count = '60000', rate = '30000',
        start_time = '2026-11-09T10:00:00Z', event_interval = '10ms', max_out_of_order = '500ms');
CREATE SINK %s AS
  SELECT window_start, window_end, model, COUNT(*) AS n, SUM(tokens) AS tokens
  FROM TUMBLE(m, ts, INTERVAL '10' SECOND) GROUP BY window_start, window_end, model
  WITH (connector = 'postgres', url = '%s', table = '%s');`, sinkName, url, table))
		require.NoError(t, err)
		return stmts
	}
	start := func(opts runtime.Options, stmts []sql.Statement) *runtime.Query { return startPaced(t, opts, stmts) }
	waitEvents := func(q *runtime.Query, n int64) { waitPacedEvents(t, q, n) }
	wait := func(q *runtime.Query) error { return waitQuery(t, q) }

	// Uninterrupted, into its own table (another sink name: its own bookkeeping row).
	unStmts, err := sql.Parse(strings.Replace(sql.Format(script(want)[1]), sinkName, sinkName+"_want", 1))
	require.NoError(t, err)
	require.NoError(t, wait(start(runtime.Options{Config: runtime.Defaults()}, append(script(want)[:1], unStmts...))))
	defer conn.Exec(ctx, "DELETE FROM weir_sink_checkpoints WHERE sink = $1", sinkName+"_want")

	mem := runtime.NewMemoryCheckpoints()
	opts := runtime.Options{Config: runtime.Defaults(), Checkpoints: failingStore{mem, 2}, Fingerprint: "crash-1"}
	opts.Config.Checkpointing.Interval = time.Hour
	stmts := script(got)
	q := start(opts, stmts)
	waitEvents(q, 10_000)
	require.NoError(t, q.Checkpoint(ctx)) // checkpoint 1: durable
	waitEvents(q, 20_000)
	require.Error(t, q.Checkpoint(ctx)) // checkpoint 2: the sink committed, the manifest did not
	require.Error(t, wait(q))

	// Resume from 1 and let the input run well past where barrier 2 was
	// before taking the next checkpoint.
	opts.Checkpoints = mem
	q = start(opts, stmts)
	require.Equal(t, uint64(1), q.Restored)
	waitEvents(q, 25_000)
	require.NoError(t, q.Checkpoint(ctx))
	require.NoError(t, wait(q))

	var total, diff int64
	require.NoError(t, conn.QueryRow(ctx, "SELECT sum(n) FROM "+got).Scan(&total))
	require.Equal(t, int64(60_000), total, "every generated event is counted once")
	cols := "window_start, window_end, model, n, tokens, _emit"
	require.NoError(t, conn.QueryRow(ctx, fmt.Sprintf(
		"SELECT count(*) FROM ((SELECT %[1]s FROM %[2]s EXCEPT SELECT %[1]s FROM %[3]s) UNION ALL (SELECT %[1]s FROM %[3]s EXCEPT SELECT %[1]s FROM %[2]s)) d",
		cols, want, got)).Scan(&diff))
	require.Zero(t, diff, "the table after the crash differs from the uninterrupted run's")
}

// startPaced executes stmts on a new engine and returns the query the last
// one started.
func startPaced(t *testing.T, opts runtime.Options, stmts []sql.Statement) *runtime.Query {
	t.Helper()
	eng := runtime.New(opts)
	var q *runtime.Query
	for _, s := range stmts {
		res, err := eng.Exec(context.Background(), s, nil)
		require.NoError(t, err)
		q = res.Query
	}
	return q
}

// waitPacedEvents waits until a paced (rate-limited) query has read n
// events, failing if it ends first or takes more than 30 s.
func waitPacedEvents(t *testing.T, q *runtime.Query, n int64) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for q.Counters.EventsIn.Load() < n {
		select {
		case <-deadline:
			t.Fatalf("the paced run did not reach %d events within 30s", n)
		case <-q.Done():
			t.Fatalf("the paced run finished early: %v", q.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}
