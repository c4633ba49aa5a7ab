package runtime

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/expr"
	"github.com/weirdb/weir/planner"
	"github.com/weirdb/weir/sql"
)

// countingSink counts its Close calls and the calls that came after one.
type countingSink struct {
	closes, late atomic.Int32
}

func (s *countingSink) Open(*operators.Context) error { return nil }
func (s *countingSink) Process(*coldata.Batch, operators.Emitter) error {
	s.after()
	return nil
}
func (s *countingSink) OnWatermark(int64, operators.Emitter) error {
	s.after()
	return nil
}
func (s *countingSink) Close() error {
	s.after()
	s.closes.Add(1)
	return nil
}
func (s *countingSink) after() {
	if s.closes.Load() > 0 {
		s.late.Add(1)
	}
}

// An operator upstream of the sink (here a filter between the source and
// the window) that returns an error fails the query, whose sink is still
// closed once, after the last call the query made on it.
func TestCloseOnOperatorError(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	e := New(Options{Config: Defaults(), Stderr: &strings.Builder{}})
	defer e.Close()
	stmts, err := sql.Parse(`CREATE SOURCE gen (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'datagen', kind = 'llm_metrics', seed = '5', rate = '0', start_time = '2026-11-09T10:00:00Z');
SELECT window_start, model, COUNT(*) AS n FROM TUMBLE(gen, ts, INTERVAL '1' SECOND) WHERE latency_ms > 0 GROUP BY window_start, model;`)
	require.NoError(t, err)
	_, err = e.Exec(context.Background(), stmts[0], nil)
	require.NoError(t, err)
	sel := stmts[1].(*sql.SelectStmt)
	plan, err := planner.PlanQuery(e.Catalog(), sel.Query)
	require.NoError(t, err)
	// Make the filter's predicate a DOUBLE: its operator then fails on the
	// first batch, as any operator's error would.
	var filter *planner.Node
	for n := plan.Root; n != nil && filter == nil; {
		if n.Kind == planner.NodeFilter {
			filter = n
		}
		if len(n.Inputs) == 0 {
			break
		}
		n = n.Inputs[0]
	}
	require.NotNil(t, filter, "the plan has a filter:\n%s", planner.Explain(plan, "stdout"))
	col := filter.Inputs[0].Schema.Index("latency_ms")
	require.GreaterOrEqual(t, col, 0)
	filter.Filter = expr.NewColRef(col, "latency_ms", filter.Inputs[0].Schema[col].Type)

	sink := &countingSink{}
	q, err := e.startQuery(context.Background(), sel.Text(), plan, sink, "")
	require.NoError(t, err)
	select {
	case <-q.Done():
	case <-time.After(20 * time.Second):
		t.Fatalf("query %s did not stop", q.ID)
	}
	require.ErrorContains(t, q.Err(), "filter predicate must be BOOLEAN")
	require.Equal(t, int32(1), sink.closes.Load(), "Close ran once")
	require.Zero(t, sink.late.Load(), "no call came after Close")
}
