package pgwire

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
)

// TestPlanViewRead: the statement the engine gets for a view read and what
// pgwire then does on its rows (DISTINCT, OFFSET, LIMIT; -1 is no limit).
// Statements that are not view reads, or need nothing rewritten, go to the
// engine as they are (ok=false).
func TestPlanViewRead(t *testing.T) {
	rels := append(newFakeEngine().Relations(context.Background()),
		Relation{Name: "parts", Kind: RelView, Columns: []Column{{"model", catalog.Varchar}, {"partition", catalog.Bigint}, {"range", catalog.Bigint}}})
	now := time.Date(2026, 11, 9, 14, 35, 0, 250e6, time.UTC)
	type want struct {
		text     string
		distinct bool
		limit    int64
		offset   int64
	}
	for _, tc := range []struct {
		stmt string
		ok   bool
		want want
	}{
		{"SELECT * FROM by_model", false, want{}},
		{"SELECT * FROM metrics LIMIT ALL", false, want{}},           // a source: a continuous query
		{"SELECT * FROM by_model, metrics LIMIT ALL", false, want{}}, // not one relation
		{"SELECT * FROM other.by_model", false, want{}},              // another schema: the engine's error
		{"SELECT * FROM by_model UNION ALL SELECT * FROM by_model", false, want{}},
		{"SELECT * FROM by_model LIMIT 3", true, want{"SELECT * FROM by_model", false, 3, 0}},
		{"SELECT * FROM by_model LIMIT ALL", true, want{"SELECT * FROM by_model", false, -1, 0}},
		{"SELECT * FROM by_model LIMIT '3' OFFSET ('1')", true, want{"SELECT * FROM by_model", false, 3, 1}},
		{"SELECT * FROM by_model ORDER BY n OFFSET 2 ROWS FETCH NEXT 4 ROWS ONLY", true, want{"SELECT * FROM by_model ORDER BY n", false, 4, 2}},
		{"SELECT * FROM by_model FETCH FIRST ROW ONLY", true, want{"SELECT * FROM by_model", false, 1, 0}},
		{"SELECT * FROM public.by_model b WHERE b.n > 1", true, want{"SELECT * FROM by_model b WHERE b.n > 1", false, -1, 0}},
		{`SELECT * FROM "public"."by_model"`, true, want{`SELECT * FROM "by_model"`, false, -1, 0}},
		{"SELECT DISTINCT model FROM by_model", true, want{"SELECT model FROM by_model", true, -1, 0}},
		{"SELECT ALL model FROM by_model LIMIT 1", true, want{"SELECT model FROM by_model", false, 1, 0}},
		{"SELECT * FROM by_model WHERE window_end > now() - INTERVAL '1 hour'", true,
			want{"SELECT * FROM by_model WHERE window_end > TIMESTAMP '2026-11-09T14:35:00.250Z' - INTERVAL '1 hour'", false, -1, 0}},
		{"SELECT * FROM by_model WHERE window_end <= CURRENT_TIMESTAMP AND window_end > pg_catalog.now ( )", true,
			want{"SELECT * FROM by_model WHERE window_end <= TIMESTAMP '2026-11-09T14:35:00.250Z' AND window_end > TIMESTAMP '2026-11-09T14:35:00.250Z'", false, -1, 0}},
		// Columns named by PostgreSQL's non-reserved keywords (partition,
		// range) are read bare by weir's own parser: nothing to rewrite.
		{"SELECT model, partition, range FROM parts ORDER BY partition", false, want{}},
		{"SELECT model FROM parts", false, want{}},
		// offset the column is not OFFSET the clause.
		{"SELECT offset FROM weir_dead_letters ORDER BY offset", false, want{}},
		{"SELECT offset FROM weir_dead_letters ORDER BY offset OFFSET 1", true, want{"SELECT offset FROM weir_dead_letters ORDER BY offset", false, -1, 1}},
		{"SELECT model IS DISTINCT FROM 'a' FROM by_model LIMIT ALL", true, want{"SELECT model IS DISTINCT FROM 'a' FROM by_model", false, -1, 0}},
		// Not a tail pgwire reads: the engine reports it.
		{"SELECT * FROM by_model LIMIT 1 + 1", false, want{}},
	} {
		t.Run(tc.stmt, func(t *testing.T) {
			vr, ok, err := planViewRead(tc.stmt, rels, now, false)
			require.NoError(t, err)
			require.Equal(t, tc.ok, ok)
			if !ok {
				return
			}
			require.Equal(t, tc.want, want{vr.text, vr.distinct, vr.limit, vr.offset})
		})
	}
}

// TestViewReadErrorPositions: an offset in the rewritten text maps back to
// the same token of the client's.
func TestViewReadErrorPositions(t *testing.T) {
	rels := newFakeEngine().Relations(context.Background())
	const stmt = "SELECT DISTINCT model FROM public.by_model WHERE window_end < now() AND nope = 1 LIMIT ALL"
	vr, ok, err := planViewRead(stmt, rels, time.Unix(0, 0), false)
	require.NoError(t, err)
	require.True(t, ok)
	at := strings.Index(vr.text, "nope")
	require.Positive(t, at)
	require.Equal(t, strings.Index(stmt, "nope"), origOffset(vr.edits, at))
	require.Equal(t, strings.Index(stmt, "model"), origOffset(vr.edits, strings.Index(vr.text, "model")))
}

// TestViewReadResult: DISTINCT before OFFSET before LIMIT; NULL equals NULL.
func TestViewReadResult(t *testing.T) {
	rows := []Row{{{I: 1}}, {{I: 1}}, {{Null: true}}, {{I: 2}}, {{Null: true}}, {{I: 3}}, {{I: 2}}}
	r := &viewReadResult{Result: &staticResult{cols: []Column{{"n", catalog.Bigint}}, rows: rows}, seen: map[string]struct{}{}, skip: 1, left: 2}
	var got []string
	for {
		row, ok, err := r.Next(context.Background())
		require.NoError(t, err)
		if !ok {
			break
		}
		if row[0].Null {
			got = append(got, "NULL")
		} else {
			got = append(got, string(rune('0'+row[0].I)))
		}
	}
	// Distinct: 1, NULL, 2, 3; OFFSET 1 LIMIT 2: NULL, 2.
	require.Equal(t, []string{"NULL", "2"}, got)
}

// FuzzPlanViewRead: any statement is planned without panicking, and a
// rewrite's edits map every offset of the engine's text into the client's.
func FuzzPlanViewRead(f *testing.F) {
	for _, s := range []string{
		"SELECT DISTINCT model FROM public.by_model WHERE window_end < now() ORDER BY model LIMIT ALL OFFSET 1",
		"SELECT partition FROM weir_dead_letters ORDER BY offset OFFSET (2) ROWS FETCH FIRST '3' ROWS ONLY",
		"SELECT * FROM by_model ORDER BY", "SELECT ALL FROM by_model", "SELECT x IS DISTINCT FROM y FROM by_model LIMIT",
		"SELECT * FROM by_model LIMIT (((1)))", "SELECT * FROM by_model FETCH FIRST ROWS",
	} {
		f.Add(s)
	}
	rels := newFakeEngine().Relations(context.Background())
	f.Fuzz(func(t *testing.T, stmt string) {
		vr, ok, err := planViewRead(stmt, rels, time.Unix(0, 0), true)
		if !ok || err != nil {
			return
		}
		for off := 0; off <= len(vr.text); off++ {
			o := origOffset(vr.edits, off)
			if o < 0 || o > len(stmt) {
				t.Fatalf("offset %d of %q maps to %d, outside %q", off, vr.text, o, stmt)
			}
		}
	})
}

// TestViewReadAggregates: aggregating a view's rows is not supported yet:
// 0A000 at the first aggregate call, else at GROUP BY or HAVING, in the
// planner's words. Calls that are not aggregates, and a column named like
// one, read the rows.
func TestViewReadAggregates(t *testing.T) {
	rels := append(newFakeEngine().Relations(context.Background()),
		Relation{Name: "counts", Kind: RelView, Columns: []Column{{"count", catalog.Bigint}, {"max", catalog.Bigint}}})
	const (
		aggs    = `aggregate functions over the rows of view "by_model" are not supported yet`
		instead = "; aggregate over the view's source with a window instead (SELECT ... FROM TUMBLE(source, ts, INTERVAL '5' MINUTE) GROUP BY window_start, window_end, ...)"
	)
	for _, tc := range []struct {
		stmt string
		at   int // byte offset of the refused token; -1: no error
		msg  string
	}{
		{"SELECT count(*) FROM by_model", 7, aggs + instead},
		{"SELECT COUNT ( * ) FROM public.by_model LIMIT 1", 7, aggs + instead},
		{"SELECT model, 1 + max(n) FROM by_model GROUP BY model", 18, aggs + instead},
		{`SELECT "count"(n) FROM by_model`, 7, aggs + instead},
		{"SELECT pg_catalog.sum(n) FROM by_model", 18, aggs + instead},
		{"SELECT model FROM by_model ORDER BY avg(n)", 36, aggs + instead},
		{"SELECT string_agg(model, ',') FROM by_model", 7, aggs + instead},
		{"SELECT DISTINCT model FROM by_model WHERE n > 1 GROUP BY model", 48, `GROUP BY over the rows of view "by_model" is not supported yet` + instead},
		{"SELECT model FROM by_model HAVING true", 27, `HAVING over the rows of view "by_model" is not supported yet` + instead},
		{"SELECT count(*) FROM weir_dead_letters", 7, `aggregate functions over the rows of view "weir_dead_letters" are not supported yet`},
		{"EXPLAIN SELECT count(*) FROM by_model", -1, ""}, // not a SELECT: see TestPsql
		{"SELECT count, max FROM counts ORDER BY max LIMIT 2", -1, ""},
		{`SELECT "COUNT"(n) FROM by_model LIMIT 1`, -1, ""}, // another function: the engine's error
		{"SELECT abs(n), lower(model) FROM by_model LIMIT 1", -1, ""},
		{"SELECT count(*) FROM metrics", -1, ""}, // a source: a continuous query, the engine's
	} {
		t.Run(tc.stmt, func(t *testing.T) {
			_, _, err := planViewRead(tc.stmt, rels, time.Unix(0, 0), true)
			if tc.at < 0 {
				require.NoError(t, err)
				return
			}
			var pe *Error
			require.ErrorAs(t, err, &pe)
			require.Equal(t, "0A000", pe.Code)
			require.Equal(t, tc.msg, pe.Msg)
			require.Equal(t, tc.at+1, pe.at)
		})
	}
}
