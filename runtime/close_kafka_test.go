package runtime_test

import (
	"fmt"
	"path/filepath"
	goruntime "runtime"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/weirdb/weir/runtime"
)

// A Kafka sink dropped while its query runs has closed its producer: no
// goroutine of its writer or of its connections to the broker is left.
func TestCloseKafkaSinkOnDrop(t *testing.T) {
	cluster, addr := newKafkaCluster(t, map[string]int32{"results": 2})
	defer cluster.Close()
	before := goleak.IgnoreCurrent() // the broker's own goroutines
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	// As in TestClosePostgresSinkConnections: the followed file's events
	// close the 9 windows [09:59:59, 10:00:00) ... [10:00:07, 10:00:08) of
	// the 5 models, then the sink sits idle.
	path := filepath.Join(t.TempDir(), "m.jsonl")
	writeMetricsFile(t, path, 1000)
	res := execAll(t, eng, fmt.Sprintf(`CREATE SOURCE m (ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'file', path = '%s', follow = 'true');
CREATE SINK k AS SELECT window_start, window_end, model, COUNT(*) AS n FROM TUMBLE(m, ts, INTERVAL '1' SECOND)
  GROUP BY window_start, window_end, model WITH (connector = 'kafka', topic = 'results', brokers = '%s');`, path, addr))
	q := res[1].Query
	waitFor(t, "the sink's rows to be acknowledged", func() bool { return q.Counters.RowsOut.Load() == 9*5 })
	execAll(t, eng, "DROP SINK k;")
	require.Equal(t, "cancelled", q.State())
	require.NoError(t, eng.Close())
	goleak.VerifyNone(t, before)
	// The sink stays reachable while goleak looks: a producer that only
	// the garbage collector would release does not count as closed.
	goruntime.KeepAlive(q)
}
