package window

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/storage"
)

// runSpillBench runs 12 one-minute TUMBLE windows with LATE WITHIN 10
// minutes of COUNT(*) + AVG over 100k keys (120k events per window, 2 per
// ms, ~70k distinct keys per window), generated into one reused batch,
// with the given hot budget (0: all in memory): the state of the fired
// windows kept for lateness is what a budget spills. It reports events/s,
// the peak live Go heap (after a GC every 32 batches, outside the timer),
// Pebble's peak block cache and memtable bytes (storage.Store.PebbleMemory,
// sampled at the same points) and the process's peak RSS (VmHWM; meaningful only when the benchmark
// runs alone in its process).
func runSpillBench(b *testing.B, budget int64) {
	runSpillBenchWith(b, spillBenchShape{nKeys: 100_000, perMs: 2, nWindows: 12, windowLen: 60_000, lateness: 10 * 60_000}, budget)
}

// spillBenchShape is a spill benchmark's workload: nWindows TUMBLE windows
// of windowLen ms with perMs events per ms spread uniformly (by a hash)
// over nKeys keys.
type spillBenchShape struct {
	nKeys, perMs, nWindows, windowLen int
	lateness                          int64
}

func runSpillBenchWith(b *testing.B, sh spillBenchShape, budget int64) {
	nKeys, perMs, nWindows, windowLen := sh.nKeys, sh.perMs, sh.nWindows, sh.windowLen
	keys := make([]string, nKeys)
	for k := range keys {
		keys[k] = fmt.Sprintf("model-%06d", k)
	}
	total := nWindows * windowLen * perMs
	bt := coldata.NewBatch(testSchema, coldata.DefaultBatchSize)
	var sink int
	emit := operators.EmitterFunc(func(out *coldata.Batch) error { sink += out.Len; return nil })
	var peakHeap uint64
	var peakPebble int64
	var ms runtime.MemStats
	b.ReportAllocs()
	for b.Loop() {
		var tier *storage.Tier
		var store *storage.Store
		if budget > 0 {
			var err error
			store, err = storage.Open(b.TempDir(), storage.Options{})
			if err != nil {
				b.Fatal(err)
			}
			if tier, err = store.Tier(storage.TierKey{Query: "bench"}, budget); err != nil {
				b.Fatal(err)
			}
		}
		spec := benchSpec(Tumble)
		spec.Size = int64(windowLen)
		spec.Trigger.LatenessMs = sh.lateness
		o, err := New(spec)
		if err != nil {
			b.Fatal(err)
		}
		if tier != nil {
			o.(StateSpiller).SetStateTier(tier)
		}
		if err := o.Open(&operators.Context{}); err != nil {
			b.Fatal(err)
		}
		wm := int64(math.MinInt64)
		for i, nb := 0, 0; i < total; nb++ {
			bt.Reset(coldata.DefaultBatchSize)
			bt.EventTime, bt.WmBefore = bt.EventTime[:0], bt.WmBefore[:0]
			for r := 0; r < coldata.DefaultBatchSize; r++ {
				bt.Cols[0].Str[r] = keys[uint64(i)*0x9E3779B97F4A7C15>>40%uint64(nKeys)]
				bt.Cols[1].F64[r] = float64(i % 1000)
				bt.EventTime = append(bt.EventTime, int64(i/perMs))
				bt.WmBefore = append(bt.WmBefore, wm)
				i++
			}
			wm = int64(i/perMs) - 1000
			if err := o.Process(bt, emit); err != nil {
				b.Fatal(err)
			}
			if nb%32 == 0 {
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&ms)
				peakHeap = max(peakHeap, ms.HeapAlloc)
				if store != nil {
					peakPebble = max(peakPebble, store.PebbleMemory())
				}
				b.StartTimer()
			}
		}
		if err := o.OnWatermark(math.MaxInt64, emit); err != nil {
			b.Fatal(err)
		}
		if tier != nil {
			b.ReportMetric(float64(store.Metrics().Evictions.Load()), "evictions")
			b.ReportMetric(float64(store.Metrics().WarmReads.Load()), "warm-reads")
			tier.Close()
			store.Close()
		}
	}
	if sink == 0 {
		b.Fatal("no rows")
	}
	b.ReportMetric(float64(sink/b.N), "rows")
	b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(vmHWM())/(1<<20), "peak-rss-MB")
	if budget > 0 {
		b.ReportMetric(float64(peakPebble)/(1<<20), "peak-pebble-MB")
	}
}

// vmHWM returns the process's peak resident set in bytes (Linux), or 0.
func vmHWM() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkTumbleLate100kKeysInMemory keeps all window state in memory.
func BenchmarkTumbleLate100kKeysInMemory(b *testing.B) { runSpillBench(b, 0) }

// BenchmarkTumbleLate100kKeysBudget16MB spills to Pebble above 16 MB.
func BenchmarkTumbleLate100kKeysBudget16MB(b *testing.B) { runSpillBench(b, 16<<20) }

// tumble300k is one 5-minute TUMBLE window over 300k keys touched
// uniformly (600k events): the working set (~300k groups) is far above a
// 16 MB budget, so most events touch a spilled group.
var tumble300k = spillBenchShape{nKeys: 300_000, perMs: 2, nWindows: 1, windowLen: 300_000}

// BenchmarkTumble300kKeysInMemory keeps the 300k groups in memory.
func BenchmarkTumble300kKeysInMemory(b *testing.B) { runSpillBenchWith(b, tumble300k, 0) }

// BenchmarkTumble300kKeysBudget16MB spills above 16 MB: uniform access
// over a working set above the budget.
func BenchmarkTumble300kKeysBudget16MB(b *testing.B) { runSpillBenchWith(b, tumble300k, 16<<20) }
