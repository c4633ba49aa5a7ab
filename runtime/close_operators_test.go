package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"sync/atomic"
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

// closeDeadline bounds every wait of the close tests.
const closeDeadline = 20 * time.Second

// closeSink records how the runtime drives it: how many times Close ran,
// whether any method ran after Close, and whether Close saw the query's
// context still live. It can be told to fail or panic.
type closeSink struct {
	ctx        context.Context
	closes     atomic.Int32
	afterClose atomic.Bool // a method was called after Close
	liveAtEnd  atomic.Bool // Context.Ctx was not done when Close ran
	rows       atomic.Int64
	first      chan struct{}
	once       sync.Once

	openErr   error
	closeErr  error
	panicRows bool // Process panics on a batch with rows
	panicEnd  bool // Close panics
}

func newCloseSink() *closeSink { return &closeSink{first: make(chan struct{})} }

func (s *closeSink) Open(ctx *operators.Context) error {
	s.ctx = ctx.Ctx
	return s.openErr
}

func (s *closeSink) Process(b *coldata.Batch, _ operators.Emitter) error {
	s.touched()
	if b.Live() == 0 {
		return nil
	}
	if s.panicRows {
		panic("sink exploded")
	}
	s.rows.Add(int64(b.Live()))
	s.once.Do(func() { close(s.first) })
	return nil
}

func (s *closeSink) OnWatermark(int64, operators.Emitter) error {
	s.touched()
	return nil
}

func (s *closeSink) Close() error {
	s.touched()
	s.closes.Add(1)
	s.liveAtEnd.Store(s.ctx.Err() == nil)
	if s.panicEnd {
		panic("close exploded")
	}
	return s.closeErr
}

func (s *closeSink) touched() {
	if s.closes.Load() > 0 {
		s.afterClose.Store(true)
	}
}

// requireClosedOnce checks that the sink was closed exactly once and that
// nothing was called on it afterwards.
func (s *closeSink) requireClosedOnce(t *testing.T) {
	t.Helper()
	require.Equal(t, int32(1), s.closes.Load(), "Close ran once")
	require.False(t, s.afterClose.Load(), "no method ran after Close")
}

// waitQueryStopped waits for q to stop, failing the test after closeDeadline.
func waitQueryStopped(t *testing.T, q *runtime.Query) {
	t.Helper()
	select {
	case <-q.Done():
	case <-time.After(closeDeadline):
		t.Fatalf("query %s did not stop within %s", q.ID, closeDeadline)
	}
}

// waitFirstRows waits until s received rows.
func waitFirstRows(t *testing.T, q *runtime.Query, s *closeSink) {
	t.Helper()
	select {
	case <-s.first:
	case <-q.Done():
		t.Fatalf("query %s stopped before any row: %v", q.ID, q.Err())
	case <-time.After(closeDeadline):
		t.Fatalf("query %s delivered no row within %s", q.ID, closeDeadline)
	}
}

// endlessSource declares gen, a generator that never ends.
const endlessSource = `CREATE SOURCE gen (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'datagen', kind = 'llm_metrics', seed = '5', rate = '0', start_time = '2026-11-09T10:00:00Z');`

// execSelect starts the SELECT text with sink as its output.
func execSelect(t *testing.T, ctx context.Context, eng *runtime.Engine, text string, sink operators.Operator) (*runtime.Query, error) {
	t.Helper()
	stmts, err := sql.Parse(text)
	require.NoError(t, err)
	require.Len(t, stmts, 1)
	res, err := eng.Exec(ctx, stmts[0], func(catalog.Schema) (operators.Operator, error) { return sink, nil })
	if err != nil {
		return nil, err
	}
	return res.Query, nil
}

// A query cancelled in the middle of its stream — by Cancel (DROP), by
// its statement's context (Ctrl-C in weir run) or by Engine.Close (weir
// serve's shutdown) — closes its sink once, after its last row, and
// leaves no goroutine behind.
func TestCloseOnCancel(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, how := range []string{"cancel", "context", "engine"} {
		t.Run(how, func(t *testing.T) {
			eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
			execAll(t, eng, endlessSource)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sink := newCloseSink()
			q, err := execSelect(t, ctx, eng, `SELECT window_start, model, COUNT(*) AS n FROM TUMBLE(gen, ts, INTERVAL '1' SECOND) GROUP BY window_start, model`, sink)
			require.NoError(t, err)
			waitFirstRows(t, q, sink)
			switch how {
			case "cancel":
				q.Cancel()
			case "context":
				cancel()
			case "engine":
				require.NoError(t, eng.Close())
			}
			waitQueryStopped(t, q)
			require.Equal(t, "cancelled", q.State())
			require.NoError(t, q.Err())
			sink.requireClosedOnce(t)
			if how != "engine" {
				require.NoError(t, eng.Close())
			}
			require.Equal(t, int32(1), sink.closes.Load(), "closing the engine closes nothing twice")
		})
	}
}

// A query whose source fails while it runs (upstream of every operator)
// fails with the source's error and still closes its sink once.
func TestCloseOnSourceFailure(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var log lockedLog
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &log})
	defer eng.Close()
	// The follow-mode file source reads a path that turns out to be a
	// directory: Open waits for it, the first Read fails.
	path := filepath.Join(t.TempDir(), "later")
	execAll(t, eng, fmt.Sprintf(`CREATE SOURCE s (ts TIMESTAMP, model VARCHAR, WATERMARK FOR ts AS ts)
  WITH (connector = 'file', path = '%s', follow = 'true');`, path))
	sink := newCloseSink()
	q, err := execSelect(t, context.Background(), eng, `SELECT window_start, model, COUNT(*) AS n FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start, model`, sink)
	require.NoError(t, err)
	require.NoError(t, os.Mkdir(path, 0o755))
	waitQueryStopped(t, q)
	require.Error(t, q.Err())
	require.True(t, strings.HasPrefix(q.State(), "failed: "), q.State())
	sink.requireClosedOnce(t)
	require.False(t, sink.liveAtEnd.Load(), "a failed query's context is done when its sink closes")
}

// A sink that panics fails only its query, and is closed once all the
// same; a Close that panics fails its query instead of the process.
func TestCloseOnPanic(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	defer eng.Close()
	execAll(t, eng, endlessSource)

	sink := newCloseSink()
	sink.panicRows = true
	q, err := execSelect(t, context.Background(), eng, `SELECT model, latency_ms FROM gen`, sink)
	require.NoError(t, err)
	waitQueryStopped(t, q)
	require.ErrorContains(t, q.Err(), "panicked: sink exploded")
	sink.requireClosedOnce(t)

	// Close itself panics at the end of bounded input.
	path := filepath.Join(t.TempDir(), "m.jsonl")
	writeMetricsFile(t, path, 100)
	execAll(t, eng, fmt.Sprintf(`CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, WATERMARK FOR ts AS ts)
  WITH (connector = 'file', path = '%s');`, path))
	sink = newCloseSink()
	sink.panicEnd = true
	q, err = execSelect(t, context.Background(), eng, `SELECT model FROM m`, sink)
	require.NoError(t, err)
	waitQueryStopped(t, q)
	require.EqualError(t, q.Err(), "query "+q.ID+" panicked while closing: close exploded")
	sink.requireClosedOnce(t)
	require.Equal(t, int64(100), sink.rows.Load())

	// The engine still runs queries.
	sink = newCloseSink()
	q, err = execSelect(t, context.Background(), eng, `SELECT model FROM m`, sink)
	require.NoError(t, err)
	waitQueryStopped(t, q)
	require.NoError(t, q.Err())
	sink.requireClosedOnce(t)
}

// At the end of bounded input the sink is closed while the query's context
// is still live (it may flush and commit there), and a close error fails
// the query: it is not swallowed.
func TestCloseAtEndOfInput(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	defer eng.Close()
	path := filepath.Join(t.TempDir(), "m.jsonl")
	writeMetricsFile(t, path, 1000)
	execAll(t, eng, fmt.Sprintf(`CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'file', path = '%s');`, path))
	const query = `SELECT window_start, model, COUNT(*) AS n FROM TUMBLE(m, ts, INTERVAL '10' SECOND) GROUP BY window_start, model`

	sink := newCloseSink()
	q, err := execSelect(t, context.Background(), eng, query, sink)
	require.NoError(t, err)
	waitQueryStopped(t, q)
	require.NoError(t, q.Err())
	require.Equal(t, "finished", q.State())
	sink.requireClosedOnce(t)
	require.True(t, sink.liveAtEnd.Load(), "the context is live when the sink closes at end of input")
	// The events (writeMetricsFile) span 09:59:59.46 to 10:00:09.94, at
	// most 600 ms out of order (none late under a 1 s delay), the five
	// models in each of the windows [09:59:50, 10:00:00) and [10:00:00,
	// 10:00:10): 10 rows, all delivered, and rows_out counts each once.
	require.Equal(t, int64(10), sink.rows.Load())
	require.Equal(t, int64(10), q.Counters.RowsOut.Load())

	sink = newCloseSink()
	sink.closeErr = errors.New("flushing the last rows: disk full")
	q, err = execSelect(t, context.Background(), eng, query, sink)
	require.NoError(t, err)
	waitQueryStopped(t, q)
	require.ErrorIs(t, q.Err(), sink.closeErr)
	require.Equal(t, "failed: flushing the last rows: disk full", q.State())
	sink.requireClosedOnce(t)
}

// A sink whose Open fails is not closed (Open releases what it took), and
// the sources the query had already opened are closed: no file of theirs
// stays open.
func TestCloseAfterFailedStart(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	defer eng.Close()
	path := filepath.Join(t.TempDir(), "m.jsonl")
	writeMetricsFile(t, path, 10)
	execAll(t, eng, fmt.Sprintf(`CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, WATERMARK FOR ts AS ts)
  WITH (connector = 'file', path = '%s', follow = 'true');`, path))
	sink := newCloseSink()
	sink.openErr = errors.New("no room for the output")
	_, err := execSelect(t, context.Background(), eng, `SELECT model FROM m`, sink)
	require.ErrorIs(t, err, sink.openErr)
	require.Zero(t, sink.closes.Load(), "a sink whose Open failed is not closed")
	require.Empty(t, openFilesOf(t, path), "the source's file is closed")
}

// A file sink dropped while its query runs has closed its file, and the
// query's file source has closed its own, once DROP SINK returns.
func TestCloseFileSinkOnDrop(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	defer eng.Close()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "m.jsonl"), filepath.Join(dir, "out.jsonl")
	writeMetricsFile(t, in, 1000)
	res := execAll(t, eng, fmt.Sprintf(`CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, WATERMARK FOR ts AS ts)
  WITH (connector = 'file', path = '%s', follow = 'true');
CREATE SINK f AS SELECT model, latency_ms FROM m WITH (connector = 'file', path = '%s');`, in, out))
	q := res[1].Query
	waitFor(t, "the sink's first rows", func() bool {
		fi, err := os.Stat(out)
		return err == nil && fi.Size() > 0
	})
	require.NotEmpty(t, openFilesOf(t, out), "the running sink holds its file")
	execAll(t, eng, "DROP SINK f;")
	require.Equal(t, "cancelled", q.State())
	require.Empty(t, openFilesOf(t, out), "the dropped sink closed its file")
	require.Empty(t, openFilesOf(t, in), "the dropped sink's source closed its file")
	// Reachable until here: a file that only the garbage collector closes
	// (an unreachable os.File's finalizer) does not count as closed.
	goruntime.KeepAlive(q)
}

// openFilesOf lists this process's file descriptors open on path (Linux).
func openFilesOf(t *testing.T, path string) []string {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot list open files (/proc/self/fd): %v", err)
	}
	want, err := filepath.EvalSymlinks(path)
	require.NoError(t, err)
	var out []string
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && target == want {
			out = append(out, fd.Name())
		}
	}
	return out
}

// After a cancellation the query stays cancelled whatever its sink's
// Close says; a close error is told on stderr, naming the query, and not
// swallowed. One that only says the query's context is done is not.
func TestCloseErrorAfterCancelGoesToStderr(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, tc := range []struct {
		closeErr error
		want     string
	}{
		{errors.New("sink out: flushing: broken pipe"), "weir: query %s stopped, and closing it failed: sink out: flushing: broken pipe\n"},
		{fmt.Errorf("sink out: commit: %w", context.Canceled), ""},
	} {
		var log lockedLog
		eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &log})
		execAll(t, eng, endlessSource)
		sink := newCloseSink()
		sink.closeErr = tc.closeErr
		q, err := execSelect(t, context.Background(), eng, `SELECT model FROM gen`, sink)
		require.NoError(t, err)
		waitFirstRows(t, q, sink)
		q.Cancel()
		waitQueryStopped(t, q)
		require.Equal(t, "cancelled", q.State())
		require.NoError(t, q.Err())
		sink.requireClosedOnce(t)
		want := tc.want
		if want != "" {
			want = fmt.Sprintf(want, q.ID)
		}
		require.Equal(t, want, log.String())
		require.NoError(t, eng.Close())
	}
}

// In a server, a failed query's close error comes on stderr after the
// line that tells its failure.
func TestCloseErrorAfterFailureFollowsTheFailure(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var log lockedLog
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &log, Catalog: &memCatalog{}})
	defer eng.Close()
	execAll(t, eng, endlessSource)
	sink := newCloseSink()
	sink.panicRows = true
	sink.closeErr = errors.New("releasing the output: device busy")
	q, err := execSelect(t, context.Background(), eng, `SELECT model FROM gen`, sink)
	require.NoError(t, err)
	waitQueryStopped(t, q)
	require.Error(t, q.Err())
	require.Equal(t, "weir: query "+q.ID+" failed: "+q.Err().Error()+"\n"+
		"weir: query "+q.ID+" stopped, and closing it failed: releasing the output: device busy\n", log.String())
	sink.requireClosedOnce(t)
}
