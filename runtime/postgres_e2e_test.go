package runtime_test

import (
	"context"
	"fmt"
	"os"
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
	start := func(opts runtime.Options, stmts []sql.Statement) *runtime.Query {
		eng := runtime.New(opts)
		var q *runtime.Query
		for _, s := range stmts {
			res, err := eng.Exec(ctx, s, nil)
			require.NoError(t, err)
			q = res.Query
		}
		return q
	}
	wait := func(q *runtime.Query) {
		select {
		case <-q.Done():
		case <-time.After(60 * time.Second):
			t.Fatal("query did not finish")
		}
		require.NoError(t, q.Err())
	}

	// Uninterrupted.
	wait(start(runtime.Options{Config: runtime.Defaults()}, script(want)))

	// Interrupted: checkpoint once a third of the events are in, stop, resume.
	store := runtime.NewMemoryCheckpoints()
	opts := runtime.Options{Config: runtime.Defaults(), Checkpoints: store, Fingerprint: "pg-1"}
	opts.Config.Checkpointing.Interval = time.Hour
	stmts := script(got)
	q := start(opts, stmts)
	deadline := time.After(30 * time.Second)
	for q.Counters.EventsIn.Load() < 20_000 {
		select {
		case <-deadline:
			t.Fatal("the paced run did not reach 20,000 events within 30s")
		case <-q.Done():
			t.Fatalf("the paced run finished early: %v", q.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
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
