package window

import (
	"bytes"
	"math/rand"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/agg"
	"github.com/weirdb/weir/operators/source/jsondec"
)

func TestBadSpecsAndBatches(t *testing.T) {
	for _, s := range []Spec{
		{Kind: Tumble},
		{Kind: Hop, Size: 10},
		{Kind: Cumulate, Slide: 3, Size: 10},
		{Kind: Session, Gap: 5}, // no key
		{Kind: Session, Gap: 5, KeyCols: []int{0}, MaxDuration: -1},
		{Kind: Kind(9), Size: 1},
		{Kind: Tumble, Size: 1, Aggs: []agg.Spec{{Func: agg.Sum, Arg: 1, ArgType: catalog.Varchar}}},
	} {
		_, err := New(s)
		require.Error(t, err)
		require.Contains(t, err.Error(), "window: ")
	}
	spec := Spec{Kind: Tumble, Size: 1000, KeyCols: []int{0}, Trigger: Trigger{EarlyWhenCol: -1},
		Aggs: []agg.Spec{{Func: agg.Sum, Arg: 2, ArgType: catalog.Bigint}}}
	o, err := New(spec)
	require.NoError(t, err)
	require.NoError(t, o.Open(&operators.Context{}))
	emit := operators.EmitterFunc(func(*coldata.Batch) error { return nil })
	b := coldata.NewBatch(testSchema, 1)
	b.Reset(1)
	require.Error(t, o.Process(b, emit), "no event time")
	b.EventTime, b.WmBefore = []int64{1}, []int64{0}
	b.Cols[2] = coldata.NewVec(catalog.Double, 1)
	b.Cols[2].Reset(1, 1)
	require.Error(t, o.Process(b, emit), "argument of the wrong type")
}

// A corrupt or truncated snapshot gives an error, never a panic.
func TestCorruptSnapshot(t *testing.T) {
	for name, spec := range propSpecs() {
		evs := randomEvents(rand.New(rand.NewSource(3)), 300)
		o, err := New(spec)
		require.NoError(t, err)
		require.NoError(t, o.Open(&operators.Context{}))
		require.NoError(t, o.Process(eventBatch(evs), operators.EmitterFunc(func(*coldata.Batch) error { return nil })))
		var buf bytes.Buffer
		require.NoError(t, o.(operators.Checkpointer).Snapshot(&buf))
		data := buf.Bytes()
		r := rand.New(rand.NewSource(4))
		for i := 0; i < 200; i++ {
			bad := bytes.Clone(data)
			switch i % 2 {
			case 0:
				bad = bad[:r.Intn(len(bad))]
			case 1:
				bad[r.Intn(len(bad))] ^= byte(1 + r.Intn(255))
			}
			o2, _ := New(spec)
			_ = o2.Open(&operators.Context{})
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("%s: restore panicked on corrupt input %d: %v", name, i, p)
					}
				}()
				_ = o2.(operators.Checkpointer).Restore(bytes.NewReader(bad))
			}()
		}
	}
}

// TestMaxIntervalIsTimestampRange: MaxIntervalMs is the span of the
// TIMESTAMP range the sources accept, and a spec above it is refused.
func TestMaxIntervalIsTimestampRange(t *testing.T) {
	require.Equal(t, int64(jsondec.MaxTimestampMs-jsondec.MinTimestampMs+1), int64(MaxIntervalMs))
	// 0001-01-01 to 10000-01-01: 9999 years of 365 days and 2424 leap days
	// (9999/4 − 9999/100 + 9999/400).
	require.Equal(t, int64((9999*365+2424)*86_400_000), int64(MaxIntervalMs))
	for _, s := range []Spec{
		{Kind: Tumble, Size: MaxIntervalMs + 1},
		{Kind: Tumble, Size: 60_000, Offset: -MaxIntervalMs - 1},
		{Kind: Hop, Slide: 60_000, Size: MaxIntervalMs + 60_000},
		{Kind: Cumulate, Slide: 60_000, Size: MaxIntervalMs + 60_000},
		{Kind: Session, Gap: MaxIntervalMs + 1, KeyCols: []int{0}},
		{Kind: Session, Gap: 1, MaxDuration: MaxIntervalMs + 1, KeyCols: []int{0}},
	} {
		_, err := New(s)
		require.Error(t, err, "%+v", s)
	}
	_, err := New(Spec{Kind: Tumble, Size: MaxIntervalMs, Trigger: Trigger{EarlyWhenCol: -1}})
	require.NoError(t, err)
}

// TestEarlyEveryHuge: an EARLY EVERY interval past time.Duration's range
// (INTERVAL '200000' DAY, ~548 years) never fires, instead of wrapping to
// a negative period that fires on every timer tick.
func TestEarlyEveryHuge(t *testing.T) {
	o, err := New(Spec{Kind: Tumble, Size: 60_000, Trigger: Trigger{EarlyWhenCol: -1, EarlyEveryMs: 200_000 * 86_400_000}})
	require.NoError(t, err)
	ts := o.(*op)
	now := time.Unix(1_700_000_000, 0)
	require.False(t, ts.trig.due(now)) // starts the clock
	require.False(t, ts.trig.due(now.Add(time.Second)))
	require.False(t, ts.trig.due(now.Add(100*365*24*time.Hour)))
}
