package runtime_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/internal/kafkatest"
	"github.com/weirdb/weir/runtime"
)

// watermarkReport renders runtime.WatermarkRows (what SHOW WATERMARKS
// lists) at the engine clock's time, timestamps shortened to HH:MM:SS on
// the test day.
func watermarkReport(eng *runtime.Engine, now time.Time) string {
	var sb strings.Builder
	sb.WriteString(strings.Join(runtime.WatermarkColumns, " | "))
	sb.WriteByte('\n')
	for _, row := range runtime.WatermarkRows(eng.Queries(), now) {
		for j, v := range row {
			if strings.HasPrefix(v, "2026-11-09T") {
				row[j] = strings.TrimSuffix(strings.TrimPrefix(v, "2026-11-09T"), ".000Z")
			}
		}
		sb.WriteString(strings.Join(row, " | "))
		sb.WriteByte('\n')
	}
	return sb.String()
}

// waitReport waits until the watermark report reads want (the source
// goroutine publishes partition status after each read), then checks it.
func waitReport(t *testing.T, eng *runtime.Engine, clock *testClock, want string) {
	t.Helper()
	got := ""
	waitForOrGiveUp(func() bool {
		got = watermarkReport(eng, clock.Now())
		return got == want
	})
	require.Equal(t, want, got)
}

const reportHeader = "query | source | partition | watermark | max_event_time | idle | ended | holds_back | source_watermark | note\n"

// TestWatermarkReportListsPartitionsAtStart: right after CREATE
// MATERIALIZED VIEW returns, before any record and without waiting, the
// report lists every partition of the Kafka source's topic with no event
// yet: W_p = M_p = −∞ (SEMANTICS.md §1, before the first event), each
// active and so holding the source watermark at −∞.
func TestWatermarkReportListsPartitionsAtStart(t *testing.T) {
	checkLeaks(t)
	_, addr := kafkatest.NewCluster(t, map[string]int32{"quiet": 3})
	clock := newTestClock(time.UnixMilli(parseClock(t, "10:00:00")))
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Clock: clock, Stderr: &testLog{t: t}, Catalog: &memCatalog{}})
	defer func() { require.NoError(t, eng.Close()) }()
	execAll(t, eng, fmt.Sprintf(`CREATE SOURCE s (ts TIMESTAMP, k VARCHAR, v BIGINT, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
  WITH (connector = 'kafka', topic = 'quiet', brokers = '%s');
CREATE MATERIALIZED VIEW per_k AS SELECT window_start, k, COUNT(*) AS n FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start, k`, addr))
	const noEvents = "-inf | -inf | false | false | true | -inf | no events yet: holds the source watermark at -inf\n"
	require.Equal(t, reportHeader+
		"q1 | s | 0 | "+noEvents+
		"q1 | s | 1 | "+noEvents+
		"q1 | s | 2 | "+noEvents,
		watermarkReport(eng, clock.Now()))
}

// TestWatermarkReportStoppedQuery: a query that has stopped without
// reaching the end of its input (cancelled, failed) holds no source back:
// its partitions are listed with the watermarks it left and holds_back
// false, not "holds the source watermark back" with a frozen watermark.
func TestWatermarkReportStoppedQuery(t *testing.T) {
	checkLeaks(t)
	_, addr := kafkatest.NewCluster(t, map[string]int32{"quiet": 2})
	clock := newTestClock(time.UnixMilli(parseClock(t, "10:00:00")))
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Clock: clock, Stderr: &testLog{t: t}, Catalog: &memCatalog{}})
	defer func() { require.NoError(t, eng.Close()) }()
	execAll(t, eng, fmt.Sprintf(`CREATE SOURCE s (ts TIMESTAMP, k VARCHAR, v BIGINT, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
  WITH (connector = 'kafka', topic = 'quiet', brokers = '%s');
CREATE MATERIALIZED VIEW per_k AS SELECT window_start, k, COUNT(*) AS n FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start, k`, addr))
	q := eng.Queries()[0]
	q.Cancel()
	<-q.Done()
	const stopped = "-inf | -inf | false | false | false | -inf | the query has stopped; watermarks as it left them\n"
	require.Equal(t, reportHeader+
		"q1 | s | 0 | "+stopped+
		"q1 | s | 1 | "+stopped,
		watermarkReport(eng, clock.Now()))
}

// TestWatermarkReportIdleAdvance: with idle_advance = 'true' and every
// partition idle, the source watermark follows processing time minus the
// delay while each partition's W_p stays where its last event left it; the
// report shows the advancing source watermark and says why. Delay 1 minute,
// idle_timeout 10s, clock 10:10:00:
//
//	p0 10:00:10 → W_0 = 09:59:10; p1 10:01:00 → W_1 = 10:00:00;
//	p2 10:02:00, 10:07:00 → W_2 = 10:06:00; source W = min = 09:59:10 (p0 holds it)
//	+10s (10:10:10): all idle → source W = 10:10:10 − 1m = 10:09:10
//	+50s (10:11:00): source W = 10:10:00
func TestWatermarkReportIdleAdvance(t *testing.T) {
	checkLeaks(t)
	_, addr := kafkatest.NewCluster(t, map[string]int32{"metrics": 3})
	clock := newTestClock(time.UnixMilli(parseClock(t, "10:10:00")))
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Clock: clock, Stderr: &testLog{t: t}})
	defer func() { require.NoError(t, eng.Close()) }()
	execAll(t, eng, fmt.Sprintf(`CREATE SOURCE metrics (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE,
  WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE)
WITH (connector = 'kafka', topic = 'metrics', brokers = '%s', idle_timeout = '10s', idle_advance = 'true')`, addr))
	q, _ := startQuery(t, eng, `SELECT window_start, model, COUNT(*) AS n FROM TUMBLE(metrics, ts, INTERVAL '5' MINUTE) GROUP BY window_start, model`)
	kafkatest.Produce(t, addr, "metrics", parseRecords(t, `
0 10:00:10 a 1
1 10:01:00 b 2
2 10:02:00 c 3
2 10:07:00 c 4`))
	waitFor(t, "4 events", func() bool { return q.Counters.EventsIn.Load() == 4 })
	waitReport(t, eng, clock, reportHeader+
		"q1 | metrics | 0 | 09:59:10 | 10:00:10 | false | false | true | 09:59:10 | holds the source watermark back\n"+
		"q1 | metrics | 1 | 10:00:00 | 10:01:00 | false | false | false | 09:59:10 | active\n"+
		"q1 | metrics | 2 | 10:06:00 | 10:07:00 | false | false | false | 09:59:10 | active\n")

	const why = "idle; every partition is idle, so the source watermark follows processing time minus the delay (idle_advance)\n"
	clock.Advance(10 * time.Second)
	waitReport(t, eng, clock, reportHeader+
		"q1 | metrics | 0 | 09:59:10 | 10:00:10 | true | false | false | 10:09:10 | "+why+
		"q1 | metrics | 1 | 10:00:00 | 10:01:00 | true | false | false | 10:09:10 | "+why+
		"q1 | metrics | 2 | 10:06:00 | 10:07:00 | true | false | false | 10:09:10 | "+why)

	clock.Advance(50 * time.Second)
	waitReport(t, eng, clock, reportHeader+
		"q1 | metrics | 0 | 09:59:10 | 10:00:10 | true | false | false | 10:10:00 | "+why+
		"q1 | metrics | 1 | 10:00:00 | 10:01:00 | true | false | false | 10:10:00 | "+why+
		"q1 | metrics | 2 | 10:06:00 | 10:07:00 | true | false | false | 10:10:00 | "+why)
	q.Cancel()
	require.NoError(t, waitQuery(t, q))
}

// TestWatermarkReportIdleHolds: without idle_advance, once every partition
// is idle the source watermark holds where it was (SEMANTICS.md §1), and the
// report says so. Delay 0, idle_timeout 10s: p0 10:00:00, p1 10:05:00 →
// source W = min = 10:00:00, held by p0. 10s later both deadlines have
// passed; they are equal, so the partitions go idle lowest W_p first
// (docs/kafka.md): p0 leaves the minimum, W = W_1 = 10:05:00, then p1 goes
// idle and W holds at 10:05:00.
func TestWatermarkReportIdleHolds(t *testing.T) {
	checkLeaks(t)
	_, addr := kafkatest.NewCluster(t, map[string]int32{"two": 2})
	clock := newTestClock(time.UnixMilli(parseClock(t, "10:06:00")))
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Clock: clock, Stderr: &testLog{t: t}})
	defer func() { require.NoError(t, eng.Close()) }()
	execAll(t, eng, fmt.Sprintf(`CREATE SOURCE s (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE,
  WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
WITH (connector = 'kafka', topic = 'two', brokers = '%s', idle_timeout = '10s')`, addr))
	q, _ := startQuery(t, eng, `SELECT window_start, COUNT(*) AS n FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start`)
	kafkatest.Produce(t, addr, "two", parseRecords(t, `
0 10:00:00 a 1
1 10:05:00 b 2`))
	waitFor(t, "2 events", func() bool { return q.Counters.EventsIn.Load() == 2 })
	waitReport(t, eng, clock, reportHeader+
		"q1 | s | 0 | 10:00:00 | 10:00:00 | false | false | true | 10:00:00 | holds the source watermark back\n"+
		"q1 | s | 1 | 10:05:00 | 10:05:00 | false | false | false | 10:00:00 | active\n")

	const why = "idle; every partition is idle, so the source watermark holds (idle_advance is off)\n"
	clock.Advance(10 * time.Second)
	waitReport(t, eng, clock, reportHeader+
		"q1 | s | 0 | 10:00:00 | 10:00:00 | true | false | false | 10:05:00 | "+why+
		"q1 | s | 1 | 10:05:00 | 10:05:00 | true | false | false | 10:05:00 | "+why)
	q.Cancel()
	require.NoError(t, waitQuery(t, q))
}
