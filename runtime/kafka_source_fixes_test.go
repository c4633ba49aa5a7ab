package runtime_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/goleak"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/internal/kafkatest"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/runtime"
	"github.com/weirdb/weir/sql"
)

// runsPerCase is how many times the determinism tests run their query: each
// run is a fresh engine and query over the same topic, in process.
const runsPerCase = 25

// boundedWindowQuery is the query of the determinism tests: delay 0,
// 1-minute windows, bounded.
const boundedWindowQuery = `CREATE SOURCE s (ts TIMESTAMP, k VARCHAR, v BIGINT, WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
  WITH (connector = 'kafka', topic = '%s', brokers = '%s', bounded = 'latest');
SELECT window_start, k, COUNT(*) AS n, SUM(v) AS sv FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start, k;`

// runBoundedOnce runs boundedWindowQuery over topic on a fresh engine and
// returns its rows, sorted, and its dead letters.
func runBoundedOnce(t *testing.T, addr, topic string) (rows, dead string) {
	t.Helper()
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	defer func() { require.NoError(t, eng.Close()) }()
	stmts, err := sql.Parse(fmt.Sprintf(boundedWindowQuery, topic, addr))
	require.NoError(t, err)
	_, err = eng.Exec(context.Background(), stmts[0], nil)
	require.NoError(t, err)
	rows = runQuery(t, eng, stmts[1].Text(), true)
	for _, r := range execAll(t, eng, `SELECT "partition", offset, reason, detail FROM weir_dead_letters ORDER BY offset`)[0].Rows {
		dead += strings.Join(r, " | ") + "\n"
	}
	return rows, dead
}

// TestKafkaEmptyPartitionsDoNotHoldTheWatermark is the audit's repro: topic
// "bad" has 3 partitions and every event in partition 0; partitions 1 and 2
// are empty, so they have ended when the source opens and never hold the
// watermark back (SEMANTICS.md §1: the minimum over partitions that have not
// ended). Partition 0 alone, delay 0 (W before each event):
//
//	offset 0 10:00:00 v=1  W=-inf      on time; W → 10:00:00
//	offset 1 10:00:00 v=2  W=10:00     [10:00,10:01) open; (11:00+01:00 is 10:00Z)
//	offset 2 10:05:00 v=3  W=10:00     on time; W → 10:05:00
//	offset 3 09:00:00 v=4  W=10:05     [09:00,09:01) ended at 09:01 ≤ W: too late
//	offset 4 10:00:00 v=5  W=10:05     [10:00,10:01) ended: too late (epoch ms)
//	offset 5 10:05:00.123 v=6          [10:05,10:06) open
//
// so the rows are {10:00, a, 2, 3} and {10:05, a, 2, 9}, and offsets 3 and 4
// are too_late dead letters, on every run.
func TestKafkaEmptyPartitionsDoNotHoldTheWatermark(t *testing.T) {
	checkLeaks(t)
	_, addr := kafkatest.NewCluster(t, map[string]int32{"bad": 3})
	kafkatest.Produce(t, addr, "bad", []kafkatest.Record{
		{Partition: 0, Value: `{"ts":"2026-11-09T10:00:00Z","k":"a","v":1}`},
		{Partition: 0, Value: `{"ts":"2026-11-09T11:00:00+01:00","k":"a","v":2}`},
		{Partition: 0, Value: `{"ts":"2026-11-09T10:05:00Z","k":"a","v":3}`},
		{Partition: 0, Value: `{"ts":"2026-11-09T09:00:00Z","k":"a","v":4}`},
		{Partition: 0, Value: `{"ts":1794218400000,"k":"a","v":5}`},
		{Partition: 0, Value: `{"ts":"2026-11-09T10:05:00.123Z","k":"a","v":6}`},
	})
	wantRows := "final | 10:00:00 | a | 2 | 3\nfinal | 10:05:00 | a | 2 | 9\n"
	wantDead := "0 | 3 | too_late | event time 2026-11-09T09:00:00.000Z is too late for every window (watermark 2026-11-09T10:05:00.000Z)\n" +
		"0 | 4 | too_late | event time 2026-11-09T10:00:00.000Z is too late for every window (watermark 2026-11-09T10:05:00.000Z)\n"
	for run := range runsPerCase {
		rows, dead := runBoundedOnce(t, addr, "bad")
		require.Equal(t, wantRows, rows, "run %d", run)
		require.Equal(t, wantDead, dead, "run %d", run)
	}
}

// TestKafkaBoundedInterleavingIsFixed: two partitions with data and one
// empty. Which events are too late depends on how the partitions'
// records interleave (the watermark is the minimum over partitions that have
// not ended), so a bounded source fixes the interleaving: blocks of offsets
// in (block, partition) order, each partition ended with its last records
// (docs/semantics.md §8). Here every record is in block 0, so:
//
//	partition 2: empty, ended at start
//	p0 offset 0 10:00:00 v=1  W=-inf (p1 has no event yet): on time
//	                          W_0=10:00, W=min(10:00, -inf)=-inf; p0 ends: W=W_1=-inf
//	p1 offset 0 10:06:00 v=2  W=-inf: on time; W → 10:06
//	p1 offset 1 10:01:00 v=3  [10:01,10:02) ended at 10:02 ≤ 10:06: too late
//
// Reading partition 1 first would accept v=3 (W = -inf while partition 0
// has no event), and reading partition 0's end after partition 1's records
// would too (W = min(10:00, 10:06)): before the fixed order, the result
// depended on which fetch answered first.
func TestKafkaBoundedInterleavingIsFixed(t *testing.T) {
	checkLeaks(t)
	_, addr := kafkatest.NewCluster(t, map[string]int32{"mix": 3})
	kafkatest.Produce(t, addr, "mix", []kafkatest.Record{
		{Partition: 1, Value: `{"ts":"2026-11-09T10:06:00Z","k":"b","v":2}`},
		{Partition: 1, Value: `{"ts":"2026-11-09T10:01:00Z","k":"b","v":3}`},
		{Partition: 0, Value: `{"ts":"2026-11-09T10:00:00Z","k":"a","v":1}`},
	})
	wantRows := "final | 10:00:00 | a | 1 | 1\nfinal | 10:06:00 | b | 1 | 2\n"
	wantDead := "1 | 1 | too_late | event time 2026-11-09T10:01:00.000Z is too late for every window (watermark 2026-11-09T10:06:00.000Z)\n"
	for run := range runsPerCase {
		rows, dead := runBoundedOnce(t, addr, "mix")
		require.Equal(t, wantRows, rows, "run %d", run)
		require.Equal(t, wantDead, dead, "run %d", run)
	}
}

// TestKafkaWatermarkLagOfSilentPartition: a partition that has received no
// event holds its source at −∞; its weir_watermark_lag_seconds is +Inf, so
// that an alert on the lag fires for it. The others report wall clock minus
// their watermark (the test clock reads 10:10:00).
func TestKafkaWatermarkLagOfSilentPartition(t *testing.T) {
	checkLeaks(t)
	_, addr := kafkatest.NewCluster(t, map[string]int32{"lag": 3})
	kafkatest.Produce(t, addr, "lag", []kafkatest.Record{
		{Partition: 0, Value: `{"ts":"2026-11-09T10:00:00Z","k":"a","v":1}`},
		{Partition: 1, Value: `{"ts":"2026-11-09T10:09:00Z","k":"b","v":2}`},
	})
	clock := newTestClock(time.UnixMilli(parseClock(t, "10:10:00")))
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Clock: clock, Stderr: &testLog{t: t}})
	defer func() { require.NoError(t, eng.Close()) }()
	execAll(t, eng, fmt.Sprintf(`CREATE SOURCE s (ts TIMESTAMP, k VARCHAR, v BIGINT, WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
  WITH (connector = 'kafka', topic = 'lag', brokers = '%s')`, addr))
	q, _ := startQuery(t, eng, `SELECT window_start, COUNT(*) AS n FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start`)
	lags := map[string]float64{}
	waitFor(t, "the lag of partitions 0 and 1", func() bool {
		lags = watermarkLags(t, eng)
		return lags["0"] == 600 && lags["1"] == 60
	})
	require.Equal(t, map[string]float64{"0": 600, "1": 60, "2": math.Inf(1)}, lags)
	q.Cancel()
	require.NoError(t, waitQuery(t, q))
}

// checkLeaks checks, once the test and its cleanups (the broker's) are
// done, that no goroutine it started is left.
func checkLeaks(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

// watermarkLags gathers weir_watermark_lag_seconds by partition.
func watermarkLags(t *testing.T, eng *runtime.Engine) map[string]float64 {
	t.Helper()
	mfs, err := eng.Registry().Gather()
	require.NoError(t, err)
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "weir_watermark_lag_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "partition" {
					out[l.GetValue()] = m.GetGauge().GetValue()
				}
			}
		}
	}
	return out
}

// groupTopic loads topic "grp": 4, 2 and 0 events in partitions 0, 1, 2.
func groupTopic(t *testing.T) string {
	_, addr := kafkatest.NewCluster(t, map[string]int32{"grp": 3})
	var recs []kafkatest.Record
	for i := range 4 {
		recs = append(recs, kafkatest.Record{Partition: 0, Value: fmt.Sprintf(`{"ts":"2026-11-09T10:00:0%dZ","k":"a","v":%d}`, i, i)})
		if i < 2 {
			recs = append(recs, kafkatest.Record{Partition: 1, Value: fmt.Sprintf(`{"ts":"2026-11-09T10:00:0%dZ","k":"b","v":%d}`, i, i)})
		}
	}
	kafkatest.Produce(t, addr, "grp", recs)
	return addr
}

const groupSource = `CREATE SOURCE s (ts TIMESTAMP, k VARCHAR, v BIGINT, WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
  WITH (connector = 'kafka', topic = 'grp', brokers = '%s', group_id = '%s'%s)`

// TestKafkaGroupCommitsWithoutCheckpoints: a query that takes no
// checkpoints (weir run without --state-dir) commits its read positions to
// group_id every commit_interval (default 5 s, Kafka's
// auto.commit.interval.ms) while it runs, so lag dashboards see it, and
// when it stops — at the end of a bounded input, or when it is cancelled.
// Partitions 0, 1, 2 hold 4, 2 and 0 events, so the positions are 4, 2, 0.
func TestKafkaGroupCommitsWithoutCheckpoints(t *testing.T) {
	checkLeaks(t)
	addr := groupTopic(t)
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	defer func() { require.NoError(t, eng.Close()) }()

	execAll(t, eng, fmt.Sprintf(groupSource, addr, "g-bounded", ", bounded = 'latest'"))
	out := runQuery(t, eng, `SELECT k, COUNT(*) AS n FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start, k`, true)
	require.Equal(t, "final | a | 4\nfinal | b | 2\n", out)
	require.Equal(t, map[int32]int64{0: 4, 1: 2, 2: 0}, kafkatest.CommittedOffsets(t, addr, "g-bounded", "grp"))

	execAll(t, eng, fmt.Sprintf(strings.Replace(groupSource, "CREATE SOURCE s", "CREATE SOURCE u", 1), addr, "g-running", ""))
	q, _ := startQuery(t, eng, `SELECT k, COUNT(*) AS n FROM TUMBLE(u, ts, INTERVAL '1' MINUTE) GROUP BY window_start, k`)
	waitFor(t, "6 events", func() bool { return q.Counters.EventsIn.Load() == 6 })
	// The periodic commit, while the query runs (it never ends by itself).
	took := kafkatest.WaitCommitted(t, addr, "g-running", "grp", map[int32]int64{0: 4, 1: 2, 2: 0})
	require.Equal(t, "running", q.State())
	t.Logf("group offsets visible %s after the last event was read", took)
	q.Cancel()
	require.NoError(t, waitQuery(t, q))
	require.Equal(t, map[int32]int64{0: 4, 1: 2, 2: 0}, kafkatest.CommittedOffsets(t, addr, "g-running", "grp"))
}

// TestKafkaGroupCommitsBeforeFirstCheckpoint: a checkpointed bounded run
// that ends before its first checkpoint (the interval is a minute) commits
// its final positions at the end of input.
func TestKafkaGroupCommitsBeforeFirstCheckpoint(t *testing.T) {
	checkLeaks(t)
	addr := groupTopic(t)
	store := runtime.NewMemoryCheckpoints()
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Checkpoints: store, Fingerprint: "grp-1", Stderr: &testLog{t: t}})
	defer func() { require.NoError(t, eng.Close()) }()
	execAll(t, eng, fmt.Sprintf(groupSource, addr, "g-ckpt", ", bounded = 'latest'"))
	out := runQuery(t, eng, `SELECT k, COUNT(*) AS n FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start, k`, true)
	require.Equal(t, "final | a | 4\nfinal | b | 2\n", out)
	require.Equal(t, 1, store.Commits, "the run took no checkpoint but its final one")
	require.Equal(t, map[int32]int64{0: 4, 1: 2, 2: 0}, kafkatest.CommittedOffsets(t, addr, "g-ckpt", "grp"))
}

// TestKafkaGroupCommitsFollowCheckpoints: a checkpointed query commits no
// read positions on its own while it runs (its group offsets follow
// checkpoints, never lead them: DESIGN.md); when a checkpoint completes,
// the offsets it holds are committed to the group, without the query
// waiting for the broker.
func TestKafkaGroupCommitsFollowCheckpoints(t *testing.T) {
	checkLeaks(t)
	addr := groupTopic(t)
	store := runtime.NewMemoryCheckpoints()
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Checkpoints: store, Fingerprint: "grp-2", Stderr: &testLog{t: t}})
	defer func() { require.NoError(t, eng.Close()) }()
	execAll(t, eng, fmt.Sprintf(groupSource, addr, "g-ckpt-running", ""))
	q, _ := startQuery(t, eng, `SELECT k, COUNT(*) AS n FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start, k`)
	waitFor(t, "6 events", func() bool { return q.Counters.EventsIn.Load() == 6 })
	require.Empty(t, kafkatest.CommittedOffsets(t, addr, "g-ckpt-running", "grp"), "committed before any checkpoint")
	ctx, cancel := context.WithTimeout(context.Background(), kafkaDeadline)
	defer cancel()
	require.NoError(t, q.Checkpoint(ctx))
	// The commit is sent in the background once the checkpoint is durable
	// (a slow broker never stalls the query at a checkpoint).
	kafkatest.WaitCommitted(t, addr, "g-ckpt-running", "grp", map[int32]int64{0: 4, 1: 2, 2: 0})
	q.Cancel()
	require.NoError(t, waitQuery(t, q))
}

// TestKafkaIdleAdvanceSpellings: idle_advance takes every boolean spelling
// CREATE SOURCE accepts, and the query runs with it (the Kafka source and
// the watermark assigner no longer refuse at run time what the planner
// accepted); a value it does not accept is an error at its position,
// without an internal prefix.
func TestKafkaIdleAdvanceSpellings(t *testing.T) {
	checkLeaks(t)
	_, addr := kafkatest.NewCluster(t, map[string]int32{"ia": 1})
	kafkatest.Produce(t, addr, "ia", []kafkatest.Record{{Partition: 0, Value: `{"ts":"2026-11-09T10:00:00Z","k":"a","v":1}`}})
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	defer func() { require.NoError(t, eng.Close()) }()
	for i, v := range []string{"yes", "1", "TRUE", "off", "0", "N"} {
		execAll(t, eng, fmt.Sprintf(`CREATE SOURCE s%d (ts TIMESTAMP, k VARCHAR, v BIGINT, WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
  WITH (connector = 'kafka', topic = 'ia', brokers = '%s', bounded = 'latest', idle_advance = '%s')`, i, addr, v))
		out := runQuery(t, eng, fmt.Sprintf(`SELECT k, COUNT(*) AS n FROM TUMBLE(s%d, ts, INTERVAL '1' MINUTE) GROUP BY window_start, k`, i), false)
		require.Equal(t, "final | a | 1\n", out, "idle_advance = %q", v)
	}
	stmts, err := sql.Parse(`CREATE SOURCE bad (ts TIMESTAMP, WATERMARK FOR ts AS ts)
  WITH (connector = 'kafka', topic = 'ia', brokers = 'b:9092', idle_advance = 'maybe')`)
	require.NoError(t, err)
	_, err = eng.Exec(context.Background(), stmts[0], nil)
	require.EqualError(t, err, "line 2, column 64: option idle_advance = 'maybe': expected true or false")
}

// TestKafkaMissingTopicFailsTheQuery: a source on a topic that does not
// exist fails its query with an error naming the topic, on a broker that
// creates topics on demand, and does not create it.
func TestKafkaMissingTopicFailsTheQuery(t *testing.T) {
	checkLeaks(t)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.SeedTopics(1, "present"))
	require.NoError(t, err)
	defer c.Close()
	addr := c.ListenAddrs()[0]
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	defer func() { require.NoError(t, eng.Close()) }()
	execAll(t, eng, fmt.Sprintf(`CREATE SOURCE m (ts TIMESTAMP, WATERMARK FOR ts AS ts)
  WITH (connector = 'kafka', topic = 'missing1', brokers = '%s', bounded = 'latest')`, addr))
	stmts, err := sql.Parse(`SELECT window_start, COUNT(*) AS n FROM TUMBLE(m, ts, INTERVAL '1' MINUTE) GROUP BY window_start`)
	require.NoError(t, err)
	_, err = eng.Exec(context.Background(), stmts[0], func(catalog.Schema) (operators.Operator, error) { return &collectSink{}, nil })
	require.EqualError(t, err, `source m: topic "missing1" does not exist on `+addr+` (a source does not create its topic)`)
	metadata := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr("missing1")
	metadata.Topics = append(metadata.Topics, rt)
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	require.NoError(t, err)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), kafkaDeadline)
	defer cancel()
	resp, err := metadata.RequestWith(ctx, cl)
	require.NoError(t, err)
	require.Equal(t, kerr.UnknownTopicOrPartition.Code, resp.Topics[0].ErrorCode, "the source created its topic")
}
