package agg

import (
	"math"
	"math/rand"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
)

// requireWithinSketchBound checks got against PERCENTILE_CONT of xs at q,
// computed here from the sorted values: x_lo + f·(x_hi − x_lo) at rank
// q·(n−1), and the documented bound 1% of (1−f)·|x_lo| + f·|x_hi|
// (docs/windows.md), which is 1% of the result when both neighbours have
// one sign.
func requireWithinSketchBound(t *testing.T, xs []float64, q, got float64, msg string) {
	t.Helper()
	s := slices.Clone(xs)
	slices.Sort(s)
	rank := q * float64(len(s)-1)
	lo := int(math.Floor(rank))
	hi := min(lo+1, len(s)-1)
	f := rank - float64(lo)
	want := s[lo] + f*(s[hi]-s[lo])
	bound := 0.01 * ((1-f)*math.Abs(s[lo]) + f*math.Abs(s[hi])) * (1 + 1e-9)
	require.LessOrEqual(t, math.Abs(got-want), bound, "%s: q=%v n=%d exact %v got %v", msg, q, len(s), want, got)
}

// Negative values past the 128 kept exactly (audit finding: a sketch read
// negative order statistics one position too close to zero).
//
//	−1000, then 128 × −1 (129 values): q = 0 is the minimum, −1000 (the bug
//	gave −1.01); q = 1 and q = 0.5 are −1.
//	−1 … −129: sorted index i holds −129 + i; q = 0.5 is rank 64 → −65
//	(the bug gave −63.44); q = 0.25 is rank 32 → −97; q = 0.1 is rank
//	12.8 → −116.2 between −117 and −116.
func TestApproxPercentileNegativeSketch(t *testing.T) {
	xs := []float64{-1000}
	for range 128 {
		xs = append(xs, -1)
	}
	require.InEpsilon(t, -1000, approxPct(t, 0, xs...), 0.01)
	require.InEpsilon(t, -1, approxPct(t, 0.5, xs...), 0.01)
	require.InEpsilon(t, -1, approxPct(t, 1, xs...), 0.01)

	xs = xs[:0]
	for i := 1; i <= 129; i++ {
		xs = append(xs, float64(-i))
	}
	require.InEpsilon(t, -65, approxPct(t, 0.5, xs...), 0.01)
	require.InEpsilon(t, -97, approxPct(t, 0.25, xs...), 0.01)
	require.InEpsilon(t, -116.2, approxPct(t, 0.1, xs...), 0.01)
	require.InEpsilon(t, -129, approxPct(t, 0, xs...), 0.01)
	require.InEpsilon(t, -1, approxPct(t, 1, xs...), 0.01)
}

// The same shapes mirrored to positive values give the mirrored answers:
// 1000, then 128 × 1: q = 1 is 1000, q = 0 is 1. 1 … 129: q = 0.5 is 65,
// q = 0.75 is rank 96 → 97, q = 0.9 is rank 115.2 → 116.2.
func TestApproxPercentilePositiveSketch(t *testing.T) {
	xs := []float64{1000}
	for range 128 {
		xs = append(xs, 1)
	}
	require.InEpsilon(t, 1000, approxPct(t, 1, xs...), 0.01)
	require.InEpsilon(t, 1, approxPct(t, 0, xs...), 0.01)
	require.InEpsilon(t, 1, approxPct(t, 0.5, xs...), 0.01)

	xs = xs[:0]
	for i := 1; i <= 129; i++ {
		xs = append(xs, float64(i))
	}
	require.InEpsilon(t, 65, approxPct(t, 0.5, xs...), 0.01)
	require.InEpsilon(t, 97, approxPct(t, 0.75, xs...), 0.01)
	require.InEpsilon(t, 116.2, approxPct(t, 0.9, xs...), 0.01)
}

// Mixed signs with zeros: −200 … −1, five zeros, 1 … 100 (305 values).
// Sorted index i holds i − 200 for i < 200, 0 for 200 … 204, i − 204 from
// 205.
//
//	q = 0:    −200          q = 1:   100
//	q = 0.25: rank 76   → −124
//	q = 0.5:  rank 152  → −48
//	q = 0.6:  rank 182.4 between −18 and −17 → −17.6
//	q = 0.66: rank 201.06 (zeros) → 0
//	q = 0.9:  rank 273.6 between 69 and 70 → 69.6
func TestApproxPercentileMixedSignSketch(t *testing.T) {
	var xs []float64
	for i := 1; i <= 200; i++ {
		xs = append(xs, float64(-i))
	}
	for i := 1; i <= 100; i++ {
		xs = append(xs, float64(i))
	}
	xs = append(xs, 0, 0, 0, 0, 0)
	rand.New(rand.NewSource(3)).Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
	for _, c := range []struct{ q, want float64 }{
		{0, -200}, {0.25, -124}, {0.5, -48}, {0.6, -17.6}, {0.9, 69.6}, {1, 100},
	} {
		require.InEpsilon(t, c.want, approxPct(t, c.q, xs...), 0.01, "q=%v", c.q)
	}
	require.Equal(t, 0.0, approxPct(t, 0.66, xs...))
}

// lognormals returns n values sign·exp(1 + 1.5·N(0,1)), the audit's
// distribution.
func lognormals(r *rand.Rand, n int, sign float64) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = sign * math.Exp(1+1.5*r.NormFloat64())
	}
	return xs
}

var boundQs = []float64{0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1}

// Skewed data of either sign and of both, in one group: every quantile is
// within the bound.
func TestApproxPercentileSkewedSketch(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	for _, sign := range []float64{-1, 1, 0} {
		for _, n := range []int{129, 300, 3000} {
			var xs []float64
			if sign == 0 {
				xs = append(lognormals(r, n/2, -1), lognormals(r, n-n/2, 1)...)
			} else {
				xs = lognormals(r, n, sign)
			}
			for _, q := range boundQs {
				requireWithinSketchBound(t, xs, q, approxPct(t, q, xs...), "one group")
			}
		}
	}
}

// HOP windows are merged from panes, session windows from merged sessions:
// both go through Merge into a fresh group. Panes 60 values wide, windows
// of 5 panes sliding by 1 pane; pane sizes vary so that some panes are
// exact (≤ 128 values) and some sketches. Merged sessions chain Merge
// from group to group. Every window's quantiles are within the bound, and
// stay so after an encode → decode round trip.
func TestApproxPercentileMergedPanes(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	for _, sign := range []float64{-1, 1, 0} {
		for _, q := range boundQs {
			a, err := New(Spec{Func: ApproxPercentile, ArgType: catalog.Double, Param: q})
			require.NoError(t, err)
			const panes = 12
			a.Grow(panes + 2)
			vals := make([][]float64, panes)
			for p := range panes {
				n := 20 + r.Intn(200)
				if sign == 0 {
					vals[p] = append(lognormals(r, n/2, -1), lognormals(r, n-n/2, 1)...)
				} else {
					vals[p] = lognormals(r, n, sign)
				}
				addAll(a, doubles(vals[p]...), uint32(p))
			}
			win, dec := uint32(panes), uint32(panes+1)
			for s := 0; s+5 <= panes; s++ {
				a.Reset(win)
				var all []float64
				for p := s; p < s+5; p++ {
					a.Merge(win, uint32(p))
					all = append(all, vals[p]...)
				}
				requireWithinSketchBound(t, all, q, result(t, a, catalog.Double, win).F64[0], "hop window")
				_, err := a.Decode(dec, a.Encode(nil, win))
				require.NoError(t, err)
				requireWithinSketchBound(t, all, q, result(t, a, catalog.Double, dec).F64[0], "decoded window")
			}
			// Sessions merging one into the next: 0 ← 1 ← … (group 0 keeps
			// growing, raw or sketch on either side).
			all := slices.Clone(vals[0])
			for p := 1; p < panes; p++ {
				a.Merge(0, uint32(p))
				all = append(all, vals[p]...)
				requireWithinSketchBound(t, all, q, result(t, a, catalog.Double, 0).F64[0], "session merge")
			}
		}
	}
}
