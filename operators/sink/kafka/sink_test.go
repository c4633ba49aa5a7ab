package kafka

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/goleak"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/internal/kafkatest"
	"github.com/weirdb/weir/operators"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testDeadline = 10 * time.Second

var resultSchema = catalog.Schema{
	{Name: "window_start", Type: catalog.Timestamp},
	{Name: "window_end", Type: catalog.Timestamp},
	{Name: "model", Type: catalog.Varchar},
	{Name: "requests", Type: catalog.Bigint},
	{Name: "avg_latency", Type: catalog.Double},
}

// newCluster starts an in-process broker with one topic.
func newCluster(t testing.TB, topic string, partitions int32) (*kfake.Cluster, string) {
	t.Helper()
	return kafkatest.NewCluster(t, map[string]int32{topic: partitions})
}

func openSink(t testing.TB, addr, topic string, extra ...string) *Sink {
	t.Helper()
	opts := catalog.Options{"connector": "kafka", "topic": topic, "brokers": addr}
	for i := 0; i+1 < len(extra); i += 2 {
		opts[extra[i]] = extra[i+1]
	}
	s, err := NewWithConfig(&catalog.Sink{Name: "out", Connector: "kafka", Options: opts}, resultSchema, Config{})
	require.NoError(t, err)
	require.NoError(t, s.Open(&operators.Context{Ctx: context.Background()}))
	return s
}

type result struct {
	start, end int64
	model      string
	requests   int64
	avg        float64
	null       bool
	emit       coldata.EmitKind
}

func resultBatch(rs ...result) *coldata.Batch {
	b := coldata.NewBatch(resultSchema, len(rs))
	for i, r := range rs {
		b.Cols[0].I64 = append(b.Cols[0].I64, r.start)
		b.Cols[1].I64 = append(b.Cols[1].I64, r.end)
		b.Cols[2].Str = append(b.Cols[2].Str, r.model)
		b.Cols[3].I64 = append(b.Cols[3].I64, r.requests)
		if r.null {
			b.Cols[4].AppendNull()
		} else {
			b.Cols[4].F64 = append(b.Cols[4].F64, r.avg)
		}
		b.Emit = append(b.Emit, r.emit)
		b.Len = i + 1
	}
	return b
}

// msg is one message read back, with where it landed.
type msg struct {
	partition int
	offset    int64
	key       string
	value     string
}

// readAll reads every message of every partition with a plain kafka-go
// connection per partition.
func readAll(t testing.TB, addr, topic string, partitions int) []msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	var out []msg
	for p := range partitions {
		conn, err := kafkago.DialLeader(ctx, "tcp", addr, topic, p)
		require.NoError(t, err)
		require.NoError(t, conn.SetDeadline(time.Now().Add(testDeadline)))
		last, err := conn.ReadLastOffset()
		require.NoError(t, err)
		_, err = conn.Seek(0, kafkago.SeekAbsolute)
		require.NoError(t, err)
		for off := int64(0); off < last; {
			batch := conn.ReadBatch(1, 1<<20)
			for {
				m, err := batch.ReadMessage()
				if err != nil {
					break
				}
				out = append(out, msg{p, m.Offset, string(m.Key), string(m.Value)})
				off = m.Offset + 1
			}
			_ = batch.Close()
			require.NoError(t, ctx.Err())
		}
		conn.Close()
	}
	return out
}

const (
	w0 = int64(1_794_234_900_000) // 2026-11-09T14:35:00.000Z
	w1 = w0 + 300_000             // 2026-11-09T14:40:00.000Z
)

func TestSinkRoundTrip(t *testing.T) {
	_, addr := newCluster(t, "results", 3)
	s := openSink(t, addr, "results")
	require.Equal(t, []int{0, 1, 2}, s.KeyCols())
	require.NoError(t, s.Process(resultBatch(
		result{w0, w1, "gpt-4", 3, 120.5, false, coldata.EmitFinal},
		result{w0, w1, `cl"aude`, 1, 0, true, coldata.EmitFinal},
	), nil))
	// A late re-emission of the first window: same key, so same partition,
	// after the final row.
	require.NoError(t, s.Process(resultBatch(result{w0, w1, "gpt-4", 4, 100.25, false, coldata.EmitLate}), nil))
	// An empty batch writes nothing; a Sel narrows the rows.
	require.NoError(t, s.Process(resultBatch(), nil))
	b := resultBatch(result{w1, w1 + 300_000, "x", 1, 1, false, coldata.EmitEarly}, result{w1, w1 + 300_000, "llama", 2, 1e-7, false, coldata.EmitEarly})
	b.Sel = []int{1}
	require.NoError(t, s.Process(b, nil))
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())

	got := readAll(t, addr, "results", 3)
	require.Len(t, got, 4)
	const (
		ks = `{"window_start":"2026-11-09T14:35:00.000Z","window_end":"2026-11-09T14:40:00.000Z",`
		k2 = `{"window_start":"2026-11-09T14:40:00.000Z","window_end":"2026-11-09T14:45:00.000Z",`
	)
	sort.Slice(got, func(i, j int) bool { return got[i].value < got[j].value })
	wantKV := [][2]string{
		{ks + `"model":"cl\"aude"}`, ks + `"model":"cl\"aude","requests":1,"avg_latency":null,"_emit":"final"}`},
		{ks + `"model":"gpt-4"}`, ks + `"model":"gpt-4","requests":3,"avg_latency":120.5,"_emit":"final"}`},
		{ks + `"model":"gpt-4"}`, ks + `"model":"gpt-4","requests":4,"avg_latency":100.25,"_emit":"late"}`},
		{k2 + `"model":"llama"}`, k2 + `"model":"llama","requests":2,"avg_latency":1e-7,"_emit":"early"}`},
	}
	for i, w := range wantKV {
		require.Equal(t, w[0], got[i].key)
		require.Equal(t, w[1], got[i].value)
	}
	// Same key, same partition, final before late.
	require.Equal(t, got[1].partition, got[2].partition)
	require.Less(t, got[1].offset, got[2].offset)
	// The partition is the Java client's: murmur2(key) mod partitions.
	for _, m := range got {
		require.Equal(t, int(javaMurmur2([]byte(m.key))&0x7fffffff)%3, m.partition, m.key)
	}
}

// javaMurmur2 is Kafka's Utils.murmur2, written out from the Java source to
// check the sink's partitioning independently of kafka-go.
func javaMurmur2(data []byte) int32 {
	const (
		seed = uint32(0x9747b28c)
		m    = uint32(0x5bd1e995)
		r    = 24
	)
	n := len(data)
	h := seed ^ uint32(n)
	for i := 0; i+4 <= n; i += 4 {
		k := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	tail := n &^ 3
	switch n % 4 {
	case 3:
		h ^= uint32(data[tail+2]) << 16
		fallthrough
	case 2:
		h ^= uint32(data[tail+1]) << 8
		fallthrough
	case 1:
		h ^= uint32(data[tail])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return int32(h)
}

func TestSinkProduceFaultsLoseNothing(t *testing.T) {
	c, addr := newCluster(t, "results", 3)
	// The first produce request has its connection dropped before the
	// broker applies it; the next one is refused as "not leader".
	dropped := 0
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		dropped++
		return nil, errors.New("injected: connection dropped"), true
	})
	h := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Err: kerr.NotLeaderForPartition, Count: 1})

	s := openSink(t, addr, "results", "key_columns", "window_start, model")
	require.Equal(t, []int{0, 2}, s.KeyCols())
	var rs []result
	for i := range 100 {
		rs = append(rs, result{w0, w1, "m" + string(rune('a'+i%26)) + string(rune('a'+i/26)), int64(i), 1, false, coldata.EmitFinal})
	}
	require.NoError(t, s.Process(resultBatch(rs...), nil))
	require.NoError(t, s.Close())
	require.Equal(t, 1, dropped)
	require.Equal(t, 1, h.Hits())

	got := readAll(t, addr, "results", 3)
	require.Len(t, got, 100)
	seen := map[string]bool{}
	for _, m := range got {
		require.False(t, seen[m.value], "duplicate %s", m.value)
		seen[m.value] = true
	}
}

func TestSinkErrorsAreReturned(t *testing.T) {
	c, addr := newCluster(t, "results", 1)
	c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Err: kerr.TopicAuthorizationFailed, Count: -1})
	s := openSink(t, addr, "results")
	err := s.Process(resultBatch(result{w0, w1, "gpt-4", 1, 1, false, coldata.EmitFinal}), nil)
	require.ErrorContains(t, err, `sink out: writing 1 messages to topic "results": `)
	require.True(t, strings.HasPrefix(err.Error(), "sink out: "), "%v", err)
	require.NoError(t, s.Close())
}

// TestSinkOptionErrors: errors name the sink and what was expected, with
// no package prefix.
func TestSinkOptionErrors(t *testing.T) {
	for _, tc := range []struct {
		opts catalog.Options
		err  string
	}{
		{catalog.Options{"brokers": "b:1"}, "sink out: option 'topic' is required"},
		{catalog.Options{"topic": "t"}, "sink out: option 'brokers' is required"},
		{catalog.Options{"topic": "t", "brokers": "b:1", "format": "avro"}, `sink out: option format = "avro" is not supported: expected 'json'`},
		{catalog.Options{"topic": "t", "brokers": "b:1", "key_columns": "nope"}, `sink out: key_columns names "nope", which is not an output column of its query`},
		{catalog.Options{"topic": "t", "brokers": "b:1", "key_columns": "model,MODEL"}, `sink out: key_columns names column "MODEL" twice; the key is a JSON object of distinct columns`},
		{catalog.Options{"topic": "t", "brokers": "b:1", "partitioner": "x"}, `sink out: unknown option "partitioner"; known options: connector, topic, brokers, format, key_columns`},
	} {
		_, err := New(&catalog.Sink{Name: "out", Options: tc.opts}, resultSchema)
		require.EqualError(t, err, tc.err)
	}
	_, err := NewWithConfig(&catalog.Sink{Name: "out", Options: catalog.Options{"topic": "t", "brokers": "b:1"}}, resultSchema, Config{KeyCols: []int{9}})
	require.EqualError(t, err, "sink out: key column 9 is out of range: the query has 5 columns")
	// The plan's key applies unless the sink names key_columns itself.
	s, err := NewWithConfig(&catalog.Sink{Name: "out", Options: catalog.Options{"topic": "t", "brokers": "b:1"}}, resultSchema, Config{KeyCols: []int{2, 0}})
	require.NoError(t, err)
	require.Equal(t, []int{2, 0}, s.KeyCols())
	s, err = NewWithConfig(&catalog.Sink{Name: "out", Options: catalog.Options{"topic": "t", "brokers": "b:1", "key_columns": "model"}}, resultSchema, Config{KeyCols: []int{2, 0}})
	require.NoError(t, err)
	require.Equal(t, []int{resultSchema.Index("model")}, s.KeyCols())
	require.Error(t, s.Process(resultBatch(), nil), "Process before Open")
}
