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
