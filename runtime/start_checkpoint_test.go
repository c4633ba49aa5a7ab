package runtime_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/runtime"
	"github.com/weirdb/weir/sql"
)

// TestFileSinkCheckpointsAtStart: a file sink's query takes its first
// checkpoint as soon as it starts, not an interval (here an hour) later,
// so a crash in the first interval resumes with the file's size to
// truncate back to instead of starting over and repeating its rows. A
// query without such a sink waits for the interval. Checkpoint requests
// made while a checkpoint is in progress are taken after it, not refused.
func TestFileSinkCheckpointsAtStart(t *testing.T) {
	dir := t.TempDir()
	store := runtime.NewMemoryCheckpoints()
	opts := runtime.Options{Config: runtime.Defaults(), Checkpoints: store, Fingerprint: "start-1"}
	opts.Config.Checkpointing.Interval = time.Hour
	stmts, err := sql.Parse(fmt.Sprintf(`
CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'datagen', kind = 'llm_metrics', seed = '3', rate = '2000', start_time = '2026-11-09T10:00:00Z');
CREATE SINK out AS SELECT window_start, model, COUNT(*) AS n FROM TUMBLE(m, ts, INTERVAL '1' SECOND)
  GROUP BY window_start, model WITH (connector = 'file', path = '%s');
CREATE MATERIALIZED VIEW v AS SELECT window_start, model, COUNT(*) AS n FROM TUMBLE(m, ts, INTERVAL '1' SECOND)
  GROUP BY window_start, model;`, filepath.Join(dir, "out.jsonl")))
	require.NoError(t, err)
	eng := runtime.New(opts)
	defer eng.Close()
	for _, s := range stmts {
		_, err := eng.Exec(context.Background(), s, nil)
		require.NoError(t, err)
	}
	qs := eng.Queries() // q1: the sink's, q2: the view's
	require.Len(t, qs, 2)
	sink, view := qs[0], qs[1]
	require.Equal(t, []string{"q1", "q2"}, []string{sink.ID, view.ID})
	waitFor(t, "the sink's first checkpoint", func() bool {
		cp, err := store.Latest("sink/out")
		require.NoError(t, err)
		return cp != nil
	})
	cp, err := store.Latest("view/v")
	require.NoError(t, err)
	require.Nil(t, cp, "a view without such a sink waits for the interval")

	// Two requests at once: the second comes while the first is in
	// progress and is taken after it.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- view.Checkpoint(ctx) }()
	}
	require.NoError(t, <-errs)
	require.NoError(t, <-errs)
	require.NoError(t, sink.Checkpoint(ctx))
	cp, err = store.Latest("view/v")
	require.NoError(t, err)
	require.NotNil(t, cp)
}
