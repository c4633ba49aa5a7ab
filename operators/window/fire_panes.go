package window

import (
	"math"

	"github.com/weirdb/weir/coldata"
)

const minTime = math.MinInt64

// firePanes emits final rows for every window with end ≤ W, in (end,
// start) order and key first-seen order within a window, then purges the
// windows and panes past their lateness.
func (o *op) firePanes() error {
	ps := &o.pane
	L := o.spec.Trigger.LatenessMs
	for i := range ps.wins {
		w := &ps.wins[i]
		if w.end > o.wm {
			break
		}
		if w.fired {
			continue
		}
		if i%cancelEvery == 0 {
			if err := o.cancelled(); err != nil {
				return err
			}
		}
		w.fired = true
		n, err := o.emitWindow(w.start, w.end, coldata.EmitFinal)
		if err != nil {
			return err
		}
		o.cnt.WindowsCompleted.Add(int64(n))
		o.trig.windowFinal(w.start, w.end)
	}
	// Purge windows past lateness (a prefix: sorted by end).
	j := 0
	for j < len(ps.wins) && satAdd(ps.wins[j].end, L) <= o.wm {
		o.cnt.WindowsPruned.Add(ps.wins[j].keys)
		j++
	}
	if j > 0 {
		ps.wins = append(ps.wins[:0], ps.wins[j:]...)
	}
	// Purge panes past lateness (a prefix: lastEnd grows with start).
	j = 0
	for j < len(ps.panes) && satAdd(ps.panes[j].lastEnd, L) <= o.wm {
		o.purgePane(ps.panes[j])
		j++
	}
	if j > 0 {
		clear(ps.panes[:j])
		ps.panes = append(ps.panes[:0], ps.panes[j:]...)
	}
	o.updateNextAct()
	return nil
}

// cancelEvery is how many windows firePanes fires between two looks at
// the query's context.
const cancelEvery = 256

// cancelled returns the context's error once the query is cancelled, so
// that one watermark advance firing very many windows (HOP with a large
// size/slide ratio) does not hold up Ctrl-C.
func (o *op) cancelled() error {
	if o.ctx == nil || o.ctx.Ctx == nil {
		return nil
	}
	return o.ctx.Ctx.Err()
}

func (o *op) purgePane(pn *pane) {
	ps := &o.pane
	for _, g := range pn.groups {
		k := o.groupKey[g]
		if int(k) < len(ps.keyPane) && ps.keyGroup[k] == g && ps.keyPane[k] == pn.start {
			ps.keyPane[k] = minTime
		}
		delete(ps.groups, paneGroupKey{pn.start, k})
		o.freeGroup(g)
		o.keys.unref(k)
	}
	if o.spill.on {
		o.dropPane(pn)
	}
	delete(ps.byTime, pn.start)
}

// panesOf calls f for every existing pane of window [s, e), in order.
func (o *op) panesOf(s, e int64, f func(pn *pane)) {
	for _, pn := range o.pane.panesIn(s, e) {
		f(pn)
	}
}

// emitWindow appends the rows of every key of window [s, e) with the
// given kind and returns their number.
func (o *op) emitWindow(s, e int64, kind coldata.EmitKind) (int, error) {
	ps := &o.pane
	if o.spill.on {
		if pn := ps.byTime[s]; e-s == ps.size && pn != nil && pn.spilled > 0 && pn.ords != nil {
			return o.emitSpilledPane(pn, s, e, kind) // spill_emit.go
		}
		if e-s != ps.size && o.windowSpilled(s, e) {
			return o.emitSpilledPanes(s, e, kind) // spill_emit_panes.go
		}
		if err := o.loadWindow(s, e); err != nil {
			return 0, err
		}
	}
	o.panesOf(s, e, o.sortGroups) // read back out of order (spilled, or restored)
	if e-s == ps.size {           // one pane: its groups are the window's rows
		pn := ps.byTime[s]
		if pn == nil {
			return 0, nil
		}
		for _, g := range pn.groups {
			if err := o.appendRow(s, e, o.groupKey[g], g, kind); err != nil {
				return 0, err
			}
		}
		return len(pn.groups), nil
	}
	// Merge each key's pane groups into a scratch group.
	ps.stamp++
	if ps.stamp == 0 {
		clear(ps.keyStamp)
		ps.stamp = 1
	}
	order := ps.order[:0]
	o.panesOf(s, e, func(pn *pane) {
		for _, g := range pn.groups {
			k := o.groupKey[g]
			for int(k) >= len(ps.keyStamp) {
				ps.keyStamp = append(ps.keyStamp, 0)
				ps.keyScratch = append(ps.keyScratch, 0)
			}
			if ps.keyStamp[k] != ps.stamp {
				ps.keyStamp[k] = ps.stamp
				ps.keyScratch[k] = o.newGroup(k)
				order = append(order, k)
			}
			for _, a := range o.accs {
				a.Merge(ps.keyScratch[k], g)
			}
		}
	})
	ps.order = order
	var err error
	for _, k := range order {
		sg := ps.keyScratch[k]
		if err == nil {
			err = o.appendRow(s, e, k, sg, kind)
		}
		o.freeGroup(sg)
	}
	return len(order), err
}

// emitWindowKey appends key k's row of window [s, e), if k has state in it.
func (o *op) emitWindowKey(s, e int64, k uint32, kind coldata.EmitKind) error {
	ps := &o.pane
	if o.spill.on {
		o.unspillKey(s, e, k)
	}
	if e-s == ps.size {
		g, ok := ps.groups[paneGroupKey{s, k}]
		if !ok {
			return nil
		}
		return o.appendRow(s, e, k, g, kind)
	}
	sg := o.newGroup(k)
	found := false
	for _, pn := range ps.panesIn(s, e) {
		if g, ok := ps.groups[paneGroupKey{pn.start, k}]; ok {
			found = true
			for _, a := range o.accs {
				a.Merge(sg, g)
			}
		}
	}
	var err error
	if found {
		err = o.appendRow(s, e, k, sg, kind)
	}
	o.freeGroup(sg)
	return err
}
