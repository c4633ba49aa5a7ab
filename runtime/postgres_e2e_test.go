package runtime_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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
// it, and checks that the table holds each window's final row exactly once.
func TestPostgresSinkExactlyOnce(t *testing.T) {
	url := pgURL(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	table := fmt.Sprintf("weir_e2e_%d", time.Now().UnixNano())
	defer conn.Exec(ctx, "DROP TABLE IF EXISTS "+table)

	dir := t.TempDir()
	path := filepath.Join(dir, "m.jsonl")
	writeMetricsFile(t, path, 100_000)
	script := fmt.Sprintf(`
CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, tokens BIGINT, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'file', path = '%s');
CREATE SINK per_minute AS
  SELECT window_start, window_end, model, COUNT(*) AS n, SUM(tokens) AS tokens
  FROM TUMBLE(m, ts, INTERVAL '1' MINUTE) GROUP BY window_start, window_end, model
  WITH (connector = 'postgres', url = '%s', table = '%s');`, path, url, table)
	stmts, err := sql.Parse(script)
	require.NoError(t, err)

	store := runtime.NewMemoryCheckpoints()
	opts := runtime.Options{Config: runtime.Defaults(), Checkpoints: store, Fingerprint: "pg-1"}
	opts.Config.Checkpointing.Interval = time.Hour
	start := func() *runtime.Query {
		eng := runtime.New(opts)
		var q *runtime.Query
		for _, s := range stmts {
			res, err := eng.Exec(ctx, s, nil)
			require.NoError(t, err)
			q = res.Query
		}
		return q
	}
	// First run: checkpoint once some windows are in the table, then stop.
	q := start()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int
		require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_name = $1", table).Scan(&n))
		if n == 1 {
			require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n))
		} else {
			n = 0
		}
		if n > 0 || q.Err() != nil {
			break
		}
		require.True(t, time.Now().Before(deadline), "no rows reached PostgreSQL")
		select {
		case <-q.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
	stopped := false
	if q.State() == "running" && q.Checkpoint(ctx) == nil {
		q.Cancel()
		stopped = true
	}
	<-q.Done()
	require.NoError(t, q.Err())

	// Second run resumes from the checkpoint (if the first one finished
	// before it could be stopped, it starts over: the upsert still keeps
	// one row per window and key).
	q = start()
	<-q.Done()
	require.NoError(t, q.Err())
	t.Logf("first run stopped after a checkpoint: %v; second run resumed from checkpoint %d", stopped, q.Restored)
	if stopped {
		require.Equal(t, uint64(1), q.Restored)
	}

	// Event i is at 10:00:00 + 10·i ms − (i mod 7)·100 ms (writeMetricsFile):
	// event 1 is at 09:59:59.910 and the last (i = 99,999, i mod 7 = 4) at
	// 10:16:39.590, so the minutes 09:59 … 10:16 (18 windows) each hold all
	// five models. Every event is in exactly one window: the counts sum to
	// 100,000 and no (window, model) appears twice.
	var rows, total, dupes int64
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*), sum(n) FROM "+table).Scan(&rows, &total))
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM (SELECT window_start, model FROM "+table+" GROUP BY 1, 2 HAVING count(*) > 1) d").Scan(&dupes))
	require.Equal(t, int64(100_000), total)
	require.Zero(t, dupes)
	require.Equal(t, int64(18*5), rows)
	var emit string
	require.NoError(t, conn.QueryRow(ctx, "SELECT DISTINCT _emit FROM "+table).Scan(&emit))
	require.Equal(t, "final", emit)
}
