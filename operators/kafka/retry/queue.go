package retry

import (
	"context"
	"fmt"
	"sync"
	"time"

	kafkago "github.com/segmentio/kafka-go"
)

// MaxPending bounds the messages a Queue holds while it retries; a message
// written beyond it fails at once.
const MaxPending = 100_000

// Queue writes messages through an asynchronous kafka-go Writer (Async:
// true, whose produce errors go to its Completion function) and retries
// the writes whose metadata lookup fails with a Temporary error, without
// blocking the caller for the retries: such messages, and every message
// written after them, wait in the queue while one goroutine retries them
// in order per the policy; when the policy's time has passed, they are
// handed to fail with a *GiveUpError. Messages therefore keep the order
// in which Write was called. Safe for concurrent use.
type Queue struct {
	w    *kafkago.Writer
	p    Policy
	fail func(msgs []kafkago.Message, err error)

	mu      sync.Mutex
	pending []kafkago.Message // waiting for the retry goroutine
	done    chan struct{}     // non-nil while the retry goroutine runs; closed when it ends
}

// NewQueue returns a queue in front of the asynchronous writer w; fail
// receives the messages that could not be written and why (it is also
// where w's Completion should report produce failures).
func NewQueue(w *kafkago.Writer, p Policy, fail func(msgs []kafkago.Message, err error)) *Queue {
	return &Queue{w: w, p: p, fail: fail}
}

// Write hands msg to the writer. It blocks only for the writer's metadata
// lookup (answered from kafka-go's cache once the topic is known), never
// for a retry.
func (q *Queue) Write(msg kafkago.Message) {
	q.mu.Lock()
	if q.done != nil {
		full := q.enqueueLocked(msg)
		q.mu.Unlock()
		if full != nil {
			q.fail([]kafkago.Message{msg}, full)
		}
		return
	}
	q.mu.Unlock()
	err := q.w.WriteMessages(context.Background(), msg)
	if err == nil {
		return
	}
	if !Temporary(err) {
		q.fail([]kafkago.Message{msg}, err)
		return
	}
	q.mu.Lock()
	full := q.enqueueLocked(msg)
	if full == nil && q.done == nil {
		q.done = make(chan struct{})
		go q.retry(err, q.done)
	}
	q.mu.Unlock()
	if full != nil {
		q.fail([]kafkago.Message{msg}, full)
	}
}

// enqueueLocked queues msg, or returns why it cannot.
func (q *Queue) enqueueLocked(msg kafkago.Message) error {
	if len(q.pending) >= MaxPending {
		return fmt.Errorf("%d messages already wait for the topic to become writable", len(q.pending))
	}
	q.pending = append(q.pending, msg)
	return nil
}

// retry writes the pending messages until each is handed to the writer or
// to fail. err is the error that queued the first of them.
func (q *Queue) retry(err error, done chan struct{}) {
	defer close(done)
	start, attempts, wait := time.Now(), 1, q.p.Min
	for {
		if wait > 0 {
			if time.Since(start)+wait > q.p.For {
				q.mu.Lock()
				msgs := q.pending
				q.pending, q.done = nil, nil
				q.mu.Unlock()
				q.fail(msgs, &GiveUpError{Err: err, Attempts: attempts, After: time.Since(start)})
				return
			}
			time.Sleep(wait) // the queue's own goroutine: only Close waits for it
		}
		q.mu.Lock()
		msgs := q.pending
		q.pending = nil
		q.mu.Unlock()
		werr := q.w.WriteMessages(context.Background(), msgs...)
		if werr != nil && Temporary(werr) {
			q.mu.Lock()
			q.pending = append(msgs, q.pending...)
			q.mu.Unlock()
			if wait == 0 { // a new run of failures
				start, attempts, wait = time.Now(), 1, q.p.Min
			} else {
				attempts++
				wait = min(2*wait, q.p.Max)
			}
			err = werr
			continue
		}
		if werr != nil {
			q.fail(msgs, werr)
		}
		// Handed over (or failed for good): stop, unless more came meanwhile,
		// which are written at once.
		q.mu.Lock()
		if len(q.pending) == 0 {
			q.done = nil
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		wait = 0
	}
}

// Close waits until no message waits in the queue: each is handed to the
// writer or to fail, at most the policy's time after its retries began.
// Close the writer after it.
func (q *Queue) Close() {
	q.mu.Lock()
	done := q.done
	q.mu.Unlock()
	if done != nil {
		<-done
	}
}
