// Package kafkatest holds the helpers weir's Kafka tests share: an
// in-process broker (kfake) seeded with topics, producing records to
// explicit partitions, and reading a consumer group's committed offsets.
// It is imported by tests only (operators/source/kafka, operators/sink/kafka,
// runtime); nothing on weir's data path uses it.
package kafkatest

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Deadline bounds every wait of these helpers.
const Deadline = 15 * time.Second

// NewCluster starts an in-process single-broker cluster on 127.0.0.1 with
// the given topics (name → partitions), plus opts, and returns it with its
// address. It is closed when the test ends (closing it earlier is fine).
func NewCluster(t testing.TB, topics map[string]int32, opts ...kfake.Opt) (*kfake.Cluster, string) {
	t.Helper()
	all := []kfake.Opt{kfake.NumBrokers(1)}
	names := make([]string, 0, len(topics))
	for name := range topics {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		all = append(all, kfake.SeedTopics(topics[name], name))
	}
	c, err := kfake.NewCluster(append(all, opts...)...)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c, c.ListenAddrs()[0]
}

// Record is one record to produce to an explicit partition.
type Record struct {
	Partition int32
	Value     string
	// Null produces a null value (a tombstone) instead of Value.
	Null bool
}

// Produce writes recs to topic in order, each to its partition, and waits
// for the broker's acknowledgements.
func Produce(t testing.TB, addr, topic string, recs []Record) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.DefaultProduceTopic(topic), kgo.ProducerLinger(0), kgo.ProducerBatchMaxBytes(1<<20))
	require.NoError(t, err)
	defer cl.Close()
	rs := make([]*kgo.Record, len(recs))
	for i, r := range recs {
		rs[i] = &kgo.Record{Partition: r.Partition, Value: []byte(r.Value)}
		if r.Null {
			rs[i].Value = nil
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), Deadline)
	defer cancel()
	require.NoError(t, cl.ProduceSync(ctx, rs...).FirstErr())
}

// ProduceLines writes each line as one record to partition of topic, in
// order.
func ProduceLines(t testing.TB, addr, topic string, partition int32, lines ...string) {
	t.Helper()
	recs := make([]Record, len(lines))
	for i, l := range lines {
		recs[i] = Record{Partition: partition, Value: l}
	}
	Produce(t, addr, topic, recs)
}

// CommittedOffsets returns the offsets group has committed for the
// partitions of topic (partition → next offset); an empty map when the
// group has committed none.
func CommittedOffsets(t testing.TB, addr, group, topic string) map[int32]int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	require.NoError(t, err)
	defer cl.Close()
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Group = group
	req.Topics = nil // every topic the group has offsets for
	ctx, cancel := context.WithTimeout(context.Background(), Deadline)
	defer cancel()
	resp, err := req.RequestWith(ctx, cl)
	require.NoError(t, err)
	out := map[int32]int64{}
	if kerr.ErrorForCode(resp.ErrorCode) == kerr.GroupIDNotFound {
		return out
	}
	require.NoError(t, kerr.ErrorForCode(resp.ErrorCode))
	for _, tp := range resp.Topics {
		if tp.Topic != topic {
			continue
		}
		for _, p := range tp.Partitions {
			if p.ErrorCode == 0 && p.Offset >= 0 {
				out[p.Partition] = p.Offset
			}
		}
	}
	return out
}

// WaitCommitted waits until group's committed offsets for topic are want,
// failing the test after Deadline. It returns how long it waited.
func WaitCommitted(t testing.TB, addr, group, topic string, want map[int32]int64) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := time.NewTimer(Deadline)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	var got map[int32]int64
	for {
		got = CommittedOffsets(t, addr, group, topic)
		if equal(got, want) {
			return time.Since(start)
		}
		select {
		case <-tick.C:
		case <-deadline.C:
			require.Equal(t, want, got, "group %s: offsets not committed within %s", group, Deadline)
			return time.Since(start)
		}
	}
}

func equal(a, b map[int32]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
