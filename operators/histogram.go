package operators

import (
	"math/bits"
	"sync/atomic"
)

// HistogramBuckets is the number of finite buckets of a Histogram: bucket
// i counts observations v with 2^(i-1) < v ≤ 2^i (bucket 0: v ≤ 1), up to
// 2^(HistogramBuckets-1); larger values land in the overflow bucket.
const HistogramBuckets = 25

// Histogram is a lock-free histogram of non-negative integer observations
// over fixed exponential buckets (upper bounds 1, 2, 4, ..., 2^24). Observe
// is two atomic adds and a bucket add: cheap enough for once per window.
// The zero value is ready to use; safe for concurrent use.
type Histogram struct {
	buckets [HistogramBuckets + 1]atomic.Int64 // non-cumulative; last: overflow
	sum     atomic.Int64
	count   atomic.Int64
}

// HistogramBound returns the upper bound of bucket i (< HistogramBuckets).
func HistogramBound(i int) int64 { return int64(1) << i }

// Observe records v (negative values count as 0).
func (h *Histogram) Observe(v int64) {
	i := 0
	if v > 1 {
		i = bits.Len64(uint64(v - 1)) // smallest i with 2^i ≥ v
	}
	if i > HistogramBuckets {
		i = HistogramBuckets
	}
	h.buckets[i].Add(1)
	h.sum.Add(max(v, 0))
	h.count.Add(1)
}

// Snapshot returns the cumulative count of observations ≤ each bucket's
// bound (len HistogramBuckets), the total count and the sum. Concurrent
// observations may be partly included.
func (h *Histogram) Snapshot() (cumulative []uint64, count uint64, sum int64) {
	cumulative = make([]uint64, HistogramBuckets)
	var run uint64
	for i := range cumulative {
		run += uint64(h.buckets[i].Load())
		cumulative[i] = run
	}
	run += uint64(h.buckets[HistogramBuckets].Load())
	return cumulative, max(run, uint64(h.count.Load())), h.sum.Load()
}
