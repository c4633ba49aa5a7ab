package kafka

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/kafka/retry"
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
// source_topic, partition, offset and detail. Safe for concurrent use.
//
// Writes are asynchronous and batched (up to 10 ms) so that DeadLetter never
// blocks the query for a broker round trip. A write whose metadata lookup
// fails for a reason that passes (a topic being created answers
// LEADER_NOT_AVAILABLE, an unreachable broker) is retried in the
// background with backoff for up to retry.Default.For (30 s), dead letters
// written meanwhile waiting behind it in order (retry.Queue). A failed
// write (after those retries, or kafka-go's own produce retries) is
// counted, logged at once on the error log (SetErrorLog; the first failure
// immediately, later ones at most every errorLogEvery with their count),
// kept as Err and Lost, and returned by Close. The runtime polls Lost
// while the queries reading the source run and fails them at the first
// lost dead letter (none is dropped silently): a query fails once the
// write has failed for good, up to retry.Default.For after it was made.
// Dead letters still queued when the process is killed (kill -9, a crash)
// are lost: they are not part of checkpoints.
//
// Order: the message key is the source partition, so the dead letters of
// one partition land in one partition of the dead-letter topic in the order
// DeadLetter was called. That order is not the source offset order: a
// source's malformed records are dead-lettered by its decoder and its too
// late records by each window operator, on other goroutines and at other
// times, so a too_late at offset 2 may follow a malformed at offset 3. The
// offset header says where each came from.
type DeadLetterTopic struct {
	w           *kafkago.Writer
	q           *retry.Queue // in front of w: retries metadata failures
	sourceTopic string
	source      string // the source's name, for errors ("" when unknown)

	written atomic.Int64
	failed  atomic.Int64
	lost    atomic.Int64 // failed writes (not dead letters refused after Close)
	mu      sync.Mutex
	err     error
	last    error // why the latest failed write failed, without the source
	closed  bool
	log     io.Writer // where write failures are reported at once
	logged  time.Time // when a failure was last logged
}

// errorLogEvery is the least time between two logged write failures.
const errorLogEvery = 10 * time.Second

var _ operators.DeadLetterSink = (*DeadLetterTopic)(nil)

// NewDeadLetterTopic returns a writer of dead letters of sourceTopic into
// topic on brokers.
func NewDeadLetterTopic(brokers []string, topic, sourceTopic string) *DeadLetterTopic {
	d := &DeadLetterTopic{sourceTopic: sourceTopic, log: os.Stderr}
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
		// Create the topic if it is missing and the broker allows it
		// (auto.create.topics.enable), as Kafka's producer does.
		AllowAutoTopicCreation: true,
	}
	d.q = retry.NewQueue(d.w, retry.Default, d.completion)
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
	d := NewDeadLetterTopic(opts.Brokers, opts.DeadLetterTopic, opts.Topic)
	d.source = def.Name
	return d, nil
}

func (d *DeadLetterTopic) completion(msgs []kafkago.Message, err error) {
	if err == nil {
		d.written.Add(int64(len(msgs)))
		return
	}
	who := fmt.Sprintf("dead letters of topic %q", d.sourceTopic)
	if d.source != "" {
		who = "source " + d.source
	}
	what := fmt.Errorf("writing %s to topic %q: %w", countDeadLetters(int64(len(msgs))), d.w.Topic, retry.Clean(err))
	werr := fmt.Errorf("%s: %w", who, what)
	d.mu.Lock()
	defer d.mu.Unlock()
	// Counted under mu, with last: Lost never sees the count without its
	// reason.
	d.failed.Add(int64(len(msgs)))
	d.lost.Add(int64(len(msgs)))
	d.last = what
	if d.err == nil {
		d.err = werr
	}
	now := time.Now()
	if d.log != nil && (d.logged.IsZero() || now.Sub(d.logged) >= errorLogEvery) {
		fmt.Fprintf(d.log, "weir: %v (%s lost so far)\n", werr, countDeadLetters(d.failed.Load()))
		d.logged = now
	}
}

// countDeadLetters says n dead letters in words: "1 dead letter", "3 dead
// letters".
func countDeadLetters(n int64) string {
	if n == 1 {
		return "1 dead letter"
	}
	return strconv.FormatInt(n, 10) + " dead letters"
}

// SetErrorLog sets where write failures are reported as they happen
// (os.Stderr until set; nil: nowhere). The runtime passes its diagnostics
// writer.
func (d *DeadLetterTopic) SetErrorLog(w io.Writer) {
	d.mu.Lock()
	d.log = w
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
	// Keyed by the source partition: one source partition's dead letters
	// stay in the order they were handed over (not offset order, see
	// DeadLetterTopic).
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
	d.q.Write(msg)
}

// Written is the number of dead letters the broker acknowledged.
func (d *DeadLetterTopic) Written() int64 { return d.written.Load() }

// Failed is the number of dead letters that could not be written.
func (d *DeadLetterTopic) Failed() int64 { return d.failed.Load() }

// Err returns the first write error, if any. The runtime may poll it while
// the query runs to fail the query on a lost dead letter.
func (d *DeadLetterTopic) Err() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// Lost returns how many dead letters could not be written so far and why
// the latest could not (`writing 3 dead letters to topic "dlq": REASON`,
// without the source, which the runtime names); nil when none was lost.
// Cheap when none was: the runtime calls it after every read of the
// source.
func (d *DeadLetterTopic) Lost() (int64, error) {
	if d.lost.Load() == 0 {
		return 0, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.lost.Load(), d.last
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
	d.q.Close() // waits for dead letters being retried (at most retry.Default.For)
	cerr := d.w.Close()
	// The writer's own transport is only used for produce requests; ours
	// also serves its metadata requests and must be closed here.
	d.w.Transport.(*kafkago.Transport).CloseIdleConnections()
	return errors.Join(d.Err(), cerr)
}
