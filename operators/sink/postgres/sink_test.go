package postgres

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
)

// testURL returns WEIR_TEST_PG_URL or skips the test.
func testURL(t *testing.T) string {
	u := os.Getenv("WEIR_TEST_PG_URL")
	if u == "" {
		t.Skip("WEIR_TEST_PG_URL is not set: skipping the PostgreSQL sink tests (CI sets it to the local server)")
	}
	return u
}

// uniqueTable returns a fresh table name and drops it after the test.
func uniqueTable(t *testing.T, url string) string {
	name := fmt.Sprintf("weir_sink_%s_%d", strings.ToLower(strings.ReplaceAll(t.Name(), "/", "_")), time.Now().UnixNano())
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), url)
		if err == nil {
			conn.Exec(context.Background(), "DROP TABLE IF EXISTS "+ident(name))
			conn.Exec(context.Background(), "DELETE FROM "+CheckpointTable+" WHERE sink = $1", name)
			conn.Close(context.Background())
		}
	})
	return name
}

var resultSchema = catalog.Schema{
	{Name: "window_start", Type: catalog.Timestamp},
	{Name: "window_end", Type: catalog.Timestamp},
	{Name: "model", Type: catalog.Varchar},
	{Name: "n", Type: catalog.Bigint},
	{Name: "avg_ms", Type: catalog.Double},
	{Name: "ok", Type: catalog.Boolean},
}

type row struct {
	start, end int64
	model      *string
	n          int64
	avg        float64
	kind       coldata.EmitKind
}

func str(s string) *string { return &s }

func batch(rows ...row) *coldata.Batch {
	b := coldata.NewBatch(resultSchema, len(rows))
	for _, r := range rows {
		b.Cols[0].I64 = append(b.Cols[0].I64, r.start)
		b.Cols[1].I64 = append(b.Cols[1].I64, r.end)
		if r.model == nil {
			b.Cols[2].AppendNull()
		} else {
			b.Cols[2].Str = append(b.Cols[2].Str, *r.model)
		}
		b.Cols[3].I64 = append(b.Cols[3].I64, r.n)
		b.Cols[4].F64 = append(b.Cols[4].F64, r.avg)
		b.Cols[5].Bool = append(b.Cols[5].Bool, r.n > 1)
		b.Emit = append(b.Emit, r.kind)
		b.Len++
	}
	return b
}

func newSink(t *testing.T, url, table string) *Sink {
	op, err := New(&catalog.Sink{Name: table, Connector: "postgres",
		Options: catalog.Options{"url": url, "table": table}}, resultSchema, []int{2})
	require.NoError(t, err)
	return op.(*Sink)
}

// dump returns the table's rows ordered by window and key.
func dump(t *testing.T, url, table string) []string {
	conn, err := pgx.Connect(context.Background(), url)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	rs, err := conn.Query(context.Background(), "SELECT extract(epoch from window_start)::bigint, extract(epoch from window_end)::bigint, "+
		"coalesce(model, 'NULL'), n, avg_ms, ok, _emit FROM "+ident(table)+" ORDER BY 1, 2, 3")
	require.NoError(t, err)
	var out []string
	for rs.Next() {
		var s, e, n int64
		var m, emit string
		var avg float64
		var ok bool
		require.NoError(t, rs.Scan(&s, &e, &m, &n, &avg, &ok, &emit))
		out = append(out, fmt.Sprintf("%d %d %s n=%d avg=%g ok=%v %s", s, e, m, n, avg, ok, emit))
	}
	require.NoError(t, rs.Err())
	return out
}

var none = operators.EmitterFunc(func(*coldata.Batch) error { return nil })

func TestUpsertWithoutCheckpoints(t *testing.T) {
	url := testURL(t)
	table := uniqueTable(t, url)
	s := newSink(t, url, table)
	require.NoError(t, s.Open(&operators.Context{}))
	// Window [0, 60 s): two keys and the NULL key; the same key twice in
	// one commit keeps the last row.
	require.NoError(t, s.Process(batch(
		row{0, 60_000, str("a"), 1, 10, coldata.EmitEarly},
		row{0, 60_000, str("a"), 2, 15, coldata.EmitFinal},
		row{0, 60_000, str("b"), 1, 7, coldata.EmitFinal},
		row{0, 60_000, nil, 3, 1.5, coldata.EmitFinal},
	), none))
	require.NoError(t, s.OnWatermark(60_000, none))
	require.Equal(t, []string{
		"0 60 NULL n=3 avg=1.5 ok=true final",
		"0 60 a n=2 avg=15 ok=true final",
		"0 60 b n=1 avg=7 ok=false final",
	}, dump(t, url, table))
	// A late update of b and of the NULL key replaces their rows; a new
	// window adds one.
	require.NoError(t, s.Process(batch(
		row{0, 60_000, str("b"), 2, 8, coldata.EmitLate},
		row{0, 60_000, nil, 4, 2, coldata.EmitLate},
		row{60_000, 120_000, str("a"), 1, 3, coldata.EmitFinal},
	), none))
	require.NoError(t, s.Close())
	require.Equal(t, []string{
		"0 60 NULL n=4 avg=2 ok=true late",
		"0 60 a n=2 avg=15 ok=true final",
		"0 60 b n=2 avg=8 ok=true late",
		"60 120 a n=1 avg=3 ok=false final",
	}, dump(t, url, table))
}

func TestExactlyOnceAcrossRestart(t *testing.T) {
	url := testURL(t)
	table := uniqueTable(t, url)
	s := newSink(t, url, table)
	s.SetCheckpointing(true)
	require.NoError(t, s.Open(&operators.Context{}))
	require.Zero(t, s.LastApplied())
	require.NoError(t, s.Process(batch(row{0, 60_000, str("a"), 1, 1, coldata.EmitFinal}), none))
	require.NoError(t, s.OnWatermark(60_000, none))
	require.Empty(t, dump(t, url, table), "nothing is committed before the checkpoint")
	require.NoError(t, s.OnCheckpoint(1))
	require.NoError(t, s.Process(batch(row{0, 60_000, str("a"), 2, 1, coldata.EmitLate}), none))
	require.NoError(t, s.OnCheckpoint(2))
	require.Equal(t, uint64(2), s.LastApplied())
	require.Equal(t, []string{"0 60 a n=2 avg=1 ok=true late"}, dump(t, url, table))
	// Crash: the engine's manifest 2 was not committed, so it resumes
	// from checkpoint 1 and replays epoch 2 (here with a value that would
	// show a second application), then continues with epoch 3.
	s.conn.Close(context.Background())
	s2 := newSink(t, url, table)
	s2.SetCheckpointing(true)
	require.NoError(t, s2.RestoreCheckpoint(1))
	require.NoError(t, s2.Open(&operators.Context{}))
	require.Equal(t, uint64(2), s2.LastApplied())
	require.NoError(t, s2.Process(batch(row{0, 60_000, str("a"), 999, 1, coldata.EmitLate}), none))
	require.NoError(t, s2.OnCheckpoint(2))
	require.Equal(t, []string{"0 60 a n=2 avg=1 ok=true late"}, dump(t, url, table), "epoch 2 is not applied twice")
	require.NoError(t, s2.Process(batch(row{60_000, 120_000, str("b"), 5, 1, coldata.EmitFinal}), none))
	require.NoError(t, s2.OnCheckpoint(3))
	require.Equal(t, uint64(3), s2.LastApplied())
	require.NoError(t, s2.Close())
	require.Equal(t, []string{"0 60 a n=2 avg=1 ok=true late", "60 120 b n=5 avg=1 ok=true final"}, dump(t, url, table))

	// A fresh start (no restore, e.g. --reset) applies from checkpoint 1 again.
	s3 := newSink(t, url, table)
	s3.SetCheckpointing(true)
	require.NoError(t, s3.Open(&operators.Context{}))
	require.NoError(t, s3.Process(batch(row{0, 60_000, str("a"), 7, 1, coldata.EmitFinal}), none))
	require.NoError(t, s3.OnCheckpoint(1))
	require.Equal(t, uint64(1), s3.LastApplied())
	require.NoError(t, s3.Close())
	require.Equal(t, "0 60 a n=7 avg=1 ok=true final", dump(t, url, table)[0])
}

func TestSinkErrors(t *testing.T) {
	_, err := New(&catalog.Sink{Name: "x", Options: catalog.Options{"table": "t"}}, resultSchema, nil)
	require.ErrorContains(t, err, "sink x needs the url option")
	_, err = New(&catalog.Sink{Name: "x", Options: catalog.Options{"url": "postgres://h/db"}}, resultSchema, nil)
	require.ErrorContains(t, err, "needs the table option")
	_, err = New(&catalog.Sink{Name: "x", Options: catalog.Options{"url": "postgres://h/db", "table": "t"}},
		catalog.Schema{{Name: "u", Type: catalog.Unknown}}, nil)
	require.ErrorContains(t, err, "has no PostgreSQL mapping")
	_, err = New(&catalog.Sink{Name: "x", Options: catalog.Options{"url": "postgres://h/db", "table": "t"}}, resultSchema, []int{9})
	require.ErrorContains(t, err, "key column 9 out of range")

	url := testURL(t)
	table := uniqueTable(t, url)
	// A table that exists with an incompatible column: the commit error is
	// returned, not retried forever, and the query sees it.
	conn, err := pgx.Connect(context.Background(), url)
	require.NoError(t, err)
	_, err = conn.Exec(context.Background(), "CREATE TABLE "+ident(table)+" (window_start timestamptz, window_end timestamptz, model text, n boolean, avg_ms double precision, ok boolean, _emit text)")
	require.NoError(t, err)
	conn.Close(context.Background())
	s := newSink(t, url, table)
	require.NoError(t, s.Open(&operators.Context{}))
	require.NoError(t, s.Process(batch(row{0, 60_000, str("a"), 1, 1, coldata.EmitFinal}), none))
	err = s.OnWatermark(60_000, none)
	require.ErrorContains(t, err, "sink "+table+": commit:")
	require.ErrorContains(t, err, "(SQLSTATE 42804) (not retried: the error is not transient)")
	require.NotContains(t, err.Error(), "postgres:")
	require.NoError(t, s.Process(batch(), none))
	bad := coldata.NewBatch(catalog.Schema{{Name: "x", Type: catalog.Bigint}}, 1)
	require.ErrorContains(t, s.Process(bad, none), "batch has 1 columns, want 6")
	s.buf.reset()
	require.NoError(t, s.Close())

	// An unreachable server fails Open after the retries.
	op, err := New(&catalog.Sink{Name: "down", Options: catalog.Options{"url": "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=1", "table": "t"}}, resultSchema, nil)
	require.NoError(t, err)
	op.(*Sink).SetRetry(RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond, Total: 5 * time.Millisecond})
	op.(*Sink).SetErrorLog(nil)
	err = op.Open(&operators.Context{})
	require.ErrorContains(t, err, "sink down: open failed for ")
	require.NotContains(t, err.Error(), "postgres:")
}

func TestDDL(t *testing.T) {
	s := newSink(t, "postgres://h/db", "public.results")
	require.Equal(t, []string{
		`CREATE TABLE IF NOT EXISTS "public"."results" ("window_start" timestamptz, "window_end" timestamptz, "model" text, "n" bigint, "avg_ms" double precision, "ok" boolean, _emit text)`,
		`CREATE UNIQUE INDEX IF NOT EXISTS "results_weir_upsert" ON "public"."results" ("window_start", "window_end", "model") NULLS NOT DISTINCT`,
		`CREATE TABLE IF NOT EXISTS weir_sink_checkpoints (sink text PRIMARY KEY, checkpoint_id bigint NOT NULL)`,
	}, s.DDL())
	require.Equal(t, `INSERT INTO "public"."results" ("window_start", "window_end", "model", "n", "avg_ms", "ok", _emit) `+
		`SELECT * FROM unnest($1::timestamptz[], $2::timestamptz[], $3::text[], $4::bigint[], $5::double precision[], $6::boolean[], $7::text[]) `+
		`ON CONFLICT ("window_start", "window_end", "model") DO UPDATE SET "n" = EXCLUDED."n", "avg_ms" = EXCLUDED."avg_ms", "ok" = EXCLUDED."ok", _emit = EXCLUDED._emit`,
		s.upsert)
}
