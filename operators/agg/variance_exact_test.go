package agg

import (
	"math"
	"math/big"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// varOf returns VARIANCE over v's values in one group.
func varOf(t *testing.T, v *coldata.Vec) float64 {
	t.Helper()
	a, err := New(Spec{Func: Variance, ArgType: v.Type})
	require.NoError(t, err)
	a.Grow(1)
	addAll(a, v, 0)
	return result(t, a, catalog.Double, 0).F64[0]
}

// exactVariance is the sample variance of xs computed exactly with
// rationals, (Σx² − (Σx)²/n) / (n − 1), rounded once.
func exactVariance(xs []int64) float64 {
	s, s2 := new(big.Rat), new(big.Rat)
	for _, x := range xs {
		r := new(big.Rat).SetInt64(x)
		s.Add(s, r)
		s2.Add(s2, r.Mul(r, r))
	}
	n := new(big.Rat).SetInt64(int64(len(xs)))
	s.Mul(s, s).Quo(s, n)
	s2.Sub(s2, s).Quo(s2, n.Sub(n, big.NewRat(1, 1)))
	f, _ := s2.Float64()
	return f
}

// Values close together far from zero (audit finding: Welford's running
// mean, rounded at 10¹², gave 0.333343505859375). PostgreSQL (checked with
// psql) gives 0.3333333333333333 for 1000000000003, 1000000000002,
// 1000000000002 as float8 and as bigint: mean 1000000000002⅓, squared
// deviations 4/9 + 1/9 + 1/9 = 2/3, over n − 1 = 2. Past 2⁵³ a BIGINT
// column still gives 1/3 (2⁶⁰, 2⁶⁰ + 1, 2⁶⁰ + 1: PostgreSQL's numeric
// variance; its float8 variance of the same values is 0). STDDEV is the
// square root. 4611686018427387905, −4611686018427387904, 7:
// 2.1267647932558654e37 (psql, variance(bigint)::float8).
func TestVarianceNearlyEqualLargeValues(t *testing.T) {
	const third = 0.3333333333333333
	require.Equal(t, third, varOf(t, doubles(1000000000003, 1000000000002, 1000000000002)))
	require.Equal(t, third, varOf(t, bigints(1000000000003, 1000000000002, 1000000000002)))
	require.Equal(t, third, varOf(t, bigints(1<<60, 1<<60+1, 1<<60+1)))
	require.InEpsilon(t, 2.1267647932558654e37, varOf(t, bigints(4611686018427387905, -4611686018427387904, 7)), 1e-15)

	a, err := New(Spec{Func: Stddev, ArgType: catalog.Bigint})
	require.NoError(t, err)
	a.Grow(1)
	addAll(a, bigints(1000000000003, 1000000000002, 1000000000002), 0)
	require.Equal(t, math.Sqrt(third), result(t, a, catalog.Double, 0).F64[0])
}

// Merging groups re-bases the source onto the destination's first value:
// {1000000000003} merged with {1000000000002, 1000000000002} is again 1/3
// (the means differ by 1: Sxx = 0 + 0 + n₁·n₂·1²/n = 1·2/3 = 2/3, variance
// 2/3 / 2 = 1/3).
func TestVarianceMergeRebases(t *testing.T) {
	for _, typ := range []catalog.Type{catalog.Bigint, catalog.Double} {
		a, err := New(Spec{Func: Variance, ArgType: typ})
		require.NoError(t, err)
		a.Grow(3)
		mk := func(xs ...int64) *coldata.Vec {
			if typ == catalog.Bigint {
				return bigints(xs...)
			}
			f := make([]float64, len(xs))
			for i, x := range xs {
				f[i] = float64(x)
			}
			return doubles(f...)
		}
		addAll(a, mk(1000000000003), 0)
		addAll(a, mk(1000000000002, 1000000000002), 1)
		a.Merge(2, 0) // into an empty group: a copy
		a.Merge(2, 1)
		require.Equal(t, 0.3333333333333333, result(t, a, catalog.Double, 2).F64[0], "%v", typ)
	}
}

// Random BIGINT values around 10¹² (spread ±50) and around 2⁶² (spread
// ±10⁶), in one group, and split over 10 panes merged as a HOP window or a
// chain of session merges does, and through encode → decode: each result
// within 1e-12 of the exact rational variance.
func TestVarianceRandomLargeOffsets(t *testing.T) {
	r := rand.New(rand.NewSource(9))
	for _, c := range []struct{ base, spread int64 }{{1e12, 50}, {1 << 62, 1e6}, {-1 << 62, 3}} {
		xs := make([]int64, 2000)
		for i := range xs {
			xs[i] = c.base + r.Int63n(2*c.spread+1) - c.spread
		}
		want := exactVariance(xs)
		require.InEpsilon(t, want, varOf(t, bigints(xs...)), 1e-12, "one group, base %d", c.base)

		a, err := New(Spec{Func: Variance, ArgType: catalog.Bigint})
		require.NoError(t, err)
		a.Grow(12)
		for p := range 10 {
			addAll(a, bigints(xs[p*200:(p+1)*200]...), uint32(p))
		}
		for p := range 10 {
			a.Merge(10, uint32(p))
		}
		require.InEpsilon(t, want, result(t, a, catalog.Double, 10).F64[0], 1e-12, "panes, base %d", c.base)
		_, err = a.Decode(11, a.Encode(nil, 10))
		require.NoError(t, err)
		require.InEpsilon(t, want, result(t, a, catalog.Double, 11).F64[0], 1e-12, "decoded, base %d", c.base)
		for p := 9; p > 0; p-- { // sessions merging right to left
			a.Merge(uint32(p-1), uint32(p))
		}
		require.InEpsilon(t, want, result(t, a, catalog.Double, 0).F64[0], 1e-12, "chain, base %d", c.base)
	}
}

// PostgreSQL's variance of a float8 column containing Infinity or NaN is
// NaN (psql: variance of 'Infinity', 1 and of 1, 'NaN'); it stays NaN
// through merges, and NaN wins over an overflow's +Infinity.
func TestVarianceNonFiniteInputs(t *testing.T) {
	require.True(t, math.IsNaN(varOf(t, doubles(math.Inf(1), 1))))
	require.True(t, math.IsNaN(varOf(t, doubles(1, math.NaN()))))
	require.True(t, math.IsNaN(varOf(t, doubles(1, math.Inf(-1), 3))))
	a, err := New(Spec{Func: Variance, ArgType: catalog.Double})
	require.NoError(t, err)
	a.Grow(3)
	addAll(a, doubles(1, 2), 0)
	addAll(a, doubles(math.Inf(1)), 1)
	addAll(a, doubles(1e308, -1e308), 2)
	a.Merge(0, 2)
	require.Equal(t, math.Inf(1), result(t, a, catalog.Double, 0).F64[0])
	a.Merge(0, 1)
	require.True(t, math.IsNaN(result(t, a, catalog.Double, 0).F64[0]))
}

// A group encoded by the older Welford accumulator (N, mean, M2) still
// decodes: DOUBLE 1, 2, 3 (N 3, mean 2, M2 2) has variance 1; BIGINT 1, 2
// (N 2, mean 1.5, M2 0.5) has variance 0.5 and, with 3 added after the
// restore, 1 (the variance of 1, 2, 3). The new encoding round-trips and
// starts with a negative count, so the two cannot be confused.
func TestVarianceDecodesWelfordState(t *testing.T) {
	old := func(n int64, mean, m2 float64) []byte {
		return appendFloat(appendFloat(appendValue(nil, n), mean), m2)
	}
	a, err := New(Spec{Func: Variance, ArgType: catalog.Double})
	require.NoError(t, err)
	a.Grow(2)
	_, err = a.Decode(0, old(3, 2, 2))
	require.NoError(t, err)
	require.Equal(t, 1.0, result(t, a, catalog.Double, 0).F64[0])

	b, err := New(Spec{Func: Variance, ArgType: catalog.Bigint})
	require.NoError(t, err)
	b.Grow(2)
	_, err = b.Decode(0, old(2, 1.5, 0.5))
	require.NoError(t, err)
	require.Equal(t, 0.5, result(t, b, catalog.Double, 0).F64[0])
	addAll(b, bigints(3), 0)
	require.Equal(t, 1.0, result(t, b, catalog.Double, 0).F64[0])

	enc := b.Encode(nil, 0)
	require.Equal(t, byte(1), enc[0]&1, "the zigzag varint of −1 − N is odd; of an old N ≥ 0, even")
	_, err = b.Decode(1, enc)
	require.NoError(t, err)
	require.Equal(t, 1.0, result(t, b, catalog.Double, 1).F64[0])
}
