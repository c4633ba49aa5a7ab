package window

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/storage"
)

// testTier opens an in-memory store and a tier with the given budget.
func testTier(t testing.TB, budget int64) (*storage.Store, *storage.Tier) {
	t.Helper()
	s, err := storage.Open("db", storage.Options{FS: vfs.NewMem()})
	require.NoError(t, err)
	tr, err := s.Tier(storage.TierKey{Query: "q", Operator: 1}, budget)
	require.NoError(t, err)
	t.Cleanup(func() {
		require.NoError(t, tr.Close())
		require.NoError(t, s.Close())
	})
	return s, tr
}

// TestDataDrivenSpilling runs every golden file with a one-byte budget:
// after each batch and watermark every pane's groups are spilled, so each
// later event reads its group back and each firing scans its panes. The
// output must be the golden output unchanged. SESSION specs spill every
// session's accumulators the same way (EARLY EVERY included); TUMBLE, HOP
// and CUMULATE with EARLY EVERY keep their state in memory and run as
// usual.
func TestDataDrivenSpilling(t *testing.T) {
	s, tier := testTier(t, 1)
	runDataDriven(t, tier)
	require.Greater(t, s.Metrics().Evictions.Load(), int64(20), "groups were spilled")
	require.Greater(t, s.Metrics().WarmReads.Load(), int64(20), "groups were read back")
}

// TestDataDrivenSpillingSpooled is TestDataDrivenSpilling with firing
// windows ordering their spilled groups in the tier's spool (as a window
// with more spilled groups than an eighth of the budget does): the output
// must still be the golden output, rows in first-seen order.
func TestDataDrivenSpillingSpooled(t *testing.T) {
	s, tier := testTier(t, 1)
	runDataDrivenWith(t, "testdata", tier, func(o *op) { o.spill.emit.copyMin = 0 })
	require.Greater(t, s.Metrics().Evictions.Load(), int64(20), "groups were spilled")
}

// TestDataDrivenSessionSpilling runs the SESSION golden files alone with
// a one-byte budget and checks that sessions were spilled and read back
// (by Get when an event touches its key, by scan when they fire).
func TestDataDrivenSessionSpilling(t *testing.T) {
	s, tier := testTier(t, 1)
	runDataDrivenIn(t, "testdata/session", tier)
	require.GreaterOrEqual(t, s.Metrics().Evictions.Load(), int64(10), "sessions were spilled")
	require.GreaterOrEqual(t, s.Metrics().WarmReads.Load(), int64(10), "sessions were read back")
}

// TestBatchSizeIndependenceSpilling is TestBatchSizeIndependence with
// tiny budgets: every split, with and without a restart, gives the
// reference (all in memory) outcome.
func TestBatchSizeIndependenceSpilling(t *testing.T) {
	for _, budget := range []int64{1, 2000} {
		for name, spec := range propSpecs() {
			if spec.Kind != Session && spec.Trigger.EarlyEveryMs > 0 {
				continue
			}
			t.Run(fmt.Sprintf("%s/budget=%d", name, budget), func(t *testing.T) {
				s, tier := testTier(t, budget)
				for seed := int64(1); seed <= 4; seed++ {
					r := rand.New(rand.NewSource(seed))
					evs := randomEvents(r, 1500)
					ref := runSplit(t, spec, evs, nil, -1)
					for _, cuts := range [][]int{nil, randomCuts(r, len(evs)), randomCuts(r, len(evs))} {
						got := runSplitTier(t, spec, evs, cuts, -1, tier)
						sameOutcome(t, spec, ref, got, fmt.Sprintf("seed %d", seed))
						if len(cuts) > 0 {
							restored := runSplitTier(t, spec, evs, cuts, r.Intn(len(cuts)+1), tier)
							sameOutcome(t, spec, ref, restored, fmt.Sprintf("seed %d with restart", seed))
						}
					}
				}
				require.Positive(t, s.Metrics().Evictions.Load())
				require.Positive(t, s.Metrics().WarmReads.Load())
			})
		}
	}
}

// TestSpillSnapshotIsComplete checks that a snapshot taken while groups
// are spilled holds them: restoring it without a tier gives the same
// results as the uninterrupted run.
func TestSpillSnapshotIsComplete(t *testing.T) {
	spec := propSpecs()["hop_late"]
	r := rand.New(rand.NewSource(9))
	evs := randomEvents(r, 1500)
	ref := runSplit(t, spec, evs, nil, -1)

	s, tier := testTier(t, 1)
	o, err := New(spec)
	require.NoError(t, err)
	o.(StateSpiller).SetStateTier(tier)
	ctx := &operators.Context{Counters: &operators.Counters{}}
	require.NoError(t, o.Open(ctx))
	half := len(evs) / 2
	var out outcome
	emit := collect(&out)
	require.NoError(t, o.Process(eventBatch(evs[:half]), emit))
	require.NoError(t, o.OnWatermark(evs[half].wm, emit))
	require.Positive(t, o.(*op).pane.panes[0].spilled+o.(*op).pane.panes[len(o.(*op).pane.panes)-1].spilled, "state is spilled")
	var buf bytes.Buffer
	require.NoError(t, o.(operators.Checkpointer).Snapshot(&buf))

	o2, err := New(spec)
	require.NoError(t, err)
	require.NoError(t, o2.Open(ctx))
	require.NoError(t, o2.(operators.Checkpointer).Restore(&buf))
	require.NoError(t, o2.Process(eventBatch(evs[half:]), emit))
	require.NoError(t, o2.OnWatermark(1<<62, emit))
	require.Equal(t, ref.finals, out.finals)
	require.Positive(t, s.Metrics().Evictions.Load())
}

// collect is an emitter that appends final rows to out.
func collect(out *outcome) operators.Emitter {
	return operators.EmitterFunc(func(b *coldata.Batch) error {
		for r := 0; r < b.Len; r++ {
			if b.Emit[r] == coldata.EmitFinal {
				out.finals = append(out.finals, formatRow(b, r))
			}
		}
		return nil
	})
}
