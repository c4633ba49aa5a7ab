package window

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
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
