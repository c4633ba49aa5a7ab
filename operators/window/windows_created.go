package window

import (
	"math"
	"slices"
)

// countNewWindows counts, in weir_windows_created_total and in the
// windows' keys, the (window, key) pairs that key k's new group in the
// pane at p creates: the live windows containing the pane (end + L > W)
// in which k has no other pane. A HOP or CUMULATE window holds several
// panes, so a key's second pane in a window creates nothing there; a
// TUMBLE window is its pane.
//
// k's nearest other panes around p decide it: a window [s, e) containing p
// holds another pane of k when k's previous pane starts at or after s, or
// its next pane before e. Finding them looks at the existing panes
// between p and them, within the windows' span, one map lookup each (and
// one warm-tier lookup for a pane with spilled groups); this runs once
// per new (pane, key), not per event. Without spilling, a key's latest pane
// (keyMax) answers at once when the new pane is after it, the in-order
// case: then no scan is needed.
func (o *op) countNewWindows(p int64, k uint32) {
	ps := &o.pane
	lo := satSub(o.wm, o.spec.Trigger.LatenessMs) // windows ending at or before lo are gone
	if ps.kind == Tumble {
		if e := p + ps.size; e > lo {
			o.windowCreated(p, e)
		}
		return
	}
	minStart, maxEnd := ps.spanOf(p)
	fast := ps.keyMaxOn && !o.spill.on
	var last int64 = math.MinInt64 // k's latest pane before this one
	if fast {
		for int(k) >= len(ps.keyMax) {
			ps.keyMax = append(ps.keyMax, math.MinInt64)
		}
		last = ps.keyMax[k]
		ps.keyMax[k] = max(last, p)
	}
	if maxEnd <= lo {
		return
	}
	prev, next := int64(math.MinInt64), int64(math.MaxInt64)
	if fast && last < p {
		// In order for k: its latest pane is the nearest before p (if
		// purged, the windows it shares with p are gone too), none after.
		prev = last
	} else {
		i, _ := slices.BinarySearchFunc(ps.panes, p, func(x *pane, t int64) int { return cmp64(x.start, t) })
		for j := i - 1; j >= 0 && ps.panes[j].start >= minStart; j-- {
			if o.hasGroup(ps.panes[j], k) {
				prev = ps.panes[j].start
				break
			}
		}
		for j := i + 1; j < len(ps.panes) && ps.panes[j].start < maxEnd; j++ {
			if o.hasGroup(ps.panes[j], k) {
				next = ps.panes[j].start
				break
			}
		}
	}
	ps.forWindowsEnding(p, lo, math.MaxInt64, func(s, e int64) {
		if prev < s && next >= e {
			o.windowCreated(s, e)
		}
	})
}

// spanOf returns the smallest start and the largest end of the windows
// containing the pane at p.
func (ps *paneState) spanOf(p int64) (minStart, maxEnd int64) {
	_, maxEnd = ps.bounds(p)
	switch ps.kind {
	case Hop:
		minStart = floorDiv(p-ps.winSize, ps.slide)*ps.slide + ps.slide
	case Cumulate:
		minStart = floorDiv(p, ps.winSize) * ps.winSize
	default:
		minStart = p
	}
	return minStart, maxEnd
}

// hasGroup reports whether key k has state in pane pn, in memory or
// spilled to the warm tier.
func (o *op) hasGroup(pn *pane, k uint32) bool {
	if _, ok := o.pane.groups[paneGroupKey{pn.start, k}]; ok {
		return true
	}
	if pn.spilled == 0 || o.spill.tier == nil {
		return false
	}
	sp := &o.spill
	sp.kbuf = append(paneKey(sp.kbuf[:0], pn.start), o.keys.enc[k]...)
	v, ok, err := sp.tier.Get(sp.kbuf, sp.vbuf)
	sp.vbuf = v
	if err != nil {
		sp.fail(err)
		return false
	}
	return ok
}

// windowCreated counts one new (window, key) pair of window [s, e).
func (o *op) windowCreated(s, e int64) {
	o.cnt.WindowsCreated.Add(1)
	if w := o.pane.findWin(s, e); w != nil {
		w.keys++
	}
}

// findWin returns the registered window [s, e), or nil.
func (ps *paneState) findWin(s, e int64) *win {
	i, found := slices.BinarySearchFunc(ps.wins, win{start: s, end: e}, cmpWin)
	if !found {
		return nil
	}
	return &ps.wins[i]
}

// cmpWin orders windows by (end, start): the order they fire in.
func cmpWin(x, y win) int {
	if c := cmp64(x.end, y.end); c != 0 {
		return c
	}
	return cmp64(x.start, y.start)
}

// resetKeyMax forgets k's latest pane: k is a new key (or a reused id).
func (ps *paneState) resetKeyMax(k uint32) {
	if int(k) < len(ps.keyMax) {
		ps.keyMax[k] = math.MinInt64
	}
}

// rebuildKeyMax recomputes every key's latest pane from the panes in
// memory after a restore; with groups in the warm tier it turns the
// shortcut off (they are not in memory to look at).
func (o *op) rebuildKeyMax() {
	ps := &o.pane
	ps.keyMax = ps.keyMax[:0]
	ps.keyMaxOn = true
	for _, pn := range ps.panes {
		if pn.spilled > 0 {
			ps.keyMaxOn = false
		}
		for _, g := range pn.groups {
			k := o.groupKey[g]
			for int(k) >= len(ps.keyMax) {
				ps.keyMax = append(ps.keyMax, math.MinInt64)
			}
			ps.keyMax[k] = max(ps.keyMax[k], pn.start)
		}
	}
}
