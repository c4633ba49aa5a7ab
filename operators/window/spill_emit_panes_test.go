package window

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/agg"
)

// TestSpilledPanesEmitMatchesInMemory fires HOP and CUMULATE windows
// (several panes each) whose panes are partly spilled, under budgets from
// everything-spilled to most-in-memory, so that a window mixes in-memory
// groups, spilled groups and warm entries superseded by groups read back
// (late events with allowed lateness): the final rows — their values and
// their first-seen order — must be the all-in-memory run's, and the state
// must have been spilled and read back.
func TestSpilledPanesEmitMatchesInMemory(t *testing.T) {
	specs := propSpecs()
	for _, name := range []string{"hop_late", "hop_odd", "cumulate"} {
		spec := specs[name]
		for _, budget := range []int64{1, 2000, 6000, 15_000} {
			t.Run(fmt.Sprintf("%s/budget=%d", name, budget), func(t *testing.T) {
				s, tier := testTier(t, budget)
				for seed := int64(1); seed <= 3; seed++ {
					r := rand.New(rand.NewSource(seed))
					evs := randomEvents(r, 3000)
					for i := range evs { // 40 keys: a pane holds more groups than a small budget
						evs[i].key = fmt.Sprintf("k%02d", r.Intn(40))
					}
					ref := runSplit(t, spec, evs, nil, -1)
					got := runSplitTier(t, spec, evs, randomCuts(r, len(evs)), -1, tier)
					sameOutcome(t, spec, ref, got, fmt.Sprintf("seed %d", seed))
				}
				require.Positive(t, s.Metrics().Evictions.Load(), "groups were spilled")
			})
		}
	}
}

// TestSpilledPanesEmitSkipsSupersededEntries fires HOP windows (10 s
// slide, 20 s size: two panes each) over a pane in which key a was
// spilled, then read back by a later event and kept in memory, while b
// and c stay spilled: the warm tier still holds a's older group (count 1),
// which the firing must ignore for the in-memory one (count 2). Both
// windows hold the pane [0 s, 10 s) only: a has 2 events (n 1 + 2 = 3), b
// and c one each, in first-seen order a, b, c.
func TestSpilledPanesEmitSkipsSupersededEntries(t *testing.T) {
	spec := propSpecs()["hop_odd"]
	spec.Slide, spec.Size = 10_000, 20_000
	spec.Aggs = []agg.Spec{{Func: agg.CountStar, Arg: -1}, {Func: agg.Sum, Arg: 2, ArgType: catalog.Bigint}}
	_, tier := testTier(t, 1)
	o, err := New(spec)
	require.NoError(t, err)
	o.(StateSpiller).SetStateTier(tier)
	require.NoError(t, o.Open(&operators.Context{Counters: &operators.Counters{}}))
	var out outcome
	emit := collect(&out)
	noWm := int64(math.MinInt64)
	require.NoError(t, o.Process(eventBatch([]event{
		{ts: 1000, wm: noWm, key: "a", v: 1}, {ts: 1100, wm: noWm, key: "b", v: 10}, {ts: 1200, wm: noWm, key: "c", v: 100},
	}), emit))
	p := o.(*op).pane.byTime[0]
	require.Equal(t, 3, p.spilled, "budget 1: the pane's three groups are spilled")
	o.(*op).spill.budget = 1 << 30 // from now on everything stays in memory
	require.NoError(t, o.Process(eventBatch([]event{{ts: 2000, wm: noWm, key: "a", v: 2}}), emit))
	require.Equal(t, 2, p.spilled, "a was read back, b and c are still spilled")
	require.NoError(t, o.OnWatermark(20_000, emit))
	require.Equal(t, []string{
		"final -00:00:10 00:00:10 a 2 3", "final -00:00:10 00:00:10 b 1 10", "final -00:00:10 00:00:10 c 1 100",
		"final 00:00:00 00:00:20 a 2 3", "final 00:00:00 00:00:20 b 1 10", "final 00:00:00 00:00:20 c 1 100",
	}, out.finals)
}
