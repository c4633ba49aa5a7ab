package kafka

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/weirdb/weir/internal/kafkatest"
	"github.com/weirdb/weir/operators"
)

// lineSignal is an io.Writer that keeps what was written and signals each
// write.
type lineSignal struct {
	mu    sync.Mutex
	text  string
	wrote chan struct{}
}

func (w *lineSignal) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.text += string(p)
	w.mu.Unlock()
	select {
	case w.wrote <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (w *lineSignal) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.text
}

// A dead-letter write the broker refuses is logged at once and visible
// through Err while the writer is still open, not only at Close.
func TestDeadLetterTopicFailureReportedAtOnce(t *testing.T) {
	c, addr := kafkatest.NewCluster(t, map[string]int32{"llm-metrics": 1, "dlq": 1})
	c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Err: kerr.TopicAuthorizationFailed})
	dlt := NewDeadLetterTopic([]string{addr}, "dlq", "llm-metrics")
	log := &lineSignal{wrote: make(chan struct{}, 1)}
	dlt.SetErrorLog(log)
	dlt.DeadLetter(&operators.DeadLetter{Source: "metrics", Partition: 0, Offset: 3, Reason: operators.ReasonMalformed, Payload: []byte("x")})

	select {
	case <-log.wrote:
	case <-time.After(testDeadline):
		t.Fatal("the failed dead-letter write was not logged")
	}
	require.Contains(t, log.String(), `weir: dead letters of topic "llm-metrics": writing 1 dead letter to topic "dlq"`)
	require.Contains(t, log.String(), "(1 dead letter lost so far)")
	require.ErrorContains(t, dlt.Err(), `topic "dlq"`)
	require.Equal(t, int64(1), dlt.Failed())
	require.Error(t, dlt.Close())
}

// The dead-letter writer creates a missing topic when the broker allows it.
func TestDeadLetterTopicCreatedWhenBrokerAllows(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(1),
		kfake.SeedTopics(1, "llm-metrics"))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	addr := c.ListenAddrs()[0]
	dlt := NewDeadLetterTopic([]string{addr}, "new-dlq", "llm-metrics")
	dlt.DeadLetter(&operators.DeadLetter{Source: "metrics", Partition: 0, Offset: 3, Reason: operators.ReasonMalformed, Payload: []byte("x")})
	require.NoError(t, dlt.Close())
	require.Equal(t, int64(1), dlt.Written())
	require.Equal(t, "x", string(readTopic(t, addr, "new-dlq", 0, 1)[0].Value))
}

// The failure lines count dead letters in English: "1 dead letter",
// "2 dead letters".
func TestCountDeadLetters(t *testing.T) {
	require.Equal(t, "1 dead letter", countDeadLetters(1))
	require.Equal(t, "2 dead letters", countDeadLetters(2))
	require.Equal(t, "0 dead letters", countDeadLetters(0))
}
