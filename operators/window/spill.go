package window

import (
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

// Per-group and per-key bookkeeping besides the accumulators, in bytes:
// the (pane, key) → group map entry, the pane's group and ordinal slots,
// the group's key id, and for a key its encoded form, map entry and value
// slots. An estimate for the budget, not an exact figure.
const (
	groupOverhead = 64
	keyOverhead   = 96
)

// spillState is the bookkeeping of a budgeted operator.
//
// Spilling works on TUMBLE, HOP and CUMULATE panes: when the estimated hot
// bytes exceed the budget after a batch or watermark, the in-memory groups
// of the least recently touched panes are encoded (one warm entry per
// (pane, key): key = pane start ‖ encoded group key, value = the group's
// first-seen ordinal in the pane ‖ each accumulator's Encode) in one batch
// and freed, with their key references. A pane's spilled counter (its
// groups held only in the warm tier) is the "spilled" marker of its group
// table: an event whose (pane, key) group is not in memory reads it back
// with one Get while the counter is not zero, and keeps it in memory from
// then on; firing a window reads its panes' spilled groups back with one
// scan per pane, restoring first-seen order from the ordinals. Warm
// entries superseded by a group read back stay until the pane is loaded
// or purged (a range delete) and are ignored, the in-memory group being
// newer. Pebble is written only at spill, load and purge, in batches.
//
// SESSION windows and EARLY EVERY keep everything in memory: their
// bookkeeping refers to groups and key ids that spilling would free.
type spillState struct {
	tier    *storage.Tier
	budget  int64
	on      bool   // spilling applies to this spec
	clock   uint64 // advances per batch; panes record it when touched
	hot     int64  // last estimate
	err     error  // first warm-tier error, returned by the next call
	kbuf    []byte
	vbuf    []byte
	victims []*pane
	order   []ordGroup
}

type ordGroup struct {
	ord uint32
	g   uint32
}

// SetStateTier implements StateSpiller.
func (o *op) SetStateTier(t *storage.Tier) {
	o.spill.tier = t
	if t != nil {
		o.spill.budget = t.Budget()
	}
	o.spill.on = t != nil && o.spill.budget > 0 && o.spec.Kind != Session && !o.trig.everyOn
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

// touchPane records that pane p received events in this batch.
func (o *op) touchPane(p int64) {
	if pn := o.pane.byTime[p]; pn != nil {
		pn.touch = o.spill.clock
	}
}

// hotBytes estimates the operator's in-memory state: live groups times
// the bookkeeping plus the mean accumulator bytes of a sample of groups,
// and the live keys.
func (o *op) hotBytes() int64 {
	live := len(o.groupKey) - len(o.gFree)
	if live <= 0 {
		return 0
	}
	sampled, bytes := 0, 0
	for _, pn := range o.pane.panes {
		for _, g := range pn.groups {
			for _, a := range o.accs {
				bytes += a.GroupBytes(g)
			}
			sampled++
			if sampled >= 64 {
				break
			}
		}
		if sampled >= 64 {
			break
		}
	}
	per := int64(groupOverhead)
	if sampled > 0 {
		per += int64(bytes / sampled)
	}
	keys := 0
	if o.keys != nil {
		keys = o.keys.live()
	}
	return int64(live)*per + int64(keys)*keyOverhead
}

// maybeSpill spills the coldest panes while the hot estimate exceeds the
// budget, down to three quarters of it, in one warm-tier batch.
func (o *op) maybeSpill() error {
	sp := &o.spill
	if !sp.on {
		return nil
	}
	sp.clock++
	if sp.err != nil {
		return sp.err
	}
	hot := o.hotBytes()
	if hot > sp.budget {
		live := int64(len(o.groupKey) - len(o.gFree))
		per := hot / max(live, 1)
		target := sp.budget / 4 * 3
		victims := append(sp.victims[:0], o.pane.panes...)
		slices.SortStableFunc(victims, func(a, b *pane) int {
			if a.touch != b.touch {
				return cmp64(int64(a.touch), int64(b.touch))
			}
			return cmp64(b.start, a.start) // the furthest from firing first
		})
		for _, pn := range victims {
			if hot <= target {
				break
			}
			if len(pn.groups) == 0 {
				continue
			}
			n, err := o.spillPane(pn)
			if err != nil {
				return err
			}
			hot -= int64(n) * per
		}
		clear(victims)
		sp.victims = victims[:0]
		if err := sp.tier.Flush(); err != nil {
			return err
		}
		hot = o.hotBytes()
	}
	sp.hot = hot
	sp.tier.SetHotBytes(hot)
	return nil
}

// spillPane writes every in-memory group of pn to the warm tier (buffered)
// and frees them; it returns their number.
func (o *op) spillPane(pn *pane) (int, error) {
	sp := &o.spill
	ps := &o.pane
	if pn.ords == nil {
		pn.ords = make([]uint32, len(pn.groups))
		for i := range pn.ords {
			pn.ords[i] = uint32(i)
		}
		pn.nextOrd = uint32(len(pn.groups))
	}
	for i, g := range pn.groups {
		k := o.groupKey[g]
		sp.kbuf = append(paneKey(sp.kbuf[:0], pn.start), o.keys.enc[k]...)
		sp.vbuf = binary.AppendUvarint(sp.vbuf[:0], uint64(pn.ords[i]))
		for _, a := range o.accs {
			sp.vbuf = a.Encode(sp.vbuf, g)
		}
		if err := sp.tier.Put(sp.kbuf, sp.vbuf); err != nil {
			return i, err
		}
		if int(k) < len(ps.keyPane) && ps.keyPane[k] == pn.start && ps.keyGroup[k] == g {
			ps.keyPane[k] = minTime
		}
		delete(ps.groups, paneGroupKey{pn.start, k})
		o.freeGroup(g)
		o.keys.unref(k)
	}
	n := len(pn.groups)
	pn.spilled += n
	pn.warm = pn.warm || n > 0
	pn.groups = pn.groups[:0]
	pn.ords = pn.ords[:0]
	return n, nil
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

// decodeSpilled makes a group of key k in pn from warm value v, keeping
// pn's groups in ordinal order.
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
	pn.spilled--
	o.pane.groups[paneGroupKey{pn.start, k}] = g
	i, _ := slices.BinarySearch(pn.ords, uint32(ord))
	pn.groups = slices.Insert(pn.groups, i, g)
	pn.ords = slices.Insert(pn.ords, i, uint32(ord))
	return g, nil
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

// loadAll reads every spilled group back (before a snapshot).
func (o *op) loadAll() error {
	if !o.spill.on {
		return nil
	}
	for _, pn := range o.pane.panes {
		if err := o.loadPane(pn); err != nil {
			return err
		}
	}
	return o.spill.err
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
