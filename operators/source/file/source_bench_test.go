package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
)

// BenchmarkRead reads a file of ~140-byte llm_metrics events end to end.
func BenchmarkRead(b *testing.B) {
	schema := catalog.Schema{
		{Name: "ts", Type: catalog.Timestamp}, {Name: "model", Type: catalog.Varchar},
		{Name: "latency_ms", Type: catalog.Double}, {Name: "cost", Type: catalog.Double},
		{Name: "tokens", Type: catalog.Bigint}, {Name: "error", Type: catalog.Varchar},
	}
	const events = 200_000
	path := filepath.Join(b.TempDir(), "bench.jsonl")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	models := []string{"gpt-4o", "claude-3-5-sonnet", "llama-3-70b"}
	for i := 0; i < events; i++ {
		fmt.Fprintf(f, `{"ts":"2026-11-09T14:%02d:%02d.%03dZ","model":"%s","latency_ms":%d.25,"cost":0.00%d,"tokens":%d,"error":null}`+"\n",
			i/60%60, i%60, i%1000, models[i%3], 100+i%900, 100+i%800, i%4000)
	}
	f.Close()
	def := &catalog.Source{Name: "m", Schema: schema, Options: catalog.Options{"path": path},
		Watermark: &catalog.Watermark{Column: "ts"}}
	batch := coldata.NewBatch(schema, coldata.DefaultBatchSize)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		src, err := New(def)
		if err != nil {
			b.Fatal(err)
		}
		if err := src.Open(&operators.Context{Ctx: context.Background()}); err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			err := src.Read(context.Background(), batch)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n += batch.Len
		}
		src.Close()
		if n != events {
			b.Fatalf("read %d events", n)
		}
	}
	b.ReportMetric(float64(b.N*events)/b.Elapsed().Seconds(), "events/s")
}
