package sql

import (
	"fmt"
	"strings"
	"testing"
)

const benchScript = `CREATE SOURCE metrics (
  ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, cost DOUBLE, tokens BIGINT, error VARCHAR,
  WATERMARK FOR ts AS ts - INTERVAL '2' MINUTE
) WITH (connector = 'kafka', topic = 'llm-metrics', brokers = 'localhost:9092', format = 'json');
SELECT window_start, window_end, model,
       COUNT(*) AS requests, AVG(latency_ms) AS avg_latency,
       PERCENTILE_CONT(latency_ms, 0.95) AS p95,
       SUM(CASE WHEN error IS NOT NULL THEN 1 ELSE 0 END) / COUNT(*) AS error_rate
FROM TUMBLE(metrics, ts, INTERVAL '5' MINUTE)
WHERE model <> 'test'
GROUP BY window_start, window_end, model
EMIT EARLY EVERY INTERVAL '30' SECOND, LATE WITHIN INTERVAL '2' MINUTE;`

// BenchmarkParse measures parsing a source declaration and a windowed
// aggregation (statement-level work, not a per-event path).
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(benchScript); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFormat measures printing the parsed statements.
func BenchmarkFormat(b *testing.B) {
	stmts, err := Parse(benchScript)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range stmts {
			_ = Format(s)
		}
	}
}

// longInList returns `SELECT k FROM s WHERE k IN ('k0', ..., 'kN-1');` on
// one line.
func longInList(n int) string {
	var b strings.Builder
	b.WriteString("SELECT k FROM s WHERE k IN (")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "'k%d'", i)
	}
	b.WriteString(");")
	return b.String()
}

// BenchmarkParseLongLine parses a one-line IN list of 10k and 40k items:
// the time per item should be about the same for both (parsing is linear in
// the length of a line, not quadratic).
func BenchmarkParseLongLine(b *testing.B) {
	for _, n := range []int{10_000, 40_000} {
		script := longInList(n)
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(script)))
			for b.Loop() {
				if _, err := Parse(script); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
