package runtime_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/goleak"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/runtime"
	"github.com/weirdb/weir/sql"
)

// lockedLog is a goroutine-safe stderr for an engine.
type lockedLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// sinkEvents: two models in [10:00,10:01), one in [10:01,10:02). With the
// file source's end of input every window fires final.
const sinkEvents = `{"ts":"2026-11-09T10:00:10Z","model":"a","lat":1}
{"ts":"2026-11-09T10:00:20Z","model":"b","lat":5}
{"ts":"2026-11-09T10:00:30Z","model":"a","lat":3}
{"ts":"2026-11-09T10:01:10Z","model":"a","lat":2}
`

// sinkSource declares source s over sinkEvents.
func sinkSource(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(sinkEvents), 0o644))
	return fmt.Sprintf(`CREATE SOURCE s (ts TIMESTAMP, model VARCHAR, lat DOUBLE, WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
	  WITH (connector = 'file', path = '%s');`, path)
}

// keyValues reads topic back with kafka-go and renders each message as
// "key value", sorted.
func keyValues(t *testing.T, addr, topic string, partitions int) []string {
	var got []string
	for _, m := range readBack(t, addr, topic, partitions) {
		got = append(got, string(m.Key)+" "+string(m.Value))
	}
	sort.Strings(got)
	return got
}

const (
	kw0 = `"window_start":"2026-11-09T10:00:00.000Z","window_end":"2026-11-09T10:01:00.000Z"`
	kw1 = `"window_start":"2026-11-09T10:01:00.000Z","window_end":"2026-11-09T10:02:00.000Z"`
)

// The Kafka message key is the window bounds and group keys also when the
// SELECT list leaves them out (issue 4): they travel as hidden key
// columns, in the key and not in the value. Before, every message of this
// sink had the key {} and a compacted topic kept one row.
func TestKafkaSinkKeyHasUnselectedKeys(t *testing.T) {
	cluster, addr := newKafkaCluster(t, map[string]int32{"out": 3})
	defer cluster.Close()
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	defer eng.Close()
	res := execAll(t, eng, sinkSource(t)+fmt.Sprintf(`
CREATE SINK k AS SELECT COUNT(*) AS c, MAX(lat) AS ml FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start, model
  WITH (connector = 'kafka', topic = 'out', brokers = '%s');`, addr))
	require.NoError(t, waitQuery(t, res[1].Query))
	// [10:00,10:01): a has 10:00:10 and 10:00:30 (lat 1, 3), b 10:00:20
	// (lat 5); [10:01,10:02): a 10:01:10 (lat 2). The two rows of
	// [10:00,10:01) differ only in model, which is not selected.
	require.Equal(t, []string{
		`{` + kw0 + `,"model":"a"} {"c":2,"ml":3,"_emit":"final"}`,
		`{` + kw0 + `,"model":"b"} {"c":1,"ml":5,"_emit":"final"}`,
		`{` + kw1 + `,"model":"a"} {"c":1,"ml":2,"_emit":"final"}`,
	}, keyValues(t, addr, "out", 3))
	require.Equal(t, int64(3), res[1].Query.Counters.RowsOut.Load())
}

// A key the SELECT list computes on is carried unchanged as a hidden key
// column; its name is "_key_<name>" when an output column has the key's
// name (as a view's hidden columns). The key names selected bounds by
// their aliases. key_columns, when given, still wins.
func TestKafkaSinkKeyComputedAndExplicit(t *testing.T) {
	cluster, addr := newKafkaCluster(t, map[string]int32{"computed": 1, "explicit": 1})
	defer cluster.Close()
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	defer eng.Close()
	res := execAll(t, eng, sinkSource(t)+fmt.Sprintf(`
CREATE SINK kc AS SELECT window_start AS ws, UPPER(model) AS model, COUNT(*) AS c FROM TUMBLE(s, ts, INTERVAL '1' MINUTE)
  GROUP BY window_start, model WITH (connector = 'kafka', topic = 'computed', brokers = '%[1]s');
CREATE SINK ke AS SELECT COUNT(*) AS c FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start, model
  WITH (connector = 'kafka', topic = 'explicit', brokers = '%[1]s', key_columns = 'c');`, addr))
	require.NoError(t, waitQuery(t, res[1].Query))
	require.NoError(t, waitQuery(t, res[2].Query))
	const s0, e0, s1, e1 = `"2026-11-09T10:00:00.000Z"`, `"2026-11-09T10:01:00.000Z"`, `"2026-11-09T10:01:00.000Z"`, `"2026-11-09T10:02:00.000Z"`
	require.Equal(t, []string{
		`{"ws":` + s0 + `,"window_end":` + e0 + `,"_key_model":"a"} {"ws":` + s0 + `,"model":"A","c":2,"_emit":"final"}`,
		`{"ws":` + s0 + `,"window_end":` + e0 + `,"_key_model":"b"} {"ws":` + s0 + `,"model":"B","c":1,"_emit":"final"}`,
		`{"ws":` + s1 + `,"window_end":` + e1 + `,"_key_model":"a"} {"ws":` + s1 + `,"model":"A","c":1,"_emit":"final"}`,
	}, keyValues(t, addr, "computed", 1))
	require.Equal(t, []string{
		`{"c":1} {"c":1,"_emit":"final"}`,
		`{"c":1} {"c":1,"_emit":"final"}`,
		`{"c":2} {"c":2,"_emit":"final"}`,
	}, keyValues(t, addr, "explicit", 1))
}

// CREATE SINK ... FROM a view whose SELECT list leaves the group key out
// keys its messages on it too.
func TestKafkaSinkFromViewKeysOnHiddenKeys(t *testing.T) {
	cluster, addr := newKafkaCluster(t, map[string]int32{"fromview": 1})
	defer cluster.Close()
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	defer eng.Close()
	res := execAll(t, eng, sinkSource(t)+fmt.Sprintf(`
CREATE MATERIALIZED VIEW v AS SELECT window_start, COUNT(*) AS c FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start, model;
CREATE SINK kv FROM v WITH (connector = 'kafka', topic = 'fromview', brokers = '%s');`, addr))
	require.NoError(t, waitQuery(t, res[2].Query))
	require.Equal(t, []string{
		`{` + kw0 + `,"model":"a"} {"window_start":"2026-11-09T10:00:00.000Z","c":2,"_emit":"final"}`,
		`{` + kw0 + `,"model":"b"} {"window_start":"2026-11-09T10:00:00.000Z","c":1,"_emit":"final"}`,
		`{` + kw1 + `,"model":"a"} {"window_start":"2026-11-09T10:01:00.000Z","c":1,"_emit":"final"}`,
	}, keyValues(t, addr, "fromview", 1))
}

// In a server (an engine with a persisted catalog, as weir serve runs), a
// sink whose writes fail for good is reported on stderr — one line naming
// the query and the error — as well as in SHOW QUERIES; its rows_out counts
// no row it never wrote.
func TestServerReportsFailedSinkOnStderr(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cluster, addr := newKafkaCluster(t, map[string]int32{"denied": 1})
	defer cluster.Close()
	cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: "denied", Err: kerr.TopicAuthorizationFailed, Count: -1})
	var log lockedLog
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &log, Catalog: &memCatalog{}})
	defer eng.Close()
	res := execAll(t, eng, sinkSource(t)+fmt.Sprintf(`
CREATE SINK bad AS SELECT window_start, model, COUNT(*) AS n FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start, model
  WITH (connector = 'kafka', topic = 'denied', brokers = '%s');`, addr))
	q := res[1].Query
	err := waitQuery(t, q)
	// [10:00,10:01) closes first, with its rows of a and b.
	require.ErrorContains(t, err, `sink bad: writing 2 messages to topic "denied"`)
	require.Equal(t, "weir: query "+q.ID+" (sink bad) failed: "+err.Error()+"\n", log.String())
	require.Equal(t, "failed: "+err.Error(), q.State())
	require.Zero(t, q.Counters.RowsOut.Load(), "no row was delivered")
}

// A server's query that panics is reported on stderr too; an engine
// without a persisted catalog (weir run, the local REPL, which print
// their queries' failures themselves) does not print it.
func TestServerReportsPanickedQueryOnStderr(t *testing.T) {
	for _, server := range []bool{true, false} {
		var log lockedLog
		opts := runtime.Options{Config: runtime.Defaults(), Stderr: &log}
		if server {
			opts.Catalog = &memCatalog{}
		}
		eng := runtime.New(opts)
		execAll(t, eng, sinkSource(t))
		stmts, err := sql.Parse(`SELECT window_start, model, COUNT(*) AS n FROM TUMBLE(s, ts, INTERVAL '1' MINUTE) GROUP BY window_start, model`)
		require.NoError(t, err)
		// panicSink (server_test.go) panics on its first batch.
		res, err := eng.Exec(context.Background(), stmts[0], func(catalog.Schema) (operators.Operator, error) { return panicSink{}, nil })
		require.NoError(t, err)
		qerr := waitQuery(t, res.Query)
		require.ErrorContains(t, qerr, "panicked: boom")
		if server {
			require.Equal(t, "weir: query "+res.Query.ID+" failed: "+qerr.Error()+"\n", log.String())
		} else {
			require.Empty(t, log.String())
		}
		require.NoError(t, eng.Close())
	}
}

// rows_out counts the rows the sink delivered: not the window's rows that
// HAVING drops, and also the rows of a query without a window.
func TestRowsOutCountsDeliveredRows(t *testing.T) {
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	defer eng.Close()
	execAll(t, eng, sinkSource(t))
	// Three windows rows, of which one has COUNT(*) > 1.
	q, sink := startQuery(t, eng, `SELECT window_start, model, COUNT(*) AS n FROM TUMBLE(s, ts, INTERVAL '1' MINUTE)
	  GROUP BY window_start, model HAVING COUNT(*) > 1`)
	require.NoError(t, waitQuery(t, q))
	require.Len(t, sink.rows, 1)
	require.Equal(t, int64(1), q.Counters.RowsOut.Load())
	q, sink = startQuery(t, eng, `SELECT model, lat FROM s WHERE lat > 1`)
	require.NoError(t, waitQuery(t, q))
	require.Len(t, sink.rows, 3)
	require.Equal(t, int64(3), q.Counters.RowsOut.Load())
	rows := strings.Join(sink.rows, "\n")
	require.NotContains(t, rows, "| 1\n")
}

// The Postgres sink's rows count as delivered when committed.
func TestRowsOutCountsPostgresCommits(t *testing.T) {
	url := pgURL(t)
	table := fmt.Sprintf("weir_rows_out_%d", time.Now().UnixNano())
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	defer conn.Exec(ctx, "DROP TABLE IF EXISTS "+table)
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	defer eng.Close()
	res := execAll(t, eng, sinkSource(t)+fmt.Sprintf(`
CREATE SINK pg AS SELECT window_start, window_end, model, COUNT(*) AS n FROM TUMBLE(s, ts, INTERVAL '1' MINUTE)
  GROUP BY window_start, window_end, model WITH (connector = 'postgres', url = '%s', table = '%s');`, url, table))
	require.NoError(t, waitQuery(t, res[1].Query))
	var n int64
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n))
	require.Equal(t, int64(3), n)
	require.Equal(t, int64(3), res[1].Query.Counters.RowsOut.Load())
}
