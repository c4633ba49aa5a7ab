package runtime_test

import (
	"context"
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
