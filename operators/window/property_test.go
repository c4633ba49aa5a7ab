package window

import (
	"bytes"
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/agg"
	"github.com/weirdb/weir/storage"
)

type event struct {
	ts, wm int64
	key    string
	v      float64
	null   bool
}

// randomEvents returns n events with increasing but jittered times, some
// far behind (late or too late), and WmBefore = max seen − delay.
func randomEvents(r *rand.Rand, n int) []event {
	const delay = 20_000
	evs := make([]event, n)
	t, maxT := int64(0), int64(math.MinInt64)
	for i := range evs {
		t += int64(r.Intn(3000))
		ts := t - int64(r.Intn(30_000))
		if r.Intn(20) == 0 {
			ts -= int64(r.Intn(400_000))
		}
		wm := int64(math.MinInt64)
		if maxT != math.MinInt64 {
			wm = maxT - delay
		}
		maxT = max(maxT, ts)
		evs[i] = event{ts: ts, wm: wm, key: string(rune('a' + r.Intn(4))), v: float64(r.Intn(100)), null: r.Intn(10) == 0}
	}
	return evs
}

func eventBatch(evs []event) *coldata.Batch {
	b := coldata.NewBatch(testSchema, len(evs))
	for _, e := range evs {
		b.Cols[0].Str = append(b.Cols[0].Str, e.key)
		if e.null {
			b.Cols[1].AppendNull()
		} else {
			b.Cols[1].F64 = append(b.Cols[1].F64, e.v)
		}
		b.Cols[2].I64 = append(b.Cols[2].I64, int64(e.v))
		b.Cols[3].Str = append(b.Cols[3].Str, e.key)
		b.Cols[4].Bool = append(b.Cols[4].Bool, false)
		b.Cols[5].I64 = append(b.Cols[5].I64, 0)
		b.EventTime = append(b.EventTime, e.ts)
		b.WmBefore = append(b.WmBefore, e.wm)
		b.Len++
	}
	return b
}

// outcome is what must not depend on batch boundaries: the final rows in
// order, the last late row of each (window, key), the dropped count.
type outcome struct {
	finals   []string
	lastLate map[string]string // by (window, key)
	lates    map[string]bool   // every late row
	dropped  int64
}

func propSpecs() map[string]Spec {
	aggs := []agg.Spec{
		{Func: agg.CountStar, Arg: -1},
		{Func: agg.Sum, Arg: 2, ArgType: catalog.Bigint},
		{Func: agg.Avg, Arg: 1, ArgType: catalog.Double},
		{Func: agg.Max, Arg: 1, ArgType: catalog.Double},
		{Func: agg.PercentileCont, Arg: 1, ArgType: catalog.Double, Param: 0.9},
		{Func: agg.CountDistinct, Arg: 2, ArgType: catalog.Bigint},
		{Func: agg.LastValue, Arg: 1, ArgType: catalog.Double},
	}
	base := Spec{KeyCols: []int{0}, Aggs: aggs, Trigger: Trigger{EarlyWhenCol: -1}}
	mk := func(f func(*Spec)) Spec { s := base; f(&s); return s }
	return map[string]Spec{
		"tumble":      mk(func(s *Spec) { s.Kind, s.Size = Tumble, 60_000 }),
		"tumble_late": mk(func(s *Spec) { s.Kind, s.Size, s.Offset, s.Trigger.LatenessMs = Tumble, 60_000, 7_000, 90_000 }),
		"hop_late":    mk(func(s *Spec) { s.Kind, s.Slide, s.Size, s.Trigger.LatenessMs = Hop, 20_000, 60_000, 30_000 }),
		"hop_odd":     mk(func(s *Spec) { s.Kind, s.Slide, s.Size = Hop, 40_000, 60_000 }),
		"cumulate":    mk(func(s *Spec) { s.Kind, s.Slide, s.Size, s.Trigger.LatenessMs = Cumulate, 20_000, 60_000, 20_000 }),
		"session":     mk(func(s *Spec) { s.Kind, s.Gap, s.Trigger.LatenessMs = Session, 5_000, 10_000 }),
		"session_max": mk(func(s *Spec) { s.Kind, s.Gap, s.MaxDuration = Session, 6_000, 30_000 }),
	}
}

// runSplit feeds evs in batches cut at cuts (ascending indexes), with a
// watermark after each batch, snapshotting and restoring into a fresh
// operator before batch restartAt (−1: never).
func runSplit(t *testing.T, spec Spec, evs []event, cuts []int, restartAt int) outcome {
	return runSplitTier(t, spec, evs, cuts, restartAt, nil)
}

// runSplitTier is runSplit with the operator spilling to tier (if not nil).
func runSplitTier(t *testing.T, spec Spec, evs []event, cuts []int, restartAt int, tier *storage.Tier) outcome {
	cnt := &operators.Counters{}
	ctx := &operators.Context{Counters: cnt}
	o, err := New(spec)
	require.NoError(t, err)
	if tier != nil {
		o.(StateSpiller).SetStateTier(tier)
	}
	require.NoError(t, o.Open(ctx))
	res := outcome{lastLate: map[string]string{}, lates: map[string]bool{}}
	emit := operators.EmitterFunc(func(b *coldata.Batch) error {
		for r := 0; r < b.Len; r++ {
			row := formatRow(b, r)
			switch b.Emit[r] {
			case coldata.EmitFinal:
				res.finals = append(res.finals, row)
			case coldata.EmitLate:
				id := fmt.Sprint(b.Cols[0].I64[r], b.Cols[1].I64[r], b.Cols[2].Str[r])
				res.lastLate[id] = row
				res.lates[row] = true
			}
		}
		return nil
	})
	start := 0
	for j, end := range append(cuts, len(evs)) {
		if j == restartAt {
			var buf bytes.Buffer
			require.NoError(t, o.(operators.Checkpointer).Snapshot(&buf))
			o, err = New(spec)
			require.NoError(t, err)
			if tier != nil {
				o.(StateSpiller).SetStateTier(tier)
			}
			require.NoError(t, o.Open(ctx))
			require.NoError(t, o.(operators.Checkpointer).Restore(&buf))
		}
		if end > start {
			require.NoError(t, o.Process(eventBatch(evs[start:end]), emit))
		}
		if end < len(evs) {
			require.NoError(t, o.OnWatermark(evs[end].wm, emit))
		}
		start = end
	}
	require.NoError(t, o.OnWatermark(math.MaxInt64, emit))
	res.dropped = cnt.DroppedEvents.Load()
	return res
}

func randomCuts(r *rand.Rand, n int) []int {
	var cuts []int
	for i := 1 + r.Intn(50); i < n; i += 1 + r.Intn(100) {
		cuts = append(cuts, i)
	}
	return cuts
}

// TestBatchSizeIndependence checks SEMANTICS.md §1: the same input split
// into batches differently (with watermarks between them) gives the same
// final rows in the same order, the same last late row per window and key,
// and the same dropped events; and so does a snapshot → restore → continue
// at any batch boundary.
func TestBatchSizeIndependence(t *testing.T) {
	for name, spec := range propSpecs() {
		t.Run(name, func(t *testing.T) {
			for seed := int64(1); seed <= 8; seed++ {
				r := rand.New(rand.NewSource(seed))
				evs := randomEvents(r, 1500)
				ref := runSplit(t, spec, evs, nil, -1)
				require.NotEmpty(t, ref.finals)
				one := make([]int, 0, len(evs))
				for i := 1; i < len(evs); i++ {
					one = append(one, i)
				}
				for _, cuts := range [][]int{one, randomCuts(r, len(evs)), randomCuts(r, len(evs))} {
					got := runSplit(t, spec, evs, cuts, -1)
					sameOutcome(t, spec, ref, got, fmt.Sprintf("seed %d", seed))
					restored := runSplit(t, spec, evs, cuts, r.Intn(len(cuts)+1))
					sameOutcome(t, spec, ref, restored, fmt.Sprintf("seed %d with restart", seed))
				}
			}
		})
	}
}

// sameOutcome compares a split run with the reference. Late rows are
// coalesced per batch, so a split run may emit more of them; every late
// row of the reference must be among them and, for fixed windows, the
// last one per (window, key) must agree. (A session's identity, its start
// and end, changes as it grows, so only the inclusion holds for sessions.)
func sameOutcome(t *testing.T, spec Spec, ref, got outcome, what string) {
	t.Helper()
	for i := range min(len(ref.finals), len(got.finals)) {
		require.Equal(t, ref.finals[i], got.finals[i], "%s: final row %d", what, i)
	}
	require.Equal(t, len(ref.finals), len(got.finals), "%s: final rows", what)
	require.Equal(t, ref.dropped, got.dropped, "%s: dropped", what)
	for row := range ref.lates {
		require.True(t, got.lates[row], "%s: late row %q missing", what, row)
	}
	if spec.Kind != Session {
		require.Equal(t, ref.lastLate, got.lastLate, "%s: last late rows", what)
	}
}
