package agg

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

func bigints(xs ...int64) *coldata.Vec {
	v := coldata.NewVec(catalog.Bigint, len(xs))
	v.I64 = append(v.I64, xs...)
	return v
}

// avgInts returns AVG over xs added to one group and over xs split between
// two groups and merged, and checks that they agree.
func avgInts(t *testing.T, xs ...int64) float64 {
	t.Helper()
	a, err := New(Spec{Func: Avg, ArgType: catalog.Bigint})
	require.NoError(t, err)
	a.Grow(3)
	addAll(a, bigints(xs...), 0)
	addAll(a, bigints(xs[:len(xs)/2]...), 1)
	addAll(a, bigints(xs[len(xs)/2:]...), 2)
	a.Merge(1, 2)
	one := result(t, a, catalog.Double, 0).F64[0]
	require.Equal(t, one, result(t, a, catalog.Double, 1).F64[0], "merged")
	return one
}

// AVG of BIGINT is the exact quotient rounded to the nearest DOUBLE, as
// PostgreSQL's avg(bigint)::float8 (each value checked with psql):
//
//	4611686018427387905, −4611686018427387904: sum 1, avg 0.5 (a DOUBLE
//	    sum rounds both to ±2⁶² and gives 0)
//	2 × 9223372036854775807: sum 2⁶⁴ − 2 overflows int64, avg 2⁶³ − 1,
//	    nearest DOUBLE 2⁶³ = 9.223372036854776e18
//	3 × −2⁶³: avg −2⁶³
//	9007199254740993, 0: avg 4503599627370496.5, a tie between two
//	    DOUBLEs, to even: 4503599627370496
//	9007199254740995, 0: 4503599627370497.5, to even: 4503599627370498
//	1, 2, 2: 5/3 = 1.6666666666666667
func TestAvgBigintExact(t *testing.T) {
	require.Equal(t, 0.5, avgInts(t, 4611686018427387905, -4611686018427387904))
	require.Equal(t, 9.223372036854776e18, avgInts(t, math.MaxInt64, math.MaxInt64))
	require.Equal(t, -0x1p63, avgInts(t, math.MinInt64, math.MinInt64, math.MinInt64))
	require.Equal(t, 4503599627370496.0, avgInts(t, 9007199254740993, 0))
	require.Equal(t, 4503599627370498.0, avgInts(t, 9007199254740995, 0))
	require.Equal(t, 5.0/3, avgInts(t, 1, 2, 2))
	require.Equal(t, -1.5, avgInts(t, -1, -2))
	// 2⁶³ − 1 and −2⁶³ + 1 cancel exactly, then 3: avg 1.
	require.Equal(t, 1.0, avgInts(t, math.MaxInt64, 3, math.MinInt64+1))
}

// The state survives encode → decode, and a group encoded before the sum
// was exact (a DOUBLE sum, then the count) still decodes: 3.0 over 2 is
// 1.5, −3.0 over 2 is −1.5, −2⁷⁰ over 1 is −2⁷⁰. A corrupt old sum (NaN)
// is refused.
func TestAvgBigintEncode(t *testing.T) {
	a, err := New(Spec{Func: Avg, ArgType: catalog.Bigint})
	require.NoError(t, err)
	a.Grow(2)
	addAll(a, bigints(math.MaxInt64, math.MaxInt64, 1), 0)
	buf := a.Encode(nil, 0)
	rest, err := a.Decode(1, append(buf, 0xAB))
	require.NoError(t, err)
	require.Equal(t, []byte{0xAB}, rest)
	// (2⁶⁴ − 1) / 3 = 6148914691236517205 → nearest DOUBLE.
	require.Equal(t, float64(6148914691236517205), result(t, a, catalog.Double, 1).F64[0])

	for _, c := range []struct {
		sum  float64
		n    int64
		want float64
	}{{3, 2, 1.5}, {-3, 2, -1.5}, {-0x1p70, 1, -0x1p70}, {0x1p70 + 0x1p64, 1, 0x1p70 + 0x1p64}} {
		old := appendValue(appendFloat(nil, c.sum), c.n)
		_, err := a.Decode(1, old)
		require.NoError(t, err)
		require.Equal(t, c.want, result(t, a, catalog.Double, 1).F64[0], "old %v/%d", c.sum, c.n)
	}
	_, err = a.Decode(1, appendValue(appendFloat(nil, math.NaN()), int64(1)))
	require.Error(t, err)
	_, err = a.Decode(1, buf[:9])
	require.Error(t, err)
}
