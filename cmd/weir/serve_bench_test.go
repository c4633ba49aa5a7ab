package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// ingestRate is the generator's rate in the load benchmark (events/s).
const ingestRate = 50_000

// BenchmarkServeViewQueries runs 32 pgx clients (extended protocol, one
// parameter) reading a materialized view while its query ingests
// ingestRate events/s from a generator: 1-second TUMBLE windows per model.
// It reports query latency percentiles, the ingestion rate achieved while
// the clients ran, and the watermark's lag behind the wall clock at the end
// (the generator's event time follows the wall clock, so a lag near the
// 1-second window plus the watermark delay means ingestion kept up).
func BenchmarkServeViewQueries(b *testing.B) {
	b.ReportAllocs()
	dir := b.TempDir()
	srv := startServeB(b, filepath.Join(dir, "state"))
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, srv.url())
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close(ctx)
	for _, stmt := range []string{
		fmt.Sprintf(`CREATE SOURCE g (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
		 WITH (connector = 'datagen', kind = 'llm_metrics', rate = '%d', seed = '1')`, ingestRate),
		`CREATE MATERIALIZED VIEW v AS SELECT window_start, model, COUNT(*) AS n, AVG(latency_ms) AS avg_ms
		 FROM TUMBLE(g, ts, INTERVAL '1' SECOND) GROUP BY window_start, window_end, model`,
	} {
		if _, err := admin.Exec(ctx, stmt); err != nil {
			b.Fatal(err)
		}
	}
	// Wait for the first windows.
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int64
		rows, err := admin.Query(ctx, "SELECT n FROM v LIMIT 1")
		if err == nil {
			for rows.Next() {
				n++
			}
			rows.Close()
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("no window closed")
		}
		<-time.After(50 * time.Millisecond)
	}
	const clients = 32
	conns := make(chan *pgx.Conn, clients)
	for i := 0; i < clients; i++ {
		c, err := pgx.Connect(ctx, srv.url())
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close(ctx)
		conns <- c
	}
	q := srv.addrs.Engine.Queries()[0]
	var mu sync.Mutex
	var lat []time.Duration
	var rowsRead atomic.Int64
	events0, start := q.Counters.EventsIn.Load(), time.Now()
	b.ResetTimer()
	b.SetParallelism((clients + 1) / 2) // 2 cores: 32 goroutines
	b.RunParallel(func(pb *testing.PB) {
		c := <-conns
		var mine []time.Duration
		for pb.Next() {
			t0 := time.Now()
			rows, err := c.Query(ctx, "SELECT window_start, model, n, avg_ms FROM v WHERE n > $1 ORDER BY window_start DESC, model LIMIT 20", int64(0))
			if err != nil {
				b.Error(err)
				return
			}
			for rows.Next() {
				rowsRead.Add(1)
			}
			if err := rows.Err(); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	elapsed := time.Since(start)
	events := q.Counters.EventsIn.Load() - events0
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(events)/elapsed.Seconds(), "ingest-ev/s")
	b.ReportMetric(float64(time.Now().UnixMilli()-q.Watermark())/1000, "wm-lag-s")
	b.ReportMetric(float64(rowsRead.Load())/float64(max(b.N, 1)), "rows/query")
}

// startServeB is startServe for benchmarks.
func startServeB(b *testing.B, dir string) *testServer {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &testServer{stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	ready := make(chan serveAddrs, 1)
	go func() {
		s.done <- serveMain(ctx, []string{"--state-dir", dir, "--pg-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"}, s.stderr, ready)
	}()
	select {
	case s.addrs = <-ready:
	case <-time.After(20 * time.Second):
		b.Fatalf("weir serve did not start: %s", s.stderr.String())
	}
	b.Cleanup(func() {
		cancel()
		<-s.done
	})
	return s
}
