package window

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/weirdb/weir/coldata"
)

// spilledRow is a spilled group of the pane being emitted, copied out of
// the warm tier: its first-seen ordinal and its encoded key and value at
// spillEmit.buf[off:off+kn] and [off+kn:off+kn+vn].
type spilledRow struct {
	ord    uint32
	off    uint32
	kn, vn uint32
}

var errCorruptSpill = errors.New("window: corrupt spilled group")

// spillEmit is the scratch of emitSpilledPane, reused across windows.
type spillEmit struct {
	buf     []byte
	rows    []spilledRow
	spooled bool // this emission's spilled groups went to the tier's spool
	sbuf    []byte
	// copyMin is the least emitCopyBytes: defaultEmitCopyMin, set by New;
	// tests set 0 so that every firing pane orders its spilled groups in
	// the spool.
	copyMin int
}

// defaultEmitCopyMin is spillEmit.copyMin's value.
const defaultEmitCopyMin = 1 << 20

// emitCopyBytes is how large emitSpilledPane's in-memory copy of a pane's
// spilled groups may grow (emit.copyMin, or an eighth of the budget if
// more) before the groups are ordered in the tier's spool instead.
func (sp *spillState) emitCopyBytes() int {
	return max(sp.emit.copyMin, int(sp.budget/8))
}

// emitSpilledPane appends the rows of the one-pane window [s, e) whose
// pane pn has spilled groups, without reading them back into the pane:
// one scan collects the pane's live warm entries (those not superseded by
// an in-memory group), they are put in first-seen order and merged with
// the in-memory groups (sorted the same way), and each spilled group is
// decoded into a scratch group just for its row. The spilled groups stay
// in the warm tier: with allowed lateness they are read back only if a
// late event or re-emission needs them, and the pane's purge deletes
// them.
//
// The entries are ordered in memory (a compact copy: key and encoded
// accumulators per group) while the copy stays under emitCopyBytes; past
// that they are put in the tier's spool under their ordinal, which Pebble
// orders, so that firing a window of any size holds only a bounded part of
// it in memory. It returns the number of rows.
func (o *op) emitSpilledPane(pn *pane, s, e int64, kind coldata.EmitKind) (int, error) {
	sp := &o.spill
	em := &sp.emit
	em.buf, em.rows, em.spooled = em.buf[:0], em.rows[:0], false
	ps := &o.pane
	lo, hi := paneRange(pn.start)
	limit := sp.emitCopyBytes()
	err := sp.tier.Scan(lo, hi, func(key, val []byte) error {
		enc := key[8:]
		if k, ok := o.keys.ids[string(enc)]; ok {
			if _, in := ps.groups[paneGroupKey{pn.start, k}]; in {
				return nil // read back before: the in-memory group is newer
			}
		}
		ord, n := binary.Uvarint(val)
		if n <= 0 || ord > uint64(^uint32(0)) {
			return errCorruptSpill
		}
		if em.spooled {
			return em.spool(sp, uint32(ord), enc, val[n:])
		}
		off := len(em.buf)
		em.buf = append(append(em.buf, enc...), val[n:]...)
		em.rows = append(em.rows, spilledRow{ord: uint32(ord), off: uint32(off), kn: uint32(len(enc)), vn: uint32(len(val) - n)})
		if len(em.buf) > limit {
			return em.spoolAll(sp)
		}
		return nil
	})
	if err != nil {
		sp.fail(err)
		return 0, err
	}
	o.sortGroups(pn)
	m := spilledMerge{o: o, pn: pn, s: s, e: e, kind: kind}
	if em.spooled {
		spool := sp.tier.Spool()
		err = spool.Scan(func(key, val []byte) error {
			if len(key) != 4 {
				return errCorruptSpill
			}
			kn, n := binary.Uvarint(val)
			if n <= 0 || kn > uint64(len(val)-n) {
				return errCorruptSpill
			}
			return m.next(binary.BigEndian.Uint32(key), val[n:n+int(kn)], val[n+int(kn):])
		})
		if rerr := spool.Reset(); err == nil {
			err = rerr
		}
	} else {
		slices.SortFunc(em.rows, func(a, b spilledRow) int { return cmp.Compare(a.ord, b.ord) })
		for _, r := range em.rows {
			if err = m.next(r.ord, em.buf[r.off:r.off+r.kn], em.buf[r.off+r.kn:r.off+r.kn+r.vn]); err != nil {
				break
			}
		}
	}
	if cap(em.buf) > limit {
		em.buf, em.rows = nil, nil // a one-off large window: do not keep its copy
	}
	if err != nil {
		sp.fail(err)
		return 0, err
	}
	if err := m.rest(); err != nil {
		return 0, err
	}
	return m.n, nil
}

// spool puts one spilled group in the tier's spool: key = its first-seen
// ordinal (big endian, so that Pebble orders by it), value = uvarint key
// length ‖ encoded key ‖ encoded accumulators.
func (em *spillEmit) spool(sp *spillState, ord uint32, enc, acc []byte) error {
	em.sbuf = binary.AppendUvarint(em.sbuf[:0], uint64(len(enc)))
	em.sbuf = append(append(em.sbuf, enc...), acc...)
	var key [4]byte
	binary.BigEndian.PutUint32(key[:], ord)
	return sp.tier.Spool().Put(key[:], em.sbuf)
}

// spoolAll moves the groups copied so far to the spool; the rest of the
// scan spools directly.
func (em *spillEmit) spoolAll(sp *spillState) error {
	em.spooled = true
	for _, r := range em.rows {
		if err := em.spool(sp, r.ord, em.buf[r.off:r.off+r.kn], em.buf[r.off+r.kn:r.off+r.kn+r.vn]); err != nil {
			return err
		}
	}
	em.buf, em.rows = em.buf[:0], em.rows[:0]
	return nil
}

// spilledMerge merges spilled groups, fed in first-seen order, with the
// in-memory groups of pane pn (sorted by ordinal), appending each row.
type spilledMerge struct {
	o    *op
	pn   *pane
	s, e int64
	kind coldata.EmitKind
	i, n int
}

// next appends the in-memory groups first seen before ord, then the
// spilled group (ord, enc, acc).
func (m *spilledMerge) next(ord uint32, enc, acc []byte) error {
	o, pn := m.o, m.pn
	for ; m.i < len(pn.groups) && pn.ords[m.i] < ord; m.i++ {
		g := pn.groups[m.i]
		if err := o.appendRow(m.s, m.e, o.groupKey[g], g, m.kind); err != nil {
			return err
		}
		m.n++
	}
	if err := o.appendSpilledRow(m.s, m.e, enc, acc, m.kind); err != nil {
		return err
	}
	m.n++
	return nil
}

// rest appends the in-memory groups after the last spilled one.
func (m *spilledMerge) rest() error {
	o, pn := m.o, m.pn
	for ; m.i < len(pn.groups); m.i++ {
		g := pn.groups[m.i]
		if err := o.appendRow(m.s, m.e, o.groupKey[g], g, m.kind); err != nil {
			return err
		}
		m.n++
	}
	return nil
}

// appendSpilledRow appends the row of the spilled group with encoded key
// enc and encoded accumulators val, decoded into a scratch group (and,
// when the key is not live, a scratch key) freed right after.
func (o *op) appendSpilledRow(s, e int64, enc, val []byte, kind coldata.EmitKind) error {
	ps := &o.pane
	k, fresh := o.keys.lookup(enc)
	if fresh && int(k) < len(ps.keyPane) {
		ps.keyPane[k] = minTime
	}
	o.keys.ref(k)
	g := o.newGroup(k)
	var err error
	for _, a := range o.accs {
		if val, err = a.Decode(g, val); err != nil {
			err = fmt.Errorf("window: spilled group: %w", err)
			break
		}
	}
	if err == nil {
		err = o.appendRow(s, e, k, g, kind)
	}
	o.freeGroup(g)
	o.keys.unref(k)
	return err
}
