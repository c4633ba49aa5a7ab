package window

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/storage"
)

// measureHot feeds n distinct keys (one event each) into one TUMBLE pane
// of spec, in batches, and returns the Go heap the operator holds
// afterwards (measured around a GC) and its hotBytes estimate.
func measureHot(t testing.TB, spec Spec, n int) (heap, estimate int64) {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("user-%07d", i)
	}
	bt := coldata.NewBatch(testSchema, coldata.DefaultBatchSize)
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc
	o, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Open(&operators.Context{}); err != nil {
		t.Fatal(err)
	}
	emit := operators.EmitterFunc(func(*coldata.Batch) error { return nil })
	for i := 0; i < n; {
		bt.Reset(coldata.DefaultBatchSize)
		bt.EventTime, bt.WmBefore = bt.EventTime[:0], bt.WmBefore[:0]
		r := 0
		for ; r < coldata.DefaultBatchSize && i < n; r++ {
			bt.Cols[0].Str[r] = keys[i]
			bt.Cols[1].F64[r] = float64(i)
			bt.EventTime = append(bt.EventTime, 1000)
			bt.WmBefore = append(bt.WmBefore, 0)
			i++
		}
		bt.Len = r
		if err := o.Process(bt, emit); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	heap = int64(ms.HeapAlloc) - int64(before)
	estimate, _ = o.(*op).hotBytes()
	runtime.KeepAlive(o)
	runtime.KeepAlive(keys)
	return heap, estimate
}

// TestHotBytesEstimate checks that the budget accounting (hotBytes) is
// an honest estimate of the Go heap the window state takes: for 100k keys
// of COUNT(*) and AVG, within 25% of the measured heap growth (a budget
// that undercounted would let memory run far past state.hot.max_size_mb).
func TestHotBytesEstimate(t *testing.T) {
	heap, est := measureHot(t, benchSpec(Tumble), 100_000)
	t.Logf("100k keys: heap %d B (%d per key), estimate %d B", heap, heap/100_000, est)
	require.InDelta(t, 1, float64(est)/float64(heap), 0.25, "estimate %d vs measured %d", est, heap)
}

// TestSpillHeapNearBudget checks that a spilling operator's Go heap stays
// near its budget: uniform access over 400k keys (800k events, one
// TUMBLE pane) with a 16 MB budget must hold at most 1.25× the budget —
// the window state plus the Pebble write batch and buffers of its tier.
// (The in-memory state of these keys is ~75 MB.)
func TestSpillHeapNearBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("uses ~100 MB and a few seconds")
	}
	const n, budget = 400_000, 16 << 20
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("user-%07d", i)
	}
	store, err := storage.Open(t.TempDir(), storage.Options{CacheSizeMB: 8})
	require.NoError(t, err)
	defer store.Close()
	tier, err := store.Tier(storage.TierKey{Query: "q"}, budget)
	require.NoError(t, err)
	defer tier.Close()
	bt := coldata.NewBatch(testSchema, coldata.DefaultBatchSize)
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc
	o, err := New(benchSpec(Tumble))
	require.NoError(t, err)
	o.(StateSpiller).SetStateTier(tier)
	require.NoError(t, o.Open(&operators.Context{}))
	emit := operators.EmitterFunc(func(*coldata.Batch) error { return nil })
	for i := 0; i < 2*n; {
		bt.Reset(coldata.DefaultBatchSize)
		bt.EventTime, bt.WmBefore = bt.EventTime[:0], bt.WmBefore[:0]
		for r := 0; r < coldata.DefaultBatchSize; r++ {
			bt.Cols[0].Str[r] = keys[uint64(i)*0x9E3779B97F4A7C15>>40%uint64(n)]
			bt.Cols[1].F64[r] = float64(i)
			bt.EventTime = append(bt.EventTime, 1000)
			bt.WmBefore = append(bt.WmBefore, 0)
			i++
		}
		require.NoError(t, o.Process(bt, emit))
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	heap := int64(ms.HeapAlloc) - int64(before)
	t.Logf("heap %d B = %.2f× the budget; %d groups in memory", heap, float64(heap)/budget, len(o.(*op).groupKey)-len(o.(*op).gFree))
	require.Positive(t, store.Metrics().Evictions.Load())
	require.LessOrEqual(t, heap, int64(budget*5/4))
	runtime.KeepAlive(o)
	runtime.KeepAlive(keys)
}
