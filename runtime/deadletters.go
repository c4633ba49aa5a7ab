package runtime

import (
	"io"
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
type deadLetterRouter struct {
	mu       sync.Mutex
	dests    map[string]operators.DeadLetterSink // by lower-cased source name
	fallback operators.DeadLetterSink
	closers  []io.Closer
	recent   []operators.DeadLetter // ring buffer
	next     int
	total    atomic.Int64
	clock    operators.Clock
}

func newDeadLetterRouter(fallback operators.DeadLetterSink, clock operators.Clock) *deadLetterRouter {
	return &deadLetterRouter{dests: map[string]operators.DeadLetterSink{}, fallback: fallback, clock: clock}
}

// route sets the destination of a source's dead letters.
func (r *deadLetterRouter) route(source string, d operators.DeadLetterSink) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dests[strings.ToLower(source)] = d
	if c, ok := d.(io.Closer); ok {
		r.closers = append(r.closers, c)
	}
}

// DeadLetter implements operators.DeadLetterSink.
func (r *deadLetterRouter) DeadLetter(d *operators.DeadLetter) {
	r.total.Add(1)
	if d.TimeMs == 0 {
		d.TimeMs = r.clock.Now().UnixMilli()
	}
	r.mu.Lock()
	dest, ok := r.dests[strings.ToLower(d.Source)]
	keep := *d
	keep.Payload = append([]byte(nil), d.Payload...)
	if len(r.recent) < recentDeadLetters {
		r.recent = append(r.recent, keep)
	} else {
		r.recent[r.next] = keep
		r.next = (r.next + 1) % recentDeadLetters
	}
	r.mu.Unlock()
	if !ok {
		dest = r.fallback
	}
	if dest != nil {
		dest.DeadLetter(d)
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

// Close flushes and closes every destination.
func (r *deadLetterRouter) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var first error
	for _, c := range r.closers {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	r.closers = nil
	// The rate-limited logger holds back what arrived since its last line:
	// write it, so that no dead letter goes unreported at the end of a run.
	if f, ok := r.fallback.(interface{ Flush() }); ok {
		f.Flush()
	}
	if c, ok := r.fallback.(io.Closer); ok {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
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

// dlNow is the time the dead-letter logger uses between summaries.
const dlLogEvery = 10 * time.Second
