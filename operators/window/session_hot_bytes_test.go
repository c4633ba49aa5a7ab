package window

import (
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/agg"
)

// TestSessionHotBytesEstimate is TestHotBytesEstimate for SESSION windows
// in the shape of BenchmarkSessionManyKeysCloseAndReopen: 100k keys whose
// sessions close at the 4-hour cap and reopen, so keys are freed and
// created again all along and the key arena holds freed keys' bytes until
// it compacts. The budget's estimate (hotBytes) at its peak must stay
// within 25% of the Go heap the operator holds.
func TestSessionHotBytesEstimate(t *testing.T) {
	if testing.Short() {
		t.Skip("feeds 3M events")
	}
	const nKeys, nEvents = 100_000, 3_000_000
	keys := make([]string, nKeys)
	for k := range keys {
		keys[k] = fmt.Sprintf("u-%06d", k)
	}
	spec := Spec{Kind: Session, Gap: 30 * 60_000, MaxDuration: 4 * 3600_000,
		KeyCols: []int{0}, Trigger: Trigger{EarlyWhenCol: -1},
		Aggs: []agg.Spec{
			{Func: agg.CountStar, Arg: -1, Result: catalog.Bigint},
			{Func: agg.Avg, Arg: 2, ArgType: catalog.Bigint, Result: catalog.Double},
		}}
	bt := coldata.NewBatch(testSchema, coldata.DefaultBatchSize)
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc
	o, err := New(spec)
	require.NoError(t, err)
	require.NoError(t, o.Open(&operators.Context{}))
	emit := operators.EmitterFunc(func(*coldata.Batch) error { return nil })
	maxT := int64(math.MinInt64)
	var peak int64
	for ev := 0; ev < nEvents; {
		fillSessionChurn(bt, keys, &ev, &maxT)
		require.NoError(t, o.Process(bt, emit))
		if est, _ := o.(*op).hotBytes(); est > peak {
			peak = est
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	heap := int64(ms.HeapAlloc) - int64(before)
	est, _ := o.(*op).hotBytes()
	kt := o.(*op).keys
	t.Logf("heap %d B, estimate %d B, peak estimate %d B (%.2f); %d live keys, key arena %d B held for %d B live",
		heap, est, peak, float64(peak)/float64(heap), kt.live(), kt.arena.held, kt.arena.live)
	// The operator's slices and maps keep the room of its peak: the heap
	// follows the peak of the estimate, not its current value.
	require.InDelta(t, 1, float64(peak)/float64(heap), 0.25, "peak estimate %d vs measured %d", peak, heap)
	require.Less(t, est, peak, "sessions closed: the estimate fell from its peak")
	// The key arena compacted as keys came and went, and the estimate
	// counts what it holds besides the live keys.
	require.LessOrEqual(t, kt.arena.held, 2*kt.arena.live+max(16*keyArenaChunk, len(kt.enc))+keyArenaChunk)
	held := kt.arena.held
	kt.arena.held = kt.arena.live
	without, _ := o.(*op).hotBytes()
	kt.arena.held = held
	require.Equal(t, int64(held-kt.arena.live), est-without)
	runtime.KeepAlive(o)
	runtime.KeepAlive(keys)
}
