package window

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
)

// TestSpillReadBackAndStreamedFiring follows one TUMBLE window (1 minute,
// COUNT(*) and AVG(v)) through a one-byte budget, where every group is
// spilled after each batch:
//
//	batch 1: a(v=1) b(2) c(3)          → a, b, c spilled
//	batch 2: a(5) a(6) b(4) d(10)      → a and b read back before the rows
//	                                      (2 warm reads); all spilled again
//	batch 3: c(9), then x at 60.001 s with W = 60 s
//	                                   → c read back; W = 60 s fires [0, 60 s)
//	                                      with c in memory and a, b, d streamed
//	                                      from the tier
//
// The window's rows come in first-seen order a, b, c, d, merging the
// spilled groups' ordinals with the in-memory one's: a 3 rows avg
// (1+5+6)/3 = 4, b 2 avg 3, c 2 avg 6, d 1 avg 10.
func TestSpillReadBackAndStreamedFiring(t *testing.T) {
	s, tier := testTier(t, 1)
	o, err := New(benchSpec(Tumble))
	require.NoError(t, err)
	o.(StateSpiller).SetStateTier(tier)
	require.NoError(t, o.Open(&operators.Context{Counters: &operators.Counters{}}))
	var rows []string
	emit := operators.EmitterFunc(func(b *coldata.Batch) error {
		for r := 0; r < b.Len; r++ {
			rows = append(rows, fmt.Sprintf("%s [%d,%d) %s n=%d avg=%g", b.Emit[r], b.Cols[0].I64[r], b.Cols[1].I64[r],
				b.Cols[2].Str[r], b.Cols[3].I64[r], b.Cols[4].F64[r]))
		}
		return nil
	})
	const inf = math.MinInt64
	ev := func(ts, wm int64, key string, v float64) event { return event{ts: ts, wm: wm, key: key, v: v} }

	require.NoError(t, o.Process(eventBatch([]event{ev(1, inf, "a", 1), ev(2, inf, "b", 2), ev(3, inf, "c", 3)}), emit))
	require.Equal(t, int64(3), s.Metrics().Evictions.Load())
	require.Equal(t, 3, o.(*op).pane.panes[0].spilled)

	require.NoError(t, o.Process(eventBatch([]event{ev(10, inf, "a", 5), ev(11, inf, "a", 6), ev(12, inf, "b", 4), ev(13, inf, "d", 10)}), emit))
	require.Equal(t, int64(2), s.Metrics().WarmReads.Load(), "a and b read back once each")
	require.Equal(t, 4, o.(*op).pane.panes[0].spilled)

	reads := s.Metrics().WarmReads.Load()
	require.NoError(t, o.Process(eventBatch([]event{ev(20, inf, "c", 9), ev(60_001, 60_000, "x", 0)}), emit))
	require.Greater(t, s.Metrics().WarmReads.Load(), reads)
	require.Equal(t, []string{
		"final [0,60000) a n=3 avg=4",
		"final [0,60000) b n=2 avg=3",
		"final [0,60000) c n=2 avg=6",
		"final [0,60000) d n=1 avg=10",
	}, rows)

	rows = rows[:0]
	require.NoError(t, o.OnWatermark(math.MaxInt64, emit))
	require.Equal(t, []string{"final [60000,120000) x n=1 avg=0"}, rows)
	require.Empty(t, o.(*op).pane.panes)
}
