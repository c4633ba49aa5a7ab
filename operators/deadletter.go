package operators

import "sync/atomic"

// Dead-letter reasons (SEMANTICS.md §7).
const (
	ReasonMalformed       = "malformed"
	ReasonTooLate         = "too_late"
	ReasonFutureTimestamp = "future_timestamp"
)

// DeadLetter is one event that could not be processed.
type DeadLetter struct {
	// Query is the id of the query that read the event. Each query reads its
	// sources independently, so a malformed line of a source that two queries
	// read is reported by both, each with its own Query.
	Query     string
	Source    string
	Partition int32
	Offset    int64 // Kafka offset, or 1-based line number for files
	Reason    string
	Detail    string // human-readable cause, e.g. `column "ts": expected TIMESTAMP`
	Payload   []byte // the original bytes; only valid during the call
	TimeMs    int64  // processing time when it was dead-lettered
}

// DeadLetterSink receives dead letters. Implementations route by d.Source to
// the source's destination (file, topic, or count-and-log), copy Payload if
// they keep it, and never block the caller for long. Safe for concurrent use.
type DeadLetterSink interface {
	DeadLetter(d *DeadLetter)
}

// Counters are a query's event counters, exported as Prometheus metrics by
// the runtime. Safe for concurrent use.
type Counters struct {
	EventsIn atomic.Int64
	// RowsOut counts the rows the query's sink delivered (rows_out): the
	// runtime adds them as the sink accepts or commits them. Operators do
	// not touch it; rows they emit may still be dropped downstream.
	RowsOut          atomic.Int64
	LateEvents       atomic.Int64
	DroppedEvents    atomic.Int64
	DeadLetters      atomic.Int64
	WindowsCreated   atomic.Int64
	WindowsCompleted atomic.Int64
	WindowsPruned    atomic.Int64
	// WindowEventCount observes, when a window fires final, the number of
	// events its (window, key) group holds.
	WindowEventCount Histogram
}
