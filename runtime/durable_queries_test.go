package runtime_test

import (
	"context"
	"fmt"
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
	"github.com/weirdb/weir/storage"
)

func waitDone(t *testing.T, q *runtime.Query) {
	t.Helper()
	select {
	case <-q.Done():
	case <-time.After(20 * time.Second):
		t.Fatalf("query %s did not finish", q.ID)
	}
	require.NoError(t, q.Err())
}

// TestServerRestartKeepsFinishedSinksAndSkipsAdHocQueries: with a state
// directory and a persisted catalog (as `weir serve` runs), (1) a sink whose
// bounded input has ended does not write its rows again after a restart, and
// (2) an ad-hoc SELECT is not checkpointed, so a new query that gets the same
// id after a restart starts from scratch instead of from the old one's state.
func TestServerRestartKeepsFinishedSinksAndSkipsAdHocQueries(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "e.jsonl")
	require.NoError(t, os.WriteFile(data, []byte(`{"ts":"2026-11-09T10:00:01Z","k":"a"}
{"ts":"2026-11-09T10:00:02Z","k":"b"}
{"ts":"2026-11-09T10:01:03Z","k":"a"}
`), 0o644))
	out := filepath.Join(dir, "sink.jsonl")
	open := func() (*runtime.Engine, *storage.Store) {
		st, err := storage.Open(filepath.Join(dir, "state"), storage.Options{})
		require.NoError(t, err)
		return runtime.New(runtime.Options{Config: runtime.Defaults(), Storage: st, Catalog: st}), st
	}
	exec := func(eng *runtime.Engine, text string) *runtime.Query {
		stmts, err := sql.Parse(text)
		require.NoError(t, err)
		var q *runtime.Query
		for _, s := range stmts {
			res, err := eng.Exec(context.Background(), s, func(catalog.Schema) (operators.Operator, error) { return &countSink{}, nil })
			require.NoError(t, err)
			q = res.Query
		}
		return q
	}
	lines := func() int {
		b, err := os.ReadFile(out)
		require.NoError(t, err)
		return strings.Count(string(b), "\n")
	}

	eng, st := open()
	exec(eng, fmt.Sprintf(`CREATE SOURCE e (ts TIMESTAMP, k VARCHAR, WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
  WITH (connector = 'file', path = '%s');`, data))
	waitDone(t, exec(eng, fmt.Sprintf(`CREATE SINK per_minute AS
  SELECT window_start, window_end, k, COUNT(*) AS n FROM TUMBLE(e, ts, INTERVAL '1' MINUTE) GROUP BY window_start, window_end, k
  WITH (connector = 'file', path = '%s');`, out)))
	// [10:00,10:01): a, b; [10:01,10:02): a.
	require.Equal(t, 3, lines())
	adhoc := exec(eng, `SELECT window_start, COUNT(*) AS n FROM TUMBLE(e, ts, INTERVAL '1' MINUTE) GROUP BY window_start;`)
	waitDone(t, adhoc)
	require.Equal(t, int64(3), adhoc.Counters.EventsIn.Load())
	require.NoError(t, eng.Close())
	require.NoError(t, st.Close())

	eng, st = open()
	defer st.Close()
	defer eng.Close()
	n, err := eng.Restore(context.Background())
	require.NoError(t, err)
	require.Equal(t, 2, n)
	var sinkQ *runtime.Query
	for _, q := range eng.Queries() {
		sinkQ = q
	}
	require.NotNil(t, sinkQ)
	waitDone(t, sinkQ)
	require.NotZero(t, sinkQ.Restored, "the sink resumed from its final checkpoint")
	require.Equal(t, 3, lines(), "the finished sink wrote nothing again")

	again := exec(eng, `SELECT window_start, COUNT(*) AS n FROM TUMBLE(e, ts, INTERVAL '1' MINUTE) GROUP BY window_start;`)
	waitDone(t, again)
	require.Zero(t, again.Restored, "an ad-hoc query never resumes another's state")
	require.Equal(t, int64(3), again.Counters.EventsIn.Load(), "it read the whole input")
}

// TestFinishedSourceShowsEnded: once a bounded source has been read to the
// end, SHOW WATERMARKS reports its partitions as ended (and /metrics stops
// reporting a growing watermark lag for them).
func TestFinishedSourceShowsEnded(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "e.jsonl")
	require.NoError(t, os.WriteFile(data, []byte(`{"ts":"2026-11-09T10:00:01Z","k":"a"}`+"\n"), 0o644))
	eng := runtime.New(runtime.Options{Config: runtime.Defaults()})
	defer eng.Close()
	stmts, err := sql.Parse(fmt.Sprintf(`CREATE SOURCE e (ts TIMESTAMP, k VARCHAR, WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
  WITH (connector = 'file', path = '%s');
SELECT window_start, COUNT(*) AS n FROM TUMBLE(e, ts, INTERVAL '1' MINUTE) GROUP BY window_start;
SHOW WATERMARKS;`, data))
	require.NoError(t, err)
	var q *runtime.Query
	for _, s := range stmts[:2] {
		res, err := eng.Exec(context.Background(), s, func(catalog.Schema) (operators.Operator, error) { return &countSink{}, nil })
		require.NoError(t, err)
		q = res.Query
	}
	waitDone(t, q)
	res, err := eng.Exec(context.Background(), stmts[2], nil)
	require.NoError(t, err)
	ended := -1
	for i, c := range res.Columns {
		if c.Name == "ended" {
			ended = i
		}
	}
	require.GreaterOrEqual(t, ended, 0)
	require.Len(t, res.Rows, 1)
	require.Equal(t, "true", res.Rows[0][ended])
}
