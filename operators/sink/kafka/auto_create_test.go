package kafka

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
)

// A sink whose topic does not exist creates it when the broker allows
// automatic topic creation (as weir dev-broker does), like Kafka's own
// producer.
func TestSinkCreatesMissingTopicWhenBrokerAllows(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(1))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	addr := c.ListenAddrs()[0]
	s := openSink(t, addr, "fresh")
	require.NoError(t, s.Process(resultBatch(result{start: 0, end: 300_000, model: "m", requests: 2, avg: 1.5}), nil))
	require.NoError(t, s.Close())
	got := readAll(t, addr, "fresh", 1)
	require.Len(t, got, 1)
}
