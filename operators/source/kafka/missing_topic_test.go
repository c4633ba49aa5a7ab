package kafka

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/weirdb/weir/operators"
)

// TestMissingTopicIsNotCreated: a source on a topic that does not exist
// fails at Open with an error naming the topic, even on a broker that
// creates topics on demand (Kafka's default auto.create.topics.enable, and
// weir dev-broker), and the topic is still missing afterwards.
func TestMissingTopicIsNotCreated(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(3),
		kfake.SeedTopics(1, "present"))
	require.NoError(t, err)
	defer c.Close()
	addr := c.ListenAddrs()[0]

	s, err := New(sourceDef(addr, "missing1", "bounded", "latest"))
	require.NoError(t, err)
	err = s.Open(&operators.Context{Ctx: context.Background()})
	require.EqualError(t, err, `source metrics: topic "missing1" does not exist on `+addr+` (a source does not create its topic)`)
	require.NoError(t, s.Close())
	require.False(t, topicExists(t, addr, "missing1"), "Open created the topic")

	// The topic that exists opens.
	s, err = New(sourceDef(addr, "present"))
	require.NoError(t, err)
	require.NoError(t, s.Open(&operators.Context{Ctx: context.Background()}))
	require.Equal(t, []int32{0}, s.(*Source).Partitions())
	require.NoError(t, s.Close())
}

// TestUnreachableBrokerFailsOpen: no broker answers → an error naming the
// brokers, within the dial timeout.
func TestUnreachableBrokerFailsOpen(t *testing.T) {
	s, err := New(sourceDef("127.0.0.1:1", "t"))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	start := time.Now()
	err = s.Open(&operators.Context{Ctx: ctx})
	require.ErrorContains(t, err, "cannot reach any broker of [127.0.0.1:1]")
	require.Less(t, time.Since(start), testDeadline)
	require.NoError(t, s.Close())
}

// topicExists asks the broker with a metadata request that does not create
// topics.
func topicExists(t *testing.T, addr, topic string) bool {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	require.NoError(t, err)
	defer cl.Close()
	req := kmsg.NewPtrMetadataRequest()
	req.AllowAutoTopicCreation = false
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	resp, err := req.RequestWith(ctx, cl)
	require.NoError(t, err)
	require.Len(t, resp.Topics, 1)
	return kerr.ErrorForCode(resp.Topics[0].ErrorCode) == nil
}
