package window

import (
	"math"
	"slices"

	"github.com/weirdb/weir/coldata"
)

// session is one session window of a key: first and last event times f
// and l, and its group of accumulators.
type session struct {
	f, l   int64
	g      uint32
	key    uint32
	seq    uint64 // creation order, for a stable emission order
	gen    uint32 // incarnation of this slot
	heapAt int64  // the time of its pending heap entry
	live   bool
	fired  bool // final emitted at the current end
	dirty  bool // changed since its last emission (EARLY EVERY)

	// touch is the batch clock of its last event (spilling picks the
	// coldest keys; session_spill.go).
	touch uint64
}

// sessHeapEntry schedules a session's next action: firing at its end, or
// purging at end + L. Entries whose at differs from the session's heapAt
// are stale.
type sessHeapEntry struct {
	at, start int64
	seq       uint64
	id        int32
	gen       uint32
}

// sessHeap is a binary min-heap of entries in lessEntry order.
type sessHeap []sessHeapEntry

// lessEntry orders entries by time, then session start, then first-seen.
func (sessHeap) lessEntry(a, b sessHeapEntry) bool { return entryLess(&a, &b) }

// entryLess is lessEntry on pointers (the heap's loops copy no entries to
// compare them).
func entryLess(a, b *sessHeapEntry) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	if a.start != b.start {
		return a.start < b.start
	}
	return a.seq < b.seq
}

// push adds e. The heap is typed (not container/heap, whose Push and Pop
// box every entry in an interface: two allocations per event), and it
// sifts a hole rather than swapping entries: the same comparisons and
// the same layout as swapping, with a third of the entry moves.
func (h *sessHeap) push(e sessHeapEntry) {
	*h = append(*h, e)
	hh := *h
	j := len(hh) - 1
	for j > 0 {
		i := (j - 1) / 2
		if !entryLess(&e, &hh[i]) {
			break
		}
		hh[j] = hh[i]
		j = i
	}
	hh[j] = e
}

// pop removes and returns the least entry; the heap must not be empty.
func (h *sessHeap) pop() sessHeapEntry {
	hh := *h
	n := len(hh) - 1
	top, x := hh[0], hh[n]
	hh = hh[:n]
	i := 0
	for {
		j := 2*i + 1
		if j >= len(hh) {
			break
		}
		c := &hh[j]
		if r := j + 1; r < len(hh) && entryLess(&hh[r], c) {
			j, c = r, &hh[r]
		}
		if !entryLess(c, &x) {
			break
		}
		hh[i] = *c
		i = j
	}
	if i < len(hh) {
		hh[i] = x
	}
	*h = hh
	return top
}

type sessionState struct {
	list     []session
	free     []int32
	freeNext []int32   // freed during a batch; reusable after flushLate
	byKey    [][]int32 // by key id: its live sessions (addToKey)
	byKeyMem []int32   // unused room for the first session of a key
	heap     sessHeap
	seq      uint64
	late     []int32
	cands    []int32
	early    []int32 // scratch of fireEarlySessions
	// Spilling (session_spill.go): spilledKeys counts the timer entries
	// in the warm tier, one per spilled key (an upper bound: a timer that
	// expired, state.warm.ttl, unseen is subtracted only when a scan of
	// the timers reaches the end); no timer is before timerLow; stale
	// counts heap entries of spilled sessions; dueAts is scratch.
	spilledKeys int
	timerLow    int64
	stale       int
	dueAts      []int64
}

func (ss *sessionState) init() { ss.timerLow = math.MaxInt64 }

func (o *op) sessionEnd(f, l int64) int64 {
	e := satAdd(l, o.spec.Gap)
	if m := o.spec.MaxDuration; m > 0 {
		e = min(e, satAdd(f, m))
	}
	return e
}

// actionAt is when session s next needs attention: its end until it
// fired, then end + L.
func (o *op) actionAt(s *session) int64 {
	e := o.sessionEnd(s.f, s.l)
	if s.fired {
		return satAdd(e, o.spec.Trigger.LatenessMs)
	}
	return e
}

// schedule makes sure session id has a heap entry no later than its next
// action.
func (o *op) schedule(id int32) {
	ss := &o.sess
	s := &ss.list[id]
	at := o.actionAt(s)
	if at < s.heapAt {
		s.heapAt = at
		ss.heap.push(sessHeapEntry{at: at, start: s.f, seq: s.seq, id: id, gen: s.gen})
		if at < o.nextAct {
			o.nextAct = at
		}
	}
}

// spanOK reports whether a session spanning [f, l] respects MaxDuration.
func (o *op) spanOK(f, l int64) bool {
	return o.spec.MaxDuration <= 0 || l-f < o.spec.MaxDuration
}

// processSessions runs a batch through SESSION windows (SEMANTICS.md §2).
func (o *op) processSessions(b *coldata.Batch) error {
	o.segBatch = b
	ss := &o.sess
	gap, L := o.spec.Gap, o.spec.Trigger.LatenessMs
	var when *coldata.Vec
	if c := o.spec.Trigger.EarlyWhenCol; c >= 0 {
		when = b.Cols[c]
	}
	if err := o.readBackKeys(b); err != nil {
		return err
	}
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
		k, _ := o.keys.lookup(o.keys.encode(b, o.spec.KeyCols, i))
		for int(k) >= len(ss.byKey) {
			ss.byKey = append(ss.byKey, nil)
		}
		// Sessions the event can join.
		cands := ss.cands[:0]
		F, Lm := t, t
		for _, id := range ss.byKey[k] {
			s := &ss.list[id]
			if s.f-gap <= t && t <= satAdd(s.l, gap) && o.spanOK(min(s.f, t), max(s.l, t)) {
				cands = append(cands, id)
				F, Lm = min(F, s.f), max(Lm, s.l)
			}
		}
		ss.cands = cands
		target := int32(-1)
		merge := false
		f, l := t, t
		switch {
		case len(cands) == 1:
			target = cands[0]
		case len(cands) > 1:
			if o.spanOK(F, Lm) {
				merge = true
				target = cands[0]
			} else {
				for _, id := range cands { // the latest f
					if target < 0 || ss.list[id].f > ss.list[target].f {
						target = id
					}
				}
			}
		}
		if merge {
			f, l = F, Lm
		} else if target >= 0 {
			s := &ss.list[target]
			f, l = min(s.f, t), max(s.l, t)
		}
		end := o.sessionEnd(f, l)
		if o.wm >= satAdd(end, L) {
			if len(ss.byKey[k]) == 0 && o.keys.refs[k] == 0 {
				o.keys.unref(k) // a key created for nothing
			}
			o.tooLate(b, i)
			return nil
		}
		if target < 0 {
			target = o.newSession(k, t)
		} else if merge {
			o.addSegment()
			for _, id := range cands {
				if id != target {
					o.mergeSession(target, id)
				}
			}
		}
		s := &ss.list[target]
		if f < s.f || merge {
			// Its start (or first-seen order) moved earlier: queue a new
			// entry so that it fires in (time, start, first-seen) order;
			// the old entry is skipped when it comes up.
			s.heapAt = math.MaxInt64
		}
		s.f, s.l = f, l
		s.dirty = true
		s.touch = o.spill.clock
		late := o.wm >= end
		s.fired = late
		o.schedule(target)
		o.segRows = append(o.segRows, i)
		o.segGroups = append(o.segGroups, s.g)
		if late {
			o.cnt.LateEvents.Add(1)
			o.markLateSession(target)
		}
		if when != nil && !late && !when.Nulls.IsNull(i) && when.Bool[i] {
			o.addSegment()
			s.dirty = false
			return o.appendRow(s.f, end, s.key, s.g, coldata.EmitEarly)
		}
		return nil
	}
	err := b.ForEachErr(step)
	o.addSegment()
	return err
}

// addToKey appends session id to the sessions of key k. A key id's first
// list takes one element of a shared block rather than an allocation of
// its own (most keys have one session at a time); a longer list grows as
// usual. An emptied list keeps its room for the next key of its id.
func (ss *sessionState) addToKey(k uint32, id int32) {
	l := ss.byKey[k]
	if cap(l) == 0 {
		if len(ss.byKeyMem) == 0 {
			ss.byKeyMem = make([]int32, 1024)
		}
		l = ss.byKeyMem[:0:1]
		ss.byKeyMem = ss.byKeyMem[1:]
	}
	ss.byKey[k] = append(l, id)
}

func (o *op) newSession(k uint32, t int64) int32 {
	ss := &o.sess
	id := ss.newSlot()
	gen := ss.list[id].gen + 1
	ss.seq++
	ss.list[id] = session{f: t, l: t, g: o.newGroup(k), key: k, seq: ss.seq, gen: gen,
		heapAt: math.MaxInt64, live: true}
	o.keys.ref(k)
	ss.addToKey(k, id)
	o.cnt.WindowsCreated.Add(1)
	return id
}

// mergeSession merges session src into dst and removes src.
func (o *op) mergeSession(dst, src int32) {
	ss := &o.sess
	d, s := &ss.list[dst], &ss.list[src]
	for _, a := range o.accs {
		a.Merge(d.g, s.g)
	}
	d.f, d.l = min(d.f, s.f), max(d.l, s.l)
	if s.seq < d.seq {
		d.seq = s.seq // the merged session keeps the earliest first-seen
	}
	o.removeSession(src)
}

func (o *op) removeSession(id int32) {
	ss := &o.sess
	s := &ss.list[id]
	list := ss.byKey[s.key]
	for j, x := range list {
		if x == id {
			list = append(list[:j], list[j+1:]...)
			break
		}
	}
	ss.byKey[s.key] = list
	o.freeGroup(s.g)
	o.keys.unref(s.key)
	s.live = false
	ss.freeNext = append(ss.freeNext, id)
}

func (o *op) markLateSession(id int32) {
	o.sess.late = append(o.sess.late, id)
}

// flushLateSessions emits each session that took a late event once.
func (o *op) flushLateSessions() error {
	ss := &o.sess
	o.addSegment()
	var err error
	for j, id := range ss.late {
		s := &ss.list[id]
		if !s.live || !s.fired || err != nil {
			continue // merged away, or reopened by a later on-time event: its final row will tell
		}
		dup := false
		for _, x := range ss.late[:j] {
			if x == id {
				dup = true
				break
			}
		}
		if !dup {
			err = o.appendRow(s.f, o.sessionEnd(s.f, s.l), s.key, s.g, coldata.EmitLate)
			s.dirty = false
		}
	}
	ss.late = ss.late[:0]
	ss.free = append(ss.free, ss.freeNext...)
	ss.freeNext = ss.freeNext[:0]
	return err
}

// fireSessions fires and purges the sessions due at W, reading spilled
// keys back in chunks (session_spill.go): each chunk's keys are due no
// later than the next chunk's, so firing up to the last of them before
// reading on keeps the order of firing.
func (o *op) fireSessions() error {
	ss := &o.sess
	for {
		limit := o.wm
		if ss.spilledKeys > 0 && ss.timerLow <= o.wm {
			var err error
			if limit, err = o.loadDueKeys(); err != nil {
				return err
			}
		}
		if err := o.fireSessionsTo(limit); err != nil {
			return err
		}
		if limit >= o.wm {
			break
		}
		if len(ss.late) == 0 {
			// The slots purged by this chunk serve the next: the end of
			// input purges every session, chunk by chunk, and the session
			// list must not grow to hold them all. (With late rows pending
			// in this batch, slots are reused only after flushLate.)
			ss.free = append(ss.free, ss.freeNext...)
			ss.freeNext = ss.freeNext[:0]
		}
	}
	ss.free = append(ss.free, ss.freeNext...)
	ss.freeNext = ss.freeNext[:0]
	o.nextAct = math.MaxInt64
	if len(ss.heap) > 0 {
		o.nextAct = ss.heap[0].at
	}
	if ss.spilledKeys > 0 {
		o.nextAct = min(o.nextAct, ss.timerLow)
	}
	return nil
}

// fireSessionsTo fires and purges the sessions (all in memory) whose
// next action is at or before limit.
func (o *op) fireSessionsTo(limit int64) error {
	ss := &o.sess
	L := o.spec.Trigger.LatenessMs
	for len(ss.heap) > 0 && ss.heap[0].at <= limit {
		e := ss.heap.pop()
		s := &ss.list[e.id]
		if !s.live || s.gen != e.gen || s.heapAt != e.at {
			continue
		}
		s.heapAt = math.MaxInt64
		if at := o.actionAt(s); at != e.at || e.start != s.f || e.seq != s.seq {
			// The session grew or merged since the entry was queued:
			// re-queue it in (time, start, first-seen) order.
			o.schedule(e.id)
			continue
		}
		end := o.sessionEnd(s.f, s.l)
		if !s.fired {
			if err := o.appendRow(s.f, end, s.key, s.g, coldata.EmitFinal); err != nil {
				return err
			}
			o.cnt.WindowsCompleted.Add(1)
			s.fired = true
			s.dirty = false
		}
		if satAdd(end, L) <= o.wm {
			o.removeSession(e.id)
			o.cnt.WindowsPruned.Add(1)
			continue
		}
		o.schedule(e.id)
	}
	return nil
}

// fireEarlySessions emits every open session changed since its last
// emission (EARLY EVERY).
func (o *op) fireEarlySessions() error {
	ss := &o.sess
	ids := ss.early[:0]
	for id := range ss.list {
		if s := &ss.list[id]; s.live && s.dirty && !s.fired {
			ids = append(ids, int32(id))
		}
	}
	ss.early = ids
	sortSessions(ss, ids, o)
	for _, id := range ids {
		s := &ss.list[id]
		s.dirty = false
		if err := o.appendRow(s.f, o.sessionEnd(s.f, s.l), s.key, s.g, coldata.EmitEarly); err != nil {
			return err
		}
	}
	return nil
}

// sortSessions orders session ids by (end, start, first-seen).
func sortSessions(ss *sessionState, ids []int32, o *op) {
	slices.SortFunc(ids, func(a, b int32) int {
		x, y := &ss.list[a], &ss.list[b]
		if c := cmp64(o.sessionEnd(x.f, x.l), o.sessionEnd(y.f, y.l)); c != 0 {
			return c
		}
		if c := cmp64(x.f, y.f); c != 0 {
			return c
		}
		return cmp64(int64(x.seq), int64(y.seq))
	})
}
