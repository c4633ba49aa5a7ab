package runtime_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/weirdb/weir/internal/kafkatest"
	"github.com/weirdb/weir/runtime"
	"github.com/weirdb/weir/sql"
	"github.com/weirdb/weir/storage"
)

// restoreDeadline bounds every wait of the restore tests.
const restoreDeadline = 20 * time.Second

// restoreEngine opens the state directory dir as `weir serve` does (a
// persisted catalog), with diagnostics going to log.
func restoreEngine(t *testing.T, dir string, log *lockedLog) (*runtime.Engine, *storage.Store) {
	t.Helper()
	st, err := storage.Open(dir, storage.Options{})
	require.NoError(t, err)
	cfg := runtime.Defaults()
	// With a PostgreSQL server for the tests, views archive to a cold
	// tier, whose attach a background retry calls too.
	cfg.State.Cold.PostgresURL = os.Getenv("WEIR_TEST_PG_URL")
	eng := runtime.New(runtime.Options{Config: cfg, Storage: st, Catalog: st, Stderr: log})
	return eng, st
}

// restoreExec runs one statement and returns its result or error.
func restoreExec(eng *runtime.Engine, text string) (*runtime.Result, error) {
	stmts, err := sql.Parse(text)
	if err != nil {
		return nil, err
	}
	if len(stmts) != 1 {
		return nil, fmt.Errorf("%d statements", len(stmts))
	}
	return eng.Exec(context.Background(), stmts[0], nil)
}

// restoreRows runs a statement that must succeed and returns its rows,
// each joined with "|".
func restoreRows(t *testing.T, eng *runtime.Engine, text string) []string {
	t.Helper()
	res, err := restoreExec(eng, text)
	require.NoError(t, err, text)
	var out []string
	for _, r := range res.Rows {
		out = append(out, strings.Join(r, "|"))
	}
	return out
}

// restoreStates returns SHOW QUERIES as "id state" lines.
func restoreStates(t *testing.T, eng *runtime.Engine) []string {
	t.Helper()
	var out []string
	for _, r := range restoreRows(t, eng, "SHOW QUERIES") {
		f := strings.Split(r, "|")
		out = append(out, f[0]+" "+f[1])
	}
	return out
}

// restoreWaitDone waits until q is done (a restore placeholder's Done
// closes when its background retries end), or fails t at restoreDeadline.
func restoreWaitDone(t *testing.T, what string, q *runtime.Query) {
	t.Helper()
	select {
	case <-q.Done():
	case <-time.After(restoreDeadline):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// restoreWaitRows waits until cond holds, looking again each time the
// subscription sub delivers rows, or fails t at restoreDeadline.
func restoreWaitRows(t *testing.T, what string, sub *runtime.Subscription, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), restoreDeadline)
	defer cancel()
	for !cond() {
		if _, err := sub.Next(ctx); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
	}
}

// TestRestoreTruncatedFileSinkStaysUntilDropped: a file sink whose file
// was emptied while the server was stopped fails to restore; it stays
// listed (SHOW SINKS, SHOW QUERIES with its error), is not retried (the
// error is not transient), its name stays taken, and DROP SINK removes it
// with its checkpoints, so that CREATE SINK with the same statement — or
// another one — works again (docs/state.md, Sinks).
func TestRestoreTruncatedFileSinkStaysUntilDropped(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "e.jsonl")
	require.NoError(t, os.WriteFile(data, []byte(`{"ts":"2026-11-09T10:00:01Z","k":"a"}
{"ts":"2026-11-09T10:00:02Z","k":"b"}
{"ts":"2026-11-09T10:01:03Z","k":"a"}
`), 0o644))
	out := filepath.Join(dir, "sink.jsonl")
	source := fmt.Sprintf(`CREATE SOURCE e (ts TIMESTAMP, k VARCHAR, WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
  WITH (connector = 'file', path = '%s')`, data)
	sink := fmt.Sprintf(`CREATE SINK s AS
  SELECT window_start, window_end, k, COUNT(*) AS n FROM TUMBLE(e, ts, INTERVAL '1' MINUTE) GROUP BY window_start, window_end, k
  WITH (connector = 'file', path = '%s')`, out)
	lines := func() int {
		b, err := os.ReadFile(out)
		require.NoError(t, err)
		return strings.Count(string(b), "\n")
	}
	log := &lockedLog{}
	eng, st := restoreEngine(t, filepath.Join(dir, "state"), log)
	_, err := restoreExec(eng, source)
	require.NoError(t, err)
	res, err := restoreExec(eng, sink)
	require.NoError(t, err)
	waitDone(t, res.Query)
	// [10:00,10:01): a, b; [10:01,10:02): a.
	require.Equal(t, 3, lines())
	require.NoError(t, eng.Close())
	require.NoError(t, st.Close())

	require.NoError(t, os.Truncate(out, 0))
	eng, st = restoreEngine(t, filepath.Join(dir, "state"), log)
	defer st.Close()
	defer eng.Close()
	n, err := eng.Restore(context.Background())
	require.Error(t, err)
	require.Equal(t, 1, n) // the source
	require.Equal(t, []string{"s|file"}, restoreRows(t, eng, "SHOW SINKS"))
	states := restoreStates(t, eng)
	require.Len(t, states, 1)
	require.Contains(t, states[0], " failed: ")
	require.Contains(t, states[0], "shorter than the")
	require.Contains(t, log.String(), "weir: restoring sink s: ")
	require.Contains(t, log.String(), "stays listed as failed until it is dropped")
	require.NotContains(t, log.String(), "retried in the background")

	// The name stays taken, and the source is still in use.
	_, err = restoreExec(eng, sink)
	require.ErrorContains(t, err, "already exists")
	_, err = restoreExec(eng, "DROP SOURCE e")
	require.ErrorContains(t, err, `cannot drop source "e": sink s depends on it`)

	// DROP, then the same statement again: it starts over (no checkpoint
	// left), writing the three rows again.
	restoreRows(t, eng, "DROP SINK s")
	require.Empty(t, restoreRows(t, eng, "SHOW SINKS"))
	require.Empty(t, restoreStates(t, eng))
	res, err = restoreExec(eng, sink)
	require.NoError(t, err)
	waitDone(t, res.Query)
	require.Equal(t, 3, lines())

	// Another statement under the same name, after a DROP, is no state
	// mismatch either.
	restoreRows(t, eng, "DROP SINK s")
	res, err = restoreExec(eng, strings.Replace(sink, "COUNT(*) AS n", "COUNT(*) AS cnt", 1))
	require.NoError(t, err)
	waitDone(t, res.Query)
	require.Equal(t, 6, lines())
}

// TestRestoreRetriesViewWhenBrokerReturns: a materialized view over a
// Kafka source whose broker is down when the server restarts stays listed
// as a failed query; reading it names the failure; once the broker is
// back, the background retry starts it, under the same query id, and
// reading it gives its rows — no restart needed.
func TestRestoreRetriesViewWhenBrokerReturns(t *testing.T) {
	dir := t.TempDir()
	cluster, addr, port := brokerOnReusablePort(t)
	log := &lockedLog{}
	eng, st := restoreEngine(t, filepath.Join(dir, "state"), log)
	createKafkaSourceK(t, eng, addr)
	_, err := restoreExec(eng, `CREATE MATERIALIZED VIEW v AS
  SELECT window_start, window_end, model, COUNT(*) AS n FROM TUMBLE(k, ts, INTERVAL '1' MINUTE) GROUP BY window_start, window_end, model`)
	require.NoError(t, err)
	require.NoError(t, eng.Close())
	require.NoError(t, st.Close())
	cluster.Close()

	eng, st = restoreEngine(t, filepath.Join(dir, "state"), log)
	defer st.Close()
	defer eng.Close()
	runtime.SetRestoreBackoff(eng, 20*time.Millisecond, 100*time.Millisecond)
	n, err := eng.Restore(context.Background())
	require.ErrorContains(t, err, "cannot reach any broker")
	require.Equal(t, 1, n)
	require.Equal(t, []string{"v|true"}, restoreRows(t, eng, "SHOW VIEWS"))
	states := restoreStates(t, eng)
	require.Len(t, states, 1)
	id := strings.Fields(states[0])[0]
	require.Contains(t, states[0], "failed: ")
	require.Contains(t, states[0], "cannot reach any broker")
	placeholder := eng.Queries()[0]
	require.Equal(t, id, placeholder.ID)
	require.Contains(t, log.String(), "weir: restoring view v: ")
	require.Contains(t, log.String(), "retried in the background")
	_, err = restoreExec(eng, "SELECT * FROM v")
	require.ErrorContains(t, err, `materialized view "v" failed to restore at startup: `)
	require.ErrorContains(t, err, "cannot reach any broker")
	_, err = eng.Subscribe("v")
	require.ErrorContains(t, err, "failed to restore at startup")

	// The broker comes back, on the same address.
	_, addr2 := kafkatest.NewCluster(t, map[string]int32{"ev": 1}, kfake.Ports(port))
	require.Equal(t, addr, addr2)
	kafkatest.ProduceLines(t, addr, "ev", 0,
		`{"ts":"2026-11-09T10:00:01Z","model":"a"}`,
		`{"ts":"2026-11-09T10:00:02Z","model":"a"}`,
		`{"ts":"2026-11-09T10:01:03Z","model":"b"}`)
	// The placeholder's Done closes when its retries end: here, with the
	// view restored.
	restoreWaitDone(t, "the view's restore", placeholder)
	require.Equal(t, []string{id + " running"}, restoreStates(t, eng))
	require.Contains(t, log.String(), "weir: restored view v after ")
	sub, err := eng.Subscribe("v")
	require.NoError(t, err)
	defer sub.Close()
	restoreWaitRows(t, "the view's first window", sub, func() bool {
		rows, err := restoreExec(eng, "SELECT model, n FROM v")
		return err == nil && len(rows.Rows) == 1 && strings.Join(rows.Rows[0], "|") == "a|2"
	})
	// It is a view like any other: DROP removes it.
	restoreRows(t, eng, "DROP VIEW v")
	require.Empty(t, restoreStates(t, eng))
	require.Empty(t, restoreRows(t, eng, "SHOW VIEWS"))
}

// TestRestoreDropWhileRetrying: DROP of a view or sink whose restore is
// being retried stops the retries and removes it; the name can be used
// again.
func TestRestoreDropWhileRetrying(t *testing.T) {
	dir := t.TempDir()
	cluster, addr, _ := brokerOnReusablePort(t)
	log := &lockedLog{}
	eng, st := restoreEngine(t, filepath.Join(dir, "state"), log)
	createKafkaSourceK(t, eng, addr)
	_, err := restoreExec(eng, `CREATE MATERIALIZED VIEW v AS SELECT model FROM k`)
	require.NoError(t, err)
	_, err = restoreExec(eng, fmt.Sprintf(`CREATE SINK s AS SELECT model FROM k WITH (connector = 'file', path = '%s')`,
		filepath.Join(dir, "s.jsonl")))
	require.NoError(t, err)
	require.NoError(t, eng.Close())
	require.NoError(t, st.Close())
	cluster.Close()

	eng, st = restoreEngine(t, filepath.Join(dir, "state"), log)
	defer st.Close()
	runtime.SetRestoreBackoff(eng, 5*time.Millisecond, 10*time.Millisecond)
	_, err = eng.Restore(context.Background())
	require.Error(t, err)
	require.Len(t, restoreStates(t, eng), 2)
	restoreRows(t, eng, "DROP VIEW v")
	restoreRows(t, eng, "DROP SINK s")
	require.Empty(t, restoreStates(t, eng))
	_, err = restoreExec(eng, "DROP SOURCE k")
	require.NoError(t, err)
	require.NoError(t, eng.Close())
	require.NoError(t, st.Close())

	// Nothing of them comes back.
	eng, st = restoreEngine(t, filepath.Join(dir, "state"), log)
	defer st.Close()
	defer eng.Close()
	n, err := eng.Restore(context.Background())
	require.NoError(t, err)
	require.Zero(t, n)
	require.Empty(t, restoreStates(t, eng))
}

// TestRestoreNotRetriedWhenTheNameSaysTimeout: whether a failed restore is
// retried depends on the error's cause, not on its text: two file sinks,
// "timeouts" and "other", whose files were emptied while the server was
// stopped, both stay failed and neither is retried (the truncation is no
// outage), although the first one's error names it.
func TestRestoreNotRetriedWhenTheNameSaysTimeout(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "e.jsonl")
	require.NoError(t, os.WriteFile(data, []byte(`{"ts":"2026-11-09T10:00:01Z","k":"a"}
{"ts":"2026-11-09T10:01:03Z","k":"a"}
`), 0o644))
	log := &lockedLog{}
	eng, st := restoreEngine(t, filepath.Join(dir, "state"), log)
	_, err := restoreExec(eng, fmt.Sprintf(`CREATE SOURCE e (ts TIMESTAMP, k VARCHAR, WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
  WITH (connector = 'file', path = '%s')`, data))
	require.NoError(t, err)
	for _, name := range []string{"timeouts", "other"} {
		res, err := restoreExec(eng, fmt.Sprintf(`CREATE SINK %s AS SELECT k FROM e WITH (connector = 'file', path = '%s')`,
			name, filepath.Join(dir, name+".jsonl")))
		require.NoError(t, err)
		waitDone(t, res.Query)
	}
	require.NoError(t, eng.Close())
	require.NoError(t, st.Close())
	for _, name := range []string{"timeouts", "other"} {
		require.NoError(t, os.Truncate(filepath.Join(dir, name+".jsonl"), 0))
	}

	eng, st = restoreEngine(t, filepath.Join(dir, "state"), log)
	defer st.Close()
	defer eng.Close()
	runtime.SetRestoreBackoff(eng, time.Millisecond, time.Millisecond)
	n, err := eng.Restore(context.Background())
	require.Error(t, err)
	require.Equal(t, 1, n) // the source
	qs := eng.Queries()
	require.Len(t, qs, 2)
	for _, q := range qs {
		// Not retried: the placeholder is done as Restore returns (a
		// retried one stays running until its retries end).
		select {
		case <-q.Done():
		default:
			t.Fatalf("query %s (%s) is being retried: %s", q.ID, q.SQL, q.State())
		}
		require.Contains(t, q.State(), "failed: ")
		require.Contains(t, q.State(), "shorter than the")
	}
	for _, name := range []string{"timeouts", "other"} {
		require.Contains(t, log.String(), "weir: restoring sink "+name+": ")
	}
	require.Contains(t, log.String(), "timeouts.jsonl") // the error does name it
	require.Equal(t, 2, strings.Count(log.String(), "stays listed as failed until it is dropped"))
	require.NotContains(t, log.String(), "retried in the background")
}

// brokerOnReusablePort starts a one-partition topic "ev" on a broker whose
// port can be taken again by another broker after this one stops.
func brokerOnReusablePort(t *testing.T) (cluster *kfake.Cluster, addr string, port int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port = ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	cluster, addr = kafkatest.NewCluster(t, map[string]int32{"ev": 1}, kfake.Ports(port))
	return cluster, addr, port
}

// createKafkaSourceK declares source k over topic "ev" at addr.
func createKafkaSourceK(t *testing.T, eng *runtime.Engine, addr string) {
	t.Helper()
	_, err := restoreExec(eng, fmt.Sprintf(`CREATE SOURCE k (ts TIMESTAMP, model VARCHAR, WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
  WITH (connector = 'kafka', topic = 'ev', brokers = '%s')`, addr))
	require.NoError(t, err)
}
