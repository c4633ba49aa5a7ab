package kafka

import (
	"context"
	"fmt"
	"io"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/internal/kafkatest"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/watermark"
)

type manualClock struct{ t time.Time }

func (c *manualClock) Now() time.Time { return c.t }

// feed reads until n rows arrived, passing every batch through the
// assigner as the runtime does.
func feed(t *testing.T, s *Source, a *watermark.Assigner, clock *manualClock, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	b := coldata.NewBatch(s.Schema(), coldata.DefaultBatchSize)
	got := 0
	for got < n {
		require.NoError(t, s.Read(ctx, b))
		got += b.Len
		a.Process(b)
		a.Tick(clock.Now())
		for _, p := range s.Ended() {
			a.PartitionEnded(p)
		}
	}
	require.Equal(t, n, got)
}

// TestWatermarkIdleAndLaggingPartitions runs the source's batches through
// the per-partition watermark assigner (SEMANTICS.md §1): partition 2 never
// receives, partition 1 is an hour behind partition 0.
func TestWatermarkIdleAndLaggingPartitions(t *testing.T) {
	_, addr := kafkatest.NewCluster(t, map[string]int32{"t": 3})
	const hour = int64(3_600_000)
	var recs []kafkatest.Record
	for i := range int64(10) {
		recs = append(recs, kafkatest.Record{Partition: 0, Value: event(baseTs+1000*i, "a", i)}, kafkatest.Record{Partition: 1, Value: event(baseTs-hour+1000*i, "b", i)})
	}
	kafkatest.Produce(t, addr, "t", recs)

	s := openSource(t, sourceDef(addr, "t", "idle_timeout", "5m"), nil, nil)
	clock := &manualClock{t: time.Unix(1_800_000_000, 0)}
	t0 := clock.t
	a := watermark.NewAssigner(watermark.Config{
		TimeCol: 0, DelayMs: 2000, IdleTimeout: s.Options().IdleTimeout,
		Clock: clock, Partitions: s.Partitions(),
	}, &operators.Context{Clock: clock})

	// Partition 2 has no event and is not idle yet: the watermark is −∞.
	feed(t, s, a, clock, 20)
	require.Equal(t, int64(math.MinInt64), a.Watermark())

	// Three minutes later partitions 0 and 1 receive again.
	clock.t = t0.Add(3 * time.Minute)
	kafkatest.Produce(t, addr, "t", []kafkatest.Record{{Partition: 0, Value: event(baseTs+10_000, "a", 10)}, {Partition: 1, Value: event(baseTs-hour+10_000, "b", 10)}})
	feed(t, s, a, clock, 2)
	require.Equal(t, int64(math.MinInt64), a.Watermark())

	// Five minutes after start partition 2 is idle and left out; the
	// lagging partition 1 holds the watermark: max(p1) − delay.
	clock.t = t0.Add(5*time.Minute + time.Millisecond)
	a.Tick(clock.Now())
	require.Equal(t, baseTs-hour+10_000-2000, a.Watermark())
	st := a.Status()
	require.Len(t, st, 3)
	require.True(t, st[1].Holding)
	require.False(t, st[0].Holding)
	require.True(t, st[2].Idle)

	// Partition 1 catches up past partition 0, which now holds it back.
	kafkatest.Produce(t, addr, "t", []kafkatest.Record{{Partition: 1, Value: event(baseTs+20_000, "b", 11)}})
	feed(t, s, a, clock, 1)
	require.Equal(t, baseTs+10_000-2000, a.Watermark())
	require.True(t, a.Status()[0].Holding)
}

// TestWatermarkBoundedEnd: a partition that reached its bounded end stops
// holding the watermark back. Partition 0 is empty: it ends with the first
// Read, before partition 1's record is judged, so that record sees the
// watermark of partition 1 alone (−∞ before its first event). Partition 1
// ends with the batch of its record, which is processed first, as the
// runtime does; with every partition ended the assigner holds.
func TestWatermarkBoundedEnd(t *testing.T) {
	_, addr := kafkatest.NewCluster(t, map[string]int32{"t": 2})
	kafkatest.Produce(t, addr, "t", []kafkatest.Record{{Partition: 1, Value: event(baseTs+60_000, "b", 1)}})
	s := openSource(t, sourceDef(addr, "t", "bounded", "latest"), nil, nil)
	clock := &manualClock{t: time.Unix(1_800_000_000, 0)}
	a := watermark.NewAssigner(watermark.Config{TimeCol: 0, Clock: clock, Partitions: s.Partitions()}, &operators.Context{Clock: clock})
	b := newBatch()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	var steps []string
	for {
		err := s.Read(ctx, b)
		if err != nil {
			require.ErrorIs(t, err, io.EOF)
			break
		}
		a.Process(b)
		ended := s.Ended()
		for _, p := range ended {
			a.PartitionEnded(p)
		}
		if b.Len == 0 && len(ended) == 0 {
			continue // an empty poll
		}
		wmBefore := "-"
		if b.Len > 0 {
			wmBefore = fmtWm(b.WmBefore[0])
		}
		steps = append(steps, fmt.Sprintf("rows=%d wm_before=%s ended=%v wm=%s", b.Len, wmBefore, ended, fmtWm(a.Watermark())))
	}
	require.Equal(t, []string{
		"rows=0 wm_before=- ended=[0] wm=-inf",
		"rows=1 wm_before=-inf ended=[1] wm=+60000",
	}, steps)
}

// fmtWm renders a watermark relative to baseTs.
func fmtWm(w int64) string {
	if w == math.MinInt64 {
		return "-inf"
	}
	return fmt.Sprintf("%+d", w-baseTs)
}
