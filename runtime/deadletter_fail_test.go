package runtime_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/weirdb/weir/internal/kafkatest"
	"github.com/weirdb/weir/runtime"
)

// A dead letter that cannot be written to the source's dead_letter_path
// (a full disk: /dev/full) fails the query reading the source, naming the
// source and the file, as Flink fails a job whose side output cannot be
// written: dead letters are never lost silently (SEMANTICS.md §7).
const fullDiskErr = "source d: writing dead letters to /dev/full: no space left on device"

func needDevFull(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full to fail dead-letter writes with")
	}
}

// TestDeadLetterFileFullFailsQuery: the query fails at the malformed line
// (SHOW QUERIES says why), and the engine's Close does not report the same
// loss a second time.
func TestDeadLetterFileFullFailsQuery(t *testing.T) {
	needDevFull(t)
	data := filepath.Join(t.TempDir(), "d.jsonl")
	require.NoError(t, os.WriteFile(data, []byte(`{"ts":"2026-11-09T10:00:00Z","v":1}
not json
{"ts":"2026-11-09T10:00:02Z","v":3}
`), 0o644))
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	execStmts(t, eng, fmt.Sprintf(`CREATE SOURCE d (ts TIMESTAMP, v BIGINT)
  WITH (connector = 'file', path = '%s', dead_letter_path = '/dev/full');`, data))
	q, _ := startQuery(t, eng, "SELECT ts, v FROM d")
	require.EqualError(t, waitQuery(t, q), fullDiskErr)
	require.Equal(t, "failed: "+fullDiskErr, q.State())
	require.Equal(t, []string{"q1 failed: " + fullDiskErr}, listedQueries(t, eng))
	require.NoError(t, eng.Close())
}

// TestDeadLetterFileFullAtEndOfInput: the last line of a bounded file is
// too late for its window, so its dead letter is written by the window
// operator after the source has read its last line: the query still fails
// instead of finishing.
func TestDeadLetterFileFullAtEndOfInput(t *testing.T) {
	needDevFull(t)
	// Line 2 moves W to 10:05, closing [10:00, 10:01); line 3 (10:00:30)
	// is too late for it.
	data := filepath.Join(t.TempDir(), "d.jsonl")
	require.NoError(t, os.WriteFile(data, []byte(`{"ts":"2026-11-09T10:00:00Z","v":1}
{"ts":"2026-11-09T10:05:00Z","v":2}
{"ts":"2026-11-09T10:00:30Z","v":3}
`), 0o644))
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	defer eng.Close()
	execStmts(t, eng, fmt.Sprintf(`CREATE SOURCE d (ts TIMESTAMP, v BIGINT, WATERMARK FOR ts AS ts)
  WITH (connector = 'file', path = '%s', dead_letter_path = '/dev/full');`, data))
	q, _ := startQuery(t, eng, `SELECT window_start, COUNT(*) AS n FROM TUMBLE(d, ts, INTERVAL '1' MINUTE) GROUP BY window_start`)
	require.EqualError(t, waitQuery(t, q), fullDiskErr)
}

// TestDeadLetterFileFullFailsEveryReader: two queries tail one source; the
// windowed one dead-letters a too-late event and cannot write it. Both
// fail — the projection has no dead letter of its own, but the source's
// destination is broken — and a query started after the loss is not
// failed by it.
func TestDeadLetterFileFullFailsEveryReader(t *testing.T) {
	needDevFull(t)
	data := filepath.Join(t.TempDir(), "d.jsonl")
	appendLines(t, data, `{"ts":"2026-11-09T10:00:00Z","v":1}`, `{"ts":"2026-11-09T10:05:00Z","v":2}`)
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	defer eng.Close()
	execStmts(t, eng, fmt.Sprintf(`CREATE SOURCE d (ts TIMESTAMP, v BIGINT, WATERMARK FOR ts AS ts)
  WITH (connector = 'file', path = '%s', follow = 'true', dead_letter_path = '/dev/full');`, data))
	windowed, wrows := startQuery(t, eng, `SELECT window_start, COUNT(*) AS n FROM TUMBLE(d, ts, INTERVAL '1' MINUTE) GROUP BY window_start`)
	plain, prows := startQuery(t, eng, "SELECT v FROM d")
	// Both have read the two lines: 10:05 closed [10:00, 10:01).
	waitFor(t, "the first window and both rows", func() bool {
		return wrows.count() == 1 && prows.count() == 2
	})

	appendLines(t, data, `{"ts":"2026-11-09T10:00:30Z","v":3}`) // too late for [10:00, 10:01)
	require.EqualError(t, waitQuery(t, windowed), fullDiskErr)
	require.EqualError(t, waitQuery(t, plain), fullDiskErr)

	// A projection started now reads all three lines, none of which is a
	// dead letter for it: the loss before it started does not fail it.
	later, lrows := startQuery(t, eng, "SELECT v FROM d")
	waitFor(t, "the three rows", func() bool { return lrows.count() == 3 })
	require.Equal(t, "running", later.State())
	require.Equal(t, []string{"q1 failed: " + fullDiskErr, "q2 failed: " + fullDiskErr, "q3 running"}, listedQueries(t, eng))
}

// TestDeadLetterTopicRefusedFailsQuery: a dead-letter topic that refuses
// the write (not retried: an authorization error) fails the query reading
// the Kafka source, naming the source and the topic.
func TestDeadLetterTopicRefusedFailsQuery(t *testing.T) {
	cluster, addr := newKafkaCluster(t, map[string]int32{"raw": 1, "dlq": 1})
	defer cluster.Close()
	cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: "dlq", Err: kerr.TopicAuthorizationFailed, Count: -1})
	kafkatest.ProduceLines(t, addr, "raw", 0, `{"ts":"2026-11-09T10:00:10Z","model":"a"}`, "not json")
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	defer eng.Close()
	execStmts(t, eng, fmt.Sprintf(`CREATE SOURCE raw (ts TIMESTAMP, model VARCHAR)
	WITH (connector = 'kafka', topic = 'raw', brokers = '%s', dead_letter_topic = 'dlq')`, addr))
	q, _ := startQuery(t, eng, "SELECT model FROM raw")
	require.EqualError(t, waitQuery(t, q), `source raw: writing 1 dead letter to topic "dlq": `+
		`[29] Topic Authorization Failed: the client is not authorized to access the requested topic: TOPIC_AUTHORIZATION_FAILED`)
}

// TestLostDeadLetterNeverSilent: a bounded Kafka source may reach its end
// before the dead-letter topic answers; the loss is then reported by the
// engine's Close, at the end of the run, instead of failing the query —
// one or the other, never neither and never both.
func TestLostDeadLetterNeverSilent(t *testing.T) {
	cluster, addr := newKafkaCluster(t, map[string]int32{"raw": 1, "dlq": 1})
	defer cluster.Close()
	cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: "dlq", Err: kerr.TopicAuthorizationFailed, Count: -1})
	kafkatest.ProduceLines(t, addr, "raw", 0, "not json", `{"ts":"2026-11-09T10:00:10Z","model":"a"}`)
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	execStmts(t, eng, fmt.Sprintf(`CREATE SOURCE raw (ts TIMESTAMP, model VARCHAR)
	WITH (connector = 'kafka', topic = 'raw', brokers = '%s', bounded = 'latest', dead_letter_topic = 'dlq')`, addr))
	q, _ := startQuery(t, eng, "SELECT model FROM raw")
	qerr := waitQuery(t, q)
	cerr := eng.Close()
	const why = `source raw: writing 1 dead letter to topic "dlq": ` +
		`[29] Topic Authorization Failed: the client is not authorized to access the requested topic: TOPIC_AUTHORIZATION_FAILED`
	if qerr != nil {
		require.EqualError(t, qerr, why)
		require.NoError(t, cerr)
		return
	}
	require.EqualError(t, cerr, why+" (1 dead letter lost)")
}
