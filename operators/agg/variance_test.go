package agg

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
)

// TestVarianceOverflow: a sample variance is never negative. Values
// further apart than the largest DOUBLE (1e308 and -1e308: mean 0,
// variance (1e308² + 1e308²)/1 = 2e616) overflow to +Infinity, whether
// they meet in one accumulator or in a merge of two; with ±1e200 the
// squares overflow without the deviation doing so, same answer. A
// variance that fits stays exact: 1, 2, 3, 4 → 5/3.
func TestVarianceOverflow(t *testing.T) {
	for _, c := range []struct {
		a, b []float64 // added to two accumulators, then merged
		var_ float64
	}{
		{[]float64{1e308, -1e308}, nil, math.Inf(1)},
		{[]float64{-1e308, 1e308, 5}, nil, math.Inf(1)},
		{[]float64{1e308}, []float64{-1e308}, math.Inf(1)},
		{[]float64{1e200, -1e200}, nil, math.Inf(1)},
		{[]float64{1, 2}, []float64{3, 4}, 5.0 / 3},
	} {
		for _, f := range []Func{Variance, Stddev} {
			a, err := New(Spec{Func: f, ArgType: catalog.Double})
			require.NoError(t, err)
			a.Grow(2)
			addAll(a, doubles(c.a...), 0)
			if c.b != nil {
				addAll(a, doubles(c.b...), 1)
				a.Merge(0, 1)
			}
			want := c.var_
			if f == Stddev {
				want = math.Sqrt(want)
			}
			got := result(t, a, catalog.Double, 0).F64[0]
			require.InDelta(t, want, got, 1e-12, "%v %v %v", f, c.a, c.b)
		}
	}
}
