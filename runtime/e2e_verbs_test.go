package runtime_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/runtime"
	"github.com/weirdb/weir/sql"
)

// waitDeadline bounds every wait of the end-to-end verbs.
const waitDeadline = 10 * time.Second

// e2eExt holds the state of the extra end-to-end verbs for one test file.
// Verbs:
//
//	counters              prints the late/dropped counters (SEMANTICS.md §4:
//	                      weir_late_events_total, weir_dropped_events_total)
//	                      of the last query the file ran
//	clock-engine now=T    starts a second engine whose processing-time clock
//	                      is a manual clock set to T (RFC 3339); the verbs
//	                      below act on it
//	clock-exec            executes the input's statements on that engine
//	clock-query           starts the input SELECT in the background (its
//	                      sources tail their files) and collects its rows
//	append name=N         appends the input lines to $TMP/N
//	wait-watermark t=T    waits until the clock query's watermark is ≥ T
//	                      (HH:MM:SS on the test day, 2026-11-09 UTC)
//	advance by=D          moves the manual clock forward by D (Go duration);
//	                      the runtime's timer then calls OnTimer with it
//	wait-rows n=N         waits until N rows arrived since the last
//	                      wait-rows and prints them, sorted
//	timer-pass-no-rows    waits for a timer pass of the runtime (OnTimer
//	                      with the manual clock's current time) that
//	                      began after this verb, then fails the test if
//	                      rows arrived since the last wait (printing
//	                      them): checks that EARLY EVERY is not yet due
//
// Nothing sleeps: every wait polls its condition until a deadline.
type e2eExt struct {
	dir   string
	clock *manualClock
	eng   *runtime.Engine
	query *runtime.Query
	sink  *timedSink
	seen  int
}

// timedSink is the clock query's sink: a collectSink that counts the
// runtime's timer passes. The runtime calls OnTimer on each operator of
// the query's chain in order, the sink last, with one reading of the
// clock; so when a pass is counted, the window operator's OnTimer of that
// pass has returned and the rows it emitted are in the sink.
type timedSink struct {
	*collectSink
	passes atomic.Int64
}

// OnTimer implements operators.TimerOperator.
func (s *timedSink) OnTimer(time.Time, operators.Emitter) error {
	s.passes.Add(1)
	return nil
}

func newE2EExt(t *testing.T, dir string) *e2eExt { return &e2eExt{dir: dir} }

func (x *e2eExt) close() {
	if x.eng != nil {
		_ = x.eng.Close()
	}
}

// run handles one extra verb; ok is false for an unknown verb.
func (x *e2eExt) run(t *testing.T, eng *runtime.Engine, td *datadriven.TestData, input string) (out string, ok bool) {
	switch td.Cmd {
	case "counters":
		qs := eng.Queries()
		if x.eng != nil {
			qs = x.eng.Queries()
		}
		require.NotEmpty(t, qs, "counters: no query has run")
		q := qs[len(qs)-1]
		return fmt.Sprintf("late=%d dropped=%d\n", q.Counters.LateEvents.Load(), q.Counters.DroppedEvents.Load()), true
	case "clock-engine":
		var now string
		td.ScanArgs(t, "now", &now)
		start, err := time.Parse(time.RFC3339, now)
		require.NoError(t, err)
		x.clock = &manualClock{now: start}
		x.eng = runtime.New(runtime.Options{Config: runtime.Defaults(), Clock: x.clock, Stderr: &testLog{t: t}})
		return "", true
	case "clock-exec":
		require.NotNil(t, x.eng, "clock-exec before clock-engine")
		stmts, err := sql.Parse(input)
		if err != nil {
			return err.Error() + "\n", true
		}
		for _, s := range stmts {
			if _, err := x.eng.Exec(context.Background(), s, nil); err != nil {
				return err.Error() + "\n", true
			}
		}
		return "ok\n", true
	case "clock-query":
		require.NotNil(t, x.eng, "clock-query before clock-engine")
		stmts, err := sql.Parse(input)
		if err != nil {
			return err.Error() + "\n", true
		}
		require.Len(t, stmts, 1)
		x.sink = &timedSink{collectSink: &collectSink{}}
		res, err := x.eng.Exec(context.Background(), stmts[0], func(schema catalog.Schema) (operators.Operator, error) {
			x.sink.schema = schema
			return x.sink, nil
		})
		if err != nil {
			return err.Error() + "\n", true
		}
		x.query, x.seen = res.Query, 0
		return "started\n", true
	case "append":
		var name string
		td.ScanArgs(t, "name", &name)
		f, err := os.OpenFile(filepath.Join(x.dir, name), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		require.NoError(t, err)
		_, err = f.WriteString(input + "\n")
		require.NoError(t, err)
		require.NoError(t, f.Close())
		return "", true
	case "wait-watermark":
		var at string
		td.ScanArgs(t, "t", &at)
		want := dayTime(t, at)
		x.waitFor(t, fmt.Sprintf("watermark ≥ %s", at), func() bool { return x.query.Watermark() >= want })
		return "", true
	case "advance":
		var by string
		td.ScanArgs(t, "by", &by)
		d, err := time.ParseDuration(by)
		require.NoError(t, err)
		x.clock.advance(d)
		return "", true
	case "wait-rows":
		var n int
		td.ScanArgs(t, "n", &n)
		var rows []string
		x.waitFor(t, fmt.Sprintf("%d new rows", n), func() bool {
			x.sink.mu.Lock()
			defer x.sink.mu.Unlock()
			if len(x.sink.rows)-x.seen < n {
				return false
			}
			rows = append(rows, x.sink.rows[x.seen:]...)
			x.seen = len(x.sink.rows)
			return true
		})
		if len(rows) == 0 {
			return "", true
		}
		sort.Strings(rows)
		return strings.Join(rows, "\n") + "\n", true
	case "timer-pass-no-rows":
		// The first pass to end after now may have begun before (with the
		// operator's state of then); the second began after the first
		// ended, so after now, and read the clock's current time.
		from := x.sink.passes.Load()
		x.waitFor(t, "a timer pass", func() bool { return x.sink.passes.Load() >= from+2 })
		x.sink.mu.Lock()
		rows := slices.Clone(x.sink.rows[x.seen:])
		x.seen = len(x.sink.rows)
		x.sink.mu.Unlock()
		if len(rows) == 0 {
			return "", true
		}
		sort.Strings(rows)
		t.Errorf("timer pass at %s: want no rows, got %d", x.clock.Now().Format(time.RFC3339), len(rows))
		return strings.Join(rows, "\n") + "\n", true
	}
	return "", false
}

// waitFor polls cond until it holds, failing the test after waitDeadline
// or when the clock query stops first.
func (x *e2eExt) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	require.NotNil(t, x.query, "no clock query is running")
	deadline := time.After(waitDeadline)
	poll := time.NewTicker(time.Millisecond)
	defer poll.Stop()
	for !cond() {
		select {
		case <-deadline:
			t.Fatalf("waiting for %s: deadline exceeded", what)
		case <-x.query.Done():
			if !cond() {
				t.Fatalf("waiting for %s: query stopped: %v", what, x.query.Err())
			}
			return
		case <-poll.C:
		}
	}
}

// dayTime parses HH:MM:SS[.mmm] on the test day into epoch milliseconds.
func dayTime(t *testing.T, s string) int64 {
	ts, err := time.Parse("2006-01-02T15:04:05.000Z", "2026-11-09T"+s+map[bool]string{true: "", false: ".000"}[strings.Contains(s, ".")]+"Z")
	require.NoError(t, err)
	return ts.UnixMilli()
}

// manualClock is processing time that moves only when the test says so.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
