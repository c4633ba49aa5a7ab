package kafka

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators"
)

// Dead-letter message headers (SEMANTICS.md §7).
const (
	HeaderReason      = "reason"
	HeaderSourceTopic = "source_topic"
	HeaderPartition   = "partition"
	HeaderOffset      = "offset"
	HeaderDetail      = "detail"
	HeaderQuery       = "query"
)

// DeadLetterTopic is an operators.DeadLetterSink that writes each dead letter
// to a Kafka topic: the original payload as the value, and headers reason,
// source_topic, partition, offset and detail. Writes are asynchronous so
// that DeadLetter never blocks the query for a broker round trip; a failed
// write is counted, kept as Err, and returned by Close. Safe for concurrent
// use.
type DeadLetterTopic struct {
	w           *kafkago.Writer
	sourceTopic string

	written atomic.Int64
	failed  atomic.Int64
	mu      sync.Mutex
	err     error
	closed  bool
}

var _ operators.DeadLetterSink = (*DeadLetterTopic)(nil)

// NewDeadLetterTopic returns a writer of dead letters of sourceTopic into
// topic on brokers.
func NewDeadLetterTopic(brokers []string, topic, sourceTopic string) *DeadLetterTopic {
	d := &DeadLetterTopic{sourceTopic: sourceTopic}
	d.w = &kafkago.Writer{
		Addr:            kafkago.TCP(brokers...),
		Topic:           topic,
		RequiredAcks:    kafkago.RequireAll,
		Transport:       &kafkago.Transport{ClientID: "weir"},
		Balancer:        &kafkago.Murmur2Balancer{Consistent: true},
		MaxAttempts:     10,
		WriteBackoffMin: 50 * time.Millisecond,
		WriteBackoffMax: time.Second,
		BatchTimeout:    10 * time.Millisecond,
		Async:           true,
		Completion:      d.completion,
	}
	return d
}

// DeadLetterSinkFor returns the dead-letter writer a Kafka source's
// dead_letter_topic option asks for, or nil when it has none. The runtime
// routes the source's dead letters (malformed and too late) to it and
// closes it at shutdown.
func DeadLetterSinkFor(def *catalog.Source) (*DeadLetterTopic, error) {
	opts, err := ParseOptions(def.Options)
	if err != nil {
		return nil, err
	}
	if opts.DeadLetterTopic == "" {
		return nil, nil
	}
	return NewDeadLetterTopic(opts.Brokers, opts.DeadLetterTopic, opts.Topic), nil
}

func (d *DeadLetterTopic) completion(msgs []kafkago.Message, err error) {
	if err == nil {
		d.written.Add(int64(len(msgs)))
		return
	}
	d.failed.Add(int64(len(msgs)))
	d.mu.Lock()
	if d.err == nil {
		d.err = fmt.Errorf("kafka: writing %d dead letters to topic %q: %w", len(msgs), d.w.Topic, err)
	}
	d.mu.Unlock()
}

// DeadLetter queues one dead letter; it copies the payload.
func (d *DeadLetterTopic) DeadLetter(dl *operators.DeadLetter) {
	d.mu.Lock()
	closed := d.closed
	d.mu.Unlock()
	if closed {
		d.failed.Add(1)
		return
	}
	// The partition of the dead letter is keyed by the source partition so
	// that one partition's dead letters stay in order.
	msg := kafkago.Message{
		Key:   strconv.AppendInt(nil, int64(dl.Partition), 10),
		Value: append([]byte(nil), dl.Payload...),
		Headers: []kafkago.Header{
			{Key: HeaderReason, Value: []byte(dl.Reason)},
			{Key: HeaderSourceTopic, Value: []byte(d.sourceTopic)},
			{Key: HeaderPartition, Value: strconv.AppendInt(nil, int64(dl.Partition), 10)},
			{Key: HeaderOffset, Value: strconv.AppendInt(nil, dl.Offset, 10)},
			{Key: HeaderDetail, Value: []byte(dl.Detail)},
		},
	}
	if dl.Query != "" {
		msg.Headers = append(msg.Headers, kafkago.Header{Key: HeaderQuery, Value: []byte(dl.Query)})
	}
	if err := d.w.WriteMessages(context.Background(), msg); err != nil {
		d.completion([]kafkago.Message{msg}, err)
	}
}

// Written is the number of dead letters the broker acknowledged.
func (d *DeadLetterTopic) Written() int64 { return d.written.Load() }

// Failed is the number of dead letters that could not be written.
func (d *DeadLetterTopic) Failed() int64 { return d.failed.Load() }

// Err returns the first write error, if any.
func (d *DeadLetterTopic) Err() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// Close flushes queued dead letters and returns the first write error.
func (d *DeadLetterTopic) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return d.Err()
	}
	d.closed = true
	d.mu.Unlock()
	cerr := d.w.Close()
	// The writer's own transport is only used for produce requests; ours
	// also serves its metadata requests and must be closed here.
	d.w.Transport.(*kafkago.Transport).CloseIdleConnections()
	return errors.Join(d.Err(), cerr)
}
