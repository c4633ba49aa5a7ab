package window

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/weirdb/weir/coldata"
)

// SESSION state spills by key: all the sessions of a cold key — bounds,
// first-seen order, flags and accumulators — go to one warm entry, and a
// timer entry records the key's next action time (the earliest firing or
// purge of its sessions). Nothing of a spilled key stays in memory: its
// key-table entry, session slots and groups are freed, so a budget bounds
// the whole state, not only the accumulators. Warm entries:
//
//	'S' ‖ encoded key                     → uvarint n ‖ at (8) ‖ n × session
//	'T' ‖ at (8, order-preserving) ‖ key  → empty
//	session = f (8) ‖ l (8) ‖ uvarint seq ‖ flags (1 fired, 2 dirty) ‖ accumulators
//
// A key is in memory or spilled, never both. Before a batch, the spilled
// keys its rows address are read back with one sorted pass
// (readBackKeys); before firing, the keys whose timer is due are read back
// from one scan of the timers, in chunks of dueChunk keys, each chunk
// fired before the next is read (loadDueKeys), so that even the end of
// input, which fires everything, holds a bounded part in memory at once.
// With EMIT EARLY EVERY a key whose sessions changed since the last early
// firing is not spilled until that firing has emitted them.
const (
	warmSessState = 'S'
	warmSessTimer = 'T'
)

// dueChunk is how many spilled keys one step of a watermark advance reads
// back before firing what is due up to them.
const dueChunk = 4096

var errStopScan = errors.New("window: stop scan")

// errOldSpilledSessions refuses a checkpoint whose sessions were spilled
// in the per-session layout of earlier versions.
var errOldSpilledSessions = errors.New("the checkpoint holds spilled sessions in an older layout that this version cannot read; start over with --reset (weir run --reset or weir serve --reset)")

func sessStateKey(buf []byte, enc string) []byte {
	return append(append(buf, warmSessState), enc...)
}

func sessTimerKey(buf []byte, at int64, enc string) []byte {
	buf = append(buf, warmSessTimer)
	buf = binary.BigEndian.AppendUint64(buf, uint64(at)^(1<<63))
	return append(buf, enc...)
}

// parseSessTimer returns the time and encoded key of timer entry key.
func parseSessTimer(key []byte) (at int64, enc []byte, ok bool) {
	if len(key) < 9 || key[0] != warmSessTimer {
		return 0, nil, false
	}
	return int64(binary.BigEndian.Uint64(key[1:]) ^ (1 << 63)), key[9:], true
}

// spillSessions spills the coldest keys (least recently touched, then the
// furthest from their next action) until at least need sessions left
// memory.
func (o *op) spillSessions(need int) error {
	sp := &o.spill
	ss := &o.sess
	cands := sp.cands[:0]
	for k, ids := range ss.byKey {
		if len(ids) == 0 {
			continue
		}
		var touch uint64
		far := int64(math.MaxInt64)
		pending := false
		for _, id := range ids {
			s := &ss.list[id]
			touch = max(touch, s.touch)
			far = min(far, o.actionAt(s))
			pending = pending || (s.dirty && !s.fired)
		}
		if pending && o.trig.everyOn {
			continue // its early row is still due
		}
		cands = append(cands, spillCand{touch: touch, far: far, id: uint32(k)})
	}
	sp.cands = cands
	sortVictims(cands)
	for _, c := range cands {
		if need <= 0 {
			break
		}
		need -= len(ss.byKey[c.id])
		if err := o.spillKey(c.id); err != nil {
			return err
		}
	}
	ss.free = append(ss.free, ss.freeNext...)
	ss.freeNext = ss.freeNext[:0]
	if ss.stale > len(ss.heap)/2 && ss.stale >= 64 {
		ss.compactHeap()
	}
	return nil
}

// spillKey writes key k's sessions and timer to the warm tier (buffered)
// and frees them.
func (o *op) spillKey(k uint32) error {
	sp := &o.spill
	ss := &o.sess
	ids := ss.byKey[k]
	at := int64(math.MaxInt64)
	for _, id := range ids {
		at = min(at, o.actionAt(&ss.list[id]))
	}
	v := binary.AppendUvarint(sp.vbuf[:0], uint64(len(ids)))
	v = binary.BigEndian.AppendUint64(v, uint64(at))
	for _, id := range ids {
		s := &ss.list[id]
		v = binary.BigEndian.AppendUint64(v, uint64(s.f))
		v = binary.BigEndian.AppendUint64(v, uint64(s.l))
		v = binary.AppendUvarint(v, s.seq)
		var flags byte
		if s.fired {
			flags |= 1
		}
		if s.dirty {
			flags |= 2
		}
		v = append(v, flags)
		for _, a := range o.accs {
			v = a.Encode(v, s.g)
		}
	}
	sp.vbuf = v
	enc := o.keys.enc[k]
	sp.kbuf = sessStateKey(sp.kbuf[:0], enc)
	if err := sp.tier.Put(sp.kbuf, sp.vbuf); err != nil {
		return err
	}
	sp.kbuf = sessTimerKey(sp.kbuf[:0], at, enc)
	if err := sp.tier.Put(sp.kbuf, nil); err != nil {
		return err
	}
	for len(ss.byKey[k]) > 0 {
		id := ss.byKey[k][0]
		if ss.list[id].heapAt != math.MaxInt64 {
			ss.stale++
		}
		o.removeSession(id) // the last one frees the key
	}
	ss.spilledKeys++
	ss.timerLow = min(ss.timerLow, at)
	o.nextAct = min(o.nextAct, at)
	return nil
}

// restoreKey puts the sessions of warm entry v (of encoded key enc) back
// in memory, in their stored order, each scheduled as before. When
// fromTier, the key's state and timer entries are deleted (buffered).
func (o *op) restoreKey(enc []byte, v []byte, fromTier bool) error {
	ss := &o.sess
	n, m := binary.Uvarint(v)
	if m <= 0 || n == 0 || n > uint64(len(v)) || len(v) < m+8 {
		return errCorruptSpill
	}
	v = v[m:]
	at := int64(binary.BigEndian.Uint64(v))
	v = v[8:]
	k, _ := o.keys.lookup(enc)
	for int(k) >= len(ss.byKey) {
		ss.byKey = append(ss.byKey, nil)
	}
	for range n {
		if len(v) < 16 {
			return errCorruptSpill
		}
		f, l := int64(binary.BigEndian.Uint64(v)), int64(binary.BigEndian.Uint64(v[8:]))
		seq, m := binary.Uvarint(v[16:])
		if m <= 0 || len(v) < 16+m+1 {
			return errCorruptSpill
		}
		flags := v[16+m]
		v = v[16+m+1:]
		id := ss.newSlot()
		g := o.newGroup(k)
		o.keys.ref(k)
		ss.list[id] = session{f: f, l: l, g: g, key: k, seq: seq, gen: ss.list[id].gen + 1,
			heapAt: math.MaxInt64, live: true, fired: flags&1 != 0, dirty: flags&2 != 0, touch: o.spill.clock}
		ss.addToKey(k, id)
		var err error
		for _, a := range o.accs {
			if v, err = a.Decode(g, v); err != nil {
				return fmt.Errorf("window: spilled session: %w", err)
			}
		}
		o.schedule(id)
	}
	if !fromTier {
		return nil
	}
	sp := &o.spill
	ss.spilledKeys--
	sp.kbuf = append(append(sp.kbuf[:0], warmSessState), enc...)
	if err := sp.tier.SingleDelete(sp.kbuf); err != nil {
		return err
	}
	// The timer with a plain Delete: a key whose state expired
	// (state.warm.ttl) may leave a timer no read has met, and spilling
	// the key again can write the same timer key a second time, which
	// SingleDelete does not allow. The state entry is always met first.
	sp.kbuf = append(binary.BigEndian.AppendUint64(append(sp.kbuf[:0], warmSessTimer), uint64(at)^(1<<63)), enc...)
	return sp.tier.Delete(sp.kbuf)
}

// readBackKeys reads back, before any row of b is processed, every
// spilled key that a live row of b addresses, with one sorted pass over
// the warm tier. A key not found there is new (or expired:
// state.warm.ttl), and starts without sessions.
func (o *op) readBackKeys(b *coldata.Batch) error {
	ss := &o.sess
	sp := &o.spill
	if ss.spilledKeys == 0 {
		return sp.err
	}
	rb := &sp.rb
	rb.buf, rb.refs = rb.buf[:0], rb.refs[:0]
	want := func(i int) {
		enc := o.keys.encode(b, o.spec.KeyCols, i)
		if k, ok := o.keys.ids[string(enc)]; ok && int(k) < len(ss.byKey) && len(ss.byKey[k]) > 0 {
			return
		}
		off := len(rb.buf)
		rb.buf = append(append(rb.buf, warmSessState), enc...)
		rb.refs = append(rb.refs, rbRef{off: uint32(off), n: uint32(len(rb.buf) - off)})
	}
	if b.Sel != nil {
		for _, i := range b.Sel {
			want(i)
		}
	} else {
		for i := 0; i < b.Len; i++ {
			want(i)
		}
	}
	return o.readBackSorted(nil)
}

// readBackSorted sorts and dedupes the state keys collected in sp.rb and
// restores the keys found in the tier. found, when set, is called with
// the index in rb.keys of each key found.
func (o *op) readBackSorted(found func(j int)) error {
	sp := &o.spill
	rb := &sp.rb
	if len(rb.refs) == 0 {
		return sp.err
	}
	rb.sortKeys(nil)
	err := sp.tier.GetSorted(rb.keys, func(j int, val []byte) error {
		if found != nil {
			found(j)
		}
		return o.restoreKey(rb.keys[j][1:], val, true)
	})
	if err != nil {
		sp.fail(err)
	}
	return err
}

// loadDueKeys reads back the spilled keys whose timer is due at the
// watermark, at most about dueChunk of them: those with the earliest
// timers, always every key of the last timer value included. It returns
// the time up to which everything due is now in memory (the watermark
// when all due keys were read), and deletes the timers of keys whose
// state expired (state.warm.ttl).
func (o *op) loadDueKeys() (int64, error) {
	ss := &o.sess
	sp := &o.spill
	rb := &sp.rb
	rb.buf, rb.refs = rb.buf[:0], rb.refs[:0]
	ats := ss.dueAts[:0]
	limit, next := o.wm, int64(math.MaxInt64)
	lastAt := int64(math.MinInt64)
	lo := binary.BigEndian.AppendUint64([]byte{warmSessTimer}, uint64(ss.timerLow)^(1<<63))
	err := sp.tier.Scan(lo, []byte{warmSessTimer + 1}, func(key, _ []byte) error {
		at, enc, ok := parseSessTimer(key)
		if !ok {
			return errCorruptSpill
		}
		if at > o.wm || (len(rb.refs) >= dueChunk && at != lastAt) {
			next = at
			if at <= o.wm {
				limit = lastAt
			}
			return errStopScan
		}
		lastAt = at
		off := len(rb.buf)
		rb.buf = append(append(rb.buf, warmSessState), enc...)
		rb.refs = append(rb.refs, rbRef{off: uint32(off), n: uint32(len(rb.buf) - off)})
		ats = append(ats, at)
		return nil
	})
	ss.dueAts = ats
	if err != nil && !errors.Is(err, errStopScan) {
		sp.fail(err)
		return 0, err
	}
	ss.timerLow = next
	// The state entries, sorted, for one pass; the timer of a key whose
	// state expired is deleted here (restoreKey deletes the others').
	byEnc := make(map[string]int64, len(ats))
	for j, r := range rb.refs {
		byEnc[string(rb.buf[r.off+1:r.off+r.n])] = ats[j]
	}
	if err := o.readBackSorted(func(j int) { delete(byEnc, string(rb.keys[j][1:])) }); err != nil {
		return 0, err
	}
	for enc, at := range byEnc {
		ss.spilledKeys--
		sp.kbuf = sessTimerKey(sp.kbuf[:0], at, enc)
		if err := sp.tier.Delete(sp.kbuf); err != nil {
			sp.fail(err)
			return 0, err
		}
	}
	if next == math.MaxInt64 {
		// The scan reached the end: every timer (none is below
		// timerLow) was read and is gone now, so no key is spilled —
		// also those the count still had (timers that expired unseen).
		ss.spilledKeys = 0
	}
	return limit, nil
}

// newSlot returns a free session slot.
func (ss *sessionState) newSlot() int32 {
	if n := len(ss.free); n > 0 {
		id := ss.free[n-1]
		ss.free = ss.free[:n-1]
		return id
	}
	ss.list = append(ss.list, session{})
	return int32(len(ss.list) - 1)
}

// compactHeap drops the stale entries of the heap (those of spilled
// sessions, mostly); a sorted slice is a valid heap.
func (ss *sessionState) compactHeap() {
	h := ss.heap[:0]
	for _, e := range ss.heap {
		if s := &ss.list[e.id]; s.live && s.gen == e.gen && s.heapAt == e.at {
			h = append(h, e)
		}
	}
	clear(ss.heap[len(h):])
	ss.heap = h
	slices.SortFunc(ss.heap, func(a, b sessHeapEntry) int {
		switch {
		case ss.heap.lessEntry(a, b):
			return -1
		case ss.heap.lessEntry(b, a):
			return 1
		}
		return 0
	})
	ss.stale = 0
}
