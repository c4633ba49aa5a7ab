package window

import (
	"math"
	"slices"
	"time"

	"github.com/weirdb/weir/coldata"
)

// lateKey names one key's row of one window awaiting a late re-emission.
type lateKey struct {
	start, end int64
	key        uint32
}

// triggerState is the EMIT policy's bookkeeping: late rows pending
// re-emission (coalesced per batch) and, for EARLY EVERY, which state
// changed since each window's last emission.
type triggerState struct {
	every   time.Duration
	everyOn bool
	last    time.Time // processing time of the last EARLY EVERY firing
	started bool

	late     map[lateKey]struct{}
	lateList []lateKey

	// EARLY EVERY, pane mode: seq counts additions; touchSeq[g] is the seq
	// of group g's last change; emitSeq[w][k] the seq at key k's last
	// early emission in window w, indexed by window so that a window that
	// fires forgets its entries in one step; touched lists (pane, group)
	// changed since the last firing.
	seq      uint64
	touchSeq []uint64
	emitSeq  map[winKey]map[uint32]uint64
	touched  []touchedGroup
	inList   []bool
}

// winKey names one window [start, end).
type winKey struct{ start, end int64 }

type touchedGroup struct {
	pane  int64
	group uint32
}

func (t *triggerState) init(s *Spec) {
	t.late = make(map[lateKey]struct{})
	t.emitSeq = make(map[winKey]map[uint32]uint64)
	if s.Trigger.EarlyEveryMs > 0 {
		// Past time.Duration's ~292 years the product would wrap and fire
		// on every tick: such an interval never comes round, as the
		// longest Duration does not.
		t.every = time.Duration(math.MaxInt64)
		if s.Trigger.EarlyEveryMs <= math.MaxInt64/int64(time.Millisecond) {
			t.every = time.Duration(s.Trigger.EarlyEveryMs) * time.Millisecond
		}
		t.everyOn = true
	}
}

func (t *triggerState) start(now time.Time) {
	t.last, t.started = now, true
}

// due reports whether an EARLY EVERY firing is due at now.
func (t *triggerState) due(now time.Time) bool {
	if !t.everyOn {
		return false
	}
	if !t.started {
		t.start(now)
		return false
	}
	if now.Sub(t.last) < t.every {
		return false
	}
	t.last = now
	return true
}

func (t *triggerState) grow(n int) {
	if t.everyOn {
		t.touchSeq = grow(t.touchSeq, n)
		t.inList = grow(t.inList, n)
	}
}

func grow[T any](s []T, n int) []T {
	for len(s) < n {
		var z T
		s = append(s, z)
	}
	return s
}

func (t *triggerState) resetGroup(g uint32) {
	if t.everyOn {
		t.touchSeq[g] = 0
		t.inList[g] = false
	}
}

// touch records that group g of pane p changed.
func (t *triggerState) touch(g uint32, p int64) {
	t.seq++
	t.touchSeq[g] = t.seq
	if !t.inList[g] {
		t.inList[g] = true
		t.touched = append(t.touched, touchedGroup{p, g})
	}
}

// emitted records an early emission of key k's row of window [s, e).
func (t *triggerState) emitted(s, e int64, k uint32) {
	if t.everyOn {
		t.setEmitSeq(lateKey{s, e, k}, t.seq)
	}
}

// setEmitSeq records seq as the seq of lk's last early emission.
func (t *triggerState) setEmitSeq(lk lateKey, seq uint64) {
	w := winKey{lk.start, lk.end}
	m := t.emitSeq[w]
	if m == nil {
		m = make(map[uint32]uint64)
		t.emitSeq[w] = m
	}
	m[lk.key] = seq
}

// emitSeqLen returns the number of (window, key) entries of emitSeq.
func (t *triggerState) emitSeqLen() int {
	n := 0
	for _, m := range t.emitSeq {
		n += len(m)
	}
	return n
}

// windowFinal forgets the early bookkeeping of a window that fired: one
// map deletion, whatever the number of other open windows.
func (t *triggerState) windowFinal(s, e int64) {
	if t.everyOn {
		delete(t.emitSeq, winKey{s, e})
	}
}

func (t *triggerState) markLate(lk lateKey) {
	if _, ok := t.late[lk]; ok {
		return
	}
	t.late[lk] = struct{}{}
	t.lateList = append(t.lateList, lk)
}

// flushLate emits the pending late re-emissions, one row per (window,
// key) with everything accepted so far.
func (o *op) flushLate() error {
	if o.spec.Kind == Session {
		return o.flushLateSessions()
	}
	t := &o.trig
	if len(t.lateList) == 0 {
		return nil
	}
	o.addSegment()
	var err error
	for _, lk := range t.lateList {
		if err == nil {
			err = o.emitWindowKey(lk.start, lk.end, lk.key, coldata.EmitLate)
		}
	}
	clear(t.late)
	t.lateList = t.lateList[:0]
	return err
}

// fireEarly emits, as early, every open window row whose aggregate
// changed since its last emission (EARLY EVERY).
func (o *op) fireEarly() error {
	if o.spec.Kind == Session {
		return o.fireEarlySessions()
	}
	t := &o.trig
	if len(t.touched) == 0 {
		return nil
	}
	// Candidate (window, key) rows from the touched pane groups.
	cand := make(map[lateKey]struct{})
	var list []lateKey
	for _, tg := range t.touched {
		t.inList[tg.group] = false
		k := o.groupKey[tg.group]
		if g, ok := o.pane.groups[paneGroupKey{tg.pane, k}]; !ok || g != tg.group {
			continue // purged since
		}
		o.pane.forWindowsEnding(tg.pane, o.wm, math.MaxInt64, func(s, e int64) {
			lk := lateKey{s, e, k}
			if _, ok := cand[lk]; !ok {
				cand[lk] = struct{}{}
				list = append(list, lk)
			}
		})
	}
	t.touched = t.touched[:0]
	slices.SortFunc(list, func(a, b lateKey) int {
		if c := cmp64(a.end, b.end); c != 0 {
			return c
		}
		if c := cmp64(a.start, b.start); c != 0 {
			return c
		}
		return int(a.key) - int(b.key)
	})
	for _, lk := range list {
		changed := uint64(0)
		for _, pn := range o.pane.panesIn(lk.start, lk.end) {
			if g, ok := o.pane.groups[paneGroupKey{pn.start, lk.key}]; ok {
				changed = max(changed, t.touchSeq[g])
			}
		}
		if last, ok := t.emitSeq[winKey{lk.start, lk.end}][lk.key]; ok && changed <= last {
			continue
		}
		if err := o.emitWindowKey(lk.start, lk.end, lk.key, coldata.EmitEarly); err != nil {
			return err
		}
		t.setEmitSeq(lk, t.seq)
	}
	return nil
}
