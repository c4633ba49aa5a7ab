package runtime

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weirdb/weir/operators"
)

// recentDeadLetters is how many dead letters the weir_dead_letters system
// view keeps.
const recentDeadLetters = 1000

// deadLetterRouter sends each dead letter to its source's destination (a
// file or a topic when configured, else a rate-limited log), counts it, and
// keeps the most recent ones for the weir_dead_letters view.
//
// A destination that cannot write a dead letter (a full disk, a topic that
// refuses writes after its retries) makes every query reading the source
// fail: each source goroutine watches its destination (watch) and fails its
// query at the first dead letter lost after it started. Losses no query
// reported are returned by Close, at the end of a run.
type deadLetterRouter struct {
	mu       sync.Mutex
	dests    map[string]*dlDest // by lower-cased source name
	routed   []*dlDest          // the destinations in dests, in routing order, closed by Close
	fallback operators.DeadLetterSink
	recent   []operators.DeadLetter // ring buffer
	next     int
	total    atomic.Int64
	clock    operators.Clock
}

// dlDest is the dead-letter destination of one source.
type dlDest struct {
	source string // as declared, for errors
	sink   operators.DeadLetterSink
	lossy  lossCounter // sink's, or nil when it cannot lose dead letters
	// reported is the highest loss count a query has failed with: Close
	// reports the losses after it.
	reported atomic.Int64
}

// lossCounter is a destination that can fail to write dead letters
// (deadletter.File, kafka.DeadLetterTopic).
type lossCounter interface {
	// Lost returns how many dead letters could not be written and why the
	// latest could not, without naming the source.
	Lost() (int64, error)
}

func newDeadLetterRouter(fallback operators.DeadLetterSink, clock operators.Clock) *deadLetterRouter {
	return &deadLetterRouter{dests: map[string]*dlDest{}, fallback: fallback, clock: clock}
}

// route sets the destination of a source's dead letters. A destination
// still routed under the name (of a source whose CREATE failed after
// routing) is closed, and what closing it found is returned (dlDest.close).
func (r *deadLetterRouter) route(source string, d operators.DeadLetterSink) error {
	dest := &dlDest{source: source, sink: d}
	dest.lossy, _ = d.(lossCounter)
	r.mu.Lock()
	old := r.forgetLocked(source)
	r.dests[strings.ToLower(source)] = dest
	r.routed = append(r.routed, dest)
	r.mu.Unlock()
	if old == nil {
		return nil
	}
	return old.close()
}

// unroute closes the destination of a dropped source's dead letters and
// stops routing its name there: the dead letters of a source created again
// under the name go to that source's destination, and the file of a
// dead_letter_path is closed now rather than when the engine closes. It
// returns the dead letters lost that no query failed with and the error of
// closing, as Close does; nil when the source had no destination.
func (r *deadLetterRouter) unroute(source string) error {
	r.mu.Lock()
	dest := r.forgetLocked(source)
	r.mu.Unlock()
	if dest == nil {
		return nil
	}
	return dest.close()
}

// forgetLocked removes source's destination from the router and returns
// it, or nil; r.mu is held.
func (r *deadLetterRouter) forgetLocked(source string) *dlDest {
	key := strings.ToLower(source)
	dest := r.dests[key]
	if dest == nil {
		return nil
	}
	delete(r.dests, key)
	r.routed = slices.DeleteFunc(r.routed, func(d *dlDest) bool { return d == dest })
	return dest
}

// DeadLetter implements operators.DeadLetterSink.
func (r *deadLetterRouter) DeadLetter(d *operators.DeadLetter) {
	r.total.Add(1)
	if d.TimeMs == 0 {
		d.TimeMs = r.clock.Now().UnixMilli()
	}
	r.mu.Lock()
	dest := r.dests[strings.ToLower(d.Source)]
	keep := *d
	keep.Payload = append([]byte(nil), d.Payload...)
	if len(r.recent) < recentDeadLetters {
		r.recent = append(r.recent, keep)
	} else {
		r.recent[r.next] = keep
		r.next = (r.next + 1) % recentDeadLetters
	}
	r.mu.Unlock()
	switch {
	case dest != nil:
		dest.sink.DeadLetter(d)
	case r.fallback != nil:
		r.fallback.DeadLetter(d)
	}
}

// Recent returns the kept dead letters, oldest first.
func (r *deadLetterRouter) Recent() []operators.DeadLetter {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]operators.DeadLetter, 0, len(r.recent))
	out = append(out, r.recent[r.next:]...)
	out = append(out, r.recent[:r.next]...)
	return out
}

// watch returns a watch on the losses of source's destination from now
// on, for a source goroutine. r may be nil (nothing to watch).
func (r *deadLetterRouter) watch(source string) dlWatch {
	if r == nil {
		return dlWatch{}
	}
	r.mu.Lock()
	dest := r.dests[strings.ToLower(source)]
	r.mu.Unlock()
	if dest == nil || dest.lossy == nil {
		return dlWatch{}
	}
	seen, _ := dest.lossy.Lost()
	return dlWatch{dest: dest, seen: seen}
}

// dlWatch watches one source's dead-letter destination for a query.
type dlWatch struct {
	dest *dlDest // nil: the source's dead letters cannot be lost
	seen int64   // losses before the query started
}

// active reports whether the destination can lose dead letters.
func (w dlWatch) active() bool { return w.dest != nil }

// failure returns the query's error if a dead letter of the source was lost
// since the watch began (by this query or another reading the source):
// "source d: writing dead letters to /x/dl.jsonl: no space left on device".
func (w dlWatch) failure() error {
	if w.dest == nil {
		return nil
	}
	n, err := w.dest.lossy.Lost()
	if n <= w.seen || err == nil {
		return nil
	}
	for {
		r := w.dest.reported.Load()
		if r >= n || w.dest.reported.CompareAndSwap(r, n) {
			break
		}
	}
	return fmt.Errorf("source %s: %w", w.dest.source, err)
}

// Close flushes and closes every destination. It returns the dead letters
// lost that no query failed with (written after the queries reading the
// source had stopped, or by a topic whose retries ended after them), and
// other errors of closing a destination.
func (r *deadLetterRouter) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for _, dest := range r.routed {
		if err := dest.close(); err != nil {
			errs = append(errs, err)
		}
	}
	r.routed = nil
	// The rate-limited logger holds back what arrived since its last line:
	// write it, so that no dead letter goes unreported at the end of a run.
	if f, ok := r.fallback.(interface{ Flush() }); ok {
		f.Flush()
	}
	if c, ok := r.fallback.(io.Closer); ok {
		if err := c.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// close flushes and closes the destination. It returns the dead letters
// lost that no query failed with, naming the source, and other errors of
// closing it.
func (dest *dlDest) close() error {
	c, ok := dest.sink.(io.Closer)
	if !ok {
		return nil
	}
	cerr := c.Close()
	var errs []error
	if dest.lossy != nil {
		if n, err := dest.lossy.Lost(); n > 0 {
			// Close repeats the write error; a query may have told it.
			cerr = nil
			if since := n - dest.reported.Load(); since > 0 && err != nil {
				errs = append(errs, fmt.Errorf("source %s: %w (%d dead letter%s lost)", dest.source, err, since, plural(since)))
			}
		}
	}
	if cerr != nil {
		errs = append(errs, fmt.Errorf("source %s: %w", dest.source, cerr))
	}
	return errors.Join(errs...)
}

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}

var _ operators.DeadLetterSink = (*deadLetterRouter)(nil)

// queryDeadLetters tags a query's dead letters with its id before routing.
type queryDeadLetters struct {
	query string
	next  operators.DeadLetterSink
}

// DeadLetter implements operators.DeadLetterSink.
func (q queryDeadLetters) DeadLetter(d *operators.DeadLetter) {
	d.Query = q.query
	q.next.DeadLetter(d)
}

// dlLogEvery is the least time between two summary lines of the dead-letter
// logger (sources without a destination).
const dlLogEvery = 10 * time.Second
