// Package assign holds the window assignment operator: a window TVF read
// without aggregation. Each input row goes out once per window of the TVF
// it belongs to, with window_start and window_end appended (SEMANTICS.md
// §2), as the rows arrive: nothing is held, nothing waits for the
// watermark, and no row is dropped for lateness.
package assign

import (
	"fmt"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/window"
)

// Assign repeats each live input row once per window containing its event
// time, in ascending window start: TUMBLE one row, HOP one per window
// [s, s+size) with s a multiple of slide and s ≤ t < s+size, CUMULATE one
// per window [S, S+k·step) of t's cumulation period [S, S+size) with
// t < S+k·step. The output columns are the input's, then window_start and
// window_end; each row keeps its event's EventTime, WmBefore, Offset and Raw.
//
// The output batch is reused from one Process call to the next (copied
// values; strings and Raw share the input's storage); a batch whose rows
// would exceed coldata.DefaultBatchSize is emitted in several parts.
type Assign struct {
	spec  window.Spec
	types catalog.Schema // input columns, then window_start and window_end
	out   *coldata.Batch
	err   error

	// The output's per-row provenance vectors, kept between batches.
	wm, off []int64
	raw     [][]byte
}

var _ operators.Operator = (*Assign)(nil)

// New returns the assignment of spec's windows (kind and sizes) to rows of
// rows of the input schema in. SESSION is refused: its bounds are known only
// when a session closes.
func New(spec window.Spec, in catalog.Schema) (*Assign, error) {
	switch spec.Kind {
	case window.Tumble:
		if spec.Size <= 0 {
			return nil, fmt.Errorf("TUMBLE size must be positive, got %d ms", spec.Size)
		}
	case window.Hop, window.Cumulate:
		if spec.Size <= 0 || spec.Slide <= 0 {
			return nil, fmt.Errorf("window size and slide must be positive, got %d and %d ms", spec.Size, spec.Slide)
		}
	default:
		return nil, fmt.Errorf("window assignment supports TUMBLE, HOP and CUMULATE only")
	}
	types := make(catalog.Schema, len(in)+2)
	for i, c := range in {
		types[i].Type = c.Type
	}
	types[len(in)].Type = catalog.Timestamp
	types[len(in)+1].Type = catalog.Timestamp
	a := &Assign{spec: spec, types: types, out: coldata.NewBatch(types, coldata.DefaultBatchSize)}
	a.reset()
	return a, nil
}

// Open does nothing: the operator has no state.
func (a *Assign) Open(*operators.Context) error { return nil }

// OnWatermark does nothing: the operator holds no rows.
func (a *Assign) OnWatermark(int64, operators.Emitter) error { return nil }

// Close does nothing.
func (a *Assign) Close() error { return nil }

// Process emits every live row of b once per window it belongs to. A row
// without an event time (b.EventTime nil) is an error: the planner puts
// the operator after the watermark assigner.
func (a *Assign) Process(b *coldata.Batch, out operators.Emitter) error {
	if b.Live() == 0 {
		return nil
	}
	if len(b.EventTime) < b.Len {
		return fmt.Errorf("window assignment needs event times")
	}
	a.out.Source, a.out.Partition = b.Source, b.Partition
	a.err = nil
	b.ForEach(func(i int) {
		if a.err != nil {
			return
		}
		a.err = a.row(b, i, out)
	})
	if a.err != nil {
		return a.err
	}
	return a.flush(out)
}

// row appends row i of b once per window of its event time.
func (a *Assign) row(b *coldata.Batch, i int, out operators.Emitter) error {
	t := b.EventTime[i]
	s := &a.spec
	switch s.Kind {
	case window.Tumble:
		off := floorMod(s.Offset, s.Size)
		start := floorDiv(t-off, s.Size)*s.Size + off
		return a.add(b, i, start, start+s.Size, out)
	case window.Hop:
		// The smallest multiple of slide greater than t - size.
		for start := floorDiv(t-s.Size, s.Slide)*s.Slide + s.Slide; start <= t; start += s.Slide {
			if err := a.add(b, i, start, start+s.Size, out); err != nil {
				return err
			}
		}
	case window.Cumulate:
		start := floorDiv(t, s.Size) * s.Size
		for end := start + (floorDiv(t-start, s.Slide)+1)*s.Slide; end <= start+s.Size; end += s.Slide {
			if err := a.add(b, i, start, end, out); err != nil {
				return err
			}
		}
	}
	return nil
}

// add appends row i of b with the window [start, end), emitting the output
// batch first when it is full.
func (a *Assign) add(b *coldata.Batch, i int, start, end int64, out operators.Emitter) error {
	o := a.out
	if o.Len == coldata.DefaultBatchSize {
		if err := a.flush(out); err != nil {
			return err
		}
	}
	n := len(b.Cols)
	for c, v := range b.Cols {
		o.Cols[c].CopyRow(v, i)
	}
	o.Cols[n].I64 = append(o.Cols[n].I64, start)
	o.Cols[n+1].I64 = append(o.Cols[n+1].I64, end)
	o.EventTime = append(o.EventTime, b.EventTime[i])
	if b.WmBefore != nil {
		o.WmBefore = append(o.WmBefore, b.WmBefore[i])
	}
	if b.Offset != nil {
		o.Offset = append(o.Offset, b.Offset[i])
	}
	if b.Raw != nil {
		o.Raw = append(o.Raw, b.Raw[i])
	}
	o.Len++
	return nil
}

// flush emits the rows gathered so far and empties the output batch.
func (a *Assign) flush(out operators.Emitter) error {
	o := a.out
	if o.Len == 0 {
		return nil
	}
	// Keep the grown vectors; a vector the input did not have stays nil.
	a.wm, a.off, a.raw = o.WmBefore, o.Offset, o.Raw
	if len(o.WmBefore) != o.Len {
		o.WmBefore = nil
	}
	if len(o.Offset) != o.Len {
		o.Offset = nil
	}
	if len(o.Raw) != o.Len {
		o.Raw = nil
	}
	err := out.Emit(o)
	a.reset()
	return err
}

// reset empties the output batch, keeping its capacity.
func (a *Assign) reset() {
	o := a.out
	clear(a.raw) // do not keep the input's payloads alive
	o.Reset(0)
	o.WmBefore, o.Offset, o.Raw, o.Emit = a.wm[:0], a.off[:0], a.raw[:0], nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }
