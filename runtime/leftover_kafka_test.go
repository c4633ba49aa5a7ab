package runtime_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/internal/kafkatest"
	"github.com/weirdb/weir/runtime"
)

// TestLeftoverDropSourceFlushesDeadLetterTopic: DROP SOURCE closes the
// Kafka source's dead-letter topic writer, which first delivers what it
// had queued; a source created again under the name with another
// dead_letter_topic sends its dead letters there, none to the old topic.
func TestLeftoverDropSourceFlushesDeadLetterTopic(t *testing.T) {
	cluster, addr := newKafkaCluster(t, map[string]int32{"raw": 1, "dlq1": 1, "dlq2": 1})
	defer cluster.Close()
	kafkatest.ProduceLines(t, addr, "raw", 0, `{"ts":"2026-11-09T10:00:10Z","model":"a"}`, "not json")
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
	defer eng.Close()
	source := func(dlq string) string {
		return fmt.Sprintf(`CREATE SOURCE raw (ts TIMESTAMP, model VARCHAR)
		WITH (connector = 'kafka', topic = 'raw', brokers = '%s', bounded = 'latest', dead_letter_topic = '%s')`, addr, dlq)
	}
	deadLetters := func(topic string) []string {
		var out []string
		for _, m := range readBack(t, addr, topic, 1) {
			out = append(out, string(m.Value))
		}
		return out
	}

	execAll(t, eng, source("dlq1"))
	require.Equal(t, "row | a\n", runQuery(t, eng, "SELECT model FROM raw", false))
	execAll(t, eng, "DROP SOURCE raw")
	require.Equal(t, []string{"not json"}, deadLetters("dlq1"), "delivered by the drop, before the engine closes")

	execAll(t, eng, source("dlq2"))
	require.Equal(t, "row | a\n", runQuery(t, eng, "SELECT model FROM raw", false))
	execAll(t, eng, "DROP SOURCE raw")
	require.Equal(t, []string{"not json"}, deadLetters("dlq2"))
	require.Equal(t, []string{"not json"}, deadLetters("dlq1"), "the old topic gets nothing more")
}
