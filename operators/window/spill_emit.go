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
	buf  []byte
	rows []spilledRow
}

// emitSpilledPane appends the rows of the one-pane window [s, e) whose
// pane pn has spilled groups, without reading them back into the pane:
// one scan copies the pane's live warm entries (those not superseded by
// an in-memory group) into a flat buffer, they are sorted by first-seen
// ordinal and merged with the in-memory groups (sorted the same way), and
// each spilled group is decoded into a scratch group just for its row.
// The spilled groups stay in the warm tier: with allowed lateness they
// are read back only if a late event or re-emission needs them, and the
// pane's purge deletes them. Peak memory is the compact copy (key and
// encoded accumulators per group), not the whole window's hot state.
// It returns the number of rows.
func (o *op) emitSpilledPane(pn *pane, s, e int64, kind coldata.EmitKind) (int, error) {
	sp := &o.spill
	em := &sp.emit
	em.buf, em.rows = em.buf[:0], em.rows[:0]
	ps := &o.pane
	lo, hi := paneRange(pn.start)
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
		off := len(em.buf)
		em.buf = append(append(em.buf, enc...), val[n:]...)
		em.rows = append(em.rows, spilledRow{ord: uint32(ord), off: uint32(off), kn: uint32(len(enc)), vn: uint32(len(val) - n)})
		return nil
	})
	if err != nil {
		sp.fail(err)
		return 0, err
	}
	slices.SortFunc(em.rows, func(a, b spilledRow) int { return cmp.Compare(a.ord, b.ord) })
	o.sortGroups(pn)
	i, n := 0, 0
	for _, r := range em.rows {
		for ; i < len(pn.groups) && pn.ords[i] < r.ord; i++ {
			g := pn.groups[i]
			if err := o.appendRow(s, e, o.groupKey[g], g, kind); err != nil {
				return 0, err
			}
			n++
		}
		if err := o.appendSpilledRow(s, e, em.buf[r.off:r.off+r.kn], em.buf[r.off+r.kn:r.off+r.kn+r.vn], kind); err != nil {
			sp.fail(err)
			return 0, err
		}
		n++
	}
	for ; i < len(pn.groups); i++ {
		g := pn.groups[i]
		if err := o.appendRow(s, e, o.groupKey[g], g, kind); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
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
