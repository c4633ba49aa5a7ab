package runtime_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/runtime"
	"github.com/weirdb/weir/sql"
)

// writeMetricsFile writes n llm_metrics-shaped events (~150 bytes each),
// 10 ms apart in event time and a little out of order, to path.
func writeMetricsFile(tb testing.TB, path string, n int) int64 {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	models := []string{"gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "llama-3-70b", "mistral-large"}
	start := time.Date(2026, 11, 9, 10, 0, 0, 0, time.UTC).UnixMilli()
	for i := 0; i < n; i++ {
		ts := start + int64(i)*10 - int64(i%7)*100
		fmt.Fprintf(w, `{"ts":%d,"model":"%s","latency_ms":%d.%d,"cost":0.00%d,"tokens":%d,"error":null,"region":"us-east-1","user":"u-%06d"}`+"\n",
			ts, models[i%len(models)], 200+i%1700, i%10, 1000+i%9000, 100+i%3900, i%50000)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	st, _ := f.Stat()
	f.Close()
	return st.Size()
}

type countSink struct{ rows int }

func (c *countSink) Open(*operators.Context) error { return nil }
func (c *countSink) Process(b *coldata.Batch, _ operators.Emitter) error {
	c.rows += b.Live()
	return nil
}
func (c *countSink) OnWatermark(int64, operators.Emitter) error { return nil }
func (c *countSink) Close() error                               { return nil }

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkFileTumbleEndToEnd is issue 2's end-to-end figure: a 1M-event
// JSON-lines file through decode, watermarks, a 5-minute TUMBLE with COUNT
// and AVG per model, to a counting sink. Reports events/s (wall) and events
// per CPU-second (user+system time of the whole process).
func BenchmarkFileTumbleEndToEnd(b *testing.B) {
	const n = 1_000_000
	dir := b.TempDir()
	path := filepath.Join(dir, "m.jsonl")
	size := writeMetricsFile(b, path, n)
	script := fmt.Sprintf(`CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, cost DOUBLE,
  tokens BIGINT, error VARCHAR, WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)
  WITH (connector = 'file', path = '%s');
SELECT window_start, model, COUNT(*) AS n, AVG(latency_ms) AS avg_latency
FROM TUMBLE(m, ts, INTERVAL '5' MINUTE) GROUP BY window_start, model;`, path)
	stmts, err := sql.Parse(script)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ResetTimer()
	var cpu, wall time.Duration
	for i := 0; i < b.N; i++ {
		eng := runtime.New(runtime.Options{Config: runtime.Defaults()})
		if _, err := eng.Exec(context.Background(), stmts[0], nil); err != nil {
			b.Fatal(err)
		}
		sink := &countSink{}
		c0, t0 := cpuTime(), time.Now()
		res, err := eng.Exec(context.Background(), stmts[1], func(catalog.Schema) (operators.Operator, error) { return sink, nil })
		if err != nil {
			b.Fatal(err)
		}
		<-res.Query.Done()
		wall += time.Since(t0)
		cpu += cpuTime() - c0
		if err := res.Query.Err(); err != nil {
			b.Fatal(err)
		}
		if got := res.Query.Counters.EventsIn.Load(); got != n {
			b.Fatalf("read %d events, want %d", got, n)
		}
		eng.Close()
	}
	b.ReportMetric(float64(n)*float64(b.N)/wall.Seconds(), "events/s")
	b.ReportMetric(float64(n)*float64(b.N)/cpu.Seconds(), "events/cpu-s")
}
