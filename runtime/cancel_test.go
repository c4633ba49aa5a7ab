package runtime_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/runtime"
	"github.com/weirdb/weir/sql"
)

// TestCancelStopsEveryGoroutine runs unbounded queries (a tailed file and
// an endless generator), cancels them, and checks that no goroutine is left.
func TestCancelStopsEveryGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "m.jsonl")
	writeMetricsFile(t, path, 10_000)
	script := fmt.Sprintf(`
CREATE SOURCE tail (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'file', path = '%s', follow = 'true');
CREATE SOURCE gen (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'datagen', kind = 'llm_metrics', seed = '3', rate = '0', start_time = '2026-11-09T10:00:00Z');
SELECT window_start, model, COUNT(*) AS n FROM TUMBLE(tail, ts, INTERVAL '1' MINUTE) GROUP BY window_start, model;
SELECT window_start, model, COUNT(*) AS n FROM TUMBLE(gen, ts, INTERVAL '1' MINUTE) GROUP BY window_start, model;`, path)
	stmts, err := sql.Parse(script)
	require.NoError(t, err)
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	ctx, cancel := context.WithCancel(context.Background())
	var queries []*runtime.Query
	var sinks []*signalSink
	for _, s := range stmts {
		sink := &signalSink{first: make(chan struct{})}
		res, err := eng.Exec(ctx, s, func(catalog.Schema) (operators.Operator, error) {
			sinks = append(sinks, sink)
			return sink, nil
		})
		require.NoError(t, err)
		if res.Query != nil {
			queries = append(queries, res.Query)
		}
	}
	require.Len(t, queries, 2)
	// Wait until both queries have closed a window (the tailed file spans
	// 100 s of event time; the generator never ends), then cancel.
	for i, q := range queries {
		select {
		case <-sinks[i].first:
		case <-q.Done():
			t.Fatalf("unbounded query %s stopped: %v", q.ID, q.Err())
		case <-time.After(20 * time.Second):
			t.Fatalf("query %s emitted nothing within 20s", q.ID)
		}
	}
	cancel()
	for _, q := range queries {
		select {
		case <-q.Done():
		case <-time.After(10 * time.Second):
			t.Fatalf("query %s did not stop after cancel", q.ID)
		}
		require.NoError(t, q.Err())
		require.Equal(t, "cancelled", q.State())
	}
	require.NoError(t, eng.Close())
}

// signalSink closes first when it receives its first rows.
type signalSink struct {
	first chan struct{}
	once  sync.Once
}

func (s *signalSink) Open(*operators.Context) error { return nil }
func (s *signalSink) Process(b *coldata.Batch, _ operators.Emitter) error {
	if b.Live() > 0 {
		s.once.Do(func() { close(s.first) })
	}
	return nil
}
func (s *signalSink) OnWatermark(int64, operators.Emitter) error { return nil }
func (s *signalSink) Close() error                               { return nil }
