package window

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
)

// BenchmarkEarlyEvery10kWindowsFireAtOnce is EARLY EVERY's bookkeeping
// when very many windows fire at once (end of input, catch-up after a
// restart): 10k open 1 s TUMBLE windows × 3 keys, each (window, key) row
// emitted early once, then one watermark advance fires all 10k windows.
// Only that advance is timed; b.N counts such advances. Forgetting a fired
// window's early bookkeeping must cost its own entries, not every entry
// of every open window (which made this windows × entries).
func BenchmarkEarlyEvery10kWindowsFireAtOnce(b *testing.B) {
	const nWin, nKeys = 10_000, 3
	spec := benchSpec(Tumble)
	spec.Size = 1000
	spec.Trigger.EarlyEveryMs = 1000
	keys := make([]string, nKeys)
	for k := range keys {
		keys[k] = fmt.Sprintf("k%d", k)
	}
	var batches []*coldata.Batch
	for ev := 0; ev < nWin*nKeys; {
		bt := coldata.NewBatch(testSchema, coldata.DefaultBatchSize)
		n := min(coldata.DefaultBatchSize, nWin*nKeys-ev)
		bt.Reset(n)
		for i := range n {
			bt.Cols[0].Str[i] = keys[ev%nKeys]
			bt.Cols[1].F64[i] = 1
			bt.Cols[2].I64[i] = 1
			bt.EventTime = append(bt.EventTime, int64(ev/nKeys)*1000)
			bt.WmBefore = append(bt.WmBefore, math.MinInt64) // nothing fires while loading
			ev++
		}
		batches = append(batches, bt)
	}
	rows := 0
	emit := operators.EmitterFunc(func(out *coldata.Batch) error { rows += out.Len; return nil })
	b.ReportAllocs()
	for range b.N {
		b.StopTimer()
		clock := &manualClock{now: time.Unix(1_700_000_000, 0)}
		op, err := New(spec)
		if err != nil {
			b.Fatal(err)
		}
		if err := op.Open(&operators.Context{Clock: clock}); err != nil {
			b.Fatal(err)
		}
		for _, bt := range batches {
			if err := op.Process(bt, emit); err != nil {
				b.Fatal(err)
			}
		}
		rows = 0
		clock.now = clock.now.Add(time.Second)
		if err := op.(operators.TimerOperator).OnTimer(clock.now, emit); err != nil {
			b.Fatal(err)
		}
		if rows != nWin*nKeys {
			b.Fatalf("early rows: got %d, want %d", rows, nWin*nKeys)
		}
		rows = 0
		b.StartTimer()
		if err := op.OnWatermark(nWin*1000, emit); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if rows != nWin*nKeys {
			b.Fatalf("final rows: got %d, want %d", rows, nWin*nKeys)
		}
		b.StartTimer()
	}
}
