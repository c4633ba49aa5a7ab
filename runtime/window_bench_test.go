package runtime_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/runtime"
	"github.com/weirdb/weir/sql"
)

// benchEvents is the number of events of each window benchmark's file.
const benchEvents = 1_000_000

// metricsSourceSQL declares source m over the JSON-lines file at path.
func metricsSourceSQL(path string) string {
	return fmt.Sprintf(`CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, cost DOUBLE,
  tokens BIGINT, error VARCHAR, WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)
  WITH (connector = 'file', path = '%s');`, path)
}

// benchFileQuery runs query over the source that create declares, b.N
// times, each on a fresh engine, and reports events/s (wall) and events per
// CPU-second (user+system time of the whole process), as
// BenchmarkFileTumbleEndToEnd does.
func benchFileQuery(b *testing.B, create, query string, n int, size int64) {
	cs, err := sql.Parse(create)
	if err != nil {
		b.Fatal(err)
	}
	qs, err := sql.Parse(query)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	var cpu, wall time.Duration
	rows := 0
	for i := 0; i < b.N; i++ {
		eng := runtime.New(runtime.Options{Config: runtime.Defaults()})
		if _, err := eng.Exec(context.Background(), cs[0], nil); err != nil {
			b.Fatal(err)
		}
		sink := &countSink{}
		c0, t0 := cpuTime(), time.Now()
		res, err := eng.Exec(context.Background(), qs[0], func(catalog.Schema) (operators.Operator, error) { return sink, nil })
		if err != nil {
			b.Fatal(err)
		}
		<-res.Query.Done()
		wall += time.Since(t0)
		cpu += cpuTime() - c0
		if err := res.Query.Err(); err != nil {
			b.Fatal(err)
		}
		if got := res.Query.Counters.EventsIn.Load(); got != int64(n) {
			b.Fatalf("read %d events, want %d", got, n)
		}
		rows = sink.rows
		eng.Close()
	}
	b.ReportMetric(float64(n)*float64(b.N)/wall.Seconds(), "events/s")
	b.ReportMetric(float64(n)*float64(b.N)/cpu.Seconds(), "events/cpu-s")
	b.ReportMetric(float64(rows), "rows")
}

// BenchmarkFileHopEndToEnd is the HOP figure of issue 3: the query of
// BenchmarkFileTumbleEndToEnd (COUNT and AVG per model) over 15-minute
// windows sliding every minute, so each event is in 15 windows (one pane).
func BenchmarkFileHopEndToEnd(b *testing.B) {
	path := filepath.Join(b.TempDir(), "m.jsonl")
	size := writeMetricsFile(b, path, benchEvents)
	benchFileQuery(b, metricsSourceSQL(path), `SELECT window_start, model, COUNT(*) AS n, AVG(latency_ms) AS avg_latency
FROM HOP(m, ts, INTERVAL '1' MINUTE, INTERVAL '15' MINUTE) GROUP BY window_start, model;`, benchEvents, size)
}

// BenchmarkFileTumbleSameQuery is BenchmarkFileHopEndToEnd's baseline: the
// same file and aggregates over a 15-minute TUMBLE.
func BenchmarkFileTumbleSameQuery(b *testing.B) {
	path := filepath.Join(b.TempDir(), "m.jsonl")
	size := writeMetricsFile(b, path, benchEvents)
	benchFileQuery(b, metricsSourceSQL(path), `SELECT window_start, model, COUNT(*) AS n, AVG(latency_ms) AS avg_latency
FROM TUMBLE(m, ts, INTERVAL '15' MINUTE) GROUP BY window_start, model;`, benchEvents, size)
}

// writeUsersFile writes n events, 10 ms apart in event time and a little out
// of order, for users u-000000 ... u-(users−1) in turn.
func writeUsersFile(tb testing.TB, path string, n, users int) int64 {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	start := time.Date(2026, 11, 9, 10, 0, 0, 0, time.UTC).UnixMilli()
	for i := 0; i < n; i++ {
		ts := start + int64(i)*10 - int64(i%7)*100
		fmt.Fprintf(w, `{"ts":%d,"user":"u-%06d","rating":%d,"latency_ms":%d.%d}`+"\n", ts, i%users, 1+i%5, 200+i%1700, i%10)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	st, _ := f.Stat()
	f.Close()
	return st.Size()
}

// BenchmarkFileSessionEndToEnd is the SESSION figure of issue 3: 1M events
// over 100k users (each user every 1,000 s of event time), a 30-minute gap
// capped at 4 hours, COUNT and AVG per session: 100k sessions open at once.
func BenchmarkFileSessionEndToEnd(b *testing.B) {
	path := filepath.Join(b.TempDir(), "u.jsonl")
	size := writeUsersFile(b, path, benchEvents, 100_000)
	create := fmt.Sprintf(`CREATE SOURCE u (ts TIMESTAMP, "user" VARCHAR, rating BIGINT, latency_ms DOUBLE,
  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND) WITH (connector = 'file', path = '%s');`, path)
	benchFileQuery(b, create, `SELECT "user", window_start, window_end, COUNT(*) AS n, AVG(rating) AS avg_rating
FROM SESSION(u, ts, INTERVAL '30' MINUTE, INTERVAL '4' HOUR) GROUP BY window_start, window_end, "user";`, benchEvents, size)
}

// BenchmarkFilePercentileEndToEnd measures the percentile aggregates per
// 5-minute window and model: exact PERCENTILE_CONT keeps every value,
// APPROX_PERCENTILE one DDSketch per (window, model).
func BenchmarkFilePercentileEndToEnd(b *testing.B) {
	path := filepath.Join(b.TempDir(), "m.jsonl")
	size := writeMetricsFile(b, path, benchEvents)
	for _, fn := range []string{"PERCENTILE_CONT", "APPROX_PERCENTILE"} {
		b.Run(fn, func(b *testing.B) {
			benchFileQuery(b, metricsSourceSQL(path), fmt.Sprintf(`SELECT window_start, model, %s(latency_ms, 0.95) AS p95
FROM TUMBLE(m, ts, INTERVAL '5' MINUTE) GROUP BY window_start, model;`, fn), benchEvents, size)
		})
	}
}
