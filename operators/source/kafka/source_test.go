package kafka

import (
	"context"
	"errors"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/weirdb/weir/internal/kafkatest"
	"github.com/weirdb/weir/operators"
)

const baseTs = int64(1_700_000_000_000)

// models are the group keys; each lives in one partition, as a keyed
// producer would put it.
var models = []string{"gpt-4", "claude", "llama"}

// keyedEvents returns n events; event i has model models[i%3] (and goes to
// partition i%3), ts = baseTs + 100·i and latency i.
func keyedEvents(n int) []kafkatest.Record {
	out := make([]kafkatest.Record, n)
	for i := range n {
		out[i] = kafkatest.Record{Partition: int32(i % 3), Value: event(baseTs+100*int64(i), models[i%3], int64(i))}
	}
	return out
}

// checkKeyedRows checks rows against keyedEvents(n): every event exactly
// once, in its model's partition, at its offset (i/3 within the partition),
// and per partition in offset order.
func checkKeyedRows(t *testing.T, rows []row, n int, firstOffset int64) {
	t.Helper()
	require.Len(t, rows, n)
	lastOff := map[int32]int64{0: firstOffset - 1, 1: firstOffset - 1, 2: firstOffset - 1}
	seen := make([]bool, n)
	for _, r := range rows {
		i := int(r.latency)
		require.False(t, seen[i], "event %d twice", i)
		seen[i] = true
		require.Equal(t, int32(i%3), r.partition, "%v", r)
		require.Equal(t, models[i%3], r.model, "%v", r)
		require.Equal(t, baseTs+100*int64(i), r.ts, "%v", r)
		require.Equal(t, firstOffset+int64(i/3), r.offset, "%v", r)
		require.Equal(t, lastOff[r.partition]+1, r.offset, "partition %d out of order", r.partition)
		lastOff[r.partition] = r.offset
	}
}

func TestBoundedThreePartitionsKeyedByModel(t *testing.T) {
	_, addr := kafkatest.NewCluster(t, map[string]int32{"llm-metrics": 3})
	const n = 6000 // 2000 per partition: more than one batch each
	kafkatest.Produce(t, addr, "llm-metrics", keyedEvents(n))
	// Two malformed events at the end of partition 1 (offsets 2000, 2001).
	kafkatest.Produce(t, addr, "llm-metrics", []kafkatest.Record{{Partition: 1, Value: `{"ts":"yesterday","model":"claude"}`}, {Partition: 1, Value: `not json`}})

	dl := &deadLetters{}
	s := openSource(t, sourceDef(addr, "llm-metrics", "bounded", "latest"), dl, nil)
	require.Equal(t, []int32{0, 1, 2}, s.Partitions())

	rows, ended, err := readUntil(t, s, never)
	require.ErrorIs(t, err, io.EOF)
	checkKeyedRows(t, rows, n, 0)
	sort.Slice(ended, func(i, j int) bool { return ended[i] < ended[j] })
	require.Equal(t, []int32{0, 1, 2}, ended)

	got := dl.all()
	require.Len(t, got, 2)
	for i, d := range got {
		require.Equal(t, "metrics", d.Source)
		require.Equal(t, int32(1), d.Partition)
		require.Equal(t, int64(2000+i), d.Offset)
		require.Equal(t, operators.ReasonMalformed, d.Reason)
		require.NotEmpty(t, d.Detail)
	}
	require.Equal(t, `{"ts":"yesterday","model":"claude"}`, string(got[0].Payload))
	require.Equal(t, `not json`, string(got[1].Payload))

	// Bounded and drained: further reads keep returning io.EOF.
	require.ErrorIs(t, s.Read(context.Background(), newBatch()), io.EOF)
}

func TestBoundedEmptyTopicEndsAtOnce(t *testing.T) {
	_, addr := kafkatest.NewCluster(t, map[string]int32{"empty": 2})
	s := openSource(t, sourceDef(addr, "empty", "bounded", "latest"), nil, nil)
	rows, ended, err := readUntil(t, s, never)
	require.ErrorIs(t, err, io.EOF)
	require.Empty(t, rows)
	require.ElementsMatch(t, []int32{0, 1}, ended)
}

func TestStartLatestSkipsExistingRecords(t *testing.T) {
	_, addr := kafkatest.NewCluster(t, map[string]int32{"t": 3})
	kafkatest.Produce(t, addr, "t", keyedEvents(30))
	s := openSource(t, sourceDef(addr, "t", "start_offset", "latest"), nil, nil)
	// Produced after Open: these, and only these, are read.
	more := keyedEvents(60)[30:]
	kafkatest.Produce(t, addr, "t", more)
	rows, _, err := readUntil(t, s, func(r []row) bool { return len(r) >= 30 })
	require.NoError(t, err)
	require.Len(t, rows, 30)
	for _, r := range rows {
		require.GreaterOrEqual(t, r.latency, int64(30))
		require.Equal(t, int64(r.latency/3), r.offset)
	}
}

func TestRestoreFromSnapshot(t *testing.T) {
	_, addr := kafkatest.NewCluster(t, map[string]int32{"llm-metrics": 3})
	kafkatest.Produce(t, addr, "llm-metrics", keyedEvents(30)) // offsets 0..9 in each partition

	s1 := openSource(t, sourceDef(addr, "llm-metrics", "bounded", "latest"), nil, nil)
	rows, _, err := readUntil(t, s1, never)
	require.ErrorIs(t, err, io.EOF)
	checkKeyedRows(t, rows, 30, 0)
	var snap bytesBuffer
	require.NoError(t, s1.Snapshot(&snap))
	require.NoError(t, s1.Close())

	// 15 more events: 5 per partition at offsets 10..14.
	all := keyedEvents(45)
	kafkatest.Produce(t, addr, "llm-metrics", all[30:])

	s2 := openSource(t, sourceDef(addr, "llm-metrics", "bounded", "latest"), nil, snap.b)
	rows, _, err = readUntil(t, s2, never)
	require.ErrorIs(t, err, io.EOF)
	require.Len(t, rows, 15)
	for _, r := range rows {
		i := int(r.latency)
		require.GreaterOrEqual(t, i, 30)
		require.Equal(t, int32(i%3), r.partition)
		require.Equal(t, int64(i/3), r.offset)
	}

	// Restore also works after Open, before the first Read.
	s3, err := NewSource(sourceDef(addr, "llm-metrics", "bounded", "latest"))
	require.NoError(t, err)
	defer s3.Close()
	require.NoError(t, s3.Open(&operators.Context{Ctx: context.Background()}))
	require.NoError(t, s3.Restore(bytesReader(snap.b)))
	rows, _, err = readUntil(t, s3, never)
	require.ErrorIs(t, err, io.EOF)
	require.Len(t, rows, 15)

	// A snapshot of another topic is refused.
	other, err := NewSource(sourceDef(addr, "other", "bounded", "latest"))
	require.NoError(t, err)
	require.EqualError(t, other.Restore(bytesReader(snap.b)),
		`source metrics: the checkpoint holds offsets of topic "llm-metrics", but the source reads topic "other"`)
	require.Error(t, other.Restore(bytesReader([]byte("junk"))))
	require.Error(t, other.Restore(bytesReader(snap.b[:len(snap.b)-1])))
}

func TestOffsetOutOfRangeIsAnError(t *testing.T) {
	_, addr := kafkatest.NewCluster(t, map[string]int32{"short": 1})
	recs := make([]kafkatest.Record, 10)
	for i := range recs {
		recs[i] = kafkatest.Record{Partition: 0, Value: event(baseTs+int64(i), "m", int64(i))}
	}
	kafkatest.Produce(t, addr, "short", recs)

	// A checkpoint taken when the partition started at offset 0 ...
	s1 := openSource(t, sourceDef(addr, "short"), nil, nil)
	var snap bytesBuffer
	require.NoError(t, s1.Snapshot(&snap))
	require.NoError(t, s1.Close())

	// ... and retention deleting offsets 0..4 since.
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	require.NoError(t, err)
	defer cl.Close()
	req := kmsg.NewPtrDeleteRecordsRequest()
	req.Topics = []kmsg.DeleteRecordsRequestTopic{{Topic: "short", Partitions: []kmsg.DeleteRecordsRequestTopicPartition{{Partition: 0, Offset: 5}}}}
	resp, err := req.RequestWith(context.Background(), cl)
	require.NoError(t, err)
	require.NoError(t, kerr.ErrorForCode(resp.Topics[0].Partitions[0].ErrorCode))

	s2 := openSource(t, sourceDef(addr, "short"), nil, snap.b)
	_, _, err = readUntil(t, s2, never)
	var oor *OffsetOutOfRangeError
	require.ErrorAs(t, err, &oor)
	require.Equal(t, OffsetOutOfRangeError{Topic: "short", Partition: 0, Offset: 0, Earliest: 5, Latest: 10}, *oor)
	require.ErrorContains(t, err, `partition 0: offset 0 is out of range`)
}

func TestIdlePartitionReturnsEmptyBatches(t *testing.T) {
	_, addr := kafkatest.NewCluster(t, map[string]int32{"t": 3})
	// Partition 2 gets nothing.
	recs := keyedEvents(30)
	var busy []kafkatest.Record
	for _, r := range recs {
		if r.Partition != 2 {
			busy = append(busy, r)
		}
	}
	kafkatest.Produce(t, addr, "t", busy)
	s := openSource(t, sourceDef(addr, "t"), nil, nil)
	require.Equal(t, []int32{0, 1, 2}, s.Partitions())
	rows, _, err := readUntil(t, s, func(r []row) bool { return len(r) >= 20 })
	require.NoError(t, err)
	require.Len(t, rows, 20)
	// Nothing more arrives: Read returns an empty batch after the poll
	// interval rather than blocking, so the runtime can detect idleness.
	b := newBatch()
	for range 3 {
		require.NoError(t, s.Read(context.Background(), b))
		require.Equal(t, 0, b.Len)
	}
	// A cancelled context ends a Read at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, s.Read(ctx, b), context.Canceled)
}

func TestFetchFaultsLoseNothing(t *testing.T) {
	c, addr := kafkatest.NewCluster(t, map[string]int32{"llm-metrics": 3})
	const n = 3000
	kafkatest.Produce(t, addr, "llm-metrics", keyedEvents(n))

	// The first fetch has its connection dropped by the broker; the next
	// two fail with a retriable error code (leadership moving).
	dropped := 0
	c.ControlKey(int16(kmsg.Fetch), func(kmsg.Request) (kmsg.Response, error, bool) {
		dropped++
		return nil, errors.New("injected: connection dropped"), true
	})
	h := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Fetch}, Err: kerr.NotLeaderForPartition, Count: 2})

	s := openSource(t, sourceDef(addr, "llm-metrics", "bounded", "latest"), nil, nil)
	rows, _, err := readUntil(t, s, never)
	require.ErrorIs(t, err, io.EOF)
	checkKeyedRows(t, rows, n, 0)
	require.Equal(t, 2, h.Hits())
	require.Equal(t, 1, dropped)
}

func TestOptionErrors(t *testing.T) {
	// Errors name the source and the option, without a package prefix.
	for _, tc := range []struct {
		opts []string
		err  string
	}{
		{[]string{"start_offset", "middle"}, `source metrics: option start_offset must be 'earliest' or 'latest', got "middle"`},
		{[]string{"bounded", "forever"}, `source metrics: option bounded must be 'latest', got "forever"`},
		{[]string{"format", "avro"}, `source metrics: option format = "avro" is not supported: expected 'json'`},
		{[]string{"idle_timeout", "soon"}, `source metrics: option idle_timeout: `},
		{[]string{"idle_advance", "maybe"}, "source metrics: option idle_advance = 'maybe': expected true or false"},
		{[]string{"commit_interval", "often"}, `source metrics: option commit_interval: `},
		{[]string{"commit_interval", "0s"}, `source metrics: option commit_interval = "0s": expected a positive interval such as '5s'`},
		{[]string{"topic", ""}, "source metrics: option 'topic' is required"},
		{[]string{"brokers", " , "}, "source metrics: option 'brokers' is required"},
	} {
		_, err := New(sourceDef("127.0.0.1:1", "t", tc.opts...))
		require.Error(t, err, "%v", tc.opts)
		require.True(t, strings.HasPrefix(err.Error(), tc.err), "%v: got %q, want %q…", tc.opts, err, tc.err)
	}
	s, err := NewSource(sourceDef("a:1, b:2", "t", "idle_timeout", "5 minutes", "idle_advance", "true",
		"group_id", "g", "dead_letter_topic", "dlq", "bounded", "latest"))
	require.NoError(t, err)
	require.Equal(t, Options{Topic: "t", Brokers: []string{"a:1", "b:2"}, GroupID: "g", Bounded: true,
		IdleTimeout: 5 * 60e9, IdleAdvance: true, DeadLetterTopic: "dlq", CommitInterval: 5 * time.Second}, s.Options())
	s, err = NewSource(sourceDef("a:1", "t", "commit_interval", "250ms"))
	require.NoError(t, err)
	require.Equal(t, 250*time.Millisecond, s.Options().CommitInterval)

	// Options every source accepts (the planner validates them) pass, and
	// so does any option the planner let through: it is the validator.
	_, err = NewSource(sourceDef("a:1", "t", "max_future_skew", "1 hour", "connector", "kafka", "format", "JSON", "colour", "red"))
	require.NoError(t, err)

	def := sourceDef("127.0.0.1:1", "t")
	def.Watermark.Column = "nope"
	_, err = New(def)
	require.EqualError(t, err, `source metrics: watermark column "nope" is not one of its columns`)
}

func TestUnknownTopicAndUnreachableBroker(t *testing.T) {
	_, addr := kafkatest.NewCluster(t, map[string]int32{"t": 1})
	s, err := New(sourceDef(addr, "missing"))
	require.NoError(t, err)
	require.ErrorContains(t, s.Open(&operators.Context{Ctx: context.Background()}), `topic "missing"`)
	require.NoError(t, s.Close())
}

func TestCommitSnapshotToGroup(t *testing.T) {
	_, addr := kafkatest.NewCluster(t, map[string]int32{"llm-metrics": 3})
	kafkatest.Produce(t, addr, "llm-metrics", keyedEvents(30))
	s := openSource(t, sourceDef(addr, "llm-metrics", "bounded", "latest", "group_id", "weir-monitor"), nil, nil)
	_, _, err := readUntil(t, s, never)
	require.ErrorIs(t, err, io.EOF)
	// Before any snapshot there is nothing to commit.
	require.NoError(t, s.CommitSnapshot(context.Background()))
	var snap bytesBuffer
	require.NoError(t, s.Snapshot(&snap))
	require.NoError(t, s.CommitSnapshot(context.Background()))
	// The commit is made in the background (committer.go).
	kafkatest.WaitCommitted(t, addr, "weir-monitor", "llm-metrics", map[int32]int64{0: 10, 1: 10, 2: 10})

	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	require.NoError(t, err)
	defer cl.Close()
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Group = "weir-monitor"
	req.Topics = []kmsg.OffsetFetchRequestTopic{{Topic: "llm-metrics", Partitions: []int32{0, 1, 2}}}
	resp, err := req.RequestWith(context.Background(), cl)
	require.NoError(t, err)
	require.NoError(t, kerr.ErrorForCode(resp.ErrorCode))
	got := map[int32]int64{}
	for _, tp := range resp.Topics {
		for _, p := range tp.Partitions {
			require.NoError(t, kerr.ErrorForCode(p.ErrorCode))
			got[p.Partition] = p.Offset
		}
	}
	require.Equal(t, map[int32]int64{0: 10, 1: 10, 2: 10}, got)
}

func TestDeadLetterTopicHeaders(t *testing.T) {
	_, addr := kafkatest.NewCluster(t, map[string]int32{"llm-metrics": 3, "llm-metrics-dlq": 1})
	def := sourceDef(addr, "llm-metrics", "dead_letter_topic", "llm-metrics-dlq")
	dlt, err := DeadLetterSinkFor(def)
	require.NoError(t, err)
	require.NotNil(t, dlt)
	payload := []byte(`{"ts":"yesterday"}`)
	dlt.DeadLetter(&operators.DeadLetter{Source: "metrics", Partition: 2, Offset: 41, Reason: operators.ReasonMalformed,
		Detail: `column "ts": expected TIMESTAMP`, Payload: payload})
	payload[0] = 'X' // the sink copied it
	dlt.DeadLetter(&operators.DeadLetter{Query: "q2", Source: "metrics", Partition: 0, Offset: 7, Reason: operators.ReasonTooLate,
		Detail: "window [0, 300000) closed", Payload: []byte(`{"ts":1}`)})
	require.NoError(t, dlt.Close())
	require.Equal(t, int64(2), dlt.Written())
	require.Equal(t, int64(0), dlt.Failed())

	msgs := readTopic(t, addr, "llm-metrics-dlq", 0, 2)
	type dlq struct {
		value   string
		headers map[string]string
	}
	var got []dlq
	for _, m := range msgs {
		h := map[string]string{}
		for _, kv := range m.Headers {
			h[kv.Key] = string(kv.Value)
		}
		got = append(got, dlq{string(m.Value), h})
	}
	require.Equal(t, []dlq{
		{`{"ts":"yesterday"}`, map[string]string{"reason": "malformed", "source_topic": "llm-metrics", "partition": "2", "offset": "41", "detail": `column "ts": expected TIMESTAMP`}},
		{`{"ts":1}`, map[string]string{"reason": "too_late", "source_topic": "llm-metrics", "partition": "0", "offset": "7", "detail": "window [0, 300000) closed", "query": "q2"}},
	}, got)

	// Without the option there is no dead-letter topic.
	none, err := DeadLetterSinkFor(sourceDef(addr, "llm-metrics"))
	require.NoError(t, err)
	require.Nil(t, none)
}

// TestFirstReadReturnsAtOnce: the first Read starts the fetchers and
// returns an empty batch without waiting for records (nor PollInterval), so
// that the runtime publishes every partition's status as soon as the query
// starts; the records come with the next Reads.
func TestFirstReadReturnsAtOnce(t *testing.T) {
	_, addr := kafkatest.NewCluster(t, map[string]int32{"llm-metrics": 3})
	kafkatest.Produce(t, addr, "llm-metrics", keyedEvents(3))
	s := openSource(t, sourceDef(addr, "llm-metrics"), nil, nil)
	b := newBatch()
	require.NoError(t, s.Read(context.Background(), b))
	require.Zero(t, b.Len)
	require.Empty(t, s.Ended())
	rows, _, err := readUntil(t, s, func(r []row) bool { return len(r) >= 3 })
	require.NoError(t, err)
	require.Len(t, rows, 3)
}
