package runtime_test

import (
	"context"
	"math"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/runtime"
)

// TestWireContinuousSelectCarriesEmit: every continuous SELECT over the
// wire ends with the _emit column, as weir run's jsonl always has it:
// "final" for a closed window's row, NULL for a row of a query without a
// window (SPEC: "_emit is always there").
func TestWireContinuousSelectCarriesEmit(t *testing.T) {
	eng := boundedEngine(t) // m: a 10:00:10, b 10:00:20, a 10:01:05
	w := runtime.NewWireEngine(eng)
	ctx := context.Background()
	for _, tc := range []struct {
		query string
		want  []string // "col=value ... _emit=kind|NULL"
	}{
		{"SELECT model FROM m", []string{"a NULL", "b NULL", "a NULL"}},
		{"SELECT model, COUNT(*) AS n FROM TUMBLE(m, ts, INTERVAL '1' MINUTE) GROUP BY window_start, model",
			// W = +inf at end of input closes all three (window, key) pairs.
			[]string{"a 1 final", "b 1 final", "a 1 final"}},
	} {
		cols, err := w.Describe(ctx, nil, tc.query)
		require.NoError(t, err, tc.query)
		require.Equal(t, runtime.EmitColumn, cols[len(cols)-1].Name, tc.query)
		res, err := w.Execute(ctx, nil, tc.query)
		require.NoError(t, err, tc.query)
		require.Equal(t, runtime.EmitColumn, res.Columns()[len(res.Columns())-1].Name)
		var got []string
		for {
			row, ok, err := res.Next(ctx)
			require.NoError(t, err)
			if !ok {
				break
			}
			s := ""
			for i, v := range row {
				if i > 0 {
					s += " "
				}
				switch {
				case v.Null:
					s += "NULL"
				case res.Columns()[i].Type == catalog.Bigint:
					s += strconv.FormatInt(v.I, 10)
				default:
					s += v.S
				}
			}
			got = append(got, s)
		}
		require.NoError(t, res.Close())
		require.ElementsMatch(t, tc.want, got, tc.query)
	}
}

// TestWireConstSelectFallback: a SELECT without FROM that pgwire's own
// evaluator leaves to the engine is answered with one row (weir's DOUBLE
// arithmetic: 0.1 + 0.2 is the float8 0.30000000000000004), without _emit,
// instead of being refused as a continuous query without FROM.
func TestWireConstSelectFallback(t *testing.T) {
	w := runtime.NewWireEngine(boundedEngine(t))
	ctx := context.Background()
	const q = "SELECT 0.1 + 0.2 AS x, 7 / 2 AS half"
	cols, err := w.Describe(ctx, nil, q)
	require.NoError(t, err)
	require.Len(t, cols, 2)
	require.Equal(t, "x", cols[0].Name)
	res, err := w.Execute(ctx, nil, q)
	require.NoError(t, err)
	row, ok, err := res.Next(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, math.Nextafter(0.3, 1), row[0].F) // float64(0.1) + float64(0.2)
	require.Equal(t, 3.5, row[1].F)                    // weir's / gives DOUBLE
	_, ok, err = res.Next(ctx)
	require.NoError(t, err)
	require.False(t, ok)
	require.NoError(t, res.Close())
}
