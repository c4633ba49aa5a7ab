package kafka

import (
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/weirdb/weir/internal/kafkatest"
)

// produceTxn writes recs to partition 0 of topic in one transaction and
// commits it, or aborts it when commit is false.
func produceTxn(t *testing.T, cl *kgo.Client, topic string, values []string, commit bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	require.NoError(t, cl.BeginTransaction())
	for _, v := range values {
		require.NoError(t, cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Partition: 0, Value: []byte(v)}).FirstErr())
	}
	require.NoError(t, cl.EndTransaction(ctx, kgo.TransactionEndTry(commit)))
}

// A transactional topic: one committed transaction of two events (offsets
// 0, 1; its commit marker at 2), one aborted transaction of two events
// (offsets 3, 4; abort marker at 5) and one plain event (offset 6). Read
// committed returns the three committed events only; the markers are
// neither rows nor dead letters, and the bounded read ends with the
// partition's next offset past everything (7).
func TestTransactionalTopicReadCommitted(t *testing.T) {
	_, addr := kafkatest.NewCluster(t, map[string]int32{"tx": 1})
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.TransactionalID("weir-test"),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0))
	require.NoError(t, err)
	defer cl.Close()
	produceTxn(t, cl, "tx", []string{event(baseTs, "gpt-4", 1), event(baseTs+1, "gpt-4", 2)}, true)
	produceTxn(t, cl, "tx", []string{event(baseTs+2, "gpt-4", 3), event(baseTs+3, "gpt-4", 4)}, false)
	kafkatest.Produce(t, addr, "tx", []kafkatest.Record{{Partition: 0, Value: event(baseTs+4, "gpt-4", 5)}})

	dl := &deadLetters{}
	s := openSource(t, sourceDef(addr, "tx", "bounded", "latest"), dl, nil)
	rows, ended, err := readUntil(t, s, never)
	require.ErrorIs(t, err, io.EOF)
	require.Equal(t, []int32{0}, ended)
	var got []string
	for _, r := range rows {
		got = append(got, r.String())
	}
	require.Equal(t, []string{
		"p0@0 ts=1700000000000 gpt-4 1",
		"p0@1 ts=1700000000001 gpt-4 2",
		"p0@6 ts=1700000000004 gpt-4 5",
	}, got)
	require.Empty(t, dl.all())

	// The checkpoint is past the last marker and record.
	var snap bytesBuffer
	require.NoError(t, s.Snapshot(&snap))
	s2, err := NewSource(sourceDef(addr, "tx"))
	require.NoError(t, err)
	require.NoError(t, s2.Restore(bytesReader(snap.b)))
	require.Equal(t, map[int32]int64{0: 7}, s2.restored)
}

// A bounded read whose last offset is a commit marker still ends, and the
// checkpoint does not stall before the marker.
func TestTransactionalTopicEndsOnMarker(t *testing.T) {
	_, addr := kafkatest.NewCluster(t, map[string]int32{"tx": 1})
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.TransactionalID("weir-test-2"),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0))
	require.NoError(t, err)
	defer cl.Close()
	produceTxn(t, cl, "tx", []string{event(baseTs, "claude", 1)}, true)

	dl := &deadLetters{}
	s := openSource(t, sourceDef(addr, "tx", "bounded", "latest"), dl, nil)
	rows, _, err := readUntil(t, s, never)
	require.ErrorIs(t, err, io.EOF)
	require.Len(t, rows, 1)
	require.Equal(t, int64(0), rows[0].offset)
	require.Empty(t, dl.all())
	var snap bytesBuffer
	require.NoError(t, s.Snapshot(&snap))
	s2, err := NewSource(sourceDef(addr, "tx"))
	require.NoError(t, err)
	require.NoError(t, s2.Restore(bytesReader(snap.b)))
	require.Equal(t, map[int32]int64{0: 2}, s2.restored)
}

// A transaction still open at Open: a bounded read ends at the last stable
// offset (before the open transaction) instead of waiting for it.
func TestTransactionalBoundedEndsAtLastStableOffset(t *testing.T) {
	_, addr := kafkatest.NewCluster(t, map[string]int32{"tx": 1})
	kafkatest.Produce(t, addr, "tx", []kafkatest.Record{{Partition: 0, Value: event(baseTs, "llama", 1)}})
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.TransactionalID("weir-test-3"),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0))
	require.NoError(t, err)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	require.NoError(t, cl.BeginTransaction())
	require.NoError(t, cl.ProduceSync(ctx, &kgo.Record{Topic: "tx", Partition: 0, Value: []byte(event(baseTs+1, "llama", 2))}).FirstErr())

	s := openSource(t, sourceDef(addr, "tx", "bounded", "latest"), nil, nil)
	rows, _, err := readUntil(t, s, never)
	require.ErrorIs(t, err, io.EOF)
	require.Len(t, rows, 1)
	require.Equal(t, int64(1), rows[0].latency)
	require.NoError(t, cl.EndTransaction(ctx, kgo.TryAbort))
}
