package main

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

const submitSource = `CREATE SOURCE %s (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE,
  WATERMARK FOR ts AS ts) WITH (connector = 'file', path = '%s');
`

// TestSubmitChecksBeforeSending: weir submit parses every file and refuses
// a bare SELECT or a SUBSCRIBE before it sends anything, so a file with such
// an error creates nothing; every error reads "FILE:LINE:COLUMN: ERROR: msg"
// and stdout says how many objects were created before it.
func TestSubmitChecksBeforeSending(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "m.jsonl")
	appendJSONL(t, data, wireData)
	srv := startServe(t, filepath.Join(dir, "state"))
	submit := func(files ...string) (int, string, string) {
		var out, errw syncBuffer
		code := runSubmit(append([]string{"--server", srv.addrs.PG}, files...), &out, &errw)
		return code, out.String(), errw.String()
	}
	s3 := fmt.Sprintf(submitSource, "s3", data)
	s4 := fmt.Sprintf(submitSource, "s4", data)

	// The audit's file: s3 (lines 1-2), a bare SELECT on line 3, s4.
	selectFile := writeFile(t, dir, "select.sql", s3+"SELECT model FROM s3;\n"+s4)
	code, out, errw := submit(selectFile)
	require.Equal(t, exitSQLError, code)
	require.Equal(t, selectFile+":3:1: ERROR: a bare SELECT runs only as long as a client reads it; use CREATE MATERIALIZED VIEW or CREATE SINK\n", errw)
	require.Equal(t, "0 objects created before the error\n", out)

	// A good first file is not sent when a later one does not parse: the
	// error is on line 2, column 3 ("  SELEC").
	good := writeFile(t, dir, "good.sql", s3)
	syntax := writeFile(t, dir, "syntax.sql", "SHOW SOURCES;\n  SELEC 1;\n")
	code, out, errw = submit(good, syntax)
	require.Equal(t, exitSQLError, code)
	require.Equal(t, syntax+":2:3: ERROR: expected a statement (CREATE, DROP, SELECT, SHOW, DESCRIBE, EXPLAIN, SUBSCRIBE or SET), found 'SELEC'\n", errw)
	require.Equal(t, "0 objects created before the error\n", out)

	// SUBSCRIBE would stream until cancelled: refused like a SELECT.
	subscribe := writeFile(t, dir, "subscribe.sql", "\n\n   SUBSCRIBE TO v;\n")
	code, out, errw = submit(good, subscribe)
	require.Equal(t, exitSQLError, code)
	require.Equal(t, subscribe+":3:4: ERROR: SUBSCRIBE streams rows only as long as a client reads them; use weir repl or psql\n", errw)
	require.Equal(t, "0 objects created before the error\n", out)

	conn := srv.connect(t)
	require.Empty(t, queryStrings(t, conn, "SHOW SOURCES"), "nothing may be created when a check fails")

	// An error only the server finds stops the submit after what it
	// created. The view's GROUP BY is on line 5 of the file ("  GROUP BY
	// window_start, " is 25 characters): the server's position in the
	// statement becomes line 5, column 26 of the file.
	view := writeFile(t, dir, "view.sql", s3+`CREATE MATERIALIZED VIEW w AS
  SELECT window_start, COUNT(*) AS n FROM TUMBLE(s3, ts, INTERVAL '1' MINUTE)
  GROUP BY window_start, nosuch;
`+s4)
	code, out, errw = submit(view)
	require.Equal(t, exitSQLError, code)
	require.Equal(t, view+":5:26: ERROR: unknown column \"nosuch\"\n", errw)
	require.Equal(t, "created source s3\n1 object created before the error\n", out)
	require.Equal(t, []string{"s3 | file | ts - 0ms"}, queryStrings(t, conn, "SHOW SOURCES"))
}
