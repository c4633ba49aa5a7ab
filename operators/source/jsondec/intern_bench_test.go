package jsondec

import (
	"fmt"
	"testing"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// BenchmarkAppendHighCardinality decodes events of the shape of runtime's
// BenchmarkFileSessionEndToEnd: a VARCHAR user id out of 100k, so nearly
// every value is new to the intern table. It reports allocations per
// event besides the per-op figures.
func BenchmarkAppendHighCardinality(b *testing.B) {
	schema := catalog.Schema{
		{Name: "ts", Type: catalog.Timestamp},
		{Name: "user", Type: catalog.Varchar},
		{Name: "rating", Type: catalog.Bigint},
		{Name: "latency_ms", Type: catalog.Double},
	}
	const nEvents = 1 << 16
	events := make([][]byte, nEvents)
	for i := range events {
		events[i] = fmt.Appendf(nil, `{"ts":%d,"user":"u-%06d","rating":%d,"latency_ms":%d.%d}`,
			1_700_000_000_000+int64(i)*10, (i*7919)%100_000, 1+i%5, 200+i%1700, i%10)
	}
	d := New(schema, 0)
	batch := coldata.NewBatch(schema, coldata.DefaultBatchSize)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%coldata.DefaultBatchSize == 0 {
			batch.Reset(0)
		}
		if err := d.Append(batch, events[i%nEvents], int64(i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
