package coldata

import "github.com/weirdb/weir/catalog"

// EmitKind says why a result row was emitted (SEMANTICS.md §3–§4).
type EmitKind uint8

// The emission kinds, printed as the "_emit" column.
const (
	EmitNone EmitKind = iota // an input row, not a window result
	EmitEarly
	EmitFinal
	EmitLate
)

// String returns "early", "final", "late" or "".
func (k EmitKind) String() string {
	switch k {
	case EmitEarly:
		return "early"
	case EmitFinal:
		return "final"
	case EmitLate:
		return "late"
	}
	return ""
}

// DefaultBatchSize is the number of rows sources put in a batch.
const DefaultBatchSize = 2048

// Batch is a set of rows in columnar form.
//
// Ownership: whoever calls Operator.Process or Emitter.Emit with a batch
// keeps ownership; the callee may read the batch (and narrow Sel) only
// during the call, and must copy anything it keeps. Batches crossing a
// goroutine boundary are handed over whole by the runtime and recycled by it.
//
// Rows are indexed 0..Len-1 in every vector. Sel, when non-nil, lists the
// live rows in ascending order; rows not in Sel are filtered out and must be
// ignored. A nil Sel means every row is live.
type Batch struct {
	Len  int
	Cols []*Vec
	Sel  []int

	// EventTime holds each row's event time in epoch milliseconds, set by
	// the watermark assigner (nil for sources without event time and for
	// result batches).
	EventTime []int64
	// WmBefore holds, for each row, the source watermark as it stood just
	// before the row (SEMANTICS.md §1: an event is judged against the
	// watermark before it). math.MinInt64 is −∞. Nil for result batches.
	WmBefore []int64

	// Provenance for dead letters; optional (nil when unknown).
	Source    string   // the source that produced the rows
	Partition int32    // the source partition all rows of this batch came from
	Offset    []int64  // per row: Kafka offset, or 1-based line number for files
	Raw       [][]byte // per row: the original payload (owned by the batch)
	RawBuf    []byte   // backing store for Raw; sources may reuse it

	// Emit holds each result row's emission kind; nil for input rows.
	Emit []EmitKind
}

// NewBatch returns an empty batch with one vector per schema column.
func NewBatch(schema catalog.Schema, capacity int) *Batch {
	b := &Batch{Cols: make([]*Vec, len(schema))}
	for i, c := range schema {
		b.Cols[i] = NewVec(c.Type, capacity)
	}
	return b
}

// Reset empties the batch for reuse, keeping allocated capacity. Every
// vector is set to n rows.
func (b *Batch) Reset(n int) {
	b.Len = n
	b.Sel = nil
	for _, v := range b.Cols {
		v.Reset(n, n)
	}
	b.EventTime = b.EventTime[:0]
	b.WmBefore = b.WmBefore[:0]
	b.Offset = b.Offset[:0]
	b.Raw = b.Raw[:0]
	b.RawBuf = b.RawBuf[:0]
	b.Emit = b.Emit[:0]
	b.Partition = 0
}

// Live returns the number of live rows.
func (b *Batch) Live() int {
	if b.Sel != nil {
		return len(b.Sel)
	}
	return b.Len
}

// ForEach calls f with the index of every live row, in order.
func (b *Batch) ForEach(f func(i int)) {
	if b.Sel != nil {
		for _, i := range b.Sel {
			f(i)
		}
		return
	}
	for i := 0; i < b.Len; i++ {
		f(i)
	}
}

// ForEachErr calls f with the index of every live row, in order, and stops
// at the first error, which it returns.
func (b *Batch) ForEachErr(f func(i int) error) error {
	if b.Sel != nil {
		for _, i := range b.Sel {
			if err := f(i); err != nil {
				return err
			}
		}
		return nil
	}
	for i := 0; i < b.Len; i++ {
		if err := f(i); err != nil {
			return err
		}
	}
	return nil
}
