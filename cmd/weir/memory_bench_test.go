package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkRunMemory runs `weir run` (the built binary, one process per
// run) over a JSON-lines file of 4 events per key on 500k or 1M keys with
// COUNT, AVG, MAX and SUM per key — two 5-minute TUMBLE windows (~835k
// result rows at 500k keys), SESSION windows with a 2-minute gap (~725k
// rows), or 5-minute HOP windows sliding by 1 minute — with all window
// state in memory and under hot budgets of 16 MB and 1 MB
// (state.warm.cache_size_mb left to its default, which follows the
// budget). Access is uniform: nearly every key is live in every window,
// so a budget far below the state makes most events read their state back
// from Pebble. It reports the process's peak RSS (getrusage ru_maxrss),
// events per second of wall time, and checks that every run prints the
// same rows as the in-memory one. The in-memory peak grows with the keys;
// a budget's does not.
//
//	go test -run xxx -bench RunMemory -benchtime 1x -timeout 30m ./cmd/weir/
func BenchmarkRunMemory(b *testing.B) {
	b.Run("tumble/500k-keys", func(b *testing.B) { runMemoryBench(b, "TUMBLE(ev, ts, INTERVAL '5' MINUTE)", 500_000) })
	b.Run("tumble/1M-keys", func(b *testing.B) { runMemoryBench(b, "TUMBLE(ev, ts, INTERVAL '5' MINUTE)", 1_000_000) })
	b.Run("session/500k-keys", func(b *testing.B) { runMemoryBench(b, "SESSION(ev, ts, INTERVAL '2' MINUTE)", 500_000) })
	b.Run("hop/500k-keys", func(b *testing.B) {
		runMemoryBench(b, "HOP(ev, ts, INTERVAL '1' MINUTE, INTERVAL '5' MINUTE)", 500_000)
	})
}

func runMemoryBench(b *testing.B, window string, keys int) {
	bin := buildWeir(b)
	dir := b.TempDir()
	events := 4 * keys
	data := filepath.Join(dir, "events.jsonl")
	writeMemoryBenchEvents(b, data, events, keys)
	query := filepath.Join(dir, "q.sql")
	writeBenchFile(b, query, fmt.Sprintf(`CREATE SOURCE ev (ts TIMESTAMP, user_id VARCHAR, latency_ms BIGINT, cost DOUBLE,
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH (connector = 'file', path = '%s');
SELECT window_start, window_end, user_id, COUNT(*) AS n, AVG(latency_ms) AS avg_lat, MAX(latency_ms) AS max_lat, SUM(cost) AS cost
FROM %s GROUP BY window_start, window_end, user_id;
`, data, window))
	var ref [32]byte
	for _, c := range []struct {
		name   string
		config string
	}{
		{"in-memory", ""},
		{"budget-16MB", "state:\n  hot: { max_size_mb: 16 }\n"},
		{"budget-1MB", "state:\n  hot: { max_size_mb: 1 }\n"},
	} {
		b.Run(c.name, func(b *testing.B) {
			args := []string{"run", "--format", "jsonl"}
			if c.config != "" {
				cfg := filepath.Join(dir, c.name+".yaml")
				writeBenchFile(b, cfg, c.config)
				args = append(args, "--config", cfg)
			}
			args = append(args, query)
			var rss int64
			var elapsed time.Duration
			for b.Loop() {
				out := filepath.Join(dir, c.name+".out")
				f, err := os.Create(out)
				if err != nil {
					b.Fatal(err)
				}
				cmd := exec.Command(bin, args...)
				var stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = f, &stderr
				start := time.Now()
				if err := cmd.Run(); err != nil {
					b.Fatalf("weir run: %v\n%s", err, stderr.String())
				}
				elapsed += time.Since(start)
				f.Close()
				rss = max(rss, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss<<10)
				sum := fileSum(b, out)
				if c.config == "" {
					ref = sum
				} else if ref != ([32]byte{}) && sum != ref {
					b.Fatalf("%s: rows differ from the in-memory run's", c.name)
				}
			}
			b.ReportMetric(float64(rss)/(1<<20), "peak-rss-MB")
			b.ReportMetric(float64(events)*float64(b.N)/elapsed.Seconds(), "events/s")
		})
	}
}

// writeMemoryBenchEvents writes n events over ten minutes of event time,
// in order, spread over keys users by a multiplicative hash (uniform
// access: each window touches nearly every key).
func writeMemoryBenchEvents(b *testing.B, path string, n, users int) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	base := int64(1767225600000)
	for i := range n {
		k := uint64(i) * 0x9E3779B97F4A7C15 >> 40 % uint64(users)
		fmt.Fprintf(w, `{"ts":%d,"user_id":"user-%07d","latency_ms":%d,"cost":%.4f}`+"\n",
			base+int64(i)*600_000/int64(n), k, 100+i%900, float64(i%100)/1000)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

func writeBenchFile(b testing.TB, path, text string) {
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		b.Fatal(err)
	}
}

// fileSum hashes the file streaming: the benchmark process must stay
// small, because a child's ru_maxrss includes the parent's peak RSS at
// the fork (Linux records the old address space's high-water mark at
// exec, and Go forks with CLONE_VM).
func fileSum(b testing.TB, path string) [32]byte {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		b.Fatal(err)
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}
