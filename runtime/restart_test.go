package runtime_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/runtime"
	"github.com/weirdb/weir/sql"
)

// runToEnd executes script's statements on eng; the last one is a SELECT
// whose rows are collected. If stopAfterCheckpoint, the query is checkpointed
// once its first rows are out and then cancelled — a crash right after a
// checkpoint plus whatever it emitted since.
func runScript(t *testing.T, eng *runtime.Engine, script string, stopAfterCheckpoint bool) (*runtime.Query, []string) {
	t.Helper()
	stmts, err := sql.Parse(script)
	require.NoError(t, err)
	sink := &collectSink{}
	first := &signalSink{first: make(chan struct{})}
	var q *runtime.Query
	for _, s := range stmts {
		res, err := eng.Exec(context.Background(), s, func(schema catalog.Schema) (operators.Operator, error) {
			sink.schema = schema
			return teeSink{sink, first}, nil
		})
		require.NoError(t, err)
		if res.Query != nil {
			q = res.Query
		}
	}
	if stopAfterCheckpoint {
		select {
		case <-first.first:
		case <-time.After(20 * time.Second):
			t.Fatal("no rows within 20s")
		}
		require.NoError(t, q.Checkpoint(context.Background()))
		q.Cancel()
	}
	select {
	case <-q.Done():
	case <-time.After(60 * time.Second):
		t.Fatal("query did not stop within 60s")
	}
	require.NoError(t, q.Err())
	sink.mu.Lock()
	defer sink.mu.Unlock()
	return q, append([]string(nil), sink.rows...)
}

// TestRestartFromCheckpoint: a run stopped right after a checkpoint and
// resumed from it gives every window exactly the rows of an uninterrupted run
// (SEMANTICS.md §6); rows emitted after the checkpoint may repeat identically.
func TestRestartFromCheckpoint(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.jsonl")
	writeMetricsFile(t, path, 200_000)
	// A 200 ms delay with events up to 600 ms out of order makes some events
	// late; LATE WITHIN re-emits windows for some and drops others.
	script := fmt.Sprintf(`
CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, tokens BIGINT,
  WATERMARK FOR ts AS ts - INTERVAL '200' MILLISECOND)
  WITH (connector = 'file', path = '%s');
SELECT window_start, model, COUNT(*) AS n, SUM(tokens) AS tokens, MAX(latency_ms) AS max_latency
FROM TUMBLE(m, ts, INTERVAL '10' SECOND)
GROUP BY window_start, model
EMIT LATE WITHIN INTERVAL '100' MILLISECOND;`, path)

	_, want := runScript(t, runtime.New(runtime.Options{Config: runtime.Defaults()}), script, false)
	require.NotEmpty(t, want)

	store := runtime.NewMemoryCheckpoints()
	opts := runtime.Options{Config: runtime.Defaults(), Checkpoints: store, Fingerprint: "script-1"}
	opts.Config.Checkpointing.Interval = time.Hour // only the explicit checkpoint
	q1, before := runScript(t, runtime.New(opts), script, true)
	require.Equal(t, "cancelled", q1.State())
	require.Equal(t, 1, store.Commits)

	q2, after := runScript(t, runtime.New(opts), script, false)
	require.Equal(t, uint64(1), q2.Restored, "the second run resumed from the checkpoint")
	require.Less(t, q2.Counters.EventsIn.Load(), int64(200_000), "the second run did not read the file again from the start")

	got := dedupe(append(before, after...))
	sort.Strings(want)
	require.Equal(t, want, got)

	// The finished query keeps its final checkpoint (a kill -9 before the
	// whole run completes must not start it over); weir run clears the
	// run's state once every query has finished.
	cp, err := store.Latest("run/q1")
	require.NoError(t, err)
	require.NotNil(t, cp)

	// A checkpoint of other statements is refused.
	require.NoError(t, store.Commit(&runtime.Checkpoint{Query: "run/q1", ID: 7, Fingerprint: "other"}))
	stmts, err := sql.Parse(script)
	require.NoError(t, err)
	eng := runtime.New(opts)
	_, err = eng.Exec(context.Background(), stmts[0], nil)
	require.NoError(t, err)
	_, err = eng.Exec(context.Background(), stmts[1], func(catalog.Schema) (operators.Operator, error) { return &countSink{}, nil })
	var mismatch *runtime.ErrStateMismatch
	require.ErrorAs(t, err, &mismatch)
}

func dedupe(rows []string) []string {
	sort.Strings(rows)
	out := rows[:0]
	for i, r := range rows {
		if i == 0 || r != rows[i-1] {
			out = append(out, r)
		}
	}
	return out
}

// teeSink passes rows to two sinks.
type teeSink struct{ a, b operators.Operator }

func (t teeSink) Open(ctx *operators.Context) error { return t.a.Open(ctx) }
func (t teeSink) Process(b *coldata.Batch, out operators.Emitter) error {
	if err := t.a.Process(b, out); err != nil {
		return err
	}
	return t.b.Process(b, out)
}
func (t teeSink) OnWatermark(int64, operators.Emitter) error { return nil }
func (t teeSink) Close() error                               { return nil }
