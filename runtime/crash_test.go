package runtime_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/runtime"
	"github.com/weirdb/weir/sql"
	"github.com/weirdb/weir/storage"
)

// TestCrashAtManyPoints is SEMANTICS.md §6 in process: the state directory
// lives on Pebble's crashable in-memory filesystem; while a query runs with
// checkpoints every few milliseconds, the filesystem is cloned as a crash
// would leave it (only synced data, or some random part of the unsynced
// data) at many moments. For each clone a new engine resumes the query from
// whatever checkpoint survived, and the rows emitted before the crash plus
// the resumed run's rows must be exactly the uninterrupted run's rows
// (duplicates allowed only as identical rows).
func TestCrashAtManyPoints(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.jsonl")
	writeMetricsFile(t, path, 200_000)
	script := fmt.Sprintf(`
CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, tokens BIGINT,
  WATERMARK FOR ts AS ts - INTERVAL '200' MILLISECOND)
  WITH (connector = 'file', path = '%s');
SELECT window_start, model, COUNT(*) AS n, SUM(tokens) AS tokens, MAX(latency_ms) AS max_latency
FROM TUMBLE(m, ts, INTERVAL '10' SECOND)
GROUP BY window_start, model
EMIT LATE WITHIN INTERVAL '100' MILLISECOND;`, path)
	stmts, err := sql.Parse(script)
	require.NoError(t, err)

	run := func(st *storage.Store, onRow func(int)) (*runtime.Query, *collectSink) {
		opts := runtime.Options{Config: runtime.Defaults(), Storage: st, Fingerprint: "crash-test", Stderr: io.Discard}
		opts.Config.Checkpointing.Interval = 3 * time.Millisecond
		eng := runtime.New(opts)
		t.Cleanup(func() { eng.Close() })
		sink := &collectSink{}
		var q *runtime.Query
		for _, s := range stmts {
			res, err := eng.Exec(context.Background(), s, func(schema catalog.Schema) (operators.Operator, error) {
				sink.schema = schema
				return sink, nil
			})
			require.NoError(t, err)
			q = res.Query
		}
		return q, sink
	}
	wait := func(q *runtime.Query) {
		select {
		case <-q.Done():
		case <-time.After(60 * time.Second):
			t.Fatal("query did not finish")
		}
		require.NoError(t, q.Err())
	}

	fs := vfs.NewCrashableMem()
	st, err := storage.Open("/state", storage.Options{FS: fs})
	require.NoError(t, err)
	q, sink := run(st, nil)

	// Crash clones at many moments of the run.
	type crash struct {
		fs     *vfs.MemFS
		before int // rows emitted before the crash
	}
	var crashes []crash
	rng := rand.New(rand.NewPCG(1, 2))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-q.Done():
				return
			case <-time.After(2 * time.Millisecond):
			}
			sink.mu.Lock()
			before := len(sink.rows)
			sink.mu.Unlock()
			pct := 0
			if len(crashes)%2 == 1 {
				pct = rng.IntN(101)
			}
			crashes = append(crashes, crash{fs: fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: pct, RNG: rng}), before: before})
		}
	}()
	wait(q)
	wg.Wait()
	want := append([]string(nil), sink.rows...)
	require.NoError(t, st.Close())
	require.GreaterOrEqual(t, len(crashes), 5, "the run was too short to crash it in several places")
	sorted := append([]string(nil), want...)
	sort.Strings(sorted)

	resumed := 0
	for i, c := range crashes {
		st, err := storage.Open("/state", storage.Options{FS: c.fs})
		require.NoError(t, err, "crash %d: the state directory does not open", i)
		q, sink := run(st, nil)
		wait(q)
		if q.Restored > 0 {
			resumed++
		}
		got := dedupe(append(append([]string(nil), want[:c.before]...), sink.rows...))
		require.Equal(t, sorted, got, "crash %d (after %d rows, resumed from checkpoint %d)", i, c.before, q.Restored)
		require.NoError(t, st.Close())
	}
	require.Greater(t, resumed, 0, "no crash left a checkpoint to resume from")
	t.Logf("%d crash points, %d resumed from a checkpoint", len(crashes), resumed)
}
