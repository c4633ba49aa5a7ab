package window

import (
	"math"

	"github.com/weirdb/weir/coldata"
)

// processPanes runs a batch through TUMBLE, HOP or CUMULATE windows. Rows
// are buffered with their group ids and added to the accumulators a
// segment at a time; a segment ends where the watermark crosses the next
// window end or purge (an advance), or after an EARLY WHEN row.
func (o *op) processPanes(b *coldata.Batch) error {
	o.segBatch = b
	ps := &o.pane
	L := o.spec.Trigger.LatenessMs
	whenCol := o.spec.Trigger.EarlyWhenCol
	var when *coldata.Vec
	if whenCol >= 0 {
		when = b.Cols[whenCol]
	}
	early := o.trig.everyOn
	spilling := o.spill.on
	if spilling {
		if err := o.readBackBatch(b); err != nil {
			return err
		}
		defer func() { o.spill.rb.active = false }()
	}
	curP, firstEnd, lastEnd := int64(0), int64(0), int64(0)
	havePane := false
	keyCols := o.spec.KeyCols
	step := func(i int) error {
		if wb := b.WmBefore[i]; wb > o.wm {
			if wb >= o.nextAct {
				if err := o.advance(wb); err != nil {
					return err
				}
			} else {
				o.wm = wb
			}
		}
		t := b.EventTime[i]
		p := ps.paneOf(t)
		if !havePane || p != curP {
			curP, havePane = p, true
			firstEnd, lastEnd = ps.bounds(p)
		}
		if o.wm >= satAdd(lastEnd, L) {
			o.tooLate(b, i)
			return nil
		}
		k, fresh := o.keys.lookup(o.keys.encode(b, keyCols, i))
		if fresh {
			if int(k) < len(ps.keyPane) {
				ps.keyPane[k] = minTime
			}
			ps.resetKeyMax(k)
		}
		g := o.groupFor(p, k)
		if spilling {
			o.spill.touchGroup(g, len(o.groupKey))
		}
		o.segRows = append(o.segRows, i)
		o.segGroups = append(o.segGroups, g)
		if early {
			o.trig.touch(g, p)
		}
		if o.wm >= firstEnd && o.markLatePane(p, k) {
			o.cnt.LateEvents.Add(1)
		}
		if when != nil && !when.Nulls.IsNull(i) && when.Bool[i] {
			o.addSegment()
			return o.fireWhenPane(p, k)
		}
		return nil
	}
	err := b.ForEachErr(step)
	o.addSegment()
	return err
}

// markLatePane records, for key k, every window containing the pane at p
// for which the event is late (e ≤ W < e + L), for a late re-emission,
// and reports whether there was one. Windows for which it is too late
// just do not see it: they are purged.
func (o *op) markLatePane(p int64, k uint32) bool {
	L := o.spec.Trigger.LatenessMs
	late := false
	o.pane.forWindowsEnding(p, satSub(o.wm, L), o.wm, func(s, e int64) {
		o.trig.markLate(lateKey{start: s, end: e, key: k})
		late = true
	})
	return late
}

// fireWhenPane emits, at once and as early, key k's row of every open
// window containing the pane at p (EARLY WHEN).
func (o *op) fireWhenPane(p int64, k uint32) error {
	var err error
	o.pane.forWindowsEnding(p, o.wm, math.MaxInt64, func(s, e int64) {
		if err != nil {
			return
		}
		err = o.emitWindowKey(s, e, k, coldata.EmitEarly)
		o.trig.emitted(s, e, k)
	})
	return err
}
