package assign

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/window"
)

var schema = catalog.Schema{{Name: "k", Type: catalog.Varchar}, {Name: "v", Type: catalog.Bigint}}

// at parses a time of 2026-01-01 ("00:07") or a full RFC 3339 time into
// epoch milliseconds.
func at(t *testing.T, s string) int64 {
	t.Helper()
	if len(s) <= 12 {
		s = "2026-01-01T" + s
		if len(s) == 16 {
			s += ":00"
		}
		s += "Z"
	}
	ts, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err)
	return ts.UnixMilli()
}

// batch builds rows (k, v) with the given event times; v = offset = row
// index + 1, k = "r<index>", Raw = k, WmBefore = event time - 1.
func batch(ts ...int64) *coldata.Batch {
	b := coldata.NewBatch(schema, len(ts))
	b.Reset(len(ts))
	for i, t := range ts {
		k := "r" + string(rune('0'+i%10))
		b.Cols[0].Str[i] = k
		b.Cols[1].I64[i] = int64(i + 1)
		b.EventTime = append(b.EventTime, t)
		b.WmBefore = append(b.WmBefore, t-1)
		b.Offset = append(b.Offset, int64(i+1))
		b.Raw = append(b.Raw, []byte(k))
	}
	b.Source = "s"
	return b
}

type row struct {
	K          string
	V          int64 // -1 for NULL
	Start, End int64
	T, Wm, Off int64
	Raw        string
}

// run processes b and collects every emitted row, checking the per-batch
// invariants on the way.
func run(t *testing.T, a *Assign, b *coldata.Batch) ([]row, int) {
	t.Helper()
	var rows []row
	emits := 0
	err := a.Process(b, operators.EmitterFunc(func(o *coldata.Batch) error {
		emits++
		require.Nil(t, o.Sel)
		require.Nil(t, o.Emit, "input rows: no _emit")
		require.Len(t, o.EventTime, o.Len)
		require.Equal(t, "s", o.Source)
		for i := 0; i < o.Len; i++ {
			r := row{K: o.Cols[0].Str[i], V: o.Cols[1].I64[i], Start: o.Cols[2].I64[i], End: o.Cols[3].I64[i], T: o.EventTime[i]}
			if o.Cols[1].Nulls.IsNull(i) {
				r.V = -1
			}
			if o.WmBefore != nil {
				r.Wm = o.WmBefore[i]
			}
			if o.Offset != nil {
				r.Off = o.Offset[i]
			}
			if o.Raw != nil {
				r.Raw = string(o.Raw[i])
			}
			rows = append(rows, r)
		}
		return nil
	}))
	require.NoError(t, err)
	return rows, emits
}

// windows returns the [start, end) pairs of rows.
func windows(rows []row) [][2]int64 {
	var w [][2]int64
	for _, r := range rows {
		w = append(w, [2]int64{r.Start, r.End})
	}
	return w
}

func TestWindowsOfOneEvent(t *testing.T) {
	const min = int64(time.Minute / time.Millisecond)
	for _, tc := range []struct {
		name string
		spec window.Spec
		t    string
		want [][2]string
	}{
		{"tumble", window.Spec{Kind: window.Tumble, Size: min}, "00:00:30",
			[][2]string{{"00:00", "00:01"}}},
		{"tumble at a bound", window.Spec{Kind: window.Tumble, Size: min}, "00:01",
			[][2]string{{"00:01", "00:02"}}},
		{"tumble offset before", window.Spec{Kind: window.Tumble, Size: 60 * min, Offset: 15 * min}, "00:10",
			[][2]string{{"2025-12-31T23:15:00Z", "00:15"}}},
		{"tumble offset after", window.Spec{Kind: window.Tumble, Size: 60 * min, Offset: 15 * min}, "00:20",
			[][2]string{{"00:15", "01:15"}}},
		{"tumble negative offset", window.Spec{Kind: window.Tumble, Size: 60 * min, Offset: -15 * min}, "00:50",
			[][2]string{{"00:45", "01:45"}}},
		{"hop 15m/5m at 00:07", window.Spec{Kind: window.Hop, Size: 15 * min, Slide: 5 * min}, "00:07",
			[][2]string{{"2025-12-31T23:55:00Z", "00:10"}, {"00:00", "00:15"}, {"00:05", "00:20"}}},
		{"hop 15m/5m at 00:05", window.Spec{Kind: window.Hop, Size: 15 * min, Slide: 5 * min}, "00:05",
			[][2]string{{"2025-12-31T23:55:00Z", "00:10"}, {"00:00", "00:15"}, {"00:05", "00:20"}}},
		{"hop 15m/5m just before 00:05", window.Spec{Kind: window.Hop, Size: 15 * min, Slide: 5 * min}, "00:04:59.999",
			[][2]string{{"2025-12-31T23:50:00Z", "00:05"}, {"2025-12-31T23:55:00Z", "00:10"}, {"00:00", "00:15"}}},
		// slide 4m does not divide size 10m: the windows starting at
		// 00:00, 00:04 and 00:08 hold 00:09; [23:56, 00:06) does not.
		{"hop slide not dividing size", window.Spec{Kind: window.Hop, Size: 10 * min, Slide: 4 * min}, "00:09",
			[][2]string{{"00:00", "00:10"}, {"00:04", "00:14"}, {"00:08", "00:18"}}},
		// 00:06: starts 00:00 and 00:04; [23:56, 00:06) ends at 00:06.
		{"hop slide not dividing size, two", window.Spec{Kind: window.Hop, Size: 10 * min, Slide: 4 * min}, "00:06",
			[][2]string{{"00:00", "00:10"}, {"00:04", "00:14"}}},
		{"cumulate at the start", window.Spec{Kind: window.Cumulate, Size: 3 * min, Slide: min}, "00:00",
			[][2]string{{"00:00", "00:01"}, {"00:00", "00:02"}, {"00:00", "00:03"}}},
		{"cumulate mid-step", window.Spec{Kind: window.Cumulate, Size: 3 * min, Slide: min}, "00:01:30",
			[][2]string{{"00:00", "00:02"}, {"00:00", "00:03"}}},
		{"cumulate last step", window.Spec{Kind: window.Cumulate, Size: 3 * min, Slide: min}, "00:05:59.999",
			[][2]string{{"00:03", "00:06"}}},
		{"tumble before the epoch", window.Spec{Kind: window.Tumble, Size: min}, "1969-12-31T23:59:59.999Z",
			[][2]string{{"1969-12-31T23:59:00Z", "1970-01-01T00:00:00Z"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := New(tc.spec, schema)
			require.NoError(t, err)
			rows, _ := run(t, a, batch(at(t, tc.t)))
			var want [][2]int64
			for _, w := range tc.want {
				want = append(want, [2]int64{at(t, w[0]), at(t, w[1])})
			}
			require.Equal(t, want, windows(rows))
		})
	}
}

// Rows keep their columns and provenance, follow the input order and the
// selection, and NULLs stay NULL.
func TestRowsCarryTheirEvent(t *testing.T) {
	const min = int64(time.Minute / time.Millisecond)
	a, err := New(window.Spec{Kind: window.Hop, Size: 2 * min, Slide: min}, schema)
	require.NoError(t, err)
	b := batch(at(t, "00:00:10"), at(t, "00:05"), at(t, "00:01:30"))
	b.Cols[1].Nulls.Set(2)
	b.Sel = []int{0, 2} // row 1 filtered out upstream
	rows, emits := run(t, a, b)
	require.Equal(t, 1, emits)
	t0, t2 := at(t, "00:00:10"), at(t, "00:01:30")
	require.Equal(t, []row{
		{K: "r0", V: 1, Start: at(t, "2025-12-31T23:59:00Z"), End: at(t, "00:01"), T: t0, Wm: t0 - 1, Off: 1, Raw: "r0"},
		{K: "r0", V: 1, Start: at(t, "00:00"), End: at(t, "00:02"), T: t0, Wm: t0 - 1, Off: 1, Raw: "r0"},
		{K: "r2", V: -1, Start: at(t, "00:00"), End: at(t, "00:02"), T: t2, Wm: t2 - 1, Off: 3, Raw: "r2"},
		{K: "r2", V: -1, Start: at(t, "00:01"), End: at(t, "00:03"), T: t2, Wm: t2 - 1, Off: 3, Raw: "r2"},
	}, rows)
}

// A late event (before the watermark) still goes out: nothing is dropped.
func TestLateRowsAreKept(t *testing.T) {
	a, err := New(window.Spec{Kind: window.Tumble, Size: 60000}, schema)
	require.NoError(t, err)
	require.NoError(t, a.OnWatermark(at(t, "01:00"), operators.EmitterFunc(func(*coldata.Batch) error {
		t.Fatal("nothing to emit on a watermark")
		return nil
	})))
	rows, _ := run(t, a, batch(at(t, "00:00:30")))
	require.Equal(t, [][2]int64{{at(t, "00:00"), at(t, "00:01")}}, windows(rows))
}

// Without Offset, Raw and WmBefore in the input, the output has none.
func TestMissingProvenanceStaysNil(t *testing.T) {
	a, err := New(window.Spec{Kind: window.Tumble, Size: 60000}, schema)
	require.NoError(t, err)
	b := batch(at(t, "00:00:30"))
	b.Offset, b.Raw, b.WmBefore = nil, nil, nil
	require.NoError(t, a.Process(b, operators.EmitterFunc(func(o *coldata.Batch) error {
		require.Equal(t, 1, o.Len)
		require.Nil(t, o.Offset)
		require.Nil(t, o.Raw)
		require.Nil(t, o.WmBefore)
		return nil
	})))
}

// 1000 events in 3 HOP windows each: 3000 rows, in batches of at most
// DefaultBatchSize, in input order; no allocation once warm.
func TestLargeBatchesSplitWithoutAllocating(t *testing.T) {
	const min = int64(time.Minute / time.Millisecond)
	a, err := New(window.Spec{Kind: window.Hop, Size: 3 * min, Slide: min}, schema)
	require.NoError(t, err)
	ts := make([]int64, 1000)
	for i := range ts {
		ts[i] = at(t, "00:00") + int64(i)
	}
	b := batch(ts...)
	var sizes []int
	var offs []int64
	emit := operators.EmitterFunc(func(o *coldata.Batch) error {
		sizes = append(sizes, o.Len)
		offs = append(offs, o.Offset[:o.Len]...)
		return nil
	})
	require.NoError(t, a.Process(b, emit))
	require.Equal(t, []int{coldata.DefaultBatchSize, 3000 - coldata.DefaultBatchSize}, sizes)
	require.Len(t, offs, 3000)
	for i, o := range offs {
		require.Equal(t, int64(i/3+1), o, "row %d", i)
	}
	nop := operators.EmitterFunc(func(*coldata.Batch) error { return nil })
	allocs := testing.AllocsPerRun(10, func() { _ = a.Process(b, nop) })
	require.Zero(t, allocs)
}

func TestSessionRefused(t *testing.T) {
	_, err := New(window.Spec{Kind: window.Session, Gap: 1000}, schema)
	require.Error(t, err)
}
