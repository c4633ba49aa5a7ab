package window

import (
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/agg"
)

// benchBatches pre-builds n batches of coldata.DefaultBatchSize rows over
// nKeys keys, one event every stepMs, watermark = max event time − 5 s.
func benchBatches(n, nKeys int, stepMs int64) []*coldata.Batch {
	keys := make([]string, nKeys)
	for k := range keys {
		keys[k] = fmt.Sprintf("model-%04d", k)
	}
	var out []*coldata.Batch
	t := int64(0)
	maxT := int64(math.MinInt64)
	for range n {
		b := coldata.NewBatch(testSchema, coldata.DefaultBatchSize)
		b.Reset(coldata.DefaultBatchSize)
		for i := range b.Len {
			b.Cols[0].Str[i] = keys[(i*7919+int(t))%nKeys]
			b.Cols[1].F64[i] = float64(i % 1000)
			b.Cols[2].I64[i] = int64(i)
			ts := t - int64(i%50) // a little disorder
			b.EventTime = append(b.EventTime, ts)
			wm := int64(math.MinInt64)
			if maxT != math.MinInt64 {
				wm = maxT - 5000
			}
			b.WmBefore = append(b.WmBefore, wm)
			maxT = max(maxT, ts)
			t += stepMs
		}
		out = append(out, b)
	}
	return out
}

func benchSpec(kind Kind) Spec {
	s := Spec{Kind: kind, KeyCols: []int{0}, Trigger: Trigger{EarlyWhenCol: -1},
		Aggs: []agg.Spec{
			{Func: agg.CountStar, Arg: -1, Result: catalog.Bigint},
			{Func: agg.Avg, Arg: 1, ArgType: catalog.Double, Result: catalog.Double},
		}}
	switch kind {
	case Tumble:
		s.Size = 60_000
	case Hop:
		s.Slide, s.Size = 60_000, 15*60_000
	case Cumulate:
		s.Slide, s.Size = 60_000, 15*60_000
	case Session:
		s.Gap = 30_000
	}
	return s
}

func runBench(b *testing.B, spec Spec, stepMs int64) {
	const nBatches = 64
	batches := benchBatches(nBatches, 1000, stepMs)
	span := nBatches * coldata.DefaultBatchSize * stepMs
	var sink int
	emit := operators.EmitterFunc(func(out *coldata.Batch) error { sink += out.Len; return nil })
	op, err := New(spec)
	if err != nil {
		b.Fatal(err)
	}
	_ = op.Open(&operators.Context{})
	b.ReportAllocs()
	b.ResetTimer()
	events := 0
	for n := 0; n < b.N; n++ {
		bt := batches[n%nBatches]
		if n > 0 && n%nBatches == 0 {
			// Next cycle: the same rows, later in event time.
			b.StopTimer()
			for _, x := range batches {
				for i := range x.EventTime {
					x.EventTime[i] += span
					if x.WmBefore[i] != math.MinInt64 {
						x.WmBefore[i] += span
					} else {
						x.WmBefore[i] = x.EventTime[0] - span - 5000
					}
				}
			}
			b.StartTimer()
		}
		if err := op.Process(bt, emit); err != nil {
			b.Fatal(err)
		}
		events += bt.Len
	}
	b.StopTimer()
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events), "ns/event")
}

// The benchmarks process batches of 2048 pre-decoded events over 1k keys
// with COUNT(*) + AVG; b.N counts batches. "Dense" input has an event
// every 1 ms (60 events per key per minute), "sparse" one every 10 ms (6).
// TUMBLE is 1 min; HOP 15 min / 1 min (15 windows per event, one pane
// update); CUMULATE 15 min step 1 min; SESSION gap 30 s.
func BenchmarkTumble1mCountAvg1kKeysDense(b *testing.B)  { runBench(b, benchSpec(Tumble), 1) }
func BenchmarkTumble1mCountAvg1kKeysSparse(b *testing.B) { runBench(b, benchSpec(Tumble), 10) }
func BenchmarkHop15m1mCountAvg1kKeysDense(b *testing.B)  { runBench(b, benchSpec(Hop), 1) }
func BenchmarkHop15m1mCountAvg1kKeysSparse(b *testing.B) { runBench(b, benchSpec(Hop), 10) }
func BenchmarkCumulate15m1mCountAvg1kKeysDense(b *testing.B) {
	runBench(b, benchSpec(Cumulate), 1)
}
func BenchmarkSession30sCountAvg1kKeysDense(b *testing.B) { runBench(b, benchSpec(Session), 1) }

// TestStateBytesPerWindowKey measures the heap held per (window, key) for
// COUNT(*), SUM, AVG, MIN and MAX with one open TUMBLE window per key.
func TestStateBytesPerWindowKey(t *testing.T) {
	if testing.Short() {
		t.Skip("memory measurement")
	}
	spec := Spec{Kind: Tumble, Size: MaxIntervalMs, KeyCols: []int{2}, Trigger: Trigger{EarlyWhenCol: -1},
		Aggs: []agg.Spec{
			{Func: agg.CountStar, Arg: -1},
			{Func: agg.Sum, Arg: 2, ArgType: catalog.Bigint},
			{Func: agg.Avg, Arg: 1, ArgType: catalog.Double},
			{Func: agg.Min, Arg: 1, ArgType: catalog.Double},
			{Func: agg.Max, Arg: 1, ArgType: catalog.Double},
		}}
	const nKeys = 200_000
	measure := func(windows int) uint64 {
		op, err := New(spec)
		if err != nil {
			t.Fatal(err)
		}
		_ = op.Open(&operators.Context{})
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		b := coldata.NewBatch(testSchema, coldata.DefaultBatchSize)
		for w := range windows {
			for k0 := 0; k0 < nKeys; k0 += coldata.DefaultBatchSize {
				b.Reset(coldata.DefaultBatchSize)
				b.EventTime = b.EventTime[:0]
				b.WmBefore = b.WmBefore[:0]
				for i := range b.Len {
					b.Cols[2].I64[i] = int64((k0 + i) % nKeys)
					b.Cols[1].F64[i] = float64(i)
					b.EventTime = append(b.EventTime, int64(w)*MaxIntervalMs)
					b.WmBefore = append(b.WmBefore, math.MinInt64)
				}
				if err := op.Process(b, operators.EmitterFunc(func(*coldata.Batch) error { return nil })); err != nil {
					t.Fatal(err)
				}
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(op)
		return after.HeapAlloc - before.HeapAlloc
	}
	one := measure(1)
	two := measure(2)
	// The second window adds (window, key) state only: the keys exist.
	per := float64(two-one) / nKeys
	t.Logf("heap per key incl. key table and first window: %.1f B; per extra (window, key): %.1f B", float64(one)/nKeys, per)
	if per > 128 {
		t.Errorf("state per (window, key) = %.1f B, want ≤ 128", per)
	}
}
