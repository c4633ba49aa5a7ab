// Package operators defines the operator contract that every node of a
// weir DAG implements, and the context the runtime gives operators.
// Implementations live in sub-packages (window, agg, expr, source, sink).
package operators

import (
	"context"
	"io"
	"time"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// Emitter receives an operator's output. Emit may block (backpressure) and
// returns an error when the query is being cancelled; the operator must then
// return that error. The batch passed to Emit stays owned by the caller; the
// receiver copies what it keeps.
type Emitter interface {
	Emit(b *coldata.Batch) error
}

// EmitterFunc adapts a function to Emitter.
type EmitterFunc func(b *coldata.Batch) error

// Emit calls f(b).
func (f EmitterFunc) Emit(b *coldata.Batch) error { return f(b) }

// Operator is one node of a query's DAG. The runtime calls its methods from
// a single goroutine, never concurrently, in stream order: batches and
// watermarks arrive as they travel in-band on the input edge.
//
// Open is called first, once. Process consumes a batch (see coldata.Batch
// for ownership; the operator may narrow b.Sel in place). OnWatermark tells
// the operator that the input watermark advanced to w (math.MaxInt64 at end
// of input): it fires complete windows and purges old state; the runtime
// forwards the watermark downstream after OnWatermark returns. Errors are
// fatal to the query.
//
// Close is called exactly once for every operator whose Open returned nil,
// however the query ends: end of input, cancellation (DROP VIEW or SINK,
// Ctrl-C in weir run, shutdown of weir serve), an error or a panic in any of
// the query's operators or sources. It comes after the last call of the
// other methods has returned, never concurrently with one, and it must
// release everything the operator holds (connections, files, goroutines)
// even after a failed Process. At end of input, Close runs while
// Context.Ctx is still live and its error fails the query: a sink may
// flush or commit what it holds there. Otherwise Context.Ctx is already
// done when Close runs, and its error is only reported on stderr. An
// operator whose Open fails is not closed: Open releases what it acquired
// before returning the error.
type Operator interface {
	Open(ctx *Context) error
	Process(b *coldata.Batch, out Emitter) error
	OnWatermark(w int64, out Emitter) error
	Close() error
}

// TimerOperator is an Operator with processing-time triggers (EMIT EARLY
// EVERY). The runtime calls OnTimer periodically with the injected clock's
// current time; the operator decides what is due.
type TimerOperator interface {
	Operator
	OnTimer(now time.Time, out Emitter) error
}

// Clock is processing time. Tests inject a manual clock.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// Context is what the runtime hands an operator at Open.
type Context struct {
	Ctx         context.Context
	Query       string // the query's id
	Clock       Clock
	DeadLetters DeadLetterSink
	Counters    *Counters
}

// Source produces the batches of one declared source.
//
// Read resets b and fills it with up to coldata.DefaultBatchSize rows, all
// from one partition (b.Partition), with b.Source, b.Offset and b.Raw set for
// dead letters; the watermark assigner fills EventTime and WmBefore after
// it. A batch with zero rows is allowed (nothing arrived within the source's
// poll interval) so that the runtime can run idle detection and timers. Read
// returns io.EOF once every partition of a bounded source has ended; rows
// it put in b on that last call are still processed, and it may leave b
// untouched (the runtime resets b before every call). Read
// blocks at most until ctx is done; malformed input goes to dead letters via
// the Context given at Open, never as an error.
//
// Close is called exactly once for every source whose Open returned nil,
// however the query ends (see Operator), after the last Read has returned
// and once Context.Ctx is done; at end of input its error fails the query.
// A source whose Open fails is not closed: Open releases what it acquired.
type Source interface {
	Schema() catalog.Schema
	Open(ctx *Context) error
	Read(ctx context.Context, b *coldata.Batch) error
	Close() error
}

// PartitionedSource is a Source with several partitions whose end of input
// (bounded mode) comes one partition at a time.
type PartitionedSource interface {
	Source
	// Partitions lists the partition ids the source reads.
	Partitions() []int32
	// Ended reports partitions that reached their end since the last call.
	Ended() []int32
}

// Checkpointer is an Operator (or Source) whose state must survive a restart.
// Snapshot writes the complete state as of the last processed message;
// Restore, called before any input instead of starting empty, reads it back.
// The encoding is the implementation's own and versioned by it.
type Checkpointer interface {
	Snapshot(w io.Writer) error
	Restore(r io.Reader) error
}
