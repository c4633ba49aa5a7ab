package window

import (
	"bytes"
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
		h := newTTLHarness(t, Spec{Kind: Tumble, Size: 60_000, KeyCols: []int{0},
			Aggs:    []agg.Spec{{Func: agg.CountStar, Arg: -1}},
			Trigger: Trigger{LatenessMs: 600_000, EarlyWhenCol: -1}}, ttl)
		o, s, emit := h.o, h.s, h.emit
		minInf := int64(math.MinInt64)
		// Window [0, 1m): a twice, b once, at processing time 0.
		require.NoError(t, o.Process(eventBatch([]event{
			{ts: 10_000, wm: minInf, key: "a"}, {ts: 20_000, wm: minInf, key: "a"}, {ts: 30_000, wm: minInf, key: "b"},
		}), emit))
		require.NoError(t, o.OnWatermark(60_000, emit)) // fires; the groups are spilled again after
		require.Equal(t, []string{"final 00:00:00 00:01:00 a 2", "final 00:00:00 00:01:00 b 1"}, h.rows)
		h.rows = nil

		h.now = h.now.Add(50 * time.Minute)
		// b is touched at 50m: read back, then spilled again (rewritten).
		require.NoError(t, o.Process(eventBatch([]event{{ts: 40_000, wm: 60_000, key: "b"}}), emit))
		require.Equal(t, []string{"late 00:00:00 00:01:00 b 2"}, h.rows)
		h.rows = nil

		h.now = h.now.Add(20 * time.Minute) // 70m: a's entry is 70m old, b's 20m
		require.NoError(t, o.Process(eventBatch([]event{
			{ts: 50_000, wm: 60_000, key: "a"}, {ts: 55_000, wm: 60_000, key: "b"},
		}), emit))
		if ttl == 0 {
			require.Equal(t, []string{"late 00:00:00 00:01:00 a 3", "late 00:00:00 00:01:00 b 3"}, h.rows)
			require.Zero(t, s.Metrics().Expired.Load())
		} else {
			require.Equal(t, []string{"late 00:00:00 00:01:00 a 1", "late 00:00:00 00:01:00 b 3"}, h.rows)
			require.Equal(t, int64(1), s.Metrics().Expired.Load())
		}
		require.NoError(t, o.OnWatermark(math.MaxInt64, emit))
		h.close(t)
	}
}

// TestWarmTTLExpiresSpilledSessions checks state.warm.ttl for SESSION
// windows, which spill by key: every key is spilled after each batch
// (one-byte budget). Sessions of 60 s gap:
//
//	at 0m:  a@10s, a@20s, b@30s   → a [10,20], b [30,30], spilled
//	at 50m: b@40s                 → b read back (50m old < 1h): [30,40], spilled again
//	at 70m: a@50s, b@55s          → with a TTL of 1h a's entry (70m old) expired: a
//	                                starts again, [50,50]; b (20m old) becomes [30,55]
//
// End of input fires: with the TTL, a [50 s, 110 s) with 1 event and
// b [30 s, 115 s) with 3; a's old timer (due at 80 s) finds no state and
// emits nothing. Without a TTL a's session is [10 s, 110 s) with 3
// events (50 − 20 ≤ the gap).
func TestWarmTTLExpiresSpilledSessions(t *testing.T) {
	for _, ttl := range []time.Duration{0, time.Hour} {
		h := newTTLHarness(t, Spec{Kind: Session, Gap: 60_000, KeyCols: []int{0},
			Aggs:    []agg.Spec{{Func: agg.CountStar, Arg: -1}},
			Trigger: Trigger{EarlyWhenCol: -1}}, ttl)
		o, s, emit := h.o, h.s, h.emit
		minInf := int64(math.MinInt64)
		require.NoError(t, o.Process(eventBatch([]event{
			{ts: 10_000, wm: minInf, key: "a"}, {ts: 20_000, wm: minInf, key: "a"}, {ts: 30_000, wm: minInf, key: "b"},
		}), emit))
		require.Equal(t, 2, o.(*op).sess.spilledKeys, "both keys spilled")
		h.now = h.now.Add(50 * time.Minute)
		require.NoError(t, o.Process(eventBatch([]event{{ts: 40_000, wm: minInf, key: "b"}}), emit))
		h.now = h.now.Add(20 * time.Minute)
		require.NoError(t, o.Process(eventBatch([]event{
			{ts: 50_000, wm: minInf, key: "a"}, {ts: 55_000, wm: minInf, key: "b"},
		}), emit))
		require.Empty(t, h.rows)
		require.NoError(t, o.OnWatermark(math.MaxInt64, emit))
		if ttl == 0 {
			require.Equal(t, []string{"final 00:00:10 00:01:50 a 3", "final 00:00:30 00:01:55 b 3"}, h.rows)
			require.Zero(t, s.Metrics().Expired.Load())
		} else {
			require.Equal(t, []string{"final 00:00:50 00:01:50 a 1", "final 00:00:30 00:01:55 b 3"}, h.rows)
			require.Equal(t, int64(2), s.Metrics().Expired.Load(), "a's state entry, then a's old timer")
		}
		h.close(t)
	}
}

// ttlHarness runs a window operator with a one-byte budget (everything
// spills after each batch and watermark) over an in-memory store whose
// clock is now and whose warm TTL is the given one; rows collects every
// emitted row.
type ttlHarness struct {
	now  time.Time
	s    *storage.Store
	tier *storage.Tier
	o    operators.Operator
	rows []string
	emit operators.Emitter
}

func newTTLHarness(t *testing.T, spec Spec, ttl time.Duration) *ttlHarness {
	h := &ttlHarness{now: time.Unix(1_700_000_000, 0)}
	var err error
	h.s, err = storage.Open("db", storage.Options{FS: vfs.NewMem(), WarmTTL: ttl, Now: func() time.Time { return h.now }})
	require.NoError(t, err)
	h.tier, err = h.s.Tier(storage.TierKey{Query: "q"}, 1)
	require.NoError(t, err)
	h.o, err = New(spec)
	require.NoError(t, err)
	h.o.(StateSpiller).SetStateTier(h.tier)
	require.NoError(t, h.o.Open(&operators.Context{Counters: &operators.Counters{}}))
	h.emit = operators.EmitterFunc(func(b *coldata.Batch) error {
		for r := 0; r < b.Len; r++ {
			h.rows = append(h.rows, formatRow(b, r))
		}
		return nil
	})
	return h
}

func (h *ttlHarness) close(t *testing.T) {
	require.NoError(t, h.tier.Close())
	require.NoError(t, h.s.Close())
}

// TestSnapshotWithExpiredSpilledState checks a checkpoint taken when a
// spilled key's state entry has just expired (state.warm.ttl) but its
// timer, written a moment later, has not: the snapshot carries the timer
// alone. After a restore that timer must find no state and emit nothing,
// and must not make the operator forget the other spilled keys: b's
// session still fires at the end. (The store's clock advances 1 ns per
// reading, so a's state entry is stamped x and its timer x+1ns.)
func TestSnapshotWithExpiredSpilledState(t *testing.T) {
	const ttl = time.Hour
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { n := now; now = now.Add(time.Nanosecond); return n }
	s, err := storage.Open("db", storage.Options{FS: vfs.NewMem(), WarmTTL: ttl, Now: clock})
	require.NoError(t, err)
	defer s.Close()
	spec := Spec{Kind: Session, Gap: 60_000, KeyCols: []int{0},
		Aggs: []agg.Spec{{Func: agg.CountStar, Arg: -1}}, Trigger: Trigger{EarlyWhenCol: -1}}
	var rows []string
	emit := operators.EmitterFunc(func(b *coldata.Batch) error {
		for r := 0; r < b.Len; r++ {
			rows = append(rows, formatRow(b, r))
		}
		return nil
	})
	ctx := &operators.Context{Counters: &operators.Counters{}}
	tier1, err := s.Tier(storage.TierKey{Query: "q", Operator: 1}, 1)
	require.NoError(t, err)
	o1, err := New(spec)
	require.NoError(t, err)
	o1.(StateSpiller).SetStateTier(tier1)
	require.NoError(t, o1.Open(ctx))
	minInf := int64(math.MinInt64)
	x := now
	require.NoError(t, o1.Process(eventBatch([]event{{ts: 10_000, wm: minInf, key: "a"}}), emit))
	now = x.Add(10 * time.Minute)
	require.NoError(t, o1.Process(eventBatch([]event{{ts: 100_000, wm: minInf, key: "b"}}), emit))
	now = x.Add(time.Nanosecond + ttl) // a's state entry expired, its timer not
	var buf bytes.Buffer
	require.NoError(t, o1.(operators.Checkpointer).Snapshot(&buf))

	tier2, err := s.Tier(storage.TierKey{Query: "q", Operator: 2}, 1)
	require.NoError(t, err)
	o2, err := New(spec)
	require.NoError(t, err)
	o2.(StateSpiller).SetStateTier(tier2)
	require.NoError(t, o2.Open(ctx))
	require.NoError(t, o2.(operators.Checkpointer).Restore(&buf))
	require.NoError(t, o2.OnWatermark(80_000, emit)) // a's lone timer comes due
	require.NoError(t, o2.OnWatermark(math.MaxInt64, emit))
	require.Equal(t, []string{"final 00:01:40 00:02:40 b 1"}, rows)
}
