// Package kafka is weir's Kafka sink (CREATE SINK ... WITH (connector =
// 'kafka')): each result row becomes one message whose value is a JSON
// object of the output columns plus "_emit", and whose key identifies the
// window and group key, so that a compacted topic or an upserting consumer
// keeps the latest emission of each window.
package kafka

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/coldata/render"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/kafka/retry"
)

// Config is what the planner may tell the sink beyond its declaration.
type Config struct {
	// KeyCols are the columns that form the message key, in order
	// (window_start, window_end, then the group keys). A key_columns option
	// wins over them; nil derives them (see New).
	KeyCols []int
	// Values is how many leading columns of the schema the query outputs
	// (the message value); the columns after them are hidden key columns,
	// carried only for KeyCols: the window bounds and group keys the
	// SELECT list leaves out or computes on (runtime.keyedRun). 0 means
	// every column is an output column.
	Values int
}

// Sink writes result batches to a topic. It is an operators.Operator: the
// runtime calls it from one goroutine. Process returns once the batch's
// messages are acknowledged by all in-sync replicas (RequiredAcks = all).
// kafka-go retries a failed produce request with backoff (up to 10
// attempts, about 9 s); a write that fails on the topic's metadata (a
// topic being created, a leader being elected, an unreachable broker) or
// still fails after those attempts with a temporary error is retried
// again for retry.Default.For (30 s), with each first retry and each
// recovery logged on the error log. Any error that remains is returned,
// which fails the query: never swallowed.
type Sink struct {
	name    string
	schema  catalog.Schema // output columns, then hidden key columns
	values  int            // output columns: the message value
	topic   string
	brokers []string
	keyCols []int
	names   [][]byte // `"name":` per column, precomputed

	retry retry.Policy
	log   io.Writer // retries and recoveries; nil: nowhere

	w    *kafkago.Writer
	ctx  context.Context
	msgs []kafkago.Message
	buf  []byte
	ends []int // per message: end of key, end of value in buf
}

var _ operators.Operator = (*Sink)(nil)

// New validates a Kafka sink declaration for rows of schema. Options:
// topic, brokers (also spelt properties.bootstrap.servers or
// bootstrap.servers, as the Kafka source takes it; one option under two
// names is an error), and optionally format ('json') and key_columns
// (comma-separated output column names); any other option is an error.
// Without key_columns, the key is window_start and window_end (when
// present) followed by every VARCHAR and BOOLEAN column, which are the group
// keys of the usual windowed query; the planner should pass the exact group
// keys with NewWithConfig.
func New(def *catalog.Sink, schema catalog.Schema) (operators.Operator, error) {
	return NewWithConfig(def, schema, Config{})
}

// NewWithConfig is New with planner-provided settings. schema's first
// cfg.Values columns are the query's output (the message value), the rest
// hidden key columns. The key is the key_columns option when the sink
// declares one (the user's explicit choice, naming output columns), else
// cfg.KeyCols (the plan's window bounds and group keys, hidden or not),
// else the fallback of New over the output columns.
func NewWithConfig(def *catalog.Sink, schema catalog.Schema, cfg Config) (*Sink, error) {
	opts, err := parseOptions(def)
	if err != nil {
		return nil, err
	}
	s := &Sink{name: def.Name, schema: schema, values: len(schema), topic: opts.topic, brokers: opts.brokers,
		retry: retry.Default, log: os.Stderr}
	if cfg.Values > 0 && cfg.Values <= len(schema) {
		s.values = cfg.Values
	}
	keyOpt := opts.keyColumns
	switch {
	case strings.TrimSpace(keyOpt) != "":
		for _, n := range strings.Split(keyOpt, ",") {
			n = strings.TrimSpace(n)
			c := schema[:s.values].Index(n)
			if c < 0 {
				return nil, fmt.Errorf("sink %s: key_columns names %q, which is not an output column of its query", def.Name, n)
			}
			if slices.Contains(s.keyCols, c) {
				return nil, fmt.Errorf("sink %s: key_columns names column %q twice; the key is a JSON object of distinct columns", def.Name, n)
			}
			s.keyCols = append(s.keyCols, c)
		}
	case cfg.KeyCols != nil:
		for _, c := range cfg.KeyCols {
			if c < 0 || c >= len(schema) {
				return nil, fmt.Errorf("sink %s: key column %d is out of range: the query has %d columns", def.Name, c, len(schema))
			}
		}
		s.keyCols = append([]int(nil), cfg.KeyCols...)
	default:
		s.keyCols = deriveKeyCols(schema[:s.values])
	}
	s.names = make([][]byte, len(schema))
	for i, c := range schema {
		s.names[i] = append(render.AppendJSONString(nil, c.Name), ':')
	}
	return s, nil
}

// deriveKeyCols is the key used when neither the planner nor key_columns
// names one: window bounds, then VARCHAR and BOOLEAN columns.
func deriveKeyCols(schema catalog.Schema) []int {
	var out []int
	for _, n := range []string{"window_start", "window_end"} {
		if c := schema.Index(n); c >= 0 {
			out = append(out, c)
		}
	}
	for i, c := range schema {
		if c.Type == catalog.Varchar || c.Type == catalog.Boolean {
			out = append(out, i)
		}
	}
	return out
}

// KeyCols returns the columns that form the message key.
func (s *Sink) KeyCols() []int { return s.keyCols }

// SetErrorLog sets where the sink reports a write it retries and its
// recovery (os.Stderr until set; nil: nowhere). The runtime passes its
// diagnostics writer. Call it before Open.
func (s *Sink) SetErrorLog(w io.Writer) { s.log = w }

// Open creates the producer. A missing topic is created on first write when
// the broker allows automatic topic creation (auto.create.topics.enable),
// as Kafka's own producer does; otherwise the write fails with Unknown Topic
// Or Partition.
func (s *Sink) Open(ctx *operators.Context) error {
	s.ctx = context.Background()
	if ctx != nil && ctx.Ctx != nil {
		s.ctx = ctx.Ctx
	}
	s.w = &kafkago.Writer{
		Addr:                   kafkago.TCP(s.brokers...),
		Topic:                  s.topic,
		RequiredAcks:           kafkago.RequireAll,
		Transport:              &kafkago.Transport{ClientID: "weir"},
		Balancer:               newJavaBalancer(), // keys are never nil: murmur2 as Java's producer
		MaxAttempts:            10,
		WriteBackoffMin:        50 * time.Millisecond,
		WriteBackoffMax:        2 * time.Second,
		BatchSize:              coldata.DefaultBatchSize,
		BatchBytes:             16 << 20,
		BatchTimeout:           5 * time.Millisecond,
		WriteTimeout:           30 * time.Second,
		AllowAutoTopicCreation: true, // only where the broker allows it (auto.create.topics.enable), as Kafka's producer
	}
	return nil
}

// Process writes every live row of b as one message and waits for the
// broker's acknowledgement.
func (s *Sink) Process(b *coldata.Batch, _ operators.Emitter) error {
	if s.w == nil {
		return fmt.Errorf("sink %s: writing before the sink was opened", s.name)
	}
	if b.Live() == 0 {
		return nil
	}
	s.buf = s.buf[:0]
	s.ends = s.ends[:0]
	b.ForEach(func(i int) {
		s.buf = s.appendKey(s.buf, b, i)
		s.ends = append(s.ends, len(s.buf))
		s.buf = s.appendValue(s.buf, b, i)
		s.ends = append(s.ends, len(s.buf))
	})
	s.msgs = s.msgs[:0]
	start := 0
	for j := 0; j < len(s.ends); j += 2 {
		k, v := s.ends[j], s.ends[j+1]
		s.msgs = append(s.msgs, kafkago.Message{Key: s.buf[start:k:k], Value: s.buf[k:v:v]})
		start = v
	}
	retried := 0
	err := retry.Write(s.ctx, s.w, s.retry, func(err error, attempts int) {
		if retried == 0 && s.log != nil {
			fmt.Fprintf(s.log, "weir: sink %s: writing to topic %q failed: %v; retrying for up to %s\n", s.name, s.topic, retry.Clean(err), s.retry.For)
		}
		retried = attempts
	}, s.msgs...)
	if err != nil {
		// The query fails with this error: release the producer now rather
		// than when the runtime closes the failed query's operators.
		s.closeWriter()
		return fmt.Errorf("sink %s: writing %d messages to topic %q: %w", s.name, len(s.msgs), s.topic, retry.Clean(err))
	}
	if retried > 0 && s.log != nil {
		fmt.Fprintf(s.log, "weir: sink %s: writing to topic %q succeeded after %d failed attempts\n", s.name, s.topic, retried)
	}
	return nil
}

// appendKey appends row i's key: a JSON object of the key columns, e.g.
// {"window_start":"2026-11-09T14:35:00.000Z","window_end":"...","model":"m"}.
func (s *Sink) appendKey(buf []byte, b *coldata.Batch, i int) []byte {
	buf = append(buf, '{')
	for j, c := range s.keyCols {
		if j > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, s.names[c]...)
		buf = render.AppendJSONValue(buf, b.Cols[c], i)
	}
	return append(buf, '}')
}

// appendValue appends row i's value: every output column (not the hidden
// key columns), then "_emit".
func (s *Sink) appendValue(buf []byte, b *coldata.Batch, i int) []byte {
	buf = append(buf, '{')
	for c := range s.schema[:s.values] {
		buf = append(buf, s.names[c]...)
		buf = render.AppendJSONValue(buf, b.Cols[c], i)
		buf = append(buf, ',')
	}
	buf = append(buf, `"_emit":`...)
	kind := coldata.EmitNone
	if i < len(b.Emit) {
		kind = b.Emit[i]
	}
	if kind == coldata.EmitNone {
		buf = append(buf, "null"...)
	} else {
		buf = append(buf, '"')
		buf = append(buf, kind.String()...)
		buf = append(buf, '"')
	}
	return append(buf, '}')
}

// OnWatermark does nothing: a sink writes rows as they come.
func (s *Sink) OnWatermark(int64, operators.Emitter) error { return nil }

// Close flushes and closes the producer, returning any write error.
func (s *Sink) Close() error {
	if err := s.closeWriter(); err != nil {
		return fmt.Errorf("sink %s: flushing the last messages to topic %q: %w", s.name, s.topic, retry.Clean(err))
	}
	return nil
}

// closeWriter closes the producer and its connections, if open.
func (s *Sink) closeWriter() error {
	if s.w == nil {
		return nil
	}
	err := s.w.Close()
	s.w.Transport.(*kafkago.Transport).CloseIdleConnections()
	s.w = nil
	return err
}
