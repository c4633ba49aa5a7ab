// Package retry retries Kafka writes that fail for a reason that passes:
// a topic whose metadata is not available yet (a topic being created
// answers LEADER_NOT_AVAILABLE to its first Metadata request, then
// UNKNOWN_TOPIC_OR_PARTITION until every broker knows it), a leader being
// elected, a broker that cannot be reached for a moment.
//
// kafka-go's Writer retries the produce requests of a batch (MaxAttempts),
// but not the Metadata request that WriteMessages sends first to learn the
// topic's partitions: any error there is returned at once (kafka-go issues
// #1113 and #1208), so the first write to an auto-created topic on a real
// cluster fails. Write (synchronous writers) and Queue (asynchronous ones)
// retry such writes with exponential backoff for a bounded time, then
// return the last error.
package retry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	kafkago "github.com/segmentio/kafka-go"
)

// Policy says how long a failing write is retried.
type Policy struct {
	// For is how long after a write's first failure it is retried; the
	// error of the last attempt is returned once it has passed. It bounds
	// when an attempt may start, not how long one takes: an attempt
	// includes kafka-go's own produce retries and dials, which can take
	// 10 s or more when a broker is gone.
	For time.Duration
	// Min and Max bound the wait between attempts, which doubles from Min.
	Min, Max time.Duration
}

// Default is the policy of weir's Kafka writers (the sink, the dead-letter
// topic, weir produce): a failing write is retried for 30 seconds, waiting
// 100 ms, 200 ms, ... up to 2 s between attempts. kafka-go's transport
// refreshes its cached cluster metadata at random intervals of up to 6 s,
// so a broker that was unreachable is seen again within that time.
var Default = Policy{For: 30 * time.Second, Min: 100 * time.Millisecond, Max: 2 * time.Second}

// Temporary reports whether a write that failed with err may succeed if
// tried again: a Kafka error code that kafka-go marks temporary (among
// them LEADER_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION,
// NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS),
// BROKER_NOT_AVAILABLE, or a network error (refused or reset connection,
// timeout, unexpected EOF). A cancelled context, a closed writer or a
// message too large are not temporary.
func Temporary(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, io.ErrClosedPipe) {
		return false
	}
	var kerr kafkago.Error
	if errors.As(err, &kerr) {
		return kerr.Temporary() || kerr == kafkago.BrokerNotAvailable
	}
	var nerr net.Error
	if errors.As(err, &nerr) {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// Outage classifies an error that carries a Kafka broker's error code
// (known): transient when the broker says to try again (kafka-go's
// Temporary codes, BROKER_NOT_AVAILABLE), not for an unknown topic or an
// invalid message. The runtime uses it to decide whether to retry a view
// or sink that failed to restore.
func Outage(err error) (transient, known bool) {
	var kerr kafkago.Error
	if !errors.As(err, &kerr) {
		return false, false
	}
	switch kerr {
	case kafkago.UnknownTopicOrPartition, kafkago.InvalidMessage:
		return false, true
	case kafkago.BrokerNotAvailable:
		return true, true
	}
	return kerr.Temporary(), true
}

// GiveUpError is the error of a write still failing after its policy's
// time: Err is the last attempt's.
type GiveUpError struct {
	Err      error
	Attempts int
	After    time.Duration
}

func (e *GiveUpError) Error() string {
	return fmt.Sprintf("%v (still failing after %d attempts over %s)", e.Err, e.Attempts, e.After.Round(time.Millisecond))
}

func (e *GiveUpError) Unwrap() error { return e.Err }

// Write writes msgs with the synchronous writer w, retrying per p while the
// error is Temporary: the whole write when WriteMessages failed before
// producing (the metadata lookup), else only the messages whose produce
// failed (kafka-go's WriteErrors), so acknowledged messages are not sent
// twice. onRetry, if not nil, is called before each wait with the error
// and the number of attempts made so far. Write returns nil once every
// message is acknowledged, the first error that is not temporary, ctx's
// error, or a *GiveUpError.
func Write(ctx context.Context, w *kafkago.Writer, p Policy, onRetry func(err error, attempts int), msgs ...kafkago.Message) error {
	var start time.Time
	wait := p.Min
	for attempts := 1; ; attempts++ {
		err := w.WriteMessages(ctx, msgs...)
		if err == nil {
			return nil
		}
		var failed []kafkago.Message
		var werrs kafkago.WriteErrors
		if errors.As(err, &werrs) && len(werrs) == len(msgs) {
			for i, e := range werrs {
				if e == nil {
					continue
				}
				if !Temporary(e) {
					return e
				}
				failed = append(failed, msgs[i])
				err = e
			}
		} else if !Temporary(err) {
			return err
		} else {
			failed = msgs
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if start.IsZero() {
			start = time.Now()
		}
		if time.Since(start)+wait > p.For {
			return &GiveUpError{Err: err, Attempts: attempts, After: time.Since(start)}
		}
		if onRetry != nil {
			onRetry(err, attempts)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, p.Max)
		msgs = failed
	}
}
