package watermark

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

// TestSnapshotRestore: a restored assigner judges the next event exactly as
// the original would have, across partitions that are ahead and behind.
func TestSnapshotRestore(t *testing.T) {
	clock := &fixedClock{t: time.Date(2026, 11, 9, 12, 0, 0, 0, time.UTC)}
	cfg := Config{TimeCol: 0, DelayMs: 1000, Clock: clock, Partitions: []int32{0, 1}}
	batch := func(p int32, ts ...int64) *coldata.Batch {
		b := coldata.NewBatch(catalog.Schema{{Name: "ts", Type: catalog.Timestamp}}, len(ts))
		b.Reset(len(ts))
		copy(b.Cols[0].I64, ts)
		b.Partition = p
		return b
	}
	a := NewAssigner(cfg, nil)
	a.Process(batch(0, 50_000)) // partition 0 far ahead: W_0 = 49 s
	a.Process(batch(1, 10_000)) // partition 1 behind: W_1 = 9 s → source W = 9 s
	a.PartitionEnded(0)         // partition 0 ends: W = W_1 = 9 s
	require.Equal(t, int64(9_000), a.Watermark())

	var buf bytes.Buffer
	require.NoError(t, a.Snapshot(&buf))
	b2 := NewAssigner(cfg, nil)
	require.NoError(t, b2.Restore(bytes.NewReader(buf.Bytes())))
	require.Equal(t, a.Watermark(), b2.Watermark())

	// The next event on partition 1 is judged against W = 9 s in both, and
	// moves W to 19 s (partition 0 has ended, so it no longer holds W back).
	x, y := batch(1, 20_000), batch(1, 20_000)
	a.Process(x)
	b2.Process(y)
	require.Equal(t, []int64{9_000}, x.WmBefore)
	require.Equal(t, x.WmBefore, y.WmBefore)
	require.Equal(t, int64(19_000), b2.Watermark())
	require.Equal(t, a.Status()[0].Ended, b2.Status()[0].Ended)

	require.Error(t, NewAssigner(cfg, nil).Restore(bytes.NewReader([]byte{9})))
	require.Error(t, NewAssigner(cfg, nil).Restore(bytes.NewReader(buf.Bytes()[:3])))
}
