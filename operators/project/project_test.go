package project

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/expr"
)

var metrics = catalog.Schema{
	{Name: "ts", Type: catalog.Timestamp},
	{Name: "model", Type: catalog.Varchar},
	{Name: "latency_ms", Type: catalog.Double},
	{Name: "tokens", Type: catalog.Bigint},
	{Name: "error", Type: catalog.Varchar},
}

func ref(name string) *expr.ColRef {
	i := metrics.Index(name)
	return expr.NewColRef(i, name, metrics[i].Type)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// metricsBatch returns n rows: model cycles gpt/claude/test, latency
// 10·i ms, tokens i, error set on every fourth row, event time 1000·i.
func metricsBatch(n int) *coldata.Batch {
	b := coldata.NewBatch(metrics, n)
	b.Reset(n)
	models := []string{"gpt", "claude", "test"}
	for i := 0; i < n; i++ {
		b.Cols[0].I64[i] = int64(1000 * i)
		b.Cols[1].Str[i] = models[i%3]
		b.Cols[2].F64[i] = float64(10 * i)
		b.Cols[3].I64[i] = int64(i)
		if i%4 == 0 {
			b.Cols[4].Str[i] = "timeout"
		} else {
			b.Cols[4].Nulls.Set(i)
		}
		b.EventTime = append(b.EventTime, int64(1000*i))
		b.WmBefore = append(b.WmBefore, math.MinInt64)
		b.Offset = append(b.Offset, int64(i+1))
	}
	b.Source, b.Partition = "metrics", 3
	return b
}

// pipeline builds WHERE model <> 'test' AND latency_ms > 20 and the
// projection model, latency_ms * 2, tokens + 1, CASE WHEN error IS NOT
// NULL THEN 1 ELSE 0 END.
func pipeline(t testing.TB) (*Filter, *Project) {
	pred := must(expr.NewAnd(
		must(expr.NewCompare(expr.NE, ref("model"), expr.ConstString("test"))),
		must(expr.NewCompare(expr.GT, ref("latency_ms"), expr.ConstFloat(20)))))
	f := NewFilter(pred)
	exprs := []expr.Expr{
		ref("model"),
		must(expr.NewArith(expr.Mul, ref("latency_ms"), expr.ConstFloat(2), catalog.Double)),
		must(expr.NewArith(expr.Add, ref("tokens"), expr.ConstInt(1), catalog.Bigint)),
		must(expr.NewCase([]expr.When{{Cond: expr.NewIsNull(ref("error"), true), Then: expr.ConstInt(1)}}, expr.ConstInt(0), catalog.Bigint)),
	}
	return f, NewProject(exprs)
}

func TestFilterProject(t *testing.T) {
	f, p := pipeline(t)
	b := metricsBatch(8)
	var got []string
	var emitted int
	sink := operators.EmitterFunc(func(o *coldata.Batch) error {
		emitted++
		require.Equal(t, "metrics", o.Source)
		require.Equal(t, int32(3), o.Partition)
		o.ForEach(func(i int) {
			got = append(got, fmt.Sprintf("row %d: %s %g %d %d t=%d off=%d", i,
				o.Cols[0].Str[i], o.Cols[1].F64[i], o.Cols[2].I64[i], o.Cols[3].I64[i], o.EventTime[i], o.Offset[i]))
		})
		return nil
	})
	require.NoError(t, f.Process(b, operators.EmitterFunc(func(fb *coldata.Batch) error { return p.Process(fb, sink) })))
	// Rows 0..7: models gpt claude test gpt claude test gpt claude; latency
	// 0..70. Kept: not test and latency > 20 → rows 3, 4, 6, 7. Errors on
	// rows 0 and 4.
	require.Equal(t, []string{
		"row 3: gpt 60 4 0 t=3000 off=4",
		"row 4: claude 80 5 1 t=4000 off=5",
		"row 6: gpt 120 7 0 t=6000 off=7",
		"row 7: claude 140 8 0 t=7000 off=8",
	}, got)
	require.Equal(t, 1, emitted)

	// A batch with nothing left is not emitted.
	emitted = 0
	require.NoError(t, f.Process(metricsBatch(2), operators.EmitterFunc(func(fb *coldata.Batch) error { return p.Process(fb, sink) })))
	require.Equal(t, 0, emitted)
	// The input columns are untouched.
	require.Equal(t, 70.0, b.Cols[2].F64[7])
}

func TestFilterNotBoolean(t *testing.T) {
	f := NewFilter(ref("tokens"))
	err := f.Process(metricsBatch(1), operators.EmitterFunc(func(*coldata.Batch) error { return nil }))
	require.ErrorContains(t, err, "project: expr: filter predicate must be BOOLEAN, not BIGINT")
}

// TestNoAllocs: the steady state of filter + project allocates nothing.
func TestNoAllocs(t *testing.T) {
	f, p := pipeline(t)
	b := metricsBatch(coldata.DefaultBatchSize)
	sink := operators.EmitterFunc(func(*coldata.Batch) error { return nil })
	next := operators.EmitterFunc(func(fb *coldata.Batch) error { return p.Process(fb, sink) })
	run := func() {
		b.Sel = nil
		_ = f.Process(b, next)
	}
	run()
	require.Zero(t, testing.AllocsPerRun(20, run))
}

func BenchmarkFilterProject(b *testing.B) {
	f, p := pipeline(b)
	batch := metricsBatch(coldata.DefaultBatchSize)
	sink := operators.EmitterFunc(func(*coldata.Batch) error { return nil })
	next := operators.EmitterFunc(func(fb *coldata.Batch) error { return p.Process(fb, sink) })
	b.ReportAllocs()
	b.SetBytes(int64(coldata.DefaultBatchSize)) // "bytes" = rows: MB/s reads as M rows/s
	for b.Loop() {
		batch.Sel = nil
		if err := f.Process(batch, next); err != nil {
			b.Fatal(err)
		}
	}
}
