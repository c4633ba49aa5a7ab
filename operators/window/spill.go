package window

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/weirdb/weir/storage"
)

// StateSpiller is implemented by operators that keep their state under a
// memory budget, spilling the coldest part to a storage.Tier (the warm
// tier). The runtime calls SetStateTier before Open; the budget is the
// tier's (storage.Tier.Budget, from state.hot.max_size_mb). Without a
// tier, or with a budget ≤ 0, all state stays in memory.
type StateSpiller interface {
	SetStateTier(t *storage.Tier)
}

var _ StateSpiller = (*op)(nil)

// Per-group, per-key and per-session bookkeeping besides the
// accumulators, in bytes: the (pane, key) → group map entry, the pane's
// group and ordinal slots, the group's key id and touch stamp; for a key
// its encoded form, map entry and value slots; for a session slot its
// struct, key-list slot and heap entries. An estimate for the budget, not
// an exact figure.
const (
	groupOverhead   = 72
	keyOverhead     = 96
	sessionOverhead = 112
)

// spillGroupOverhead is what spilling adds per group id: its touch stamp
// (8), victim mark (1), spill candidate (24), first-seen ordinal in its
// pane (4) and free-list slot (4).
const spillGroupOverhead = 41

// spillSlack scales the estimate of a spilling operator for what a
// budget-bound state carries besides its live entries: arrays indexed by
// group and key id grow ahead of use and keep the slots of spilled
// groups, maps keep their buckets. Measured (TestSpillHeapNearBudget):
// without it a 16 MB budget held ~1.5× the budget of Go heap.
const spillSlack = 1.25

// spillState is the bookkeeping of a budgeted operator.
//
// When the estimated hot bytes exceed the budget after a batch or a
// watermark, the least recently touched groups are encoded (each
// accumulator's Encode) into one warm-tier batch and freed, until the
// estimate is down to seven eighths of the budget (lowMark). Recency is the batch
// clock of a group's last event; ties go to the state furthest from
// firing. Pebble is written only at spill, load and purge, in batches.
//
// Panes (TUMBLE, HOP, CUMULATE): one warm entry per (pane, key): key =
// pane start ‖ encoded group key, value = the group's first-seen ordinal
// in the pane ‖ the accumulators. A pane's spilled counter (its groups
// held only in the warm tier) is the "spilled" marker of its group table:
// before a batch's rows are added, the spilled groups they address are
// read back with one sorted pass over the tier (spill_read_back.go) and
// kept in memory from then on (until they are the coldest again); an
// early or late re-emission of one key reads its group with one Get.
// Firing a one-pane window (TUMBLE) streams its spilled groups from one
// scan, merged by first-seen ordinal with the in-memory ones, without
// reading them back (spill_emit.go); firing a window of several panes
// (HOP, CUMULATE) merges each key's groups of its panes — in memory or
// spilled — through the tier's spool, by key and then by first-seen
// position, without reading them back either (spill_emit_panes.go).
// Warm entries superseded by a group read back
// stay until the pane is loaded or purged (a range delete) and are
// ignored, the in-memory group being newer.
//
// Sessions (session_spill.go): a key spills whole — every session's
// bounds, first-seen order, flags and accumulators in one warm entry, and
// a timer entry under its next action time — and nothing of it stays in
// memory. A batch reads back the spilled keys its rows address with one
// sorted pass; an advance reads back the keys whose timer is due, in
// chunks, firing up to each chunk before reading the next.
//
// state.warm.ttl (storage.Options.WarmTTL) is idle-state retention, as
// Flink's state TTL: a group spilled and not touched for longer than the
// TTL is dropped. A window that still needs it — one whose allowed
// lateness or length keeps it open longer than the TTL — no longer sees
// it: a later event for that (window, key) starts from empty state (its
// late or final row counts only events after the expiry), and with no
// later event the key has no row. An expired session (its key's entry
// expired) is removed without a row. Set the TTL above the longest window plus lateness to never lose
// state (storage.Metrics.Expired counts expiries).
//
// EARLY EVERY on panes keeps everything in memory: its bookkeeping refers
// to group ids that spilling frees.
type spillState struct {
	tier   *storage.Tier
	budget int64
	on     bool   // spilling applies to this spec
	clock  uint64 // advances per batch and watermark; groups record it when touched
	hot    int64  // last estimate
	err    error  // first warm-tier error, returned by the next call
	kbuf   []byte
	vbuf   []byte
	gTouch []uint64 // pane mode: per group id, the clock of its last event
	victim []bool   // pane mode: per group id, chosen by the current pass
	cands  []spillCand
	order  []ordGroup
	rb     readBack  // per-batch read-back (spill_read_back.go)
	emit   spillEmit // emission of spilled panes (spill_emit.go)
}

type ordGroup struct {
	ord uint32
	g   uint32
}

// spillCand is a candidate of a spill pass: group (panes) or session id,
// its last touch and how far it is from firing.
type spillCand struct {
	touch uint64
	far   int64
	id    uint32
}

// SetStateTier implements StateSpiller.
func (o *op) SetStateTier(t *storage.Tier) {
	o.spill.tier = t
	if t != nil {
		o.spill.budget = t.Budget()
	}
	o.spill.on = t != nil && o.spill.budget > 0 && (o.spec.Kind == Session || !o.trig.everyOn)
}

// openSpill clears what an earlier operator left in the tier.
func (o *op) openSpill() error {
	if o.spill.tier == nil {
		return nil
	}
	return o.spill.tier.DeleteRange(nil, nil)
}

// paneKey appends the order-preserving encoding of pane start p.
func paneKey(buf []byte, p int64) []byte {
	return binary.BigEndian.AppendUint64(buf, uint64(p)^(1<<63))
}

// paneRange returns the warm key range of pane p's entries.
func paneRange(p int64) (lo, hi []byte) {
	lo = paneKey(nil, p)
	if p == math.MaxInt64 {
		return lo, nil
	}
	return lo, paneKey(nil, p+1)
}

// touchGroup records that group g received an event in this batch.
func (sp *spillState) touchGroup(g uint32, groups int) {
	if int(g) >= len(sp.gTouch) {
		sp.gTouch = grow(sp.gTouch, groups)
	}
	sp.gTouch[g] = sp.clock
}

func (sp *spillState) touchOf(g uint32) uint64 {
	if int(g) < len(sp.gTouch) {
		return sp.gTouch[g]
	}
	return 0
}

// hotBytes estimates the operator's in-memory state: live groups times
// the bookkeeping plus the mean accumulator bytes of a sample of groups,
// the live keys, the key arena's bytes besides theirs and the session
// slots. It also returns the estimate per
// group.
func (o *op) hotBytes() (total, perGroup int64) {
	live := len(o.groupKey) - len(o.gFree)
	if live <= 0 && len(o.sess.list) == 0 {
		return 0, groupOverhead
	}
	sampled, bytes := 0, 0
	sample := func(g uint32) bool {
		for _, a := range o.accs {
			bytes += a.GroupBytes(g)
		}
		sampled++
		return sampled < 64
	}
	if o.spec.Kind == Session {
		for i := range o.sess.list {
			if s := &o.sess.list[i]; s.live && !sample(s.g) {
				break
			}
		}
	} else {
	panes:
		for _, pn := range o.pane.panes {
			for _, g := range pn.groups {
				if !sample(g) {
					break panes
				}
			}
		}
	}
	perGroup = groupOverhead
	if sampled > 0 {
		perGroup += int64(bytes / sampled)
	}
	perKey := int64(keyOverhead)
	if o.spill.on {
		perGroup = int64(float64(perGroup+spillGroupOverhead) * spillSlack)
		perKey = int64(float64(perKey) * spillSlack)
	}
	keys, pinned := 0, 0
	if o.keys != nil {
		keys = o.keys.live()
		// perKey counts a live key's encoding; the arena also holds the
		// bytes of freed keys until it compacts, and its chunks' unused
		// tails.
		pinned = max(0, o.keys.arena.held-o.keys.arena.live)
	}
	total = int64(live)*perGroup + int64(keys)*perKey + int64(pinned) + int64(len(o.sess.list)-len(o.sess.free)-len(o.sess.freeNext))*sessionOverhead
	return total, perGroup
}

// lowMark is what a spill pass brings the hot estimate down to: seven
// eighths of the budget. The gap is hysteresis: the next pass waits until
// an eighth of the budget has been read back or created. A lower mark
// (three quarters) measured worse under uniform access over a working set
// above the budget (BenchmarkTumble300kKeysBudget16MB: 433k spills and
// 492k read-backs instead of 386k and 437k): a smaller hot set misses
// more, and every miss is a read-back and, later, a spill.
func lowMark(budget int64) int64 { return budget - budget/8 }

// maybeSpill spills the least recently touched groups (or sessions)
// while the hot estimate exceeds the budget, down to lowMark, in one
// warm-tier batch.
func (o *op) maybeSpill() error {
	sp := &o.spill
	if !sp.on {
		if sp.tier != nil {
			// Not spilling (e.g. EARLY EVERY panes), but the state's size
			// still feeds weir_hot_state_size_bytes.
			hot, _ := o.hotBytes()
			sp.tier.SetHotBytes(hot)
		}
		return nil
	}
	sp.clock++
	if sp.err != nil {
		return sp.err
	}
	hot, per := o.hotBytes()
	if hot > sp.budget {
		need := int((hot - lowMark(sp.budget) + per - 1) / per)
		var err error
		if o.spec.Kind == Session {
			err = o.spillSessions(need)
		} else {
			err = o.spillGroups(need)
		}
		if err == nil {
			err = sp.tier.Flush()
		}
		if err != nil {
			sp.fail(err)
			return err
		}
		hot, _ = o.hotBytes()
	}
	sp.hot = hot
	sp.tier.SetHotBytes(hot)
	return nil
}

// pickVictims orders cands coldest first (least recent touch, then the
// furthest from firing) and returns the first need of them.
func pickVictims(cands []spillCand, need int) []spillCand {
	if need >= len(cands) {
		return cands
	}
	sortVictims(cands)
	return cands[:need]
}

// sortVictims orders cands coldest first: least recent touch, then the
// furthest from firing, then by id.
func sortVictims(cands []spillCand) {
	slices.SortFunc(cands, func(a, b spillCand) int {
		if a.touch != b.touch {
			return cmp64(int64(a.touch), int64(b.touch))
		}
		if a.far != b.far {
			return cmp64(b.far, a.far)
		}
		return int(a.id) - int(b.id)
	})
}

// spillGroups spills the need coldest in-memory pane groups.
func (o *op) spillGroups(need int) error {
	sp := &o.spill
	cands := sp.cands[:0]
	for _, pn := range o.pane.panes {
		for _, g := range pn.groups {
			cands = append(cands, spillCand{touch: sp.touchOf(g), far: pn.lastEnd, id: g})
		}
	}
	sp.cands = cands
	if len(sp.victim) < len(o.groupKey) {
		sp.victim = grow(sp.victim, len(o.groupKey))
	}
	for _, c := range pickVictims(cands, need) {
		sp.victim[c.id] = true
	}
	for _, pn := range o.pane.panes {
		if err := o.spillMarked(pn); err != nil {
			return err
		}
	}
	return nil
}

// spillMarked writes pn's groups marked as victims to the warm tier
// (buffered) and frees them, keeping the others in first-seen order.
func (o *op) spillMarked(pn *pane) error {
	sp := &o.spill
	ps := &o.pane
	marked := false
	for _, g := range pn.groups {
		if sp.victim[g] {
			marked = true
			break
		}
	}
	if !marked {
		return nil
	}
	if pn.ords == nil {
		pn.ords = make([]uint32, len(pn.groups))
		for i := range pn.ords {
			pn.ords[i] = uint32(i)
		}
		pn.nextOrd = uint32(len(pn.groups))
	}
	j := 0
	var err error
	for i, g := range pn.groups {
		if !sp.victim[g] || err != nil {
			pn.groups[j], pn.ords[j] = g, pn.ords[i]
			j++
			continue
		}
		sp.victim[g] = false
		k := o.groupKey[g]
		sp.kbuf = append(paneKey(sp.kbuf[:0], pn.start), o.keys.enc[k]...)
		sp.vbuf = binary.AppendUvarint(sp.vbuf[:0], uint64(pn.ords[i]))
		for _, a := range o.accs {
			sp.vbuf = a.Encode(sp.vbuf, g)
		}
		if err = sp.tier.Put(sp.kbuf, sp.vbuf); err != nil {
			pn.groups[j], pn.ords[j] = g, pn.ords[i]
			j++
			continue
		}
		if int(k) < len(ps.keyPane) && ps.keyPane[k] == pn.start && ps.keyGroup[k] == g {
			ps.keyPane[k] = minTime
		}
		delete(ps.groups, paneGroupKey{pn.start, k})
		o.freeGroup(g)
		o.keys.unref(k)
		pn.spilled++
		pn.warm = true
	}
	clear(pn.groups[j:])
	pn.groups = pn.groups[:j]
	pn.ords = pn.ords[:j]
	return err
}

// appendPaneGroup adds group g to pn with the next ordinal.
func (pn *pane) appendGroup(g uint32) {
	pn.groups = append(pn.groups, g)
	if pn.ords != nil {
		pn.ords = append(pn.ords, pn.nextOrd)
		pn.nextOrd++
	}
}

// unspillGroup reads key k's group of pane pn back from the warm tier, if
// it is there, and returns it.
func (o *op) unspillGroup(pn *pane, k uint32) (uint32, bool) {
	sp := &o.spill
	sp.kbuf = append(paneKey(sp.kbuf[:0], pn.start), o.keys.enc[k]...)
	v, ok, err := sp.tier.Get(sp.kbuf, sp.vbuf)
	sp.vbuf = v
	if err != nil {
		sp.fail(err)
		return 0, false
	}
	if !ok {
		return 0, false
	}
	g, err := o.decodeSpilled(pn, k, v)
	if err != nil {
		sp.fail(err)
		return 0, false
	}
	return g, true
}

func (sp *spillState) fail(err error) {
	if sp.err == nil {
		sp.err = err
	}
}

// decodeSpilled makes a group of key k in pn from warm value v, appended
// to pn's groups possibly out of ordinal order (sortGroups restores it).
func (o *op) decodeSpilled(pn *pane, k uint32, v []byte) (uint32, error) {
	ord, n := binary.Uvarint(v)
	if n <= 0 {
		return 0, fmt.Errorf("window: corrupt spilled group")
	}
	v = v[n:]
	g := o.newGroup(k)
	for _, a := range o.accs {
		rest, err := a.Decode(g, v)
		if err != nil {
			o.freeGroup(g)
			return 0, fmt.Errorf("window: spilled group: %w", err)
		}
		v = rest
	}
	o.keys.ref(k)
	if pn.spilled > 0 {
		pn.spilled--
	}
	if int(g) < len(o.spill.gTouch) {
		o.spill.gTouch[g] = 0 // read back for firing: cold until an event touches it
	}
	o.pane.groups[paneGroupKey{pn.start, k}] = g
	if n := len(pn.ords); n > 0 && pn.ords[n-1] > uint32(ord) {
		pn.unsorted = true
	}
	pn.groups = append(pn.groups, g)
	pn.ords = append(pn.ords, uint32(ord))
	return g, nil
}

// sortGroups restores pn's groups to first-seen order after groups were
// read back out of order (before its rows are emitted).
func (o *op) sortGroups(pn *pane) {
	if !pn.unsorted {
		return
	}
	sp := &o.spill
	og := sp.order[:0]
	for i, g := range pn.groups {
		og = append(og, ordGroup{ord: pn.ords[i], g: g})
	}
	slices.SortFunc(og, func(a, b ordGroup) int { return cmp.Compare(a.ord, b.ord) })
	for i, x := range og {
		pn.ords[i], pn.groups[i] = x.ord, x.g
	}
	sp.order = og[:0]
	pn.unsorted = false
}

// loadPane reads every spilled group of pn back (one scan) and clears its
// warm entries.
func (o *op) loadPane(pn *pane) error {
	sp := &o.spill
	if pn.spilled == 0 {
		return sp.err
	}
	lo, hi := paneRange(pn.start)
	ps := &o.pane
	err := sp.tier.Scan(lo, hi, func(key, val []byte) error {
		k, fresh := o.keys.lookup(key[8:])
		if fresh && int(k) < len(ps.keyPane) {
			ps.keyPane[k] = minTime
		}
		if !fresh {
			if _, ok := ps.groups[paneGroupKey{pn.start, k}]; ok {
				return nil // read back before: the in-memory group is newer
			}
		}
		_, err := o.decodeSpilled(pn, k, val)
		if err != nil && o.keys.refs[k] == 0 {
			o.keys.unref(k)
		}
		return err
	})
	if err != nil {
		sp.fail(err)
		return err
	}
	pn.spilled, pn.warm = 0, false
	if err := sp.tier.DeleteRange(lo, hi); err != nil {
		sp.fail(err)
		return err
	}
	return nil
}

// loadWindow reads back the spilled groups of every pane of [s, e).
func (o *op) loadWindow(s, e int64) error {
	var err error
	o.panesOf(s, e, func(pn *pane) {
		if err == nil && pn.spilled > 0 {
			err = o.loadPane(pn)
		}
	})
	return err
}

// unspillKey reads back key k's spilled groups in the panes of [s, e).
func (o *op) unspillKey(s, e int64, k uint32) {
	ps := &o.pane
	o.panesOf(s, e, func(pn *pane) {
		if pn.spilled == 0 {
			return
		}
		if _, ok := ps.groups[paneGroupKey{pn.start, k}]; !ok {
			o.unspillGroup(pn, k)
		}
	})
}

// dropPane deletes a purged pane's warm entries (buffered).
func (o *op) dropPane(pn *pane) {
	if !pn.warm {
		return
	}
	lo, hi := paneRange(pn.start)
	if err := o.spill.tier.DeleteRange(lo, hi); err != nil {
		o.spill.fail(err)
	}
}
