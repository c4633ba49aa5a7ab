package kafka

import (
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/weirdb/weir/internal/kafkatest"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/kafka/retry"
)

// dlqMetadataFault answers the Metadata requests naming topic (not the
// transport's all-topics refresh) with LEADER_NOT_AVAILABLE, count times
// (-1: always), as a real cluster does while it creates the topic.
func dlqMetadataFault(c *kfake.Cluster, topic string, count int) *kfake.FaultHandle {
	return c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Metadata}, Topic: topic, Err: kerr.LeaderNotAvailable, Count: count,
		When: func(r kmsg.Request) bool { return r.(*kmsg.MetadataRequest).Topics != nil }})
}

// The first dead letters to a dead-letter topic being created fail on
// their metadata; they are retried in the background (DeadLetter does not
// wait) and arrive in order.
func TestDeadLetterTopicRetriesTopicBeingCreated(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(1))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	addr := c.ListenAddrs()[0]
	h := dlqMetadataFault(c, "dlq", 3)
	dlt := NewDeadLetterTopic([]string{addr}, "dlq", "llm-metrics")
	log := &lineSignal{wrote: make(chan struct{}, 1)}
	dlt.SetErrorLog(log)
	for off := int64(0); off < 3; off++ {
		dlt.DeadLetter(&operators.DeadLetter{Source: "metrics", Partition: 0, Offset: off, Reason: operators.ReasonMalformed, Payload: []byte{'a' + byte(off)}})
	}
	require.NoError(t, dlt.Close())
	require.Equal(t, 3, h.Hits())
	require.Equal(t, int64(3), dlt.Written())
	require.Zero(t, dlt.Failed())
	require.Empty(t, log.String())
	var got []string
	for _, m := range readTopic(t, addr, "dlq", 0, 3) {
		got = append(got, string(m.Value))
	}
	require.Equal(t, []string{"a", "b", "c"}, got)
}

// Dead letters still failing when the retry time has passed are counted,
// logged and returned by Err and Close: never dropped silently.
func TestDeadLetterTopicRetryGivesUp(t *testing.T) {
	c, addr := kafkatest.NewCluster(t, map[string]int32{"llm-metrics": 1})
	dlqMetadataFault(c, "dlq", -1)
	dlt := NewDeadLetterTopic([]string{addr}, "dlq", "llm-metrics")
	dlt.q = retry.NewQueue(dlt.w, retry.Policy{For: 100 * time.Millisecond, Min: 10 * time.Millisecond, Max: 20 * time.Millisecond}, dlt.completion)
	log := &lineSignal{wrote: make(chan struct{}, 1)}
	dlt.SetErrorLog(log)
	dlt.DeadLetter(&operators.DeadLetter{Source: "metrics", Partition: 0, Offset: 7, Reason: operators.ReasonMalformed, Payload: []byte("x")})
	select {
	case <-log.wrote:
	case <-time.After(testDeadline):
		t.Fatal("the lost dead letter was not logged")
	}
	require.Contains(t, log.String(), `weir: dead letters of topic "llm-metrics": writing 1 dead letter to topic "dlq": [5] Leader Not Available`)
	require.Contains(t, log.String(), "still failing after")
	require.ErrorIs(t, dlt.Err(), kafkago.LeaderNotAvailable)
	require.Equal(t, int64(1), dlt.Failed())
	require.Error(t, dlt.Close())
}
