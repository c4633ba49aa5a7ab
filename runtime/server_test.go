package runtime_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/runtime"
	"github.com/weirdb/weir/sql"
	"github.com/weirdb/weir/storage"
)

// TestViews runs testdata/views. Verbs:
//
//	file name=N   the input is written to $TMP/N
//	exec          the statements run through Engine.Exec; prints "ok", the
//	              rows of a statement that returns some, or the error
//	wait          waits (with a deadline) until every query has stopped
//	query         a bounded SELECT over a view; prints the header and the
//	              rows as "a | b", NULL as NULL, or the error
func TestViews(t *testing.T) {
	datadriven.Walk(t, "testdata/views", func(t *testing.T, path string) {
		dir := t.TempDir()
		eng := runtime.New(runtime.Options{Stderr: io.Discard})
		defer eng.Close()
		ctx := context.Background()
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			input := strings.ReplaceAll(d.Input, "$TMP", dir)
			switch d.Cmd {
			case "file":
				var name string
				d.ScanArgs(t, "name", &name)
				require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(input+"\n"), 0o644))
				return ""
			case "exec", "query":
				stmts, err := sql.Parse(input)
				if err != nil {
					return "error: " + err.Error() + "\n"
				}
				var out strings.Builder
				for _, s := range stmts {
					res, err := eng.Exec(ctx, s, nil)
					if err != nil {
						return "error: " + err.Error() + "\n"
					}
					if len(res.Columns) > 0 || d.Cmd == "query" {
						writeRows(&out, res)
					}
				}
				if out.Len() == 0 {
					return "ok\n"
				}
				return out.String()
			case "wait":
				waitStopped(t, eng)
				return "ok\n"
			}
			t.Fatalf("unknown verb %s", d.Cmd)
			return ""
		})
	})
}

func writeRows(out *strings.Builder, res *runtime.Result) {
	out.WriteString(strings.Join(res.Columns.Names(), " | ") + "\n")
	for i, row := range res.Rows {
		vals := make([]string, len(row))
		for c, v := range row {
			vals[c] = v
			if res.Nulls[i][c] {
				vals[c] = "NULL"
			}
		}
		out.WriteString(strings.Join(vals, " | ") + "\n")
	}
}

func waitStopped(t *testing.T, eng *runtime.Engine) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for _, q := range eng.Queries() {
		select {
		case <-q.Done():
		case <-deadline:
			t.Fatalf("query %s still %s", q.ID, q.State())
		}
	}
}

func execStmts(t *testing.T, eng *runtime.Engine, text string) {
	t.Helper()
	stmts, err := sql.Parse(text)
	require.NoError(t, err)
	for _, s := range stmts {
		_, err := eng.Exec(context.Background(), s, nil)
		require.NoError(t, err, s.Text())
	}
}

func appendLines(t *testing.T, path string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	_, err = f.WriteString(strings.Join(lines, "\n") + "\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

// readRows runs a bounded SELECT and renders its rows as "a | b".
func readRows(t *testing.T, eng *runtime.Engine, q string) []string {
	t.Helper()
	stmts, err := sql.Parse(q)
	require.NoError(t, err)
	res, err := eng.Exec(context.Background(), stmts[0], nil)
	require.NoError(t, err)
	var out []string
	for i, row := range res.Rows {
		vals := append([]string(nil), row...)
		for c := range vals {
			if res.Nulls[i][c] {
				vals[c] = "NULL"
			}
		}
		out = append(out, strings.Join(vals, " | "))
	}
	return out
}

// waitRows waits until the bounded SELECT q over materialized view view
// returns want, failing after a 10 s deadline. It re-reads the view once
// at the start and then after each of the view's emissions, which a
// subscription to the view delivers (the rows are visible to a read once
// the subscriber has them).
func waitRows(t *testing.T, eng *runtime.Engine, view, q string, want []string) {
	t.Helper()
	sub, err := eng.Subscribe(view)
	require.NoError(t, err)
	defer sub.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		got := readRows(t, eng, q)
		if fmt.Sprint(got) == fmt.Sprint(want) {
			return
		}
		if _, err := sub.Next(ctx); err != nil {
			require.Equal(t, want, readRows(t, eng, q), "view %s: no more emissions (%v)", view, err)
			return
		}
	}
}

// pollUntil polls cond, every millisecond, until it holds (true) or d has
// passed (false). It is for conditions with no event to wait on, such as
// SHOW QUERIES' listing (waitListed).
func pollUntil(d time.Duration, cond func() bool) bool {
	deadline := time.After(d)
	poll := time.NewTicker(time.Millisecond)
	defer poll.Stop()
	for !cond() {
		select {
		case <-deadline:
			return cond()
		case <-poll.C:
		}
	}
	return true
}

const followSource = `CREATE SOURCE m (ts TIMESTAMP, model VARCHAR,
  WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
  WITH (connector = 'file', path = '%s', follow = 'true');
CREATE MATERIALIZED VIEW v AS
  SELECT window_start, model, COUNT(*) AS n FROM TUMBLE(m, ts, INTERVAL '1' MINUTE)
  GROUP BY window_start, window_end, model;`

// TestSubscribeStreamsEmissions subscribes to a view over a tailed file:
// each window that closes arrives as a final row; Close ends the stream.
func TestSubscribeStreamsEmissions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.jsonl")
	appendLines(t, path, `{"ts":"2026-11-09T10:00:10Z","model":"a"}`)
	eng := runtime.New(runtime.Options{Stderr: io.Discard})
	defer eng.Close()
	execStmts(t, eng, fmt.Sprintf(followSource, path))
	sub, err := eng.Subscribe("V")
	require.NoError(t, err)
	require.Equal(t, []string{"window_start", "model", "n"}, sub.Columns.Names())

	// 10:01:05 moves the watermark past 10:01: window 10:00 (a: 2) closes.
	appendLines(t, path, `{"ts":"2026-11-09T10:00:20Z","model":"a"}`, `{"ts":"2026-11-09T10:01:05Z","model":"b"}`)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := sub.Next(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, b.Len)
	require.Equal(t, "a", b.Cols[1].Str[0])
	require.Equal(t, int64(2), b.Cols[2].I64[0])
	require.Equal(t, coldata.EmitFinal, b.Emit[0])

	// 10:02 closes window 10:01 (b: 1).
	appendLines(t, path, `{"ts":"2026-11-09T10:02:00Z","model":"c"}`)
	b, err = sub.Next(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, b.Len)
	require.Equal(t, "b", b.Cols[1].Str[0])
	require.Equal(t, int64(1), b.Cols[2].I64[0])

	require.NoError(t, sub.Close())
	_, err = sub.Next(ctx)
	require.Error(t, err)

	_, err = eng.Subscribe("nope")
	require.ErrorContains(t, err, `unknown materialized view "nope"`)
}

// memCatalog is an in-memory runtime.CatalogStore.
type memCatalog struct {
	mu    sync.Mutex
	stmts []storage.NamedStatement
	seq   uint64
}

func (m *memCatalog) PutStatement(name, text string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.stmts {
		if m.stmts[i].Name == name {
			m.stmts[i].SQL = text
			return nil
		}
	}
	m.seq++
	m.stmts = append(m.stmts, storage.NamedStatement{Name: name, SQL: text, Seq: m.seq})
	return nil
}

func (m *memCatalog) DeleteStatement(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.stmts {
		if m.stmts[i].Name == name {
			m.stmts = append(m.stmts[:i], m.stmts[i+1:]...)
			break
		}
	}
	return nil
}

func (m *memCatalog) Statements() ([]storage.NamedStatement, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]storage.NamedStatement(nil), m.stmts...), nil
}

// TestViewRestart checkpoints a view over a tailed file, restarts the
// engine from the persisted catalog and the checkpoint: the rows are back
// before any new input, and new input is counted once.
func TestViewRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.jsonl")
	appendLines(t, path, `{"ts":"2026-11-09T10:00:10Z","model":"a"}`, `{"ts":"2026-11-09T10:00:20Z","model":"a"}`,
		`{"ts":"2026-11-09T10:01:05Z","model":"a"}`)
	ckpts, cat := runtime.NewMemoryCheckpoints(), &memCatalog{}
	open := func() *runtime.Engine {
		return runtime.New(runtime.Options{Stderr: io.Discard, Checkpoints: ckpts, Catalog: cat})
	}
	eng := open()
	execStmts(t, eng, fmt.Sprintf(followSource, path))
	const q = "SELECT window_start, model, n FROM v ORDER BY window_start, model"
	waitRows(t, eng, "v", q, []string{"2026-11-09T10:00:00.000Z | a | 2"})
	for _, qu := range eng.Queries() {
		require.NoError(t, qu.Checkpoint(context.Background()))
	}
	require.NoError(t, eng.Close())
	names := []string{}
	stmts, _ := cat.Statements()
	for _, s := range stmts {
		names = append(names, s.Name)
	}
	require.Equal(t, []string{"m", "v"}, names)

	eng = open()
	defer eng.Close()
	n, err := eng.Restore(context.Background())
	require.NoError(t, err)
	require.Equal(t, 2, n)
	require.Equal(t, []string{"2026-11-09T10:00:00.000Z | a | 2"}, readRows(t, eng, q))
	require.NotZero(t, eng.Queries()[0].Restored)

	// 10:02 closes 10:01, which holds the one event read before the
	// checkpoint and one after the restart: 2, not 3.
	appendLines(t, path, `{"ts":"2026-11-09T10:01:30Z","model":"a"}`, `{"ts":"2026-11-09T10:02:00Z","model":"b"}`)
	waitRows(t, eng, "v", q, []string{"2026-11-09T10:00:00.000Z | a | 2", "2026-11-09T10:01:00.000Z | a | 2"})

	// DROP removes the statement and the checkpoint.
	execStmts(t, eng, "DROP VIEW v;")
	stmts, _ = cat.Statements()
	require.Len(t, stmts, 1)
	cp, err := ckpts.Latest("view/v")
	require.NoError(t, err)
	require.Nil(t, cp)
}

// panicSink panics on its first batch.
type panicSink struct{}

func (panicSink) Open(*operators.Context) error                   { return nil }
func (panicSink) Process(*coldata.Batch, operators.Emitter) error { panic("boom") }
func (panicSink) OnWatermark(int64, operators.Emitter) error      { return nil }
func (panicSink) Close() error                                    { return nil }

// TestQueryPanicFailsOnlyThatQuery: a panicking operator fails its query,
// visible in SHOW QUERIES, and the engine goes on serving.
func TestQueryPanicFailsOnlyThatQuery(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.jsonl")
	appendLines(t, path, `{"ts":"2026-11-09T10:00:10Z","model":"a"}`)
	eng := runtime.New(runtime.Options{Stderr: io.Discard})
	defer eng.Close()
	execStmts(t, eng, fmt.Sprintf(`CREATE SOURCE m (ts TIMESTAMP, model VARCHAR) WITH (connector = 'file', path = '%s');`, path))
	stmts, err := sql.Parse("SELECT model FROM m;")
	require.NoError(t, err)
	res, err := eng.Exec(context.Background(), stmts[0], func(catalog.Schema) (operators.Operator, error) { return panicSink{}, nil })
	require.NoError(t, err)
	select {
	case <-res.Query.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("query did not stop")
	}
	require.Contains(t, res.Query.State(), "failed: runtime: query q1 panicked: boom")
	rows := readRows(t, eng, "SHOW QUERIES;")
	require.Len(t, rows, 1)
	require.Contains(t, rows[0], "q1 | failed: runtime: query q1 panicked: boom")
	// The engine still runs statements.
	require.Equal(t, []string{"m | file | "}, readRows(t, eng, "SHOW SOURCES;"))
}

// boundedSource declares m over a finished file holding two events of
// window 10:00 (models a, b) and one of 10:01 (a), with a delay of 0: at end
// of input both windows close.
const boundedSource = `CREATE SOURCE m (ts TIMESTAMP, model VARCHAR,
  WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
  WITH (connector = 'file', path = '%s');
CREATE MATERIALIZED VIEW v AS
  SELECT window_start, model, COUNT(*) AS n FROM TUMBLE(m, ts, INTERVAL '1' MINUTE)
  GROUP BY window_start, window_end, model;`

func boundedEngine(t *testing.T) *runtime.Engine {
	t.Helper()
	path := filepath.Join(t.TempDir(), "m.jsonl")
	appendLines(t, path, `{"ts":"2026-11-09T10:00:10Z","model":"a"}`, `{"ts":"2026-11-09T10:00:20Z","model":"b"}`,
		`{"ts":"2026-11-09T10:01:05Z","model":"a"}`)
	eng := runtime.New(runtime.Options{Stderr: io.Discard})
	t.Cleanup(func() { eng.Close() })
	execStmts(t, eng, fmt.Sprintf(boundedSource, path))
	waitStopped(t, eng)
	return eng
}

// sqlErr asserts err is a *sql.Error with code and position.
func sqlErr(t *testing.T, err error, code string, line, col int) *sql.Error {
	t.Helper()
	require.Error(t, err)
	se, ok := err.(*sql.Error)
	require.True(t, ok, "%T: %v", err, err)
	require.Equal(t, code, se.Code, se.Msg)
	require.Equal(t, line, se.At.Line, se.Msg)
	require.Equal(t, col, se.At.Col, se.Msg)
	return se
}

// TestWireStatements: over the wire an unknown relation is 42P01 even with
// ORDER BY; SUBSCRIBE's errors point at the view name; EXPLAIN's rows go to
// the client; SHOW QUERIES' counters are BIGINT.
func TestWireStatements(t *testing.T) {
	eng := boundedEngine(t)
	w := runtime.NewWireEngine(eng)
	ctx := context.Background()

	_, err := w.Execute(ctx, nil, "select * from nosuch order by 1")
	sqlErr(t, err, "42P01", 1, 15)
	_, err = w.Describe(ctx, nil, "select * from nosuch order by 1")
	sqlErr(t, err, "42P01", 1, 15)

	_, err = w.Execute(ctx, nil, "SUBSCRIBE TO nosuch")
	sqlErr(t, err, "42P01", 1, 14)
	_, err = w.Execute(ctx, nil, "subscribe\n  nosuch;")
	sqlErr(t, err, "42P01", 2, 3)
	_, err = w.Describe(ctx, nil, "SUBSCRIBE  TO  nosuch")
	sqlErr(t, err, "42P01", 1, 16)

	res, err := w.Execute(ctx, nil, "EXPLAIN SELECT model FROM m")
	require.NoError(t, err)
	row, ok, err := res.Next(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "Sink client", row[0].S)

	cols, err := w.Describe(ctx, nil, "SHOW QUERIES")
	require.NoError(t, err)
	res, err = w.Execute(ctx, nil, "SHOW QUERIES")
	require.NoError(t, err)
	require.Equal(t, cols, res.Columns())
	types := map[string]catalog.Type{}
	for _, c := range res.Columns() {
		types[c.Name] = c.Type
	}
	require.Equal(t, map[string]catalog.Type{"id": catalog.Varchar, "state": catalog.Varchar, "events_in": catalog.Bigint,
		"rows_out": catalog.Bigint, "late_events": catalog.Bigint, "dropped_events": catalog.Bigint, "sql": catalog.Varchar}, types)
	row, ok, err = res.Next(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	// The view's query read 3 events and emitted 3 rows (10:00 a, b; 10:01 a).
	require.Equal(t, "q1", row[0].S)
	require.Equal(t, int64(3), row[2].I)
	require.Equal(t, int64(3), row[3].I)
	require.Equal(t, int64(0), row[4].I)
	require.False(t, row[5].Null)
}

// TestDropViewWithDependents: DROP VIEW is refused (2BP01) while a sink
// reads the view or a view's query expands it, as DROP SOURCE is.
func TestDropViewWithDependents(t *testing.T) {
	eng := boundedEngine(t)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	execStmts(t, eng, fmt.Sprintf(`CREATE SINK s FROM v WITH (connector = 'file', path = '%s');
CREATE VIEW plain AS SELECT ts, model FROM m WHERE model = 'a';
CREATE MATERIALIZED VIEW over_plain AS SELECT ts, model FROM plain;`, out))
	drop := func(text string) error {
		stmts, err := sql.Parse(text)
		require.NoError(t, err)
		_, err = eng.Exec(context.Background(), stmts[0], nil)
		return err
	}
	se := sqlErr(t, drop("DROP VIEW v"), "2BP01", 1, 1)
	require.Contains(t, se.Msg, `cannot drop view "v": sink s depends on it`)
	se = sqlErr(t, drop("DROP VIEW plain"), "2BP01", 1, 1)
	require.Contains(t, se.Msg, `cannot drop view "plain": view over_plain depends on it`)
	// v still serves its rows.
	require.Len(t, readRows(t, eng, "SELECT * FROM v"), 3)

	require.NoError(t, drop("DROP SINK s"))
	require.NoError(t, drop("DROP VIEW v"))
	require.NoError(t, drop("DROP VIEW over_plain"))
	require.NoError(t, drop("DROP VIEW plain"))
}

// TestSubscribeBoundedView: SUBSCRIBE starts with the view's current rows;
// on a view whose bounded input has ended it then ends at once.
func TestSubscribeBoundedView(t *testing.T) {
	eng := boundedEngine(t)
	sub, err := eng.Subscribe("v")
	require.NoError(t, err)
	defer sub.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := sub.Next(ctx)
	require.NoError(t, err)
	var got []string
	for i := 0; i < b.Len; i++ {
		got = append(got, fmt.Sprintf("%d %s %d %s", b.Cols[0].I64[i], b.Cols[1].Str[i], b.Cols[2].I64[i], b.Emit[i]))
	}
	// 2026-01-01 is day 20454 after the epoch (56 years of 365 days plus 14
	// leap days, 1972…2024); November 9 is 304 (January…October) + 8 days
	// later: day 20766. 10:00 adds 36000 s.
	const w0 = int64(20766*86400+36000) * 1000
	require.ElementsMatch(t, []string{
		fmt.Sprintf("%d a 1 final", w0), fmt.Sprintf("%d b 1 final", w0), fmt.Sprintf("%d a 1 final", w0+60000),
	}, got)
	_, err = sub.Next(ctx)
	require.ErrorIs(t, err, io.EOF)
}

// TestSubscribeDroppedView: a SUBSCRIBE whose view is dropped ends with
// 57014 and a message naming the view.
func TestSubscribeDroppedView(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.jsonl")
	appendLines(t, path, `{"ts":"2026-11-09T10:00:10Z","model":"a"}`)
	eng := runtime.New(runtime.Options{Stderr: io.Discard})
	defer eng.Close()
	execStmts(t, eng, fmt.Sprintf(followSource, path))
	sub, err := eng.Subscribe("v")
	require.NoError(t, err)
	defer sub.Close()
	execStmts(t, eng, "DROP VIEW v;")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = sub.Next(ctx)
	se := sqlErr(t, err, "57014", 0, 0)
	require.Contains(t, se.Msg, `materialized view "v" was dropped`)
}
