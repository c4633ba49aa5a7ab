package window

import (
	"math"
	"slices"
)

// pane is a slice of event time [start, start+size) that every window of
// the query either contains whole or not at all: the window for TUMBLE,
// gcd(slide, size) for HOP, the step for CUMULATE. It holds one group per
// key that has events in it.
type pane struct {
	start    int64
	firstEnd int64    // the smallest end of a window containing the pane
	lastEnd  int64    // the largest end; the pane is purged at W ≥ lastEnd + L
	groups   []uint32 // in creation order: the key first-seen order

	// Spilling (spill.go): ords, once the pane has spilled, holds each
	// group's first-seen ordinal (groups stays sorted by it); spilled
	// counts its groups held only in the warm tier; warm says whether the
	// tier has entries of the pane (possibly superseded ones); unsorted
	// says groups were read back out of ordinal order.
	ords     []uint32
	nextOrd  uint32
	spilled  int
	warm     bool
	unsorted bool
}

// win is a window that has (or had) state: it is emitted final when
// W ≥ end and forgotten when W ≥ end + L.
type win struct {
	start, end int64
	fired      bool
	keys       int64 // the keys with state in it: weir_windows_created_total counted them
}

// paneGroupKey addresses the group of one key in one pane.
type paneGroupKey struct {
	start int64
	key   uint32
}

type paneState struct {
	kind         Kind
	size, offset int64 // pane size and alignment
	winSize      int64
	slide        int64

	panes  []*pane // by start; the purge order
	byTime map[int64]*pane
	groups map[paneGroupKey]uint32
	wins   []win // by (end, start)

	// Per-key cache of the last pane used: most events of a key land in
	// the same pane as the previous one.
	keyPane  []int64
	keyGroup []uint32

	// Per key, its latest pane with state (math.MinInt64: none), for
	// counting created windows without a scan (windows_created.go); used
	// while keyMaxOn and not spilling.
	keyMax   []int64
	keyMaxOn bool

	// Window-row scratch: per key, a stamp and a merge group.
	stamp      uint32
	keyStamp   []uint32
	keyScratch []uint32
	order      []uint32
}

func (ps *paneState) init(s *Spec) {
	ps.kind = s.Kind
	ps.byTime = make(map[int64]*pane)
	ps.groups = make(map[paneGroupKey]uint32)
	ps.keyMaxOn = true
	switch s.Kind {
	case Tumble:
		ps.size, ps.winSize = s.Size, s.Size
		ps.offset = floorMod(s.Offset, s.Size)
	case Hop:
		ps.size, ps.winSize, ps.slide = gcd(s.Slide, s.Size), s.Size, s.Slide
	case Cumulate:
		ps.size, ps.winSize, ps.slide = s.Slide, s.Size, s.Slide
	}
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// paneOf returns the start of the pane holding event time t.
func (ps *paneState) paneOf(t int64) int64 {
	return floorDiv(t-ps.offset, ps.size)*ps.size + ps.offset
}

// bounds returns the smallest and largest end of the windows containing
// the pane starting at p.
func (ps *paneState) bounds(p int64) (firstEnd, lastEnd int64) {
	switch ps.kind {
	case Hop:
		// Window starts s: multiples of slide with p−size < s ≤ p.
		first := floorDiv(p-ps.winSize, ps.slide)*ps.slide + ps.slide
		last := floorDiv(p, ps.slide) * ps.slide
		return first + ps.winSize, last + ps.winSize
	case Cumulate:
		s := floorDiv(p, ps.winSize) * ps.winSize
		return p + ps.size, s + ps.winSize
	}
	return p + ps.size, p + ps.size
}

// forWindowsEnding calls f for every window [s, e) containing the pane at
// p with lo < e ≤ hi, by ascending end. It visits only those windows, so
// that a late event of a HOP with a large size/slide ratio costs the
// windows it is late for, not all of its size/slide windows.
func (ps *paneState) forWindowsEnding(p, lo, hi int64, f func(s, e int64)) {
	switch ps.kind {
	case Hop:
		// Window starts s: multiples of slide with p−size < s ≤ p.
		first := floorDiv(p-ps.winSize, ps.slide)*ps.slide + ps.slide
		last := floorDiv(p, ps.slide) * ps.slide
		eFirst, eLast := clipEnds(first+ps.winSize, last+ps.winSize, ps.slide, lo, hi)
		for e := eFirst; e <= eLast; e += ps.slide {
			f(e-ps.winSize, e)
		}
	case Cumulate:
		s := floorDiv(p, ps.winSize) * ps.winSize
		eFirst, eLast := clipEnds(p+ps.size, s+ps.winSize, ps.size, lo, hi)
		for e := eFirst; e <= eLast; e += ps.size {
			f(s, e)
		}
	default:
		if e := p + ps.size; lo < e && e <= hi {
			f(p, e)
		}
	}
}

// clipEnds narrows the ends eFirst, eFirst+step, …, eLast to those in
// (lo, hi]; the result is empty (first > last) when none is.
func clipEnds(eFirst, eLast, step, lo, hi int64) (int64, int64) {
	if lo >= eFirst {
		eFirst += (floorDiv(lo-eFirst, step) + 1) * step
	}
	if hi < eLast {
		if hi < eFirst {
			return 1, 0
		}
		eLast = eFirst + floorDiv(hi-eFirst, step)*step
	}
	return eFirst, eLast
}

// satSub is a − b floored at minTime (b ≥ 0).
func satSub(a, b int64) int64 {
	if a < minTime+b {
		return minTime
	}
	return a - b
}

// panesIn returns the existing panes of window [s, e), in order: the
// sub-slice of ps.panes (sorted by start) found by binary search. A window
// thus visits the panes that exist, never each of its size/pane-size
// slots (HOP 1 ms / 1 h has 3.6M slots per window).
func (ps *paneState) panesIn(s, e int64) []*pane {
	byStart := func(x *pane, t int64) int { return cmp64(x.start, t) }
	lo, _ := slices.BinarySearchFunc(ps.panes, s, byStart)
	n, _ := slices.BinarySearchFunc(ps.panes[lo:], e, byStart)
	return ps.panes[lo : lo+n : lo+n]
}

// getPane returns the pane at p, creating it and registering its windows
// that are not past their lateness.
func (o *op) getPane(p int64) *pane {
	ps := &o.pane
	if pn := ps.byTime[p]; pn != nil {
		return pn
	}
	pn := &pane{start: p}
	pn.firstEnd, pn.lastEnd = ps.bounds(p)
	ps.byTime[p] = pn
	i, _ := slices.BinarySearchFunc(ps.panes, p, func(x *pane, t int64) int { return cmp64(x.start, t) })
	ps.panes = slices.Insert(ps.panes, i, pn)
	L := o.spec.Trigger.LatenessMs
	// Windows with e + L ≤ W are too late: purged or never to be emitted.
	ps.forWindowsEnding(p, satSub(o.wm, L), math.MaxInt64, o.addWindow)
	o.updateNextAct()
	return pn
}

func cmp64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// satAdd is a + b saturating at math.MaxInt64 (b ≥ 0).
func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// addWindow registers window [s, e) unless present. A window created at
// W ≥ e (by a late event) never fires final: its rows go out as late.
func (o *op) addWindow(s, e int64) {
	ps := &o.pane
	i, found := slices.BinarySearchFunc(ps.wins, win{start: s, end: e}, cmpWin)
	if found {
		return
	}
	ps.wins = slices.Insert(ps.wins, i, win{start: s, end: e, fired: e <= o.wm})
}

// updateNextAct recomputes the watermark at which the next window fires
// or the next state is purged.
func (o *op) updateNextAct() {
	ps := &o.pane
	L := o.spec.Trigger.LatenessMs
	next := int64(math.MaxInt64)
	for i := range ps.wins {
		w := &ps.wins[i]
		if !w.fired {
			next = min(next, w.end)
			break
		}
	}
	if len(ps.wins) > 0 {
		next = min(next, satAdd(ps.wins[0].end, L))
	}
	if len(ps.panes) > 0 {
		next = min(next, satAdd(ps.panes[0].lastEnd, L))
	}
	o.nextAct = next
}

// groupFor returns the group of key k in the pane at p, creating it.
func (o *op) groupFor(p int64, k uint32) uint32 {
	ps := &o.pane
	if int(k) < len(ps.keyPane) && ps.keyPane[k] == p {
		return ps.keyGroup[k]
	}
	g, ok := ps.groups[paneGroupKey{p, k}]
	if !ok {
		pn := o.getPane(p)
		if pn.spilled > 0 && !o.spill.rb.active { // else read back with the batch
			g, ok = o.unspillGroup(pn, k)
		}
		if !ok {
			g = o.newGroup(k)
			o.keys.ref(k)
			pn.appendGroup(g)
			ps.groups[paneGroupKey{p, k}] = g
			o.countNewWindows(p, k)
		}
	}
	for int(k) >= len(ps.keyPane) {
		ps.keyPane = append(ps.keyPane, math.MinInt64)
		ps.keyGroup = append(ps.keyGroup, 0)
	}
	ps.keyPane[k], ps.keyGroup[k] = p, g
	return g
}
