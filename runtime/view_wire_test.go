package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/runtime"
	"github.com/weirdb/weir/sql/pgwire"
)

// viewWireEvents are seven events and one malformed line (line 8). With a
// watermark delay of 0 and end of input, every 1-minute window closes:
//
//	10:00 a: 100, 200 -> n=2 max=200
//	10:00 b: 300      -> n=1 max=300
//	10:01 a: 50       -> n=1 max=50
//	10:01 b: NULL, 400 -> n=2 max=400
//	10:02 c: 10       -> n=1 max=10
//	10:02 d: NULL     -> n=1 max=NULL
//
// Ordered by window_start, model the rows are
// (a 2) (b 1) (a 1) (b 2) (c 1) (d 1).
const viewWireEvents = `{"ts":"2026-11-09T10:00:10Z","model":"a","latency_ms":100}
{"ts":"2026-11-09T10:00:20Z","model":"b","latency_ms":300}
{"ts":"2026-11-09T10:00:30Z","model":"a","latency_ms":200}
{"ts":"2026-11-09T10:01:05Z","model":"a","latency_ms":50}
{"ts":"2026-11-09T10:01:10Z","model":"b","latency_ms":null}
{"ts":"2026-11-09T10:01:15Z","model":"b","latency_ms":400}
{"ts":"2026-11-09T10:02:00Z","model":"c","latency_ms":10}
not json
{"ts":"2026-11-09T10:02:10Z","model":"d","latency_ms":null}
`

// startViewEngine is the engine of startViewWire and startViewLocal: the
// views v1, recent and parts over viewWireEvents and two recent events,
// then the statements extra, once their bounded input has ended.
func startViewEngine(t *testing.T, extra string) *runtime.Engine {
	t.Helper()
	dir := t.TempDir()
	m := filepath.Join(dir, "m.jsonl")
	require.NoError(t, os.WriteFile(m, []byte(viewWireEvents), 0o644))
	now := time.Now().UTC()
	recent := filepath.Join(dir, "recent.jsonl")
	require.NoError(t, os.WriteFile(recent, []byte(fmt.Sprintf(`{"ts":%q,"model":"old"}
{"ts":%q,"model":"new"}
`, now.Add(-3*time.Hour).Format(time.RFC3339), now.Add(-10*time.Minute).Format(time.RFC3339))), 0o644))

	eng := runtime.New(runtime.Options{Stderr: io.Discard})
	t.Cleanup(func() { eng.Close() })
	execStmts(t, eng, fmt.Sprintf(`CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE,
  WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
  WITH (connector = 'file', path = '%s');
CREATE MATERIALIZED VIEW v1 AS
  SELECT window_start, window_end, model, COUNT(*) AS n, MAX(latency_ms) AS max_ms
  FROM TUMBLE(m, ts, INTERVAL '1' MINUTE)
  GROUP BY window_start, window_end, model;
CREATE SOURCE r (ts TIMESTAMP, model VARCHAR, WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
  WITH (connector = 'file', path = '%s');
CREATE MATERIALIZED VIEW recent AS
  SELECT window_end, model, COUNT(*) AS n FROM TUMBLE(r, ts, INTERVAL '1' MINUTE)
  GROUP BY window_start, window_end, model;
CREATE MATERIALIZED VIEW parts AS
  SELECT window_start, model, COUNT(*) AS "partition" FROM TUMBLE(m, ts, INTERVAL '1' MINUTE)
  GROUP BY window_start, window_end, model;
%s`, m, recent, extra))
	waitStopped(t, eng)
	return eng
}

// startViewWire serves an engine with the views v1 (1-minute counts of
// viewWireEvents), recent (counts of two events: "old" three hours ago,
// "new" ten minutes ago, by the wall clock) and parts (a column named
// partition), once their bounded input has ended, and returns a pgx
// connection to it.
func startViewWire(t *testing.T) (*pgx.Conn, string) {
	t.Helper()
	eng := startViewEngine(t, "")

	srv := pgwire.NewServer(pgwire.Config{}, runtime.NewWireEngine(eng))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		require.NoError(t, srv.Close())
		require.ErrorIs(t, <-served, pgwire.ErrServerClosed)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "postgres://tester@" + ln.Addr().String() + "/weir?sslmode=disable"
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn, url
}

// wireRows runs q and renders its rows as "a | b" (NULL as NULL).
func wireRows(t *testing.T, conn *pgx.Conn, q string, mode pgx.QueryExecMode, args ...any) ([]string, error) {
	t.Helper()
	rows, err := conn.Query(context.Background(), q, append([]any{mode}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		vals, err := rows.Values()
		require.NoError(t, err)
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch x := v.(type) {
			case nil:
				parts[i] = "NULL"
			case time.Time:
				parts[i] = x.UTC().Format("15:04")
			default:
				parts[i] = fmt.Sprint(x)
			}
		}
		out = append(out, strings.Join(parts, " | "))
	}
	return out, rows.Err()
}

var viewWireModes = []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement}

// TestViewReadPostgresForms: what PostgreSQL clients send reading a view —
// LIMIT ALL, quoted and parenthesised counts, OFFSET and FETCH, schema
// names, DISTINCT, now(), a column named partition — returns the rows
// PostgreSQL would, in the simple and the extended protocol.
func TestViewReadPostgresForms(t *testing.T) {
	conn, _ := startViewWire(t)
	for _, tc := range append(viewReadForms(),
		viewReadCase{"SELECT model FROM recent WHERE window_end < pg_catalog.now() ORDER BY model", []string{"new", "old"}},
	) {
		for _, mode := range viewWireModes {
			t.Run(mode.String()+"/"+tc.q, func(t *testing.T) {
				got, err := wireRows(t, conn, tc.q, mode)
				require.NoError(t, err)
				if tc.want == nil {
					tc.want = []string{}
				}
				require.Equal(t, tc.want, got)
			})
		}
	}
}

// TestViewReadPostgresFormErrors: what a view read cannot do fails with a
// SQLSTATE and a position in the client's text, also after pgwire
// rewrote the statement for the engine.
func TestViewReadPostgresFormErrors(t *testing.T) {
	conn, _ := startViewWire(t)
	for _, tc := range []struct {
		q, code, msg string
		at           string // the text the position points at ("" for none)
	}{
		{"SELECT * FROM v1 LIMIT -1", "2201W", "LIMIT must not be negative", "-1"},
		{"SELECT * FROM v1 OFFSET (-2)", "2201X", "OFFSET must not be negative", "(-2)"},
		{"SELECT DISTINCT ON (model) model FROM v1", "0A000", "SELECT DISTINCT ON is not supported; a view read supports SELECT DISTINCT", "DISTINCT"},
		{"SELECT DISTINCT model FROM v1 ORDER BY n", "42P10", "for SELECT DISTINCT, ORDER BY expressions must appear in select list", "n"},
		{"SELECT * FROM v1 LIMIT 1 FETCH FIRST 2 ROWS ONLY", "42601", "multiple LIMIT clauses not allowed", "FETCH"},
		{"SELECT * FROM v1 FETCH FIRST 2 ROWS WITH TIES", "0A000", "FETCH ... WITH TIES is not supported; a view read supports FETCH FIRST n ROWS ONLY", "WITH"},
		// The engine's errors, positioned in the client's text although
		// public., DISTINCT and now() were rewritten before them.
		{"SELECT DISTINCT model FROM public.v1 WHERE window_end < now() AND nope = 1 LIMIT ALL", "42703", `unknown column "nope"`, "nope"},
		{"SELECT partition, nope FROM parts", "42703", `unknown column "nope"`, "nope"},
		// A continuous query over a source keeps refusing the wall clock.
		{"SELECT model FROM m WHERE ts > now()", "0A000", "now() is not supported", "now()"},
	} {
		for _, mode := range viewWireModes {
			t.Run(mode.String()+"/"+tc.q, func(t *testing.T) {
				_, err := wireRows(t, conn, tc.q, mode)
				var pe *pgconn.PgError
				require.True(t, errors.As(err, &pe), "%v", err)
				require.Equal(t, tc.code, pe.Code)
				require.Contains(t, pe.Message, tc.msg)
				require.EqualValues(t, strings.Index(tc.q, tc.at)+1, pe.Position)
			})
		}
	}
}

// TestViewReadExplain: EXPLAIN of a view read shows its steps from the
// client's clauses; a bad read fails as the read itself would.
func TestViewReadExplain(t *testing.T) {
	conn, _ := startViewWire(t)
	for _, mode := range viewWireModes {
		t.Run(mode.String(), func(t *testing.T) {
			got, err := wireRows(t, conn, "EXPLAIN SELECT DISTINCT model FROM public.v1 WHERE n > 1 ORDER BY model LIMIT 2 OFFSET 1", mode)
			require.NoError(t, err)
			require.Equal(t, []string{
				"Limit 2 offset 1",
				"  Unique",
				"    Sort model",
				"      Project model",
				"        Filter n > 1",
				"          Read materialized view v1 (current rows)",
			}, got)
			got, err = wireRows(t, conn, "EXPLAIN SELECT offset FROM weir_dead_letters", mode)
			require.NoError(t, err)
			require.Equal(t, []string{"Project offset", "  Read system view weir_dead_letters (current rows)"}, got)

			// EXPLAIN of a continuous query is the engine's plan.
			got, err = wireRows(t, conn, "EXPLAIN SELECT model FROM m", mode)
			require.NoError(t, err)
			require.Equal(t, "Sink client", got[0])

			_, err = wireRows(t, conn, "EXPLAIN SELECT nope FROM v1", mode)
			var pe *pgconn.PgError
			require.True(t, errors.As(err, &pe), "%v", err)
			require.Equal(t, "42703", pe.Code)
			require.EqualValues(t, len("EXPLAIN SELECT ")+1, pe.Position)
		})
	}
}

// TestViewReadParams: pgx's Prepare gets the parameters' types from the
// view's columns and LIMIT/OFFSET; pgx then sends int8 and timestamptz in
// binary, which select the rows by hand:
// n >= 1, model <> 'a', window_start >= 10:01 keeps (10:01 b 2),
// (10:02 c 1), (10:02 d 1); OFFSET 1 LIMIT 2 leaves c and d.
func TestViewReadParams(t *testing.T) {
	conn, _ := startViewWire(t)
	ctx := context.Background()
	const q = "SELECT model, n FROM v1 WHERE n >= $1 AND model <> $2 AND window_start >= $3 ORDER BY window_start, model LIMIT $4 OFFSET $5"
	sd, err := conn.Prepare(ctx, "by_params", q)
	require.NoError(t, err)
	require.Equal(t, []uint32{20, 25, 1184, 20, 20}, sd.ParamOIDs)
	from := time.Date(2026, 11, 9, 10, 1, 0, 0, time.UTC)
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeDescribeExec} {
		t.Run(mode.String(), func(t *testing.T) {
			got, err := wireRows(t, conn, q, mode, int64(1), "a", from, 2, 1)
			require.NoError(t, err)
			require.Equal(t, []string{"c | 1", "d | 1"}, got)
		})
	}
	// A double column types its parameter float8; a cast its own type.
	sd, err = conn.Prepare(ctx, "by_cast", "SELECT model FROM v1 WHERE max_ms > $1 AND n = $2::bigint")
	require.NoError(t, err)
	require.Equal(t, []uint32{701, 20}, sd.ParamOIDs)
	got, err := wireRows(t, conn, "SELECT model FROM v1 WHERE max_ms > $1 AND n = $2::bigint ORDER BY model", pgx.QueryExecModeCacheStatement, 250.5, 2)
	require.NoError(t, err)
	require.Equal(t, []string{"b"}, got) // 10:01 b: n=2, max 400
}

// TestViewReadPsql: psql's own rendering of a view read in PostgreSQL's
// forms and of its EXPLAIN (skipped without psql on PATH).
func TestViewReadPsql(t *testing.T) {
	bin, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql is not on PATH")
	}
	_, url := startViewWire(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, url, "-X", "--no-psqlrc",
		"-c", "SELECT DISTINCT model FROM public.v1 WHERE n > 0 ORDER BY model LIMIT ALL OFFSET 1",
		"-c", `SELECT model, partition FROM "public"."parts" ORDER BY partition DESC, model FETCH FIRST 2 ROWS ONLY`,
		"-c", "EXPLAIN SELECT model FROM recent WHERE window_end > now() - INTERVAL '1 hour' ORDER BY 1 LIMIT 5")
	cmd.Env = append(os.Environ(), "PGTZ=UTC", "PAGER=", "PSQL_PAGER=", "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	// Models by window and model: (a 2) (b 1) (a 1) (b 2) (c 1) (d 1);
	// distinct a b c d, after OFFSET 1: b c d. parts' partition is the
	// count: a and b have 2 (10:00 a, 10:01 b).
	require.Equal(t, ` model 
-------
 b
 c
 d
(3 rows)

 model | partition 
-------+-----------
 a     |         2
 b     |         2
(2 rows)

                      QUERY PLAN                      
------------------------------------------------------
 Limit 5
   Sort 1
     Project model
       Filter window_end > now() - INTERVAL '1 hour'
         Read materialized view recent (current rows)
(5 rows)

`, string(out))
}

// viewReadCase is a view read and its rows ("a | b", NULL as NULL).
type viewReadCase struct {
	q    string
	want []string
}

// viewReadForms are the view reads in the forms PostgreSQL clients write
// (LIMIT ALL, quoted and parenthesised counts, OFFSET and FETCH, schema
// names, DISTINCT, now(), a column named partition) that both the wire
// (TestViewReadPostgresForms) and weir run / the in-process repl
// (TestViewReadLocalPostgresForms) answer, with their rows: by window and
// model the rows of v1 are (a 2) (b 1) (a 1) (b 2) (c 1) (d 1)
// (viewWireEvents).
func viewReadForms() []viewReadCase {
	const order = " ORDER BY window_start, model"
	all := []string{"a | 2", "b | 1", "a | 1", "b | 2", "c | 1", "d | 1"}
	return []viewReadCase{
		{"SELECT model, n FROM v1" + order + " LIMIT ALL", all},
		{"SELECT model, n FROM v1" + order + " LIMIT NULL", all},
		{"SELECT model, n FROM v1" + order + " LIMIT '2'", all[:2]},
		{"SELECT model, n FROM v1" + order + " LIMIT (2)", all[:2]},
		{"SELECT model, n FROM v1" + order + " OFFSET 4", all[4:]},
		{"SELECT model, n FROM v1" + order + " LIMIT 2 OFFSET 1", all[1:3]},
		{"SELECT model, n FROM v1" + order + " OFFSET 1 LIMIT 2", all[1:3]},
		{"SELECT model, n FROM v1" + order + " OFFSET 5 ROWS", all[5:]},
		{"SELECT model, n FROM v1" + order + " OFFSET 1 ROW FETCH FIRST 2 ROWS ONLY", all[1:3]},
		{"SELECT model, n FROM v1" + order + " FETCH NEXT ROW ONLY", all[:1]},
		{"SELECT model, n FROM v1" + order + " OFFSET 9", nil},
		{"SELECT model, n FROM public.v1" + order, all},
		{`SELECT model, n FROM "public"."v1"` + order + " LIMIT 1", all[:1]},
		{`SELECT v.model, v.n FROM public.v1 AS v` + order + " LIMIT 1", all[:1]},
		// DISTINCT keeps the first of equal rows, in ORDER BY's order, then
		// OFFSET and LIMIT apply.
		{"SELECT DISTINCT model FROM v1 ORDER BY model", []string{"a", "b", "c", "d"}},
		{"SELECT DISTINCT n FROM v1 ORDER BY n DESC", []string{"2", "1"}},
		{"SELECT DISTINCT n FROM v1 ORDER BY 1 LIMIT 1 OFFSET 1", []string{"2"}},
		{"SELECT DISTINCT model, n FROM v1 WHERE n = 1 ORDER BY model", []string{"a | 1", "b | 1", "c | 1", "d | 1"}},
		// NULLs are equal under DISTINCT: one NULL max_ms (d), sorted last.
		{"SELECT DISTINCT max_ms IS NULL AS missing FROM v1 ORDER BY missing", []string{"false", "true"}},
		// The wall clock is the statement's start: "new" ended ten minutes
		// ago, "old" three hours ago.
		{"SELECT model FROM recent WHERE window_end > now() - INTERVAL '1 hour'", []string{"new"}},
		{"SELECT model FROM recent WHERE window_end > CURRENT_TIMESTAMP - INTERVAL '1' HOUR", []string{"new"}},
		{"SELECT model FROM recent WHERE window_end > localtimestamp", nil},
		// A column named partition, bare; weir_dead_letters' too (the
		// malformed line 8, dead-lettered by the queries of both views
		// reading m, v1 (q1) and parts (q3): DISTINCT leaves one).
		{"SELECT model, partition FROM parts WHERE partition > 1 ORDER BY partition DESC, model", []string{"a | 2", "b | 2"}},
		{"SELECT DISTINCT source, partition, offset, reason FROM weir_dead_letters WHERE source = 'm'", []string{"m | 0 | 8 | malformed"}},
		{"SELECT query, offset FROM weir_dead_letters WHERE partition = 0 AND source = 'm' ORDER BY query", []string{"q1 | 8", "q3 | 8"}},
		// offset the column, then OFFSET the clause.
		{"SELECT offset FROM weir_dead_letters WHERE source = 'm' ORDER BY offset OFFSET 1", []string{"8"}},
	}
}
