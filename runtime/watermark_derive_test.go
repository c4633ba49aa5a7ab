package runtime

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/operators/watermark"
)

// TestSourceWatermarkDerived: the source watermark the report derives for a
// source of a query with several sources (SEMANTICS.md §1): the minimum W_p
// over active partitions; with every partition idle, now − delay under
// idle_advance, else it holds (the query's watermark is the best known
// value); +∞ once every partition has ended; never below the query's
// watermark. Times in ms, now = 100_000, delay 1_000.
func TestSourceWatermarkDerived(t *testing.T) {
	const inf = math.MinInt64
	now := time.UnixMilli(100_000)
	p := func(wm int64, idle, ended bool) watermark.PartitionStatus {
		return watermark.PartitionStatus{Watermark: wm, Idle: idle, Ended: ended}
	}
	for _, tc := range []struct {
		name    string
		parts   []watermark.PartitionStatus
		advance bool
		lower   int64
		want    int64
	}{
		{"min over active", []watermark.PartitionStatus{p(5_000, false, false), p(3_000, false, false)}, false, inf, 3_000},
		{"idle and ended left out", []watermark.PartitionStatus{p(5_000, false, false), p(1_000, true, false), p(2_000, false, true)}, false, inf, 5_000},
		{"a partition without events holds at -inf", []watermark.PartitionStatus{p(5_000, false, false), p(inf, false, false)}, false, inf, inf},
		{"never below the query's", []watermark.PartitionStatus{p(3_000, false, false)}, false, 4_000, 4_000},
		{"all idle, idle_advance: now - delay", []watermark.PartitionStatus{p(5_000, true, false), p(3_000, true, false)}, true, 2_000, 99_000},
		{"all idle, no idle_advance: holds", []watermark.PartitionStatus{p(5_000, true, false), p(3_000, true, false)}, false, 2_000, 2_000},
		{"idle and ended, idle_advance", []watermark.PartitionStatus{p(5_000, true, false), p(3_000, false, true)}, true, inf, 99_000},
		{"all ended", []watermark.PartitionStatus{p(5_000, false, true), p(3_000, false, true)}, false, 3_000, math.MaxInt64},
	} {
		require.Equal(t, tc.want, sourceWatermark(tc.parts, tc.advance, 1_000, now, tc.lower), tc.name)
	}
}

// TestPartitionNotes: what the report says about a partition.
func TestPartitionNotes(t *testing.T) {
	const inf = math.MinInt64
	for _, tc := range []struct {
		st               watermark.PartitionStatus
		allIdle, advance bool
		want             string
	}{
		{watermark.PartitionStatus{Watermark: inf, Holding: true}, false, false, "no events yet: holds the source watermark at -inf"},
		{watermark.PartitionStatus{Watermark: 5, Holding: true}, false, false, "holds the source watermark back"},
		{watermark.PartitionStatus{Watermark: 9}, false, false, "active"},
		{watermark.PartitionStatus{Watermark: 9, Idle: true}, false, true, "idle: left out of the source watermark until its next event"},
		{watermark.PartitionStatus{Watermark: 9, Idle: true}, true, true, "idle; every partition is idle, so the source watermark follows processing time minus the delay (idle_advance)"},
		{watermark.PartitionStatus{Watermark: 9, Idle: true}, true, false, "idle; every partition is idle, so the source watermark holds (idle_advance is off)"},
		{watermark.PartitionStatus{Watermark: 9, Ended: true}, true, true, "ended"},
	} {
		require.Equal(t, tc.want, partitionNote(tc.st, tc.allIdle, tc.advance))
	}
}
