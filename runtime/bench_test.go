package runtime_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
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
	path := filepath.Join(b.TempDir(), "m.jsonl")
	size := writeMetricsFile(b, path, n)
	benchFileQuery(b, metricsSourceSQL(path), `SELECT window_start, model, COUNT(*) AS n, AVG(latency_ms) AS avg_latency
FROM TUMBLE(m, ts, INTERVAL '5' MINUTE) GROUP BY window_start, model;`, n, size)
}
