package agg

import (
	"math/rand"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
)

// APPROX_PERCENTILE is within 1% of PERCENTILE_CONT (SEMANTICS.md §5) also
// where PERCENTILE_CONT interpolates between two far-apart values: few values,
// even counts, and every q in steps of 0.05, over several distributions.
func TestApproxPercentileInterpolates(t *testing.T) {
	// 10, 20, 30, 40 at q = 0.5: PERCENTILE_CONT is 20 + 0.5·(30 − 20) = 25.
	a, err := New(Spec{Func: ApproxPercentile, ArgType: catalog.Double, Param: 0.5})
	require.NoError(t, err)
	a.Grow(1)
	addAll(a, doubles(30, 10, 40, 20), 0)
	require.InEpsilon(t, 25.0, result(t, a, catalog.Double, 0).F64[0], 0.01)

	r := rand.New(rand.NewSource(7))
	for _, n := range []int{1, 2, 3, 4, 7, 10, 101, 1000} {
		xs := make([]float64, n)
		for i := range xs {
			switch i % 3 {
			case 0:
				xs[i] = 1 + r.Float64()*10
			case 1:
				xs[i] = 1000 + r.ExpFloat64()*500
			default:
				xs[i] = float64(1 + r.Intn(5))
			}
		}
		sorted := slices.Clone(xs)
		slices.Sort(sorted)
		for q := 0.0; q <= 1.0001; q += 0.05 {
			q := min(q, 1)
			a, err := New(Spec{Func: ApproxPercentile, ArgType: catalog.Double, Param: q})
			require.NoError(t, err)
			a.Grow(1)
			addAll(a, doubles(xs...), 0)
			require.InEpsilon(t, percentileCont(sorted, q), result(t, a, catalog.Double, 0).F64[0], 0.01, "n=%d q=%.2f", n, q)
		}
	}
}

// approxPct returns APPROX_PERCENTILE(x, q) over xs in one group.
func approxPct(t *testing.T, q float64, xs ...float64) float64 {
	t.Helper()
	a, err := New(Spec{Func: ApproxPercentile, ArgType: catalog.Double, Param: q})
	require.NoError(t, err)
	a.Grow(1)
	addAll(a, doubles(xs...), 0)
	return result(t, a, catalog.Double, 0).F64[0]
}

// Up to 128 values a group keeps them exactly: the result is
// PERCENTILE_CONT's, also when the two neighbouring order statistics have
// different signs (audit finding: −100 and 100.5 gave 0).
func TestApproxPercentileExactWhenFew(t *testing.T) {
	// −100 + 0.5·(100.5 − (−100)) = 0.25.
	require.Equal(t, 0.25, approxPct(t, 0.5, -100, 100.5))
	// −13.22 + 0.5·(7 − (−13.22)) = −3.11.
	require.InDelta(t, -3.11, approxPct(t, 0.5, 7.0, -13.22), 1e-12)
	// −48.967 + 0.5·(455.453 + 48.967) = 203.243.
	require.InDelta(t, 203.243, approxPct(t, 0.5, -48.967, 455.453), 1e-12)
	// 128 values −64 … −1, 1 … 64 at q = 0.5: rank 63.5 between −1 and 1 → 0.
	xs := make([]float64, 0, 128)
	for i := 1; i <= 64; i++ {
		xs = append(xs, float64(i), float64(-i))
	}
	require.Equal(t, 0.0, approxPct(t, 0.5, xs...))
	// q = 0.1: rank 12.7 between −52 and −51 → −51.3.
	require.InDelta(t, -51.3, approxPct(t, 0.1, xs...), 1e-12)
}

// Past 128 values the sketch answers: each of the two neighbouring order
// statistics within 1%, interpolated exactly. Values −1000 … −1, 1 … 1000
// (2000 values, sorted index i < 1000 holds i − 1000, i ≥ 1000 holds
// i − 999):
//
//	q = 0.25: rank 499.75 between −501 and −500 → −500.25 (one sign: 1%)
//	q = 0.75: rank 1499.25 between 500 and 501 → 500.25
//	q = 0.5:  rank 999.5 between −1 and 1 → 0; the error is at most
//	          1% · (½·1 + ½·1) = 0.01 in absolute terms
func TestApproxPercentileSketchBothSigns(t *testing.T) {
	xs := make([]float64, 0, 2000)
	for i := 1; i <= 1000; i++ {
		xs = append(xs, float64(i), float64(-i))
	}
	require.InEpsilon(t, -500.25, approxPct(t, 0.25, xs...), 0.01)
	require.InEpsilon(t, 500.25, approxPct(t, 0.75, xs...), 0.01)
	require.InDelta(t, 0, approxPct(t, 0.5, xs...), 0.01)
}

// Merging exact groups stays exact while the total is at most 128 and
// becomes a sketch past it; both survive an encode → decode round trip.
func TestApproxPercentileMergeAndEncode(t *testing.T) {
	a, err := New(Spec{Func: ApproxPercentile, ArgType: catalog.Double, Param: 0.5})
	require.NoError(t, err)
	a.Grow(4)
	addAll(a, doubles(-100), 0)
	addAll(a, doubles(100.5), 1)
	a.Merge(0, 1)
	require.Equal(t, 0.25, result(t, a, catalog.Double, 0).F64[0])
	buf := a.Encode(nil, 0)
	require.Equal(t, byte(rawMarker), buf[1], "exact values, after the length")
	_, err = a.Decode(3, buf)
	require.NoError(t, err)
	require.Equal(t, 0.25, result(t, a, catalog.Double, 3).F64[0])

	// 100 values 1 … 100 in group 1 (exact) and 100 values 101 … 200 in
	// group 2 (exact); merged: 200 values in a sketch, median 100.5.
	a.Reset(1)
	for i := 1; i <= 100; i++ {
		addAll(a, doubles(float64(i)), 1)
		addAll(a, doubles(float64(100+i)), 2)
	}
	a.Merge(1, 2)
	require.InEpsilon(t, 100.5, result(t, a, catalog.Double, 1).F64[0], 0.01)
	buf = a.Encode(nil, 1)
	require.NotEqual(t, byte(rawMarker), buf[2])
	_, err = a.Decode(3, buf)
	require.NoError(t, err)
	require.InEpsilon(t, 100.5, result(t, a, catalog.Double, 3).F64[0], 0.01)
	// A sketch merged into an exact group: 5 (exact) + 1 … 200.
	a.Reset(0)
	addAll(a, doubles(5), 0)
	a.Merge(0, 1)
	require.InEpsilon(t, 100, result(t, a, catalog.Double, 0).F64[0], 0.01, "201 values: median is the 101st, 100")
}
