package window

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/agg"
)

// TestHopLargeRatio runs HOP(slide 1 s, size 1 h), 3600 windows per event,
// over 3 events of key a: 00:00:00, 00:00:10 and 02:00:00. A window visits
// only the panes that exist, so this takes milliseconds, not 3600 pane
// lookups per window. By hand, window starts s are multiples of 1 s with
// t − 1 h < s ≤ t:
//
//	00:00:00 → s ∈ [−00:59:59, 00:00:00]   3600 windows
//	00:00:10 → s ∈ [−00:59:49, 00:00:10]   3600 windows
//	02:00:00 → s ∈ [01:00:01, 02:00:00]    3600 windows
//
// The first two share s ∈ [−00:59:49, 00:00:00]: 3590 windows of count 2;
// 10 + 10 hold one of them and 3600 hold the third: 7210 rows, summing to
// 3 × 3600 counts. Rows come out by (end, start).
func TestHopLargeRatio(t *testing.T) {
	rows, o, emit := newCountOp(t, Spec{Kind: Hop, Slide: 1000, Size: 3_600_000})
	minInf := int64(math.MinInt64)
	require.NoError(t, o.Process(eventBatch([]event{
		{ts: 0, wm: minInf, key: "a"}, {ts: 10_000, wm: minInf, key: "a"}, {ts: 7_200_000, wm: minInf, key: "a"},
	}), emit))
	require.NoError(t, o.OnWatermark(math.MaxInt64, emit))
	got := *rows
	require.Len(t, got, 7210)
	require.Equal(t, "final -00:59:59 00:00:01 a 1", got[0])
	require.Equal(t, "final -00:59:50 00:00:10 a 1", got[9])
	require.Equal(t, "final -00:59:49 00:00:11 a 2", got[10])
	require.Equal(t, "final 00:00:00 01:00:00 a 2", got[3599])
	require.Equal(t, "final 00:00:01 01:00:01 a 1", got[3600])
	require.Equal(t, "final 00:00:10 01:00:10 a 1", got[3609])
	require.Equal(t, "final 01:00:01 02:00:01 a 1", got[3610])
	require.Equal(t, "final 02:00:00 03:00:00 a 1", got[7209])
	twos := 0
	for _, r := range got {
		if r[len(r)-1] == '2' {
			twos++
		}
	}
	require.Equal(t, 3590, twos)
}

// TestHopLargeRatioLate: the same HOP with LATE WITHIN 10 s. At W = 01:00:05
// the windows with end ≤ 01:00:05 have fired (s ≤ 00:00:05). An event at
// 00:00:05 then is too late for its windows with end + 10 s ≤ W and late
// for the 10 with 00:59:55 < end ≤ 01:00:05, s ∈ [−00:00:04, 00:00:05].
// All 10 hold 00:00:05 and 00:00:10 (s > −00:59:50); those with s ≤ 0 hold
// 00:00:00 too: late rows of count 3 for s ≤ 0, 2 for s > 0.
func TestHopLargeRatioLate(t *testing.T) {
	rows, o, emit := newCountOp(t, Spec{Kind: Hop, Slide: 1000, Size: 3_600_000,
		Trigger: Trigger{LatenessMs: 10_000, EarlyWhenCol: -1}})
	minInf := int64(math.MinInt64)
	require.NoError(t, o.Process(eventBatch([]event{
		{ts: 0, wm: minInf, key: "a"}, {ts: 10_000, wm: minInf, key: "a"},
	}), emit))
	require.NoError(t, o.OnWatermark(3_605_000, emit))
	require.Len(t, *rows, 3605, "s ∈ [−00:59:59, 00:00:05]")
	*rows = nil
	require.NoError(t, o.Process(eventBatch([]event{{ts: 5_000, wm: 3_605_000, key: "a"}}), emit))
	require.NoError(t, o.OnWatermark(3_605_001, emit)) // flushes the late rows
	want := []string{}
	for s := int64(-4); s <= 5; s++ {
		row := "late " + fmtTime(s*1000) + " " + fmtTime(s*1000+3_600_000) + " a "
		switch {
		case s <= 0:
			row += "3" // 00:00:00, 00:00:05, 00:00:10
		default:
			row += "2" // 00:00:05, 00:00:10
		}
		want = append(want, row)
	}
	require.Equal(t, want, *rows)
}

// TestFirePanesCancelled: one watermark advance that fires very many
// windows stops with the context's error once the query is cancelled.
func TestFirePanesCancelled(t *testing.T) {
	o, err := New(Spec{Kind: Hop, Slide: 1000, Size: 3_600_000, KeyCols: []int{0},
		Aggs: []agg.Spec{{Func: agg.CountStar, Arg: -1}}, Trigger: Trigger{EarlyWhenCol: -1}})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, o.Open(&operators.Context{Ctx: ctx, Counters: &operators.Counters{}}))
	emit := operators.EmitterFunc(func(*coldata.Batch) error { return nil })
	require.NoError(t, o.Process(eventBatch([]event{{ts: 0, wm: math.MinInt64, key: "a"}}), emit))
	cancel()
	require.ErrorIs(t, o.OnWatermark(math.MaxInt64, emit), context.Canceled)
}

func newCountOp(t *testing.T, spec Spec) (*[]string, operators.Operator, operators.Emitter) {
	spec.KeyCols = []int{0}
	spec.Aggs = []agg.Spec{{Func: agg.CountStar, Arg: -1}}
	spec.Trigger.EarlyWhenCol = -1
	o, err := New(spec)
	require.NoError(t, err)
	require.NoError(t, o.Open(&operators.Context{Counters: &operators.Counters{}}))
	rows := new([]string)
	emit := operators.EmitterFunc(func(b *coldata.Batch) error {
		for r := 0; r < b.Len; r++ {
			*rows = append(*rows, formatRow(b, r))
		}
		return nil
	})
	return rows, o, emit
}
