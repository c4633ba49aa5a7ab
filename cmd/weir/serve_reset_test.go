package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/storage"
)

// TestServeReset: a state directory whose checkpoint no longer matches its
// statement is refused with a message that says to use --reset, and weir
// serve --reset does that: it starts with an empty catalog and no
// checkpoint, so the same names can be created again, with other
// statements.
func TestServeReset(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	out := filepath.Join(dir, "out.jsonl")
	source := "CREATE SOURCE g (ts TIMESTAMP, model VARCHAR, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)\n" +
		"  WITH (connector = 'datagen', kind = 'llm_metrics', seed = '1', rate = '200')"
	sink := func(extra string) string {
		return "CREATE SINK fs AS SELECT window_start, model, COUNT(*) AS c" + extra +
			" FROM TUMBLE(g, ts, INTERVAL '1' SECOND) GROUP BY window_start, model WITH (connector = 'file', path = '" + out + "')"
	}
	ctx := context.Background()

	// A sink with a checkpoint: stopping takes a final one.
	srv := startServe(t, state)
	conn := srv.connect(t)
	for _, q := range []string{source, sink("")} {
		_, err := conn.Exec(ctx, q)
		require.NoError(t, err, q)
	}
	conn.Close(ctx)
	require.Equal(t, exitOK, srv.stop(t), srv.stderr.String())

	// Its statement changes (as when a state directory outlives the
	// statements it was made with): the checkpoint is refused, by name,
	// with the remedy.
	st, err := storage.Open(state, storage.Options{})
	require.NoError(t, err)
	require.NoError(t, st.PutStatement("fs", sink(", 1 AS x")))
	require.NoError(t, st.Close())
	srv = startServe(t, state)
	require.Contains(t, srv.stderr.String(), "the state directory holds a checkpoint of sink fs, made by different statements; run with --reset to discard it")
	require.Equal(t, exitOK, srv.stop(t), srv.stderr.String())

	// --reset: nothing is restored, and the names are free.
	srv = startServe(t, state, "--reset")
	stderr := srv.stderr.String()
	require.Contains(t, stderr, "weir serve: --reset: discarded 2 catalog statements and every checkpoint in "+state+"\n")
	require.NotContains(t, stderr, "restor")
	conn = srv.connect(t)
	require.Empty(t, queryStrings(t, conn, "SHOW SOURCES"))
	require.Empty(t, queryStrings(t, conn, "SHOW SINKS"))
	for _, q := range []string{source, sink(", 1 AS x")} {
		_, err := conn.Exec(ctx, q)
		require.NoError(t, err, q)
	}
	require.Equal(t, []string{"fs"}, firstColumn(queryStrings(t, conn, "SHOW SINKS")))
	conn.Close(ctx)
	require.Equal(t, exitOK, srv.stop(t), srv.stderr.String())

	// The next start restores the new statements and resumes their state.
	srv = startServe(t, state)
	require.Contains(t, srv.stderr.String(), "weir serve: restored 2 catalog statements from "+state)
	require.NotContains(t, srv.stderr.String(), "made by different statements")
}

// firstColumn is the first " | "-separated field of each row.
func firstColumn(rows []string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i], _, _ = strings.Cut(r, " | ")
	}
	return out
}
