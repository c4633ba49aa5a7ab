package window

import (
	"fmt"
	"math"
	"testing"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/agg"
)

// BenchmarkSessionManyKeysCloseAndReopen is the operator-level shape of
// runtime's BenchmarkFileSessionEndToEnd: 100k keys, one event every
// 10 ms (so each key every 1,000 s) a little out of order, watermark =
// max event time − 2 s, SESSION gap 30 min capped at 4 h, COUNT(*) + AVG.
// Sessions open, fill, close at the 4-hour cap and reopen, so the per-key
// and per-session costs show, unlike the 1k-key benchmarks whose sessions
// never close. b.N counts batches of coldata.DefaultBatchSize events,
// generated in place (no allocation) from a pre-built key list.
func BenchmarkSessionManyKeysCloseAndReopen(b *testing.B) {
	const nKeys = 100_000
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
	op, err := New(spec)
	if err != nil {
		b.Fatal(err)
	}
	_ = op.Open(&operators.Context{})
	var rows int
	emit := operators.EmitterFunc(func(out *coldata.Batch) error { rows += out.Len; return nil })
	bt := coldata.NewBatch(testSchema, coldata.DefaultBatchSize)
	maxT := int64(math.MinInt64)
	ev := 0
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		fillSessionChurn(bt, keys, &ev, &maxT)
		if err := op.Process(bt, emit); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(ev), "ns/event")
	b.ReportMetric(float64(rows), "rows")
}

// fillSessionChurn fills bt with the next DefaultBatchSize events of the
// session churn workload: event ev has key keys[ev % len(keys)], v = 1 +
// ev % 5 and time ev·10 ms less up to 600 ms of disorder, judged against
// a watermark 2 s behind the largest time so far (*maxT).
func fillSessionChurn(bt *coldata.Batch, keys []string, ev *int, maxT *int64) {
	bt.Reset(coldata.DefaultBatchSize)
	for i := range bt.Len {
		e := *ev
		bt.Cols[0].Str[i] = keys[e%len(keys)]
		bt.Cols[2].I64[i] = int64(1 + e%5)
		ts := int64(e)*10 - int64(e%7)*100
		wm := int64(math.MinInt64)
		if *maxT != math.MinInt64 {
			wm = *maxT - 2000
		}
		bt.EventTime = append(bt.EventTime, ts)
		bt.WmBefore = append(bt.WmBefore, wm)
		*maxT = max(*maxT, ts)
		*ev++
	}
}
