package cold

import (
	"context"
	"fmt"
	"math"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

var viewSchema = catalog.Schema{
	{Name: "window_start", Type: catalog.Timestamp},
	{Name: "window_end", Type: catalog.Timestamp},
	{Name: "model", Type: catalog.Varchar},
	{Name: "n", Type: catalog.Bigint},
	{Name: "p90", Type: catalog.Double},
}

func rows(rs ...[5]any) *coldata.Batch {
	b := coldata.NewBatch(viewSchema, len(rs))
	for _, r := range rs {
		b.Cols[0].I64 = append(b.Cols[0].I64, r[0].(int64))
		b.Cols[1].I64 = append(b.Cols[1].I64, r[1].(int64))
		if r[2] == nil {
			b.Cols[2].AppendNull()
		} else {
			b.Cols[2].Str = append(b.Cols[2].Str, r[2].(string))
		}
		b.Cols[3].I64 = append(b.Cols[3].I64, r[3].(int64))
		if r[4] == nil {
			b.Cols[4].AppendNull()
		} else {
			b.Cols[4].F64 = append(b.Cols[4].F64, r[4].(float64))
		}
		b.Emit = append(b.Emit, coldata.EmitFinal)
		b.Len++
	}
	return b
}

func format(b *coldata.Batch) []string {
	var out []string
	for i := 0; i < b.Len; i++ {
		m := "NULL"
		if !b.Cols[2].Nulls.IsNull(i) {
			m = b.Cols[2].Str[i]
		}
		p := "NULL"
		if !b.Cols[4].Nulls.IsNull(i) {
			p = fmt.Sprint(b.Cols[4].F64[i])
		}
		out = append(out, fmt.Sprintf("%d %d %s %d %s", b.Cols[0].I64[i], b.Cols[1].I64[i], m, b.Cols[3].I64[i], p))
	}
	return out
}

func TestArchiveReadPrune(t *testing.T) {
	url := os.Getenv("WEIR_TEST_PG_URL")
	if url == "" {
		t.Skip("WEIR_TEST_PG_URL is not set: skipping the cold-tier tests (CI sets it to the local server)")
	}
	ctx := context.Background()
	a, err := Open(ctx, url, time.Hour)
	require.NoError(t, err)
	view := fmt.Sprintf("v_%d", time.Now().UnixNano())
	id := NewID()
	t.Cleanup(func() {
		_ = a.Delete(ctx, id, view)
		a.Close()
	})
	const h = int64(time.Hour / time.Millisecond)
	base := int64(1_700_000_000_000) / h * h
	now := time.UnixMilli(base + 3*h)
	keys := []int{2}
	require.NoError(t, a.Archive(ctx, id, view, viewSchema, keys, rows(
		[5]any{base, base + h, "a", int64(3), 1.5},
		[5]any{base, base + h, nil, int64(1), nil},
		[5]any{base + 2*h, base + 3*h, "a", int64(1), 2.0},
	), now))
	// A late row for (window 2, a) replaces the archived one; the same key
	// twice in one call keeps the last.
	require.NoError(t, a.Archive(ctx, id, view, viewSchema, keys, rows(
		[5]any{base + 2*h, base + 3*h, "a", int64(2), 2.5},
		[5]any{base + 2*h, base + 3*h, "a", int64(4), 3.5},
	), now))
	got, err := a.Rows(ctx, id, view, viewSchema, 0, base+10*h)
	require.NoError(t, err)
	// Ordered by window end, start, then key text: `["a"]` < `[null]`.
	require.Equal(t, []string{
		fmt.Sprintf("%d %d a 3 1.5", base, base+h),
		fmt.Sprintf("%d %d NULL 1 NULL", base, base+h),
		fmt.Sprintf("%d %d a 4 3.5", base+2*h, base+3*h),
	}, format(got))
	// Only windows ending in [from, to).
	got, err = a.Rows(ctx, id, view, viewSchema, base+2*h, base+3*h)
	require.NoError(t, err)
	require.Empty(t, format(got))

	// Retention 1 h at now = base + 2.5 h: the first window (end base+1h)
	// is older than base + 1.5 h and goes; the second (end base+3h) stays.
	n, err := a.Prune(ctx, []string{id}, time.UnixMilli(base+2*h+h/2))
	require.NoError(t, err)
	require.Equal(t, int64(2), n)
	got, err = a.Rows(ctx, id, view, viewSchema, 0, base+10*h)
	require.NoError(t, err)
	require.Equal(t, []string{fmt.Sprintf("%d %d a 4 3.5", base+2*h, base+3*h)}, format(got))

	require.ErrorContains(t, a.Archive(ctx, id, view, catalog.Schema{{Name: "x", Type: catalog.Bigint}}, nil, rows(), now),
		"view "+view+" has no window_start/window_end")
}

func TestStartOnlyViewUnboundedDeleteReconnect(t *testing.T) {
	url := os.Getenv("WEIR_TEST_PG_URL")
	if url == "" {
		t.Skip("WEIR_TEST_PG_URL is not set: skipping the cold-tier tests (CI sets it to the local server)")
	}
	ctx := context.Background()
	a, err := Open(ctx, url, 0)
	require.NoError(t, err)
	require.Equal(t, DefaultRetention, a.Retention())
	view := fmt.Sprintf("v_start_%d", time.Now().UnixNano())
	id := NewID()
	t.Cleanup(func() {
		_ = a.Delete(ctx, id, view)
		a.Close()
	})
	schema := catalog.Schema{{Name: "window_start", Type: catalog.Timestamp}, {Name: "model", Type: catalog.Varchar}}
	b := coldata.NewBatch(schema, 2)
	// Before the epoch and after it: the unbounded read returns both.
	b.Cols[0].I64 = append(b.Cols[0].I64, -60_000, 60_000)
	b.Cols[1].Str = append(b.Cols[1].Str, "a", "a")
	b.Emit = append(b.Emit, coldata.EmitFinal, coldata.EmitFinal)
	b.Len = 2
	require.NoError(t, a.Archive(ctx, id, view, schema, []int{0, 1}, b, time.UnixMilli(120_000)))

	// A broken connection is re-established by the next call.
	require.NoError(t, a.conn.Close(ctx))
	got, err := a.Rows(ctx, id, view, schema, math.MinInt64, math.MaxInt64)
	require.NoError(t, err)
	require.Equal(t, 2, got.Len)
	require.Equal(t, []int64{-60_000, 60_000}, got.Cols[0].I64)
	require.Equal(t, []string{"a", "a"}, got.Cols[1].Str)

	require.NoError(t, a.Delete(ctx, id, view))
	got, err = a.Rows(ctx, id, view, schema, math.MinInt64, math.MaxInt64)
	require.NoError(t, err)
	require.Zero(t, got.Len)
}
