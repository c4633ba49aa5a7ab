package kafka

import (
	"bytes"
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/kafka/retry"
)

// hiddenSchema is `SELECT COUNT(*) AS requests ... GROUP BY window_start,
// model` as the runtime hands it to the sink: the one output column, then
// the window bounds and the group key as hidden key columns.
var hiddenSchema = catalog.Schema{
	{Name: "requests", Type: catalog.Bigint},
	{Name: "window_start", Type: catalog.Timestamp},
	{Name: "window_end", Type: catalog.Timestamp},
	{Name: "model", Type: catalog.Varchar},
}

func hiddenBatch(rows ...result) *coldata.Batch {
	b := coldata.NewBatch(hiddenSchema, len(rows))
	for i, r := range rows {
		b.Cols[0].I64 = append(b.Cols[0].I64, r.requests)
		b.Cols[1].I64 = append(b.Cols[1].I64, r.start)
		b.Cols[2].I64 = append(b.Cols[2].I64, r.end)
		b.Cols[3].Str = append(b.Cols[3].Str, r.model)
		b.Emit = append(b.Emit, r.emit)
		b.Len = i + 1
	}
	return b
}

// The key holds the hidden window bounds and group key; the value only the
// output columns and _emit. Two windows differing only in a key that is
// not selected get different keys.
func TestSinkHiddenKeyColumns(t *testing.T) {
	_, addr := newCluster(t, "results", 3)
	def := &catalog.Sink{Name: "out", Connector: "kafka", Options: catalog.Options{"topic": "results", "brokers": addr}}
	s, err := NewWithConfig(def, hiddenSchema, Config{KeyCols: []int{1, 2, 3}, Values: 1})
	require.NoError(t, err)
	require.NoError(t, s.Open(&operators.Context{Ctx: context.Background()}))
	require.NoError(t, s.Process(hiddenBatch(
		result{start: w0, end: w1, model: "a", requests: 3, emit: coldata.EmitFinal},
		result{start: w0, end: w1, model: "b", requests: 3, emit: coldata.EmitFinal},
	), nil))
	require.NoError(t, s.Close())

	got := readAll(t, addr, "results", 3)
	sort.Slice(got, func(i, j int) bool { return got[i].key < got[j].key })
	const ks = `{"window_start":"2026-11-09T14:35:00.000Z","window_end":"2026-11-09T14:40:00.000Z",`
	require.Len(t, got, 2)
	require.Equal(t, ks+`"model":"a"}`, got[0].key)
	require.Equal(t, ks+`"model":"b"}`, got[1].key)
	for _, m := range got {
		require.Equal(t, `{"requests":3,"_emit":"final"}`, m.value)
		require.Equal(t, int(javaMurmur2([]byte(m.key))&0x7fffffff)%3, m.partition)
	}
}

// key_columns names output columns: a hidden key column is not one, and
// without a plan key the fallback looks at output columns only.
func TestSinkKeyColumnsNameOutputColumns(t *testing.T) {
	def := func(opts ...string) *catalog.Sink {
		o := catalog.Options{"topic": "t", "brokers": "b:1"}
		for i := 0; i+1 < len(opts); i += 2 {
			o[opts[i]] = opts[i+1]
		}
		return &catalog.Sink{Name: "out", Options: o}
	}
	_, err := NewWithConfig(def("key_columns", "model"), hiddenSchema, Config{KeyCols: []int{1, 2, 3}, Values: 1})
	require.EqualError(t, err, `sink out: key_columns names "model", which is not an output column of its query`)
	s, err := NewWithConfig(def("key_columns", "requests"), hiddenSchema, Config{KeyCols: []int{1, 2, 3}, Values: 1})
	require.NoError(t, err)
	require.Equal(t, []int{0}, s.KeyCols())
	s, err = NewWithConfig(def(), hiddenSchema, Config{Values: 1})
	require.NoError(t, err)
	require.Equal(t, []int{}, append([]int{}, s.KeyCols()...))
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// sinkMetadataFault answers the Metadata requests naming topic (not the
// transport's all-topics refresh) with LEADER_NOT_AVAILABLE, count times.
func sinkMetadataFault(c *kfake.Cluster, topic string, count int) *kfake.FaultHandle {
	return c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Metadata}, Topic: topic, Err: kerr.LeaderNotAvailable, Count: count,
		When: func(r kmsg.Request) bool { return r.(*kmsg.MetadataRequest).Topics != nil }})
}

// The first write to a topic being created fails on its metadata (a real
// cluster answers LEADER_NOT_AVAILABLE until the new topic has a leader);
// the sink retries it, says so on its error log, and loses nothing.
func TestSinkRetriesTopicBeingCreated(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(1))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	addr := c.ListenAddrs()[0]
	h := sinkMetadataFault(c, "fresh", 2)
	s := openSink(t, addr, "fresh")
	var log syncBuffer
	s.SetErrorLog(&log)
	require.NoError(t, s.Process(resultBatch(result{start: w0, end: w1, model: "m", requests: 2, avg: 1.5, emit: coldata.EmitFinal}), nil))
	require.NoError(t, s.Close())
	require.Equal(t, 2, h.Hits())
	require.Len(t, readAll(t, addr, "fresh", 1), 1)
	require.Equal(t, `weir: sink out: writing to topic "fresh" failed: [5] Leader Not Available: the cluster is in the middle of a leadership election and there is currently no leader for this partition and hence it is unavailable for writes; retrying for up to 30s
weir: sink out: writing to topic "fresh" succeeded after 2 failed attempts
`, log.String())
}

// A write still failing after the retry time fails Process with the last
// error: the query fails with it (its status and stderr), nothing is
// swallowed.
func TestSinkGivesUpAfterRetrying(t *testing.T) {
	c, addr := newCluster(t, "results", 1)
	sinkMetadataFault(c, "never", -1)
	s := openSink(t, addr, "never")
	s.retry = retry.Policy{For: 100 * time.Millisecond, Min: 10 * time.Millisecond, Max: 20 * time.Millisecond}
	var log syncBuffer
	s.SetErrorLog(&log)
	err := s.Process(resultBatch(result{start: w0, end: w1, model: "m", requests: 1, emit: coldata.EmitFinal}), nil)
	require.ErrorContains(t, err, `sink out: writing 1 messages to topic "never": [5] Leader Not Available`)
	require.ErrorContains(t, err, "still failing after")
	require.Contains(t, log.String(), "retrying for up to 100ms")
	require.NoError(t, s.Close())
}

// A broker that goes away after a first write: the retry line and the
// error that stops the query say what failed without kafka-go's Go prefixes
// ("kafka.(*Client).Produce: dial tcp ...").
func TestSinkUnreachableErrorHasNoGoPrefix(t *testing.T) {
	c, addr := newCluster(t, "out", 1)
	s := openSink(t, addr, "out")
	s.retry = retry.Policy{For: 100 * time.Millisecond, Min: 10 * time.Millisecond, Max: 20 * time.Millisecond}
	var log syncBuffer
	s.SetErrorLog(&log)
	s.w.MaxAttempts = 1 // kafka-go's own produce retries would take ~10 s per attempt
	row := resultBatch(result{start: w0, end: w1, model: "m", requests: 1, emit: coldata.EmitFinal})
	require.NoError(t, s.Process(row, nil))
	c.Close()
	err := s.Process(resultBatch(result{start: w0, end: w1, model: "m", requests: 2, emit: coldata.EmitFinal}), nil)
	require.Error(t, err)
	require.ErrorContains(t, err, `sink out: writing 1 messages to topic "out": `)
	require.NotContains(t, err.Error(), "kafka.(")
	require.NotContains(t, log.String(), "kafka.(")
	_ = s.Close()
}
