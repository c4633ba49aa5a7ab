package runtime_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/runtime"
	"github.com/weirdb/weir/sql"
)

// listedQueries returns SHOW QUERIES as "id state", in listing order.
func listedQueries(t *testing.T, eng *runtime.Engine) []string {
	t.Helper()
	stmts, err := sql.Parse("SHOW QUERIES")
	require.NoError(t, err)
	res, err := eng.Exec(context.Background(), stmts[0], nil)
	require.NoError(t, err)
	out := make([]string, 0, len(res.Rows))
	for _, row := range res.Rows {
		out = append(out, row[0]+" "+row[1])
	}
	return out
}

// seriesByQuery counts, per value of the "query" label, the series the
// engine's Prometheus registry exports.
func seriesByQuery(t *testing.T, eng *runtime.Engine) map[string]int {
	t.Helper()
	mfs, err := eng.Registry().Gather()
	require.NoError(t, err)
	out := map[string]int{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "query" {
					out[l.GetValue()]++
				}
			}
		}
	}
	return out
}

func execErr(eng *runtime.Engine, text string) error {
	stmts, err := sql.Parse(text)
	if err != nil {
		return err
	}
	for _, s := range stmts {
		if _, err := eng.Exec(context.Background(), s, nil); err != nil {
			return err
		}
	}
	return nil
}

// waitState waits (10 s deadline) until SHOW QUERIES lists want.
func waitListed(t *testing.T, eng *runtime.Engine, want []string) {
	t.Helper()
	var got []string
	if !pollUntil(10*time.Second, func() bool {
		got = listedQueries(t, eng)
		return strings.Join(got, "\n") == strings.Join(want, "\n")
	}) {
		require.Equal(t, want, got)
	}
}

// TestDropForgetsQuery: DROP SINK and DROP VIEW take their query out of
// SHOW QUERIES and its series out of /metrics, whether it had finished or
// was still running; the other queries keep theirs.
func TestDropForgetsQuery(t *testing.T) {
	eng := boundedEngine(t) // m over a finished file; view v is q1
	dir := t.TempDir()
	tail := filepath.Join(dir, "f.jsonl")
	appendLines(t, tail, `{"ts":"2026-11-09T10:00:10Z","model":"a"}`)
	execStmts(t, eng, fmt.Sprintf(`CREATE SINK s FROM v WITH (connector = 'file', path = '%s');
CREATE SOURCE f (ts TIMESTAMP, model VARCHAR, WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
  WITH (connector = 'file', path = '%s', follow = 'true');
CREATE MATERIALIZED VIEW w AS SELECT ts, model FROM f;`, filepath.Join(dir, "out.jsonl"), tail))
	// The sink (q2) re-runs v's query over the finished file; w (q3)
	// follows f and never ends.
	waitListed(t, eng, []string{"q1 finished", "q2 finished", "q3 running"})
	series := seriesByQuery(t, eng)
	for _, id := range []string{"q1", "q2", "q3"} {
		require.NotZero(t, series[id], "series of %s before any drop", id)
	}

	execStmts(t, eng, "DROP SINK s;")
	require.Equal(t, []string{"q1 finished", "q3 running"}, listedQueries(t, eng))
	series = seriesByQuery(t, eng)
	require.Zero(t, series["q2"], "series of the dropped sink's query")
	require.NotZero(t, series["q1"])

	execStmts(t, eng, "DROP VIEW v;")
	require.Equal(t, []string{"q3 running"}, listedQueries(t, eng))
	series = seriesByQuery(t, eng)
	require.Zero(t, series["q1"], "series of the dropped view's query")
	require.NotZero(t, series["q3"])

	execStmts(t, eng, "DROP VIEW w;")
	require.Empty(t, listedQueries(t, eng))
	require.Empty(t, seriesByQuery(t, eng))
	// Nothing reads the sources any more.
	execStmts(t, eng, "DROP SOURCE m; DROP SOURCE f;")
}

// TestFailedViewStaysListed: a view whose query failed stays in SHOW
// QUERIES with its error (and keeps counting as a reader of its source)
// however many ad-hoc queries come and go, until DROP VIEW.
func TestFailedViewStaysListed(t *testing.T) {
	eng := runtime.New(runtime.Options{Stderr: io.Discard})
	defer eng.Close()
	// The dead-letter file is /dev/full (a full disk): the view's query
	// starts, reads the malformed line and fails writing its dead letter.
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full to fail dead-letter writes with")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "d.jsonl")
	require.NoError(t, os.WriteFile(data, []byte("{\"ts\": 1, \"model\": \"a\"}\nnot json\n"), 0o644))
	execStmts(t, eng, fmt.Sprintf(`CREATE SOURCE d (ts TIMESTAMP, model VARCHAR) WITH (connector = 'file', path = '%s',
  dead_letter_path = '/dev/full');
CREATE MATERIALIZED VIEW bad AS SELECT ts, model FROM d;`, data))
	waitStopped(t, eng)
	listed := listedQueries(t, eng)
	require.Len(t, listed, 1)
	require.True(t, strings.HasPrefix(listed[0], "q1 failed: "), listed[0])
	require.Equal(t, "q1 failed: source d: writing dead letters to /dev/full: no space left on device", listed[0])

	w := runtime.NewWireEngine(eng)
	ctx := context.Background()
	for i := 0; i < 3*10; i++ { // three times as many as SHOW QUERIES keeps
		res, err := w.Execute(ctx, nil, "SELECT model FROM d")
		require.NoError(t, err)
		_, _, err = res.Next(ctx)
		require.ErrorContains(t, err, "source d: writing dead letters to /dev/full: no space left on device")
		require.NoError(t, res.Close())
	}
	listed = listedQueries(t, eng)
	require.True(t, strings.HasPrefix(listed[0], "q1 failed: "), listed[0])
	require.NotZero(t, seriesByQuery(t, eng)["q1"])
	err := execErr(eng, "DROP SOURCE d")
	require.ErrorContains(t, err, `cannot drop source "d": view bad depends on it`)

	execStmts(t, eng, "DROP VIEW bad;")
	for _, l := range listedQueries(t, eng) {
		require.NotContains(t, l, "q1 ")
	}
	require.Zero(t, seriesByQuery(t, eng)["q1"])
	execStmts(t, eng, "DROP SOURCE d;")
}

// TestAdhocQueriesStayBounded: 200 ad-hoc SELECTs over the wire, each run
// to its end, leave SHOW QUERIES with the view's query plus the last 10
// ended ones, and /metrics with the view's series only; a continuous
// SELECT has series while it runs and loses them once cancelled.
func TestAdhocQueriesStayBounded(t *testing.T) {
	eng := boundedEngine(t) // view v is q1
	w := runtime.NewWireEngine(eng)
	ctx := context.Background()
	for i := 0; i < 200; i++ {
		res, err := w.Execute(ctx, nil, "SELECT model FROM m")
		require.NoError(t, err)
		n := 0
		for {
			_, ok, err := res.Next(ctx)
			require.NoError(t, err)
			if !ok {
				break
			}
			n++
		}
		require.Equal(t, 3, n) // the three events of m
		require.NoError(t, res.Close())
		require.LessOrEqual(t, len(listedQueries(t, eng)), 1+10, "after SELECT %d", i+1)
	}
	// The ad-hoc SELECTs were q2…q201; the last ten started are kept.
	want := []string{"q1 finished"}
	for id := 192; id <= 201; id++ {
		want = append(want, fmt.Sprintf("q%d finished", id))
	}
	require.Equal(t, want, listedQueries(t, eng))
	series := seriesByQuery(t, eng)
	require.Len(t, series, 1, "series: %v", series)
	require.NotZero(t, series["q1"])

	// A continuous SELECT that never ends, until the client cancels it.
	tail := filepath.Join(t.TempDir(), "f.jsonl")
	appendLines(t, tail, `{"ts":"2026-11-09T10:00:10Z","model":"a"}`)
	execStmts(t, eng, fmt.Sprintf(`CREATE SOURCE f (ts TIMESTAMP, model VARCHAR) WITH (connector = 'file', path = '%s', follow = 'true');`, tail))
	res, err := w.Execute(ctx, nil, "SELECT model FROM f")
	require.NoError(t, err)
	row, ok, err := res.Next(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "a", row[0].S)
	require.NotZero(t, seriesByQuery(t, eng)["q202"])
	require.NoError(t, res.Close())
	listed := listedQueries(t, eng)
	require.Equal(t, "q202 cancelled", listed[len(listed)-1])
	require.Len(t, listed, 1+10) // q193…q202 now
	require.Zero(t, seriesByQuery(t, eng)["q202"])
}

// TestScriptQueriesStayListed: the SELECTs of a `weir run` script (Exec
// with an output) stay in SHOW QUERIES and /metrics after they finish.
func TestScriptQueriesStayListed(t *testing.T) {
	eng := boundedEngine(t) // view v is q1
	stmts, err := sql.Parse("SELECT model FROM m;")
	require.NoError(t, err)
	want := []string{"q1 finished"}
	for i := 0; i < 20; i++ {
		res, err := eng.Exec(context.Background(), stmts[0], func(schema catalog.Schema) (operators.Operator, error) {
			return &collectSink{schema: schema}, nil
		})
		require.NoError(t, err)
		select {
		case <-res.Query.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("script query did not finish")
		}
		want = append(want, fmt.Sprintf("q%d finished", i+2))
	}
	require.Equal(t, want, listedQueries(t, eng))
	require.Len(t, seriesByQuery(t, eng), 21)
}
