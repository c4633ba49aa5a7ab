package runtime_test

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	goruntime "runtime"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/weirdb/weir/runtime"
)

// A Postgres sink's connections are gone from the server
// (pg_stat_activity) once DROP SINK has returned — or, for a query that
// is cancelled or fails, once it has stopped; likewise after the engine
// closes (weir serve's shutdown).
func TestClosePostgresSinkConnections(t *testing.T) {
	base := pgURL(t)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	require.NoError(t, err)
	defer conn.Close(ctx)
	suffix := time.Now().UnixNano()

	// sinkURL tags the sink's connections with an application name of their
	// own, by which pg_stat_activity finds them.
	sinkURL := func(app string) string {
		u, err := url.Parse(base)
		require.NoError(t, err)
		q := u.Query()
		q.Set("application_name", app)
		u.RawQuery = q.Encode()
		return u.String()
	}
	connections := func(app string) int {
		var n int
		require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", app).Scan(&n))
		return n
	}
	// waitGone waits, with a deadline, for the server to see the sink's
	// connections end (a backend leaves pg_stat_activity shortly after its
	// client disconnected).
	waitGone := func(app string) {
		t.Helper()
		waitFor(t, "the connections of "+app+" to end", func() bool { return connections(app) == 0 })
	}
	// The followed file holds 10 s of events (writeMetricsFile: one every
	// 10 ms from 10:00:00, the five models in turn, up to 600 ms out of
	// order: the earliest at 09:59:59.46, the latest at 10:00:09.94), then
	// nothing more arrives: the watermark stops at 10:00:08.94, past the
	// end of the windows [09:59:59, 10:00:00) ... [10:00:07, 10:00:08),
	// each holding the 5 models. Once their 45 rows are committed the sink
	// sits idle, connected, as the sink of a quiet stream does.
	path := filepath.Join(t.TempDir(), "m.jsonl")
	writeMetricsFile(t, path, 1000)
	const committed = 9 * 5
	script := func(app, table string) string {
		return fmt.Sprintf(`CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'file', path = '%s', follow = 'true');
CREATE SINK pg AS SELECT window_start, window_end, model, COUNT(*) AS n FROM TUMBLE(m, ts, INTERVAL '1' SECOND)
  GROUP BY window_start, window_end, model WITH (connector = 'postgres', url = '%s', table = '%s');`, path, sinkURL(app), table)
	}

	for _, how := range []string{"drop", "engine"} {
		t.Run(how, func(t *testing.T) {
			app := fmt.Sprintf("weir_close_%s_%d", how, suffix)
			table := app
			defer conn.Exec(ctx, "DROP TABLE IF EXISTS "+table)
			eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
			res := execAll(t, eng, script(app, table))
			q := res[1].Query
			waitFor(t, "the sink's rows to be committed", func() bool { return q.Counters.RowsOut.Load() == committed })
			require.Positive(t, connections(app), "the idle sink is connected")
			switch how {
			case "drop":
				execAll(t, eng, "DROP SINK pg;")
				require.Equal(t, "cancelled", q.State())
				waitGone(app)
				require.NoError(t, eng.Close())
			case "engine":
				require.NoError(t, eng.Close())
				require.Equal(t, "cancelled", q.State())
				waitGone(app)
			}
			// The query (and its sink) stay reachable until the connections
			// are gone: a connection that only the garbage collector closes
			// (a dropped net.Conn's finalizer) does not count as closed.
			goruntime.KeepAlive(q)
		})
	}
}
