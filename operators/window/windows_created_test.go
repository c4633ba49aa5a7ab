package window

import (
	"bytes"
	"math"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/agg"
	"github.com/weirdb/weir/storage"
)

// TestWindowsCreatedRandom checks weir_windows_created_total against a
// model written from its definition: the distinct (window, key) pairs
// that events reached while the window was alive (W < end + L), windows
// enumerated from SEMANTICS.md §2. After W = +∞ every pair is pruned.
// Each spec runs with the in-order shortcut, with the scan only,
// spilling to a tier after every batch (groups looked up in the tier), and
// restored from a snapshot half-way (the shortcut rebuilt).
func TestWindowsCreatedRandom(t *testing.T) {
	const m = 60_000
	specs := []Spec{
		{Kind: Tumble, Size: 5 * m, Offset: m},
		{Kind: Hop, Slide: m, Size: 3 * m},
		{Kind: Hop, Slide: 2 * m, Size: 6 * m, Trigger: Trigger{LatenessMs: m}},
		{Kind: Hop, Slide: 4 * m, Size: 6 * m},
		{Kind: Cumulate, Slide: m, Size: 4 * m},
		{Kind: Cumulate, Slide: 2 * m, Size: 6 * m, Trigger: Trigger{LatenessMs: 3 * m}},
	}
	r := rand.New(rand.NewSource(7))
	for si, spec := range specs {
		for round := range 4 {
			evs := randomEvents(r, 300)
			want := modelCreated(spec, evs)
			for _, mode := range []string{"shortcut", "scan", "spill", "restart"} {
				var tier *storage.Tier
				if mode == "spill" {
					_, tier = testTier(t, 1)
				}
				created, pruned := runCreated(t, spec, evs, mode, tier)
				require.Equal(t, want, created, "spec %d round %d %s: created", si, round, mode)
				require.Equal(t, want, pruned, "spec %d round %d %s: pruned", si, round, mode)
			}
		}
	}
}

// modelCreated counts the (window, key) pairs the events create.
func modelCreated(spec Spec, evs []event) int64 {
	type pair struct {
		s, e int64
		k    string
	}
	seen := map[pair]bool{}
	L := spec.Trigger.LatenessMs
	for _, ev := range evs {
		t := ev.ts
		var wins [][2]int64
		switch spec.Kind {
		case Tumble:
			s := floorDiv(t-spec.Offset, spec.Size)*spec.Size + spec.Offset
			wins = append(wins, [2]int64{s, s + spec.Size})
		case Hop:
			for s := floorDiv(t, spec.Slide) * spec.Slide; s > t-spec.Size; s -= spec.Slide {
				wins = append(wins, [2]int64{s, s + spec.Size})
			}
		case Cumulate:
			S := floorDiv(t, spec.Size) * spec.Size
			for e := S + spec.Slide; e <= S+spec.Size; e += spec.Slide {
				if t < e {
					wins = append(wins, [2]int64{S, e})
				}
			}
		}
		for _, w := range wins {
			if ev.wm != math.MinInt64 && ev.wm >= w[1]+L {
				continue // purged (or never to be): too late for it
			}
			seen[pair{w[0], w[1], ev.key}] = true
		}
	}
	return int64(len(seen))
}

// runCreated runs evs through spec in batches of 7, then W = +∞.
func runCreated(t *testing.T, spec Spec, evs []event, mode string, tier *storage.Tier) (created, pruned int64) {
	spec.KeyCols = []int{0}
	spec.Aggs = []agg.Spec{{Func: agg.CountStar, Arg: -1}}
	spec.Trigger.EarlyWhenCol = -1
	cnt := &operators.Counters{}
	open := func() operators.Operator {
		o, err := New(spec)
		require.NoError(t, err)
		if mode == "scan" {
			o.(*op).pane.keyMaxOn = false
		}
		if tier != nil {
			o.(StateSpiller).SetStateTier(tier)
		}
		require.NoError(t, o.Open(&operators.Context{Counters: cnt}))
		return o
	}
	o := open()
	emit := operators.EmitterFunc(func(*coldata.Batch) error { return nil })
	for i := 0; i < len(evs); i += 7 {
		require.NoError(t, o.Process(eventBatch(evs[i:min(i+7, len(evs))]), emit))
		if mode == "restart" && i == 147 {
			var buf bytes.Buffer
			require.NoError(t, o.(operators.Checkpointer).Snapshot(&buf))
			o = open()
			require.NoError(t, o.(operators.Checkpointer).Restore(&buf))
		}
	}
	require.NoError(t, o.OnWatermark(math.MaxInt64, emit))
	return cnt.WindowsCreated.Load(), cnt.WindowsPruned.Load()
}
