package deadletter

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/weirdb/weir/operators"
)

// Logger counts dead letters per source and reason and writes at most one
// summary line per interval, for sources without a dead-letter destination
// (so that none is silently lost). The first line is written at once and
// counts the first dead letter:
//
//	weir: 1 dead letter: metrics malformed=1 (last: ...)
//
// each later one counts those since the line before, and names the time
// since then when it is at least a second:
//
//	weir: 5 dead letters in the last 10s: metrics malformed=4 (last: ...), metrics too_late=1
//	weir: 2 more dead letters: metrics malformed=2 (last: ...)
//
// (the second form comes from a Flush soon after a line, at the end of a
// run). A line is written from DeadLetter when the interval since the
// previous line has passed (no goroutine of its own); Flush writes what is
// pending. Safe for concurrent use.
type Logger struct {
	mu      sync.Mutex
	w       io.Writer
	every   time.Duration
	clock   operators.Clock
	last    time.Time // when the previous line was written (zero: never)
	pending map[key]*tally
	totals  map[key]int64
}

type key struct{ source, reason string }

type tally struct {
	n      int64
	detail string
}

var _ operators.DeadLetterSink = (*Logger)(nil)

// NewLogger returns a logger writing to w (typically stderr) at most once
// per every of clock's time (nil clock: the wall clock).
func NewLogger(w io.Writer, every time.Duration, clock operators.Clock) *Logger {
	if clock == nil {
		clock = operators.SystemClock{}
	}
	return &Logger{w: w, every: every, clock: clock, pending: map[key]*tally{}, totals: map[key]int64{}}
}

// DeadLetter counts d and logs a summary if the interval has passed.
func (l *Logger) DeadLetter(d *operators.DeadLetter) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := key{d.Source, d.Reason}
	t := l.pending[k]
	if t == nil {
		t = &tally{}
		l.pending[k] = t
	}
	t.n++
	t.detail = d.Detail
	l.totals[k]++
	if now := l.clock.Now(); l.last.IsZero() || now.Sub(l.last) >= l.every {
		l.writeLocked(now)
	}
}

// Flush writes a summary of the dead letters not yet logged, if any.
func (l *Logger) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writeLocked(l.clock.Now())
}

// Total returns how many dead letters of source with reason were counted.
func (l *Logger) Total(source, reason string) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.totals[key{source, reason}]
}

func (l *Logger) writeLocked(now time.Time) {
	if len(l.pending) == 0 {
		return
	}
	keys := make([]key, 0, len(l.pending))
	var n int64
	for k, t := range l.pending {
		keys = append(keys, k)
		n += t.n
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].source != keys[j].source {
			return keys[i].source < keys[j].source
		}
		return keys[i].reason < keys[j].reason
	})
	var sb strings.Builder
	switch since := now.Sub(l.last); {
	case l.last.IsZero():
		fmt.Fprintf(&sb, "weir: %d dead letter%s: ", n, plural(n))
	case since < time.Second:
		// "in the last 0s" would read as none: the window is too short
		// to be worth naming.
		fmt.Fprintf(&sb, "weir: %d more dead letter%s: ", n, plural(n))
	default:
		fmt.Fprintf(&sb, "weir: %d dead letter%s in the last %s: ", n, plural(n), since.Round(time.Millisecond))
	}
	for i, k := range keys {
		if i > 0 {
			sb.WriteString(", ")
		}
		t := l.pending[k]
		fmt.Fprintf(&sb, "%s %s=%d", k.source, k.reason, t.n)
		if t.detail != "" {
			fmt.Fprintf(&sb, " (last: %s)", t.detail)
		}
	}
	sb.WriteByte('\n')
	_, _ = io.WriteString(l.w, sb.String())
	clear(l.pending)
	l.last = now
}

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}
