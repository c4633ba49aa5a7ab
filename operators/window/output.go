package window

import (
	"github.com/weirdb/weir/coldata"
)

// appendRow appends the row of group g (key k) of window [s, e) to the
// output batch, emitting the batch when it is full.
func (o *op) appendRow(s, e int64, k, g uint32, kind coldata.EmitKind) error {
	out := o.out
	out.Cols[0].I64 = append(out.Cols[0].I64, s)
	out.Cols[1].I64 = append(out.Cols[1].I64, e)
	o.keys.appendKey(k, o.outKeys)
	for a, vec := range o.outAggs {
		o.accs[a].Result(g, vec)
	}
	if kind == coldata.EmitFinal {
		o.observeFinal(g)
	}
	out.Emit = append(out.Emit, kind)
	out.Len++
	if out.Len >= coldata.DefaultBatchSize {
		return o.flushOut()
	}
	return nil
}

// flushOut emits the pending output rows, if any.
func (o *op) flushOut() error {
	out := o.out
	if out == nil || out.Len == 0 {
		return nil
	}
	// Rows out are counted where they are delivered (the runtime, at the
	// sink), not here: HAVING and a failing sink may drop them.
	err := o.emitter.Emit(out)
	out.Reset(0)
	return err
}
