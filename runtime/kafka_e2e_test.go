package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	kafkago "github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/goleak"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/internal/kafkatest"
	"github.com/weirdb/weir/operators"
	kafkasink "github.com/weirdb/weir/operators/sink/kafka"
	"github.com/weirdb/weir/planner"
	"github.com/weirdb/weir/runtime"
	"github.com/weirdb/weir/sql"
)

// kafkaDeadline bounds every wait of the Kafka end-to-end tests.
const kafkaDeadline = 15 * time.Second

// testClock is a manual processing-time clock, safe for concurrent use.
type testClock struct{ ns atomic.Int64 }

func newTestClock(t time.Time) *testClock {
	c := &testClock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *testClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *testClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// newKafkaCluster starts an in-process broker on 127.0.0.1 with the given
// topics (name → partitions); it is closed when the test ends
// (kafkatest.NewCluster, under the name the sink tests use).
func newKafkaCluster(t testing.TB, topics map[string]int32) (*kfake.Cluster, string) {
	t.Helper()
	return kafkatest.NewCluster(t, topics)
}

// startQuery starts a SELECT whose rows go to a collecting sink; it does
// not wait for the query to end.
func startQuery(t testing.TB, eng *runtime.Engine, text string) (*runtime.Query, *collectSink) {
	t.Helper()
	stmts, err := sql.Parse(text)
	require.NoError(t, err)
	require.Len(t, stmts, 1)
	sink := &collectSink{}
	res, err := eng.Exec(context.Background(), stmts[0], func(schema catalog.Schema) (operators.Operator, error) {
		sink.schema = schema
		return sink, nil
	})
	require.NoError(t, err)
	return res.Query, sink
}

// execAll executes every statement of text.
func execAll(t testing.TB, eng *runtime.Engine, text string) []*runtime.Result {
	t.Helper()
	stmts, err := sql.Parse(text)
	require.NoError(t, err)
	var out []*runtime.Result
	for _, s := range stmts {
		res, err := eng.Exec(context.Background(), s, nil)
		require.NoError(t, err, "%s", s.Text())
		out = append(out, res)
	}
	return out
}

// waitQuery waits for a query to stop and returns its error.
func waitQuery(t testing.TB, q *runtime.Query) error {
	t.Helper()
	select {
	case <-q.Done():
		return q.Err()
	case <-time.After(kafkaDeadline):
		t.Fatalf("query %s did not stop within %s", q.ID, kafkaDeadline)
		return nil
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(kafkaDeadline)
	defer deadline.Stop()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("timed out after %s waiting for %s", kafkaDeadline, what)
		}
	}
}

// waitForOrGiveUp polls cond until it holds or the deadline passes.
func waitForOrGiveUp(cond func() bool) {
	deadline := time.Now().Add(kafkaDeadline)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() && time.Now().Before(deadline) {
		<-tick.C
	}
}

func renderRows(rows []string) string {
	if len(rows) == 0 {
		return "(no rows)\n"
	}
	return strings.Join(rows, "\n") + "\n"
}

func (c *collectSink) snapshot() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := append([]string(nil), c.rows...)
	sort.Strings(out)
	return out
}

func (c *collectSink) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.rows)
}

// parseClock reads HH:MM:SS on the test day (2026-11-09 UTC), or -inf.
func parseClock(t testing.TB, s string) int64 {
	t.Helper()
	if s == "-inf" {
		return math.MinInt64
	}
	ts, err := time.Parse("2006-01-02T15:04:05Z", "2026-11-09T"+s+"Z")
	require.NoError(t, err, "time %q", s)
	return ts.UnixMilli()
}

// showWatermarks executes SHOW WATERMARKS parsed from text and renders its
// rows with the timestamps shortened to HH:MM:SS.
func showWatermarks(t testing.TB, eng *runtime.Engine) string {
	t.Helper()
	res := execAll(t, eng, "SHOW WATERMARKS")[0]
	var sb strings.Builder
	sb.WriteString(strings.Join(res.Columns.Names(), " | "))
	sb.WriteByte('\n')
	for _, row := range res.Rows {
		for j, v := range row {
			if strings.HasPrefix(v, "2026-11-09T") {
				v = strings.TrimSuffix(strings.TrimPrefix(v, "2026-11-09T"), ".000Z")
			}
			row[j] = v
		}
		sb.WriteString(strings.Join(row, " | "))
		sb.WriteByte('\n')
	}
	return sb.String()
}

// TestKafkaEndToEnd runs the scripts in testdata/kafka against an in-process
// kfake broker, with a manual processing-time clock. Verbs:
//
//	broker topics=NAME:PARTITIONS[,...] clock=HH:MM:SS
//	                     starts the broker and an engine whose clock reads
//	                     2026-11-09THH:MM:SSZ; $BROKER in inputs is its address
//	exec                 executes the input's statements; prints "ok"
//	start                starts the input SELECT into a collecting sink
//	produce topic=T      one record a line: "PARTITION HH:MM:SS MODEL LATENCY"
//	                     (a JSON event), or "PARTITION raw TEXT" (TEXT as is)
//	wait [events=N] [watermark=HH:MM:SS] [rows=N]
//	                     waits until the query has read N events, its
//	                     watermark (after the union, as the operators see it)
//	                     is the given one, and its sink has N rows; prints
//	                     the sink's rows, sorted
//	advance by=DURATION  moves the processing-time clock
//	watermarks           prints SHOW WATERMARKS
//	held-back after=DURATION
//	                     prints what ReportHeldBack writes now (the clock)
//	cancel               cancels the query and waits for it
func TestKafkaEndToEnd(t *testing.T) {
	datadriven.Walk(t, "testdata/kafka", func(t *testing.T, path string) {
		defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
		var (
			addr    string
			cluster *kfake.Cluster
			clock   *testClock
			eng     *runtime.Engine
			q       *runtime.Query
			sink    *collectSink
			report  *runtime.HeldBackReporter
		)
		defer func() {
			if eng != nil {
				require.NoError(t, eng.Close())
			}
			if cluster != nil {
				cluster.Close()
			}
		}()
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			input := strings.ReplaceAll(td.Input, "$BROKER", addr)
			switch td.Cmd {
			case "broker":
				var topics, at string
				td.ScanArgs(t, "topics", &topics)
				td.ScanArgs(t, "clock", &at)
				m := map[string]int32{}
				for _, tp := range strings.Split(topics, ",") {
					name, n, ok := strings.Cut(tp, ":")
					require.True(t, ok, "topic %q", tp)
					parts, err := strconv.Atoi(n)
					require.NoError(t, err)
					m[name] = int32(parts)
				}
				// Closed by the deferred function above, before goleak looks.
				cluster, addr = kafkatest.NewCluster(t, m)
				clock = newTestClock(time.UnixMilli(parseClock(t, at)))
				eng = runtime.New(runtime.Options{Config: runtime.Defaults(), Clock: clock, Stderr: &testLog{t: t}})
				return ""
			case "exec":
				execAll(t, eng, input)
				return "ok\n"
			case "start":
				q, sink = startQuery(t, eng, input)
				return "ok\n"
			case "produce":
				var topic string
				td.ScanArgs(t, "topic", &topic)
				kafkatest.Produce(t, addr, topic, parseRecords(t, input))
				return ""
			case "wait":
				var events, rows int
				wm := ""
				if td.HasArg("events") {
					td.ScanArgs(t, "events", &events)
				}
				if td.HasArg("rows") {
					td.ScanArgs(t, "rows", &rows)
				}
				if td.HasArg("watermark") {
					td.ScanArgs(t, "watermark", &wm)
				}
				waitFor(t, td.Pos, func() bool {
					if q.Counters.EventsIn.Load() < int64(events) || sink.count() < rows {
						return false
					}
					return wm == "" || q.Watermark() == parseClock(t, wm)
				})
				return renderRows(sink.snapshot())
			case "advance":
				var by string
				td.ScanArgs(t, "by", &by)
				d, err := time.ParseDuration(by)
				require.NoError(t, err)
				clock.Advance(d)
				return ""
			case "watermarks":
				// The source goroutine publishes partition status after the
				// events it counted; wait for the expected state, then print
				// what is there.
				out := ""
				waitForOrGiveUp(func() bool {
					out = showWatermarks(t, eng)
					return out == td.Expected
				})
				return out
			case "held-back":
				var after string
				td.ScanArgs(t, "after", &after)
				d, err := time.ParseDuration(after)
				require.NoError(t, err)
				if report == nil {
					report = runtime.NewHeldBackReporter(d)
				}
				var buf bytes.Buffer
				report.Report(&buf, clock.Now(), eng.Queries())
				return buf.String()
			case "cancel":
				q.Cancel()
				require.NoError(t, waitQuery(t, q))
				return q.State() + "\n"
			}
			t.Fatalf("unknown command %q", td.Cmd)
			return ""
		})
	})
}

// parseRecords reads "PARTITION HH:MM:SS MODEL LATENCY" or
// "PARTITION raw TEXT" lines.
func parseRecords(t testing.TB, input string) []kafkatest.Record {
	t.Helper()
	var recs []kafkatest.Record
	for _, line := range strings.Split(strings.TrimSpace(input), "\n") {
		f := strings.Fields(line)
		require.GreaterOrEqual(t, len(f), 2, "record %q", line)
		p, err := strconv.Atoi(f[0])
		require.NoError(t, err)
		if f[1] == "raw" {
			recs = append(recs, kafkatest.Record{Partition: int32(p), Value: strings.TrimSpace(strings.SplitN(line, "raw", 2)[1])})
			continue
		}
		require.Len(t, f, 4, "record %q", line)
		recs = append(recs, kafkatest.Record{Partition: int32(p),
			Value: fmt.Sprintf(`{"ts":"2026-11-09T%sZ","model":%q,"latency_ms":%s}`, f[1], f[2], f[3])})
	}
	return recs
}

// keyedEventLines renders n llm-metrics events 3 s apart in event time,
// up to 60 s out of order (less than the 2-minute delay of the queries
// below, so that no event is late whatever the partitions' interleaving),
// over five models, with integral latencies so that sums print exactly.
func keyedEventLines(n int) []byte {
	models := []string{"gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "llama-3-70b", "mistral-large"}
	base := time.Date(2026, 11, 9, 10, 0, 0, 0, time.UTC).UnixMilli()
	var b bytes.Buffer
	for i := range n {
		ts := base + int64(i)*3000 - int64(i%7)*10_000
		fmt.Fprintf(&b, `{"ts":%d,"model":%q,"latency_ms":%d,"region":"eu"}`+"\n", ts, models[(i*7+i/5)%len(models)], 100+i%97)
	}
	return b.Bytes()
}

// produceKeyedLines loads JSON lines into topic keyed by model, with the
// murmur2 partitioner (as `weir produce --key-field model` does).
func produceKeyedLines(t testing.TB, addr, topic string, lines []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), kafkaDeadline)
	defer cancel()
	n, err := kafkasink.ProduceLines(ctx, []string{addr}, topic, "model", bytes.NewReader(lines))
	require.NoError(t, err)
	require.Equal(t, bytes.Count(lines, []byte("\n")), n)
}

// partitionSizes returns the end offset of each partition of topic.
func partitionSizes(t testing.TB, addr, topic string, partitions int) []int64 {
	t.Helper()
	out := make([]int64, partitions)
	for p := range partitions {
		ctx, cancel := context.WithTimeout(context.Background(), kafkaDeadline)
		conn, err := kafkago.DialLeader(ctx, "tcp", addr, topic, p)
		cancel()
		require.NoError(t, err)
		out[p], err = conn.ReadLastOffset()
		conn.Close()
		require.NoError(t, err)
	}
	return out
}

// readBack reads every message of every partition of topic with a plain
// kafka-go Reader pinned to the partition.
func readBack(t testing.TB, addr, topic string, partitions int) []kafkago.Message {
	t.Helper()
	var out []kafkago.Message
	for p, end := range partitionSizes(t, addr, topic, partitions) {
		r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: []string{addr}, Topic: topic, Partition: p,
			MinBytes: 1, MaxBytes: 1 << 20, MaxWait: 50 * time.Millisecond})
		ctx, cancel := context.WithTimeout(context.Background(), kafkaDeadline)
		for end > 0 {
			m, err := r.ReadMessage(ctx)
			require.NoError(t, err)
			out = append(out, m)
			if m.Offset+1 >= end {
				break
			}
		}
		cancel()
		require.NoError(t, r.Close())
	}
	return out
}

// windowQuery is the windowed aggregation the equivalence tests run over
// a source named SRC.
const windowQuery = `SELECT window_start, window_end, model, COUNT(*) AS n, SUM(latency_ms) AS total,
  MIN(latency_ms) AS lo, MAX(latency_ms) AS hi, AVG(latency_ms) AS mean
FROM TUMBLE(SRC, ts, INTERVAL '5' MINUTE) GROUP BY window_start, window_end, model`

const eventColumns = `ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, WATERMARK FOR ts AS ts - INTERVAL '2' MINUTE`

// fileRows runs windowQuery over lines read from a file and returns the
// rows, sorted.
func fileRows(t *testing.T, lines []byte) []string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "events.jsonl")
	require.NoError(t, os.WriteFile(path, lines, 0o644))
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	defer eng.Close()
	execAll(t, eng, fmt.Sprintf(`CREATE SOURCE f (%s) WITH (connector = 'file', path = '%s')`, eventColumns, path))
	out := runQuery(t, eng, strings.ReplaceAll(windowQuery, "SRC", "f"), true)
	return strings.Split(strings.TrimSpace(out), "\n")
}

func sumCounts(t *testing.T, rows []string) int {
	total := 0
	for _, r := range rows {
		f := strings.Split(r, " | ")
		n, err := strconv.Atoi(f[4])
		require.NoError(t, err, r)
		total += n
	}
	return total
}

// TestKafkaMatchesFile: the same events in a 3-partition topic keyed by
// model give exactly the same windows as read from a file. Per model the
// events keep their file order (one partition per key), and the source
// watermark over partitions is never ahead of the file's, so no event is
// late in either; sums per window and model add in the same order.
func TestKafkaMatchesFile(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const n = 2000
	lines := keyedEventLines(n)
	want := fileRows(t, lines)
	require.Equal(t, n, sumCounts(t, want))
	// 2000 events 3 s apart span 100 minutes: windows from 09:55 (the
	// first events are dated up to 60 s early) to 11:35, five models each.
	require.Greater(t, len(want), 5*20)

	cluster, addr := newKafkaCluster(t, map[string]int32{"events": 3})
	defer cluster.Close()
	produceKeyedLines(t, addr, "events", lines)
	nonEmpty := 0
	for _, size := range partitionSizes(t, addr, "events", 3) {
		if size > 0 {
			nonEmpty++
		}
	}
	require.GreaterOrEqual(t, nonEmpty, 2, "the keys should spread over partitions")

	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	defer eng.Close()
	execAll(t, eng, fmt.Sprintf(`CREATE SOURCE k (%s) WITH (connector = 'kafka', topic = 'events',
	  brokers = '%s', start_offset = 'earliest', bounded = 'latest')`, eventColumns, addr))
	got := runQuery(t, eng, strings.ReplaceAll(windowQuery, "SRC", "k"), true)
	require.Equal(t, strings.Join(want, "\n")+"\n", got)
}

// TestKafkaSinkRoundTrip writes windows to a topic with CREATE SINK ... AS
// and reads them back with a plain kafka-go reader.
func TestKafkaSinkRoundTrip(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cluster, addr := newKafkaCluster(t, map[string]int32{"events": 3, "results": 3})
	defer cluster.Close()
	kafkatest.Produce(t, addr, "events", parseRecords(t, `
0 10:00:10 a 100
0 10:03:00 a 50
0 10:06:00 a 7
1 10:01:00 b 200
1 10:05:30 b 20`))
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	defer eng.Close()
	res := execAll(t, eng, fmt.Sprintf(`
CREATE SOURCE events (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE)
WITH (connector = 'kafka', topic = 'events', brokers = '%[1]s', bounded = 'latest');
CREATE SINK out AS
  SELECT window_start, window_end, model, COUNT(*) AS n, SUM(latency_ms) AS total
  FROM TUMBLE(events, ts, INTERVAL '5' MINUTE) GROUP BY window_start, window_end, model
WITH (connector = 'kafka', topic = 'results', brokers = '%[1]s');`, addr))
	q := res[1].Query
	require.NotNil(t, q)
	require.NoError(t, waitQuery(t, q))
	require.Equal(t, "finished", q.State())

	// Partition 2 is empty and ends at once; at end of input W = +∞ closes
	// everything: [10:00,10:05) a 100+50, b 200; [10:05,10:10) a 7, b 20.
	const w0, w1, w2 = `"2026-11-09T10:00:00.000Z"`, `"2026-11-09T10:05:00.000Z"`, `"2026-11-09T10:10:00.000Z"`
	want := []string{
		`{"window_start":` + w0 + `,"window_end":` + w1 + `,"model":"a"} {"window_start":` + w0 + `,"window_end":` + w1 + `,"model":"a","n":2,"total":150,"_emit":"final"}`,
		`{"window_start":` + w0 + `,"window_end":` + w1 + `,"model":"b"} {"window_start":` + w0 + `,"window_end":` + w1 + `,"model":"b","n":1,"total":200,"_emit":"final"}`,
		`{"window_start":` + w1 + `,"window_end":` + w2 + `,"model":"a"} {"window_start":` + w1 + `,"window_end":` + w2 + `,"model":"a","n":1,"total":7,"_emit":"final"}`,
		`{"window_start":` + w1 + `,"window_end":` + w2 + `,"model":"b"} {"window_start":` + w1 + `,"window_end":` + w2 + `,"model":"b","n":1,"total":20,"_emit":"final"}`,
	}
	var got []string
	for _, m := range readBack(t, addr, "results", 3) {
		got = append(got, string(m.Key)+" "+string(m.Value))
	}
	sort.Strings(got)
	require.Equal(t, want, got)
}

// TestSinkKeyColsFromPlan: the key is window bounds then group keys, found
// through the SELECT list's order and aliases; a VARCHAR aggregate is not
// part of it (the sink's fallback, which takes every VARCHAR column, would
// add it).
func TestSinkKeyColsFromPlan(t *testing.T) {
	eng := runtime.New(runtime.Options{Config: runtime.Defaults()})
	defer eng.Close()
	execAll(t, eng, `CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, region VARCHAR, err VARCHAR, latency_ms DOUBLE,
	  WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE) WITH (connector = 'file', path = '/nonexistent')`)
	for _, tc := range []struct {
		query string
		want  []int
	}{
		{`SELECT window_start, window_end, model, COUNT(*) AS n FROM TUMBLE(m, ts, INTERVAL '5' MINUTE)
		  GROUP BY window_start, window_end, model`, []int{0, 1, 2}},
		// window_start is output 4, window_end 2, region 5, model 0.
		{`SELECT model AS m, COUNT(*) AS n, window_end, MIN(err) AS first_err, window_start, region
		  FROM TUMBLE(m, ts, INTERVAL '5' MINUTE) GROUP BY window_start, window_end, model, region`, []int{4, 2, 0, 5}},
		// Only window_start is selected; HAVING keeps the layout.
		{`SELECT window_start, region, MAX(err) AS e FROM HOP(m, ts, INTERVAL '1' MINUTE, INTERVAL '5' MINUTE)
		  GROUP BY window_start, region HAVING COUNT(*) > 1`, []int{0, 1}},
		// A computed key is not the key column.
		{`SELECT window_start, window_end, UPPER(model) AS um, COUNT(*) AS n FROM TUMBLE(m, ts, INTERVAL '5' MINUTE)
		  GROUP BY window_start, window_end, model`, []int{0, 1}},
		// No window: the sink's own default applies.
		{`SELECT model, latency_ms FROM m`, nil},
	} {
		stmts, err := sql.Parse(tc.query)
		require.NoError(t, err)
		plan, err := planner.PlanQuery(eng.Catalog(), stmts[0].(*sql.SelectStmt).Query)
		require.NoError(t, err, tc.query)
		require.Equal(t, tc.want, runtime.SinkKeyCols(plan), tc.query)
	}
}

// TestKafkaDeadLetterTopic: malformed and too-late events go to the
// dead-letter topic with the original payload and headers.
func TestKafkaDeadLetterTopic(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cluster, addr := newKafkaCluster(t, map[string]int32{"raw": 1, "dlq": 1})
	defer cluster.Close()
	kafkatest.Produce(t, addr, "raw", parseRecords(t, `
0 10:00:10 a 1
0 10:06:30 a 2
0 10:04:00 a 3
0 raw not json
0 raw {"ts":"yesterday","model":"a"}`))
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	execAll(t, eng, fmt.Sprintf(`CREATE SOURCE raw (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE,
	  WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE)
	WITH (connector = 'kafka', topic = 'raw', brokers = '%s', bounded = 'latest', dead_letter_topic = 'dlq')`, addr))
	// Offset 1 (10:06:30) moves W to 10:05:30, so offset 2 (10:04:00) finds
	// [10:00,10:05) closed: too late. Offsets 3 and 4 do not decode.
	out := runQuery(t, eng, `SELECT window_start, model, COUNT(*) AS n FROM TUMBLE(raw, ts, INTERVAL '5' MINUTE)
	  GROUP BY window_start, model`, true)
	require.Equal(t, "final | 10:00:00 | a | 1\nfinal | 10:05:00 | a | 1\n", out)
	require.NoError(t, eng.Close()) // flushes the dead-letter writer

	var got []string
	for _, m := range readBack(t, addr, "dlq", 1) {
		h := map[string]string{}
		for _, kv := range m.Headers {
			h[kv.Key] = string(kv.Value)
		}
		require.NotEmpty(t, h["detail"])
		got = append(got, fmt.Sprintf("offset=%s partition=%s source_topic=%s reason=%s value=%s",
			h["offset"], h["partition"], h["source_topic"], h["reason"], m.Value))
	}
	sort.Strings(got)
	require.Equal(t, []string{
		`offset=2 partition=0 source_topic=raw reason=too_late value={"ts":"2026-11-09T10:04:00Z","model":"a","latency_ms":3}`,
		`offset=3 partition=0 source_topic=raw reason=malformed value=not json`,
		`offset=4 partition=0 source_topic=raw reason=malformed value={"ts":"yesterday","model":"a"}`,
	}, got)
}

// TestKafkaFaultsLoseNoResult injects fetch faults (a dropped connection,
// then "not leader" twice) and produce faults (a dropped connection, then
// "not leader") with kfake's hooks into a topic-to-topic windowed query:
// every window still arrives exactly once, equal to the file's.
func TestKafkaFaultsLoseNoResult(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const n = 1500
	lines := keyedEventLines(n)
	want := fileRows(t, lines)

	cluster, addr := newKafkaCluster(t, map[string]int32{"events": 3, "results": 3})
	defer cluster.Close()
	produceKeyedLines(t, addr, "events", lines)

	var fetchDrops, produceDrops atomic.Int32
	cluster.ControlKey(int16(kmsg.Fetch), func(kmsg.Request) (kmsg.Response, error, bool) {
		fetchDrops.Add(1)
		return nil, errors.New("injected: connection dropped"), true
	})
	fetchFault := cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Fetch}, Err: kerr.NotLeaderForPartition, Count: 2})
	cluster.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		produceDrops.Add(1)
		return nil, errors.New("injected: connection dropped"), true
	})
	produceFault := cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Err: kerr.NotLeaderForPartition, Count: 1})

	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	defer eng.Close()
	res := execAll(t, eng, fmt.Sprintf(`
CREATE SOURCE k (%[1]s) WITH (connector = 'kafka', topic = 'events', brokers = '%[2]s', bounded = 'latest');
CREATE SINK out AS %[3]s WITH (connector = 'kafka', topic = 'results', brokers = '%[2]s');`,
		eventColumns, addr, strings.ReplaceAll(windowQuery, "SRC", "k")))
	require.NoError(t, waitQuery(t, res[1].Query))
	require.Equal(t, int32(1), fetchDrops.Load())
	require.Equal(t, 2, fetchFault.Hits())
	require.Equal(t, int32(1), produceDrops.Load())
	require.Equal(t, 1, produceFault.Hits())

	// Render each message as the file query's rows are rendered.
	var got []string
	keys := map[string]bool{}
	for _, m := range readBack(t, addr, "results", 3) {
		require.False(t, keys[string(m.Key)], "window %s written twice", m.Key)
		keys[string(m.Key)] = true
		var v struct {
			Start, End, Model, Emit string
			N                       int64
			Total, Lo, Hi, Mean     float64
		}
		require.NoError(t, json.Unmarshal(m.Value, &struct {
			Start *string  `json:"window_start"`
			End   *string  `json:"window_end"`
			Model *string  `json:"model"`
			N     *int64   `json:"n"`
			Total *float64 `json:"total"`
			Lo    *float64 `json:"lo"`
			Hi    *float64 `json:"hi"`
			Mean  *float64 `json:"mean"`
			Emit  *string  `json:"_emit"`
		}{&v.Start, &v.End, &v.Model, &v.N, &v.Total, &v.Lo, &v.Hi, &v.Mean, &v.Emit}))
		clock := func(s string) string {
			ts, err := time.Parse(time.RFC3339, s)
			require.NoError(t, err)
			return ts.UTC().Format("15:04:05")
		}
		g := func(f float64) string { return strconv.FormatFloat(f, 'g', 10, 64) }
		got = append(got, strings.Join([]string{v.Emit, clock(v.Start), clock(v.End), v.Model,
			strconv.FormatInt(v.N, 10), g(v.Total), g(v.Lo), g(v.Hi), g(v.Mean)}, " | "))
	}
	sort.Strings(got)
	require.Equal(t, want, got)
}

// kafkaBenchSink counts result rows.
type kafkaBenchSink struct{ rows int }

func (c *kafkaBenchSink) Open(*operators.Context) error { return nil }
func (c *kafkaBenchSink) Process(b *coldata.Batch, _ operators.Emitter) error {
	c.rows += b.Live()
	return nil
}
func (c *kafkaBenchSink) OnWatermark(int64, operators.Emitter) error { return nil }
func (c *kafkaBenchSink) Close() error                               { return nil }

// processCPU is the user+system CPU time of this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkKafkaTumbleEndToEnd is issue 4's figure: 500k JSON events
// (~110 bytes) in a 3-partition topic of an in-process kfake broker, read
// (bounded) through the engine — fetch, decode, per-partition watermarks, a
// 5-minute TUMBLE with COUNT and AVG per model — to a counting sink. It
// reports events/s of wall time and events per CPU-second of the whole
// process, which includes the broker serving the fetches.
func BenchmarkKafkaTumbleEndToEnd(b *testing.B) {
	const n = 500_000
	_, addr := newKafkaCluster(b, map[string]int32{"bench": 3})
	models := []string{"gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "llama-3-70b", "mistral-large"}
	base := time.Date(2026, 11, 9, 10, 0, 0, 0, time.UTC).UnixMilli()
	recs := make([]kafkatest.Record, n)
	for i := range recs {
		ts := base + int64(i)*10 - int64(i%7)*100
		m := i % len(models)
		recs[i] = kafkatest.Record{Partition: int32(m % 3), Value: fmt.Sprintf(`{"ts":%d,"model":%q,"latency_ms":%d.%d,"tokens":%d,"region":"eu"}`,
			ts, models[m], 200+i%1700, i%10, 100+i%3900)}
	}
	kafkatest.Produce(b, addr, "bench", recs)
	stmts, err := sql.Parse(fmt.Sprintf(`CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, tokens BIGINT,
  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)
  WITH (connector = 'kafka', topic = 'bench', brokers = '%s', bounded = 'latest');
SELECT window_start, model, COUNT(*) AS n, AVG(latency_ms) AS avg_latency
FROM TUMBLE(m, ts, INTERVAL '5' MINUTE) GROUP BY window_start, model;`, addr))
	require.NoError(b, err)
	b.ReportAllocs()
	b.ResetTimer()
	var cpu, wall time.Duration
	for range b.N {
		eng := runtime.New(runtime.Options{Config: runtime.Defaults()})
		_, err := eng.Exec(context.Background(), stmts[0], nil)
		require.NoError(b, err)
		sink := &kafkaBenchSink{}
		c0, t0 := processCPU(), time.Now()
		res, err := eng.Exec(context.Background(), stmts[1], func(catalog.Schema) (operators.Operator, error) { return sink, nil })
		require.NoError(b, err)
		<-res.Query.Done()
		wall += time.Since(t0)
		cpu += processCPU() - c0
		require.NoError(b, res.Query.Err())
		require.Equal(b, int64(n), res.Query.Counters.EventsIn.Load())
		require.Positive(b, sink.rows)
		require.NoError(b, eng.Close())
	}
	b.ReportMetric(float64(n)*float64(b.N)/wall.Seconds(), "events/s")
	b.ReportMetric(float64(n)*float64(b.N)/cpu.Seconds(), "events/cpu-s")
}
