package agg

import (
	"math"
	"math/rand"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

func doubles(xs ...float64) *coldata.Vec {
	v := coldata.NewVec(catalog.Double, len(xs))
	v.F64 = append(v.F64, xs...)
	return v
}

func result(t *testing.T, a Accumulator, typ catalog.Type, g uint32) *coldata.Vec {
	out := coldata.NewVec(typ, 1)
	a.Result(g, out)
	return out
}

func addAll(a Accumulator, v *coldata.Vec, g uint32) {
	n := v.Len()
	rows := make([]int, n)
	groups := make([]uint32, n)
	for i := range rows {
		rows[i], groups[i] = i, g
	}
	a.Add(v, make([]int64, n), rows, groups)
}

// PERCENTILE_CONT against PostgreSQL's percentile_cont (values checked
// with psql): 1, 3, 4, 10 → 0.5: 3.5, 0.95: 9.1; 1, 3, 4 → 0.95: 3.9.
func TestPercentileContMatchesPostgres(t *testing.T) {
	for _, c := range []struct {
		vals []float64
		q    float64
		want float64
	}{
		{[]float64{10, 1, 4, 3}, 0.5, 3.5},
		{[]float64{10, 1, 4, 3}, 0.95, 9.1},
		{[]float64{10, 1, 4, 3}, 0.25, 2.5},
		{[]float64{4, 1, 3}, 0.95, 3.9},
		{[]float64{4, 1, 3}, 0, 1},
		{[]float64{4, 1, 3}, 1, 4},
		{[]float64{7}, 0.3, 7},
	} {
		a, err := New(Spec{Func: PercentileCont, ArgType: catalog.Double, Param: c.q})
		require.NoError(t, err)
		a.Grow(1)
		addAll(a, doubles(c.vals...), 0)
		require.InDelta(t, c.want, result(t, a, catalog.Double, 0).F64[0], 1e-9, "%v q=%v", c.vals, c.q)
	}
}

// APPROX_PERCENTILE stays within 1% of the exact value (SEMANTICS.md §5);
// APPROX_COUNT_DISTINCT within a few percent at 10k distinct values.
func TestApproxWithinBounds(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	xs := make([]float64, 20000)
	for i := range xs {
		xs[i] = 1 + r.ExpFloat64()*100
	}
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	for _, q := range []float64{0.5, 0.9, 0.99} {
		a, err := New(Spec{Func: ApproxPercentile, ArgType: catalog.Double, Param: q})
		require.NoError(t, err)
		a.Grow(1)
		addAll(a, doubles(xs...), 0)
		exact := percentileCont(sorted, q)
		got := result(t, a, catalog.Double, 0).F64[0]
		require.InEpsilon(t, exact, got, 0.01, "q=%v", q)
	}
	h, err := New(Spec{Func: ApproxCountDistinct, ArgType: catalog.Bigint})
	require.NoError(t, err)
	h.Grow(1)
	v := coldata.NewVec(catalog.Bigint, 0)
	for i := range 30000 {
		v.I64 = append(v.I64, int64(i%10000))
	}
	addAll(h, v, 0)
	require.InEpsilon(t, 10000, float64(result(t, h, catalog.Bigint, 0).I64[0]), 0.03)
}

// Every aggregate: adding everything to one group equals adding halves to
// two groups and merging, and equals an encode → decode round trip.
func TestMergeAndEncodeAgree(t *testing.T) {
	vals := []float64{5, 1, math.NaN(), 8, 2, 2, 9}
	v := doubles(vals...)
	v.F64[2] = 0
	v.Nulls.Set(2)
	ts := []int64{50, 10, 30, 40, 10, 60, 60}
	for f := CountStar; f <= LastValue; f++ {
		spec := Spec{Func: f, ArgType: catalog.Double, Param: 0.5}
		if f == Sum {
			spec.ArgType = catalog.Double
		}
		typ := ResultType(f, spec.ArgType)
		a, err := New(spec)
		require.NoError(t, err, f.String())
		a.Grow(4)
		all := []int{0, 1, 2, 3, 4, 5, 6}
		a.Add(v, ts, all, []uint32{0, 0, 0, 0, 0, 0, 0})
		a.Add(v, ts, []int{0, 1, 2}, []uint32{1, 1, 1})
		a.Add(v, ts, []int{3, 4, 5, 6}, []uint32{2, 2, 2, 2})
		a.Merge(1, 2)
		whole := result(t, a, typ, 0)
		merged := result(t, a, typ, 1)
		require.Equal(t, whole, merged, f.String())
		buf := a.Encode(nil, 0)
		rest, err := a.Decode(3, buf)
		require.NoError(t, err, f.String())
		require.Empty(t, rest)
		require.Equal(t, whole, result(t, a, typ, 3), f.String())
		a.Reset(3)
		require.Positive(t, a.GroupBytes(0))
		_, err = a.Decode(3, buf[:len(buf)/2])
		if len(buf) > 1 {
			require.Error(t, err, "%s: truncated state must not decode", f)
		}
	}
}

// FIRST_VALUE/LAST_VALUE ties on event time go to the first/last arrival.
func TestFirstLastTies(t *testing.T) {
	v := doubles(1, 2, 3)
	ts := []int64{5, 5, 5}
	for _, c := range []struct {
		f    Func
		want float64
	}{{FirstValue, 1}, {LastValue, 3}} {
		a, err := New(Spec{Func: c.f, ArgType: catalog.Double})
		require.NoError(t, err)
		a.Grow(1)
		a.Add(v, ts, []int{0, 1, 2}, []uint32{0, 0, 0})
		require.Equal(t, c.want, result(t, a, catalog.Double, 0).F64[0])
	}
}

func TestUnsupported(t *testing.T) {
	for _, s := range []Spec{
		{Func: Sum, ArgType: catalog.Varchar},
		{Func: Avg, ArgType: catalog.Boolean},
		{Func: Min, ArgType: catalog.Boolean},
		{Func: PercentileCont, ArgType: catalog.Double, Param: 1.5},
		{Func: Func(200)},
	} {
		_, err := New(s)
		require.Error(t, err)
		require.Contains(t, err.Error(), "agg: ")
	}
}

func BenchmarkCountSumAvgAdd(b *testing.B) {
	const n = 2048
	v := coldata.NewVec(catalog.Double, n)
	rows := make([]int, n)
	groups := make([]uint32, n)
	for i := range n {
		v.F64 = append(v.F64, float64(i))
		rows[i], groups[i] = i, uint32(i%1000)
	}
	accs := []Accumulator{&countAcc{star: true}, &sumFloatAcc{}, &sumFloatAcc{avg: true}}
	for _, a := range accs {
		a.Grow(1000)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, a := range accs {
			a.Add(v, nil, rows, groups)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
}
