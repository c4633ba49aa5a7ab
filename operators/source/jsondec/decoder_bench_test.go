package jsondec

import (
	"fmt"
	"testing"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// llmMetricsSchema is the llm_metrics shape of SPEC.md's example source.
var llmMetricsSchema = catalog.Schema{
	{Name: "ts", Type: catalog.Timestamp},
	{Name: "model", Type: catalog.Varchar},
	{Name: "latency_ms", Type: catalog.Double},
	{Name: "cost", Type: catalog.Double},
	{Name: "tokens", Type: catalog.Bigint},
	{Name: "error", Type: catalog.Varchar},
}

// llmMetricsEvents returns n ~150-byte events of the llm_metrics shape.
func llmMetricsEvents(n int) [][]byte {
	models := []string{"gpt-4o", "claude-3-5-sonnet", "llama-3-70b", "gpt-4o-mini"}
	out := make([][]byte, n)
	for i := range out {
		errv := "null"
		if i%23 == 0 {
			errv = `"timeout"`
		}
		out[i] = fmt.Appendf(nil, `{"ts":"2026-11-09T14:%02d:%02d.%03dZ","model":"%s","latency_ms":%d.%d,"cost":0.00%d,"tokens":%d,"error":%s}`,
			i/60%60, i%60, i%1000, models[i%len(models)], 200+i%900, i%10, 100+i%900, 100+i%4000, errv)
	}
	return out
}

func BenchmarkAppend(b *testing.B) {
	events := llmMetricsEvents(coldata.DefaultBatchSize)
	bytes := 0
	for _, e := range events {
		bytes += len(e)
	}
	d := New(llmMetricsSchema, 0)
	batch := coldata.NewBatch(llmMetricsSchema, coldata.DefaultBatchSize)
	b.SetBytes(int64(bytes / len(events)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := i % len(events)
		if j == 0 {
			batch.Reset(0)
		}
		if err := d.Append(batch, events[j], int64(i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
