package cold

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

func pgURL(t *testing.T) string {
	u := os.Getenv("WEIR_TEST_PG_URL")
	if u == "" {
		t.Skip("WEIR_TEST_PG_URL is not set: skipping the cold-tier tests (CI sets it to the local server)")
	}
	return u
}

// Two archives of one view name — a view re-created after DROP VIEW, a
// server whose state directory was wiped, two servers sharing the
// database — hold the same (window, key) apart: each reads its own row,
// pruning one archive leaves the other's rows (even older ones), and
// deleting one leaves the other.
func TestArchivesOfOneViewNameAreSeparate(t *testing.T) {
	ctx := context.Background()
	a, err := Open(ctx, pgURL(t), time.Hour)
	require.NoError(t, err)
	view := fmt.Sprintf("v_ident_%d", time.Now().UnixNano())
	idA, idB := NewID(), NewID()
	require.NotEqual(t, idA, idB)
	t.Cleanup(func() {
		_ = a.Delete(ctx, idA, view)
		_ = a.Delete(ctx, idB, view)
		a.Close()
	})
	const h = int64(time.Hour / time.Millisecond)
	base := int64(1_700_000_000_000) / h * h
	now := time.UnixMilli(base + 3*h)
	require.NoError(t, a.Archive(ctx, idA, view, viewSchema, []int{2}, rows(
		[5]any{base, base + h, "a", int64(1), 1.0},
	), now))
	require.NoError(t, a.Archive(ctx, idB, view, viewSchema, []int{2}, rows(
		[5]any{base, base + h, "a", int64(2), 2.0},
		[5]any{base + 2*h, base + 3*h, "a", int64(3), 3.0},
	), now))

	got, err := a.Rows(ctx, idA, view, viewSchema, math.MinInt64, math.MaxInt64)
	require.NoError(t, err)
	require.Equal(t, []string{fmt.Sprintf("%d %d a 1 1", base, base+h)}, format(got))
	got, err = a.Rows(ctx, idB, view, viewSchema, math.MinInt64, math.MaxInt64)
	require.NoError(t, err)
	require.Equal(t, []string{
		fmt.Sprintf("%d %d a 2 2", base, base+h),
		fmt.Sprintf("%d %d a 3 3", base+2*h, base+3*h),
	}, format(got))

	// Retention 1 h at base + 5 h: every window of both archives is past
	// it, but only archive A is pruned.
	n, err := a.Prune(ctx, []string{idA}, time.UnixMilli(base+5*h))
	require.NoError(t, err)
	require.Equal(t, int64(1), n)
	got, err = a.Rows(ctx, idB, view, viewSchema, math.MinInt64, math.MaxInt64)
	require.NoError(t, err)
	require.Len(t, format(got), 2)
	n, err = a.Prune(ctx, nil, time.UnixMilli(base+5*h))
	require.NoError(t, err)
	require.Zero(t, n, "no archive, nothing pruned")

	require.NoError(t, a.Archive(ctx, idA, view, viewSchema, []int{2}, rows(
		[5]any{base, base + h, "a", int64(1), 1.0},
	), now))
	require.NoError(t, a.Delete(ctx, idA, view))
	got, err = a.Rows(ctx, idA, view, viewSchema, math.MinInt64, math.MaxInt64)
	require.NoError(t, err)
	require.Zero(t, got.Len)
	got, err = a.Rows(ctx, idB, view, viewSchema, math.MinInt64, math.MaxInt64)
	require.NoError(t, err)
	require.Equal(t, 2, got.Len)
}

// DOUBLE's +Inf, −Inf and NaN survive the archive (as PostgreSQL's
// 'Infinity', '-Infinity' and 'NaN'), as values and as group keys: three
// keys distinct from each other and from the NULL key.
func TestNonFiniteDoublesRoundTrip(t *testing.T) {
	ctx := context.Background()
	u := pgURL(t)
	a, err := Open(ctx, u, time.Hour)
	require.NoError(t, err)
	view := fmt.Sprintf("v_inf_%d", time.Now().UnixNano())
	id := NewID()
	t.Cleanup(func() {
		_ = a.Delete(ctx, id, view)
		a.Close()
	})
	schema := catalog.Schema{
		{Name: "window_end", Type: catalog.Timestamp},
		{Name: "k", Type: catalog.Double},
		{Name: "v", Type: catalog.Double},
	}
	in := []float64{math.Inf(1), math.Inf(-1), math.NaN(), 0.5}
	b := coldata.NewBatch(schema, len(in)+1)
	for _, f := range in {
		b.Cols[0].I64 = append(b.Cols[0].I64, 60_000)
		b.Cols[1].F64 = append(b.Cols[1].F64, f)
		b.Cols[2].F64 = append(b.Cols[2].F64, f)
		b.Emit = append(b.Emit, coldata.EmitFinal)
		b.Len++
	}
	b.Cols[0].I64 = append(b.Cols[0].I64, 60_000)
	b.Cols[1].AppendNull()
	b.Cols[2].AppendNull()
	b.Emit = append(b.Emit, coldata.EmitFinal)
	b.Len++
	require.NoError(t, a.Archive(ctx, id, view, schema, []int{1}, b, time.UnixMilli(120_000)))

	got, err := a.Rows(ctx, id, view, schema, math.MinInt64, math.MaxInt64)
	require.NoError(t, err)
	require.Equal(t, 5, got.Len, "five distinct keys")
	vals := map[string]string{}
	for i := 0; i < got.Len; i++ {
		k, v := "NULL", "NULL"
		if !got.Cols[1].Nulls.IsNull(i) {
			k = fmt.Sprint(got.Cols[1].F64[i])
		}
		if !got.Cols[2].Nulls.IsNull(i) {
			v = fmt.Sprint(got.Cols[2].F64[i])
		}
		vals[k] = v
	}
	require.Equal(t, map[string]string{"+Inf": "+Inf", "-Inf": "-Inf", "NaN": "NaN", "0.5": "0.5", "NULL": "NULL"}, vals)

	// In the table, PostgreSQL reads them as double precision.
	conn, err := pgx.Connect(ctx, u)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var inf, ninf, nan int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FILTER (WHERE (row->>'v')::double precision = 'Infinity'), `+
		`count(*) FILTER (WHERE (row->>'v')::double precision = '-Infinity'), `+
		`count(*) FILTER (WHERE (row->>'v')::double precision = 'NaN') FROM weir_cold_rows WHERE archive_id = $1`, id).Scan(&inf, &ninf, &nan))
	require.Equal(t, []int{1, 1, 1}, []int{inf, ninf, nan})

	// A string that is none of the three is a corrupt row, not a zero.
	v := coldata.NewVec(catalog.Double, 0)
	require.ErrorContains(t, appendJSON(v, []byte(`"inf"`)), `want a number, Infinity, -Infinity or NaN, got "inf"`)
}

// A table made by a weir without archive identities — no archive_id,
// primary key (view, window_start, window_end, key) — is migrated when
// an Archive opens it: its rows keep an empty archive_id (two views' rows for
// the same window and key included), belong to no archive, and Adopt
// gives one view's rows to its archive. The test runs in its own schema
// (search_path), so the shared table is untouched.
func TestLegacyTableMigratesAndAdopts(t *testing.T) {
	ctx := context.Background()
	base := pgURL(t)
	conn, err := pgx.Connect(ctx, base)
	require.NoError(t, err)
	defer conn.Close(ctx)
	schemaName := fmt.Sprintf("weir_cold_mig_%d", time.Now().UnixNano())
	_, err = conn.Exec(ctx, "CREATE SCHEMA "+schemaName)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Exec(context.Background(), "DROP SCHEMA "+schemaName+" CASCADE") })
	_, err = conn.Exec(ctx, `CREATE TABLE `+schemaName+`.weir_cold_rows (view text NOT NULL, window_start timestamptz NOT NULL, `+
		`window_end timestamptz NOT NULL, key text NOT NULL, row jsonb NOT NULL, archived_at timestamptz NOT NULL, `+
		`PRIMARY KEY (view, window_start, window_end, key))`)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `INSERT INTO `+schemaName+`.weir_cold_rows VALUES `+
		`('old', to_timestamp(0), to_timestamp(60), '["a"]', '{"window_start":0,"window_end":60000,"model":"a","n":7,"p90":null}', now()), `+
		`('other', to_timestamp(0), to_timestamp(60), '["a"]', '{"window_start":0,"window_end":60000,"model":"a","n":8,"p90":null}', now())`)
	require.NoError(t, err)

	u, err := url.Parse(base)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schemaName)
	u.RawQuery = q.Encode()
	a, err := Open(ctx, u.String(), time.Hour)
	require.NoError(t, err)
	defer a.Close()

	id := NewID()
	got, err := a.Rows(ctx, id, "old", viewSchema, math.MinInt64, math.MaxInt64)
	require.NoError(t, err)
	require.Zero(t, got.Len, "old rows belong to no archive until adopted")
	n, err := a.Adopt(ctx, id, "old")
	require.NoError(t, err)
	require.Equal(t, int64(1), n)
	got, err = a.Rows(ctx, id, "old", viewSchema, math.MinInt64, math.MaxInt64)
	require.NoError(t, err)
	require.Equal(t, []string{"0 60000 a 7 NULL"}, format(got))
	// Adopted rows are the archive's: a late row replaces them.
	require.NoError(t, a.Archive(ctx, id, "old", viewSchema, []int{2}, rows([5]any{int64(0), int64(60_000), "a", int64(9), nil}), time.Now()))
	got, err = a.Rows(ctx, id, "old", viewSchema, math.MinInt64, math.MaxInt64)
	require.NoError(t, err)
	require.Equal(t, []string{"0 60000 a 9 NULL"}, format(got))

	var first string
	require.NoError(t, conn.QueryRow(ctx, `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] `+
		`WHERE i.indrelid = '`+schemaName+`.weir_cold_rows'::regclass AND i.indisprimary`).Scan(&first))
	require.Equal(t, "archive_id", first)
	var left int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM `+schemaName+`.weir_cold_rows WHERE archive_id = '' AND view = 'other'`).Scan(&left))
	require.Equal(t, 1, left)

	// Opening the migrated table again changes nothing.
	a2, err := Open(ctx, u.String(), time.Hour)
	require.NoError(t, err)
	a2.Close()
}
