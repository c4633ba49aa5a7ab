package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// replViewEvents are runtime's viewWireEvents (view_wire_test.go): seven
// events and a malformed line. With 1-minute windows, by window and model
// the view's rows are (a 2) (b 1) (a 1) (b 2) (c 1) (d 1).
const replViewEvents = `{"ts":"2026-11-09T10:00:10Z","model":"a","latency_ms":100}
{"ts":"2026-11-09T10:00:20Z","model":"b","latency_ms":300}
{"ts":"2026-11-09T10:00:30Z","model":"a","latency_ms":200}
{"ts":"2026-11-09T10:01:05Z","model":"a","latency_ms":50}
{"ts":"2026-11-09T10:01:10Z","model":"b","latency_ms":null}
{"ts":"2026-11-09T10:01:15Z","model":"b","latency_ms":400}
{"ts":"2026-11-09T10:02:00Z","model":"c","latency_ms":10}
not json
{"ts":"2026-11-09T10:02:10Z","model":"d","latency_ms":null}
`

// replViewScript creates the wire test's views v1 and parts, waits for
// their bounded input to end (SUBSCRIBE ends once a view's query has
// stopped), reads them in the forms PostgreSQL clients write, and ends
// with a continuous DISTINCT, which is refused.
const replViewScript = `CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE,
  WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
  WITH (connector = 'file', path = '%s');
CREATE MATERIALIZED VIEW v1 AS
  SELECT window_start, window_end, model, COUNT(*) AS n, MAX(latency_ms) AS max_ms
  FROM TUMBLE(m, ts, INTERVAL '1' MINUTE)
  GROUP BY window_start, window_end, model;
CREATE MATERIALIZED VIEW parts AS
  SELECT window_start, model, COUNT(*) AS "partition" FROM TUMBLE(m, ts, INTERVAL '1' MINUTE)
  GROUP BY window_start, window_end, model;
SUBSCRIBE TO v1;
SUBSCRIBE TO parts;
SELECT model, n FROM public.v1 ORDER BY window_start, model OFFSET 1 ROW FETCH FIRST 2 ROWS ONLY;
SELECT DISTINCT model FROM "public"."v1" WHERE n > 0 ORDER BY model LIMIT ALL OFFSET 1;
SELECT model, partition FROM parts ORDER BY partition DESC, model LIMIT '2';
SELECT DISTINCT model FROM m;
`

// replViewWant is the output of the three reads, as psql prints them in
// TestViewReadPsql (trailing blanks trimmed, as the REPL prints tables):
// OFFSET 1 FETCH 2 leaves (b 1) (a 1); the distinct models a b c d after
// OFFSET 1 are b c d; parts' partition is the count, 2 for a (10:00) and
// b (10:01).
const replViewWant = ` model | n
-------+---
 b     | 1
 a     | 1
(2 rows)
 model
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
`

// TestReplViewReadPostgresForms: the in-process weir repl reads views in
// PostgreSQL's forms with the rows the wire endpoint returns.
func TestReplViewReadPostgresForms(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "m.jsonl")
	require.NoError(t, os.WriteFile(data, []byte(replViewEvents), 0o644))

	var out, errw syncBuffer
	code := runRepl([]string{"--history", ""}, strings.NewReader(fmt.Sprintf(replViewScript, data)), &out, &errw)
	require.Equal(t, exitSQLError, code, errw.String())
	require.True(t, strings.HasSuffix(out.String(), replViewWant), "output:\n%s", out.String())
	// The continuous DISTINCT is line 16 of the piped input.
	require.Contains(t, errw.String(), `ERROR: line 16, column 8: SELECT DISTINCT is not supported in a continuous query over source "m"`)
}
