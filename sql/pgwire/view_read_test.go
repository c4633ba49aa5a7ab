package pgwire

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/sql"
)

// TestPlanViewRead: which statements are view reads and the text the
// engine gets for them. The engine reads public.v, DISTINCT, the row-count
// clauses, now() and bare keyword columns itself, so a read goes as
// written; only the wall-clock calls weir's parser does not read
// (pg_catalog.now(), now ( )) become name().
func TestPlanViewRead(t *testing.T) {
	rels := append(newFakeEngine().Relations(context.Background()),
		Relation{Name: "parts", Kind: RelView, Columns: []Column{{"model", catalog.Varchar}, {"partition", catalog.Bigint}, {"range", catalog.Bigint}}})
	for _, tc := range []struct {
		stmt string
		ok   bool
		text string // "": stmt itself
	}{
		{"SELECT * FROM metrics LIMIT ALL", false, ""},           // a source: a continuous query
		{"SELECT * FROM by_model, metrics LIMIT ALL", false, ""}, // not one relation
		{"SELECT * FROM other.by_model", false, ""},              // another schema: the engine's error
		{"SELECT * FROM by_model UNION ALL SELECT * FROM by_model", false, ""},
		{"SELECT 1", false, ""},
		{"SELECT * FROM by_model", true, ""},
		{"SELECT * FROM by_model ORDER BY n OFFSET 2 ROWS FETCH NEXT 4 ROWS ONLY", true, ""},
		{`SELECT * FROM "public"."by_model" b WHERE b.n > 1 LIMIT '3'`, true, ""},
		{"SELECT DISTINCT model FROM public.by_model LIMIT ALL", true, ""},
		{"SELECT model, partition, range FROM parts ORDER BY partition", true, ""},
		{"SELECT * FROM by_model WHERE window_end > now() - INTERVAL '1 hour' AND window_end < NOW()", true, ""},
		{"SELECT * FROM by_model WHERE window_end <= CURRENT_TIMESTAMP AND window_end > localtimestamp", true, ""},
		{"SELECT * FROM by_model WHERE window_end > pg_catalog.now() - INTERVAL '1 hour' LIMIT 2", true,
			"SELECT * FROM by_model WHERE window_end > now() - INTERVAL '1 hour' LIMIT 2"},
		{"SELECT clock_timestamp ( ), x FROM by_model WHERE window_end > PG_CATALOG . Statement_Timestamp(\n)", true,
			"SELECT clock_timestamp(), x FROM by_model WHERE window_end > statement_timestamp()"},
		// Not a call of the wall clock: as written.
		{"SELECT now FROM by_model WHERE now(1) > x.now ( )", true, ""},
	} {
		t.Run(tc.stmt, func(t *testing.T) {
			vr, ok, err := planViewRead(tc.stmt, rels)
			require.NoError(t, err)
			require.Equal(t, tc.ok, ok)
			if !ok {
				return
			}
			want := tc.text
			if want == "" {
				want = tc.stmt
			}
			require.Equal(t, want, vr.text)
		})
	}
}

// TestViewReadErrorPositions: an offset in the rewritten text maps back to
// the same token of the client's.
func TestViewReadErrorPositions(t *testing.T) {
	rels := newFakeEngine().Relations(context.Background())
	const stmt = "SELECT DISTINCT model FROM public.by_model WHERE window_end < pg_catalog.now() AND nope = 1 LIMIT ALL"
	vr, ok, err := planViewRead(stmt, rels)
	require.NoError(t, err)
	require.True(t, ok)
	at := strings.Index(vr.text, "nope")
	require.Positive(t, at)
	require.Less(t, at, strings.Index(stmt, "nope"), "the rewrite shortened the text")
	require.Equal(t, strings.Index(stmt, "nope"), origOffset(vr.edits, at))
	require.Equal(t, strings.Index(stmt, "model"), origOffset(vr.edits, strings.Index(vr.text, "model")))
	require.Equal(t, strings.Index(stmt, "pg_catalog"), origOffset(vr.edits, strings.Index(vr.text, "now()")))

	se := &sql.Error{At: sql.Pos{Line: 1, Col: at + 1, Offset: at}, Code: "42703", Msg: `unknown column "nope"`}
	got := vr.mapError(se, 8).(*sql.Error)
	require.Equal(t, 8+strings.Index(stmt, "nope"), got.At.Offset)
	require.Equal(t, "42703", got.Code)
	require.Equal(t, at, se.At.Offset, "the engine's error is not changed")
}

// TestViewReadWireErrors: FETCH ... WITH TIES stays 0A000 at WITH in the
// wire's words; the parser's other errors keep theirs. (A negative row
// count parses: the engine refuses it with PostgreSQL's 2201W / 2201X,
// runtime's TestViewReadPostgresFormErrors.) The engine's errors come
// from weir's own parser here, so a change of its words fails this test.
func TestViewReadWireErrors(t *testing.T) {
	rels := newFakeEngine().Relations(context.Background())
	for _, tc := range []struct {
		stmt, code, msg string
		at              string // the text the error points at
	}{
		{"SELECT * FROM by_model FETCH NEXT 2 ROWS WITH TIES", "0A000", "FETCH ... WITH TIES is not supported; a view read supports FETCH FIRST n ROWS ONLY", "WITH"},
		// Other errors of the parser keep their words, also those of a
		// count that is not an integer.
		{"SELECT * FROM by_model LIMIT x", "42601", "expected a non-negative integer after LIMIT, found 'x'", "x"},
		{"SELECT * FROM by_model LIMIT '1.5'", "42601", "expected a non-negative integer after LIMIT, found '1.5'", "'1.5'"},
		{"SELECT * FROM by_model OFFSET -1.5", "42601", "expected a non-negative integer after OFFSET, found '-'", "-1.5"},
		{"SELECT * FROM by_model LIMIT (-1", "42601", "expected a non-negative integer after LIMIT, found '('", "(-1"},
		{"SELECT * FROM by_model LIMIT -99999999999999999999", "42601", "expected a non-negative integer after LIMIT, found '-'", "-9"},
		{"SELECT * FROM by_model LIMIT 1 FETCH FIRST 2 ROWS ONLY", "42601", "multiple LIMIT clauses not allowed", "FETCH"},
		{"SELECT * FROM by_model OFFSET 1 OFFSET 2", "42601", "multiple OFFSET clauses not allowed", "OFFSET 2"},
	} {
		t.Run(tc.stmt, func(t *testing.T) {
			vr, ok, err := planViewRead(tc.stmt, rels)
			require.NoError(t, err)
			require.True(t, ok)
			_, err = sql.Parse(vr.text)
			require.Error(t, err)
			var se *sql.Error
			require.ErrorAs(t, vr.mapError(err, 0), &se)
			require.Equal(t, tc.code, se.Code, se.Msg)
			require.Equal(t, tc.msg, se.Msg)
			require.Equal(t, strings.Index(tc.stmt, tc.at), se.At.Offset)
		})
	}
}

// TestViewReadPlan: EXPLAIN's steps of a view read, outermost first: the
// row counts as read (LIMIT ALL and OFFSET 0 are no step), the other
// clauses as written, white space squeezed.
func TestViewReadPlan(t *testing.T) {
	rels := newFakeEngine().Relations(context.Background())
	for _, tc := range []struct {
		stmt string
		want []string
	}{
		{"SELECT DISTINCT model FROM public.by_model WHERE n > 1 ORDER BY model LIMIT 2 OFFSET 1",
			[]string{"Limit 2 offset 1", "  Unique", "    Sort model", "      Project model", "        Filter n > 1", "          Read materialized view by_model (current rows)"}},
		{"SELECT model,\n  n FROM by_model ORDER BY n DESC, model OFFSET 3 ROWS",
			[]string{"Limit ALL offset 3", "  Sort n DESC, model", "    Project model, n", "      Read materialized view by_model (current rows)"}},
		{"SELECT model FROM by_model WHERE window_end > pg_catalog.now() - INTERVAL '1 hour' FETCH FIRST ROW ONLY",
			[]string{"Limit 1", "  Project model", "    Filter window_end > pg_catalog.now() - INTERVAL '1 hour'", "      Read materialized view by_model (current rows)"}},
		{"SELECT ALL * FROM by_model LIMIT ALL OFFSET 0",
			[]string{"Project *", "  Read materialized view by_model (current rows)"}},
		{"SELECT offset FROM weir_dead_letters ORDER BY offset LIMIT NULL",
			[]string{"Sort offset", "  Project offset", "    Read system view weir_dead_letters (current rows)"}},
	} {
		t.Run(tc.stmt, func(t *testing.T) {
			vr, ok, err := planViewRead(tc.stmt, rels)
			require.NoError(t, err)
			require.True(t, ok)
			got, err := vr.plan()
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

// FuzzPlanViewRead: any statement is planned without panicking, and a
// rewrite's edits map every offset of the engine's text into the client's.
func FuzzPlanViewRead(f *testing.F) {
	for _, s := range []string{
		"SELECT DISTINCT model FROM public.by_model WHERE window_end < pg_catalog.now() ORDER BY model LIMIT ALL OFFSET 1",
		"SELECT partition FROM weir_dead_letters ORDER BY offset OFFSET (2) ROWS FETCH FIRST '3' ROWS ONLY",
		"SELECT * FROM by_model ORDER BY", "SELECT ALL FROM by_model", "SELECT x IS DISTINCT FROM y FROM by_model LIMIT",
		"SELECT now ( ) FROM by_model LIMIT (((1)))", "SELECT * FROM by_model FETCH FIRST ROWS",
	} {
		f.Add(s)
	}
	rels := newFakeEngine().Relations(context.Background())
	f.Fuzz(func(t *testing.T, stmt string) {
		vr, ok, err := planViewRead(stmt, rels)
		if !ok || err != nil {
			return
		}
		for off := 0; off <= len(vr.text); off++ {
			o := origOffset(vr.edits, off)
			if o < 0 || o > len(stmt) {
				t.Fatalf("offset %d of %q maps to %d, outside %q", off, vr.text, o, stmt)
			}
		}
		_, _ = vr.plan() // no panic
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
			_, _, err := planViewRead(tc.stmt, rels)
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

// TestViewReadDistinctOn: DISTINCT ON is refused at DISTINCT, before the
// engine, in the wire's words.
func TestViewReadDistinctOn(t *testing.T) {
	rels := newFakeEngine().Relations(context.Background())
	_, ok, err := planViewRead("SELECT DISTINCT ON (model) model, count(*) FROM by_model", rels)
	require.True(t, ok)
	var pe *Error
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "0A000", pe.Code)
	require.Equal(t, "SELECT DISTINCT ON is not supported; a view read supports SELECT DISTINCT", pe.Msg)
	require.Equal(t, len("SELECT ")+1, pe.at)
}
