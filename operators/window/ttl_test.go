package window

import (
	"math"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/agg"
	"github.com/weirdb/weir/storage"
)

// TestWarmTTLExpiresSpilledState checks the documented meaning of
// state.warm.ttl for a window that still needs expired state: a TUMBLE
// 1m window with LATE WITHIN 10m, whose state is spilled (one-byte budget)
// and then idle for longer than the TTL (1h of processing time), sees a
// late event start from empty state: its late row counts that event only.
// A key whose state did not expire keeps its count.
func TestWarmTTLExpiresSpilledState(t *testing.T) {
	for _, ttl := range []time.Duration{0, time.Hour} {
		now := time.Unix(1_700_000_000, 0)
		s, err := storage.Open("db", storage.Options{FS: vfs.NewMem(), WarmTTL: ttl, Now: func() time.Time { return now }})
		require.NoError(t, err)
		tier, err := s.Tier(storage.TierKey{Query: "q"}, 1)
		require.NoError(t, err)
		spec := Spec{Kind: Tumble, Size: 60_000, KeyCols: []int{0},
			Aggs:    []agg.Spec{{Func: agg.CountStar, Arg: -1}},
			Trigger: Trigger{LatenessMs: 600_000, EarlyWhenCol: -1}}
		o, err := New(spec)
		require.NoError(t, err)
		o.(StateSpiller).SetStateTier(tier)
		require.NoError(t, o.Open(&operators.Context{Counters: &operators.Counters{}}))
		var rows []string
		emit := operators.EmitterFunc(func(b *coldata.Batch) error {
			for r := 0; r < b.Len; r++ {
				rows = append(rows, formatRow(b, r))
			}
			return nil
		})
		minInf := int64(math.MinInt64)
		// Window [0, 1m): a twice, b once, at processing time 0.
		require.NoError(t, o.Process(eventBatch([]event{
			{ts: 10_000, wm: minInf, key: "a"}, {ts: 20_000, wm: minInf, key: "a"}, {ts: 30_000, wm: minInf, key: "b"},
		}), emit))
		require.NoError(t, o.OnWatermark(60_000, emit)) // fires; the groups are spilled again after
		require.Equal(t, []string{"final 00:00:00 00:01:00 a 2", "final 00:00:00 00:01:00 b 1"}, rows)
		rows = nil

		now = now.Add(50 * time.Minute)
		// b is touched at 50m: read back, then spilled again (rewritten).
		require.NoError(t, o.Process(eventBatch([]event{{ts: 40_000, wm: 60_000, key: "b"}}), emit))
		require.Equal(t, []string{"late 00:00:00 00:01:00 b 2"}, rows)
		rows = nil

		now = now.Add(20 * time.Minute) // 70m: a's entry is 70m old, b's 20m
		require.NoError(t, o.Process(eventBatch([]event{
			{ts: 50_000, wm: 60_000, key: "a"}, {ts: 55_000, wm: 60_000, key: "b"},
		}), emit))
		if ttl == 0 {
			require.Equal(t, []string{"late 00:00:00 00:01:00 a 3", "late 00:00:00 00:01:00 b 3"}, rows)
			require.Zero(t, s.Metrics().Expired.Load())
		} else {
			require.Equal(t, []string{"late 00:00:00 00:01:00 a 1", "late 00:00:00 00:01:00 b 3"}, rows)
			require.Equal(t, int64(1), s.Metrics().Expired.Load())
		}
		require.NoError(t, o.OnWatermark(math.MaxInt64, emit))
		require.NoError(t, tier.Close())
		require.NoError(t, s.Close())
	}
}
