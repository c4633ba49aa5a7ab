package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testDeadline bounds every wait of these tests.
const testDeadline = 10 * time.Second

var metricsSchema = catalog.Schema{
	{Name: "ts", Type: catalog.Timestamp},
	{Name: "model", Type: catalog.Varchar},
	{Name: "latency_ms", Type: catalog.Bigint},
}

func sourceDef(addr, topic string, extra ...string) *catalog.Source {
	opts := catalog.Options{"connector": "kafka", "topic": topic, "brokers": addr, "format": "json", "start_offset": "earliest"}
	for i := 0; i+1 < len(extra); i += 2 {
		opts[extra[i]] = extra[i+1]
	}
	return &catalog.Source{
		Name:      "metrics",
		Schema:    metricsSchema,
		Watermark: &catalog.Watermark{Column: "ts", DelayMs: 0},
		Connector: "kafka",
		Options:   opts,
	}
}

// deadLetters collects dead letters; safe for concurrent use.
type deadLetters struct {
	mu  sync.Mutex
	got []operators.DeadLetter
}

func (d *deadLetters) DeadLetter(dl *operators.DeadLetter) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := *dl
	c.Payload = append([]byte(nil), dl.Payload...)
	d.got = append(d.got, c)
}

func (d *deadLetters) all() []operators.DeadLetter {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]operators.DeadLetter(nil), d.got...)
}

func openSource(t testing.TB, def *catalog.Source, dl operators.DeadLetterSink, restore []byte) *Source {
	t.Helper()
	s, err := NewSource(def)
	require.NoError(t, err)
	if restore != nil {
		require.NoError(t, s.Restore(bytesReader(restore)))
	}
	require.NoError(t, s.Open(&operators.Context{Ctx: context.Background(), Clock: operators.SystemClock{}, DeadLetters: dl, Counters: &operators.Counters{}}))
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// row is one decoded row with its provenance.
type row struct {
	partition int32
	offset    int64
	ts        int64
	model     string
	latency   int64
}

func (r row) String() string {
	return fmt.Sprintf("p%d@%d ts=%d %s %d", r.partition, r.offset, r.ts, r.model, r.latency)
}

// batchRows extracts rows from a batch, checking that provenance is set.
func batchRows(t testing.TB, b *coldata.Batch) []row {
	t.Helper()
	require.Len(t, b.Offset, b.Len)
	require.Len(t, b.Raw, b.Len)
	out := make([]row, 0, b.Len)
	for i := 0; i < b.Len; i++ {
		out = append(out, row{b.Partition, b.Offset[i], b.Cols[0].I64[i], b.Cols[1].Str[i], b.Cols[2].I64[i]})
	}
	return out
}

// readUntil calls Read until done says stop, io.EOF, or the deadline. It
// returns the rows, the partitions reported ended (in order), and the
// error that stopped it (io.EOF or nil when done stopped it).
func readUntil(t testing.TB, s *Source, done func(rows []row) bool) ([]row, []int32, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	b := coldata.NewBatch(s.Schema(), coldata.DefaultBatchSize)
	var rows []row
	var ended []int32
	for !done(rows) {
		err := s.Read(ctx, b)
		ended = append(ended, s.Ended()...)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("deadline waiting for input; have %d rows", len(rows))
			}
			return rows, ended, err
		}
		rows = append(rows, batchRows(t, b)...)
	}
	return rows, ended, nil
}

func never([]row) bool { return false }

type byteReader struct {
	b []byte
}

func (r *byteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func bytesReader(b []byte) io.Reader { return &byteReader{b} }

// event renders one llm-metrics event.
func event(tsMs int64, model string, latency int64) string {
	return fmt.Sprintf(`{"ts":%d,"model":%q,"latency_ms":%d,"extra":"ignored"}`, tsMs, model, latency)
}

type bytesBuffer struct{ b []byte }

func (w *bytesBuffer) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }

func newBatch() *coldata.Batch { return coldata.NewBatch(metricsSchema, coldata.DefaultBatchSize) }

// readTopic reads n messages of one partition from offset 0 with a plain
// kafka-go connection.
func readTopic(t testing.TB, addr, topic string, partition, n int) []kafkago.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	conn, err := kafkago.DialLeader(ctx, "tcp", addr, topic, partition)
	require.NoError(t, err)
	defer conn.Close()
	var out []kafkago.Message
	for len(out) < n {
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(testDeadline)))
		batch := conn.ReadBatch(1, 1<<20)
		for {
			m, err := batch.ReadMessage()
			if err != nil {
				break
			}
			out = append(out, m)
		}
		_ = batch.Close()
		require.NoError(t, ctx.Err())
	}
	require.Len(t, out, n)
	return out
}
