package window

import (
	"encoding/binary"
	"fmt"

	"github.com/weirdb/weir/coldata"
)

// Spool key prefixes of emitSpilledPanes: its first stage (every group of
// the window under its key) sorts before its second (every merged row under
// its first-seen position).
const (
	spoolByKey   = 0
	spoolByOrder = 1
)

// emitSpilledPanes appends the rows of the several-pane window [s, e)
// (HOP, CUMULATE) some of whose panes have spilled groups, without
// reading the spilled groups back into their panes: reading every pane of
// the window back would hold the whole window's state in memory at once,
// more than the in-memory run holds (a budget would then raise the peak).
//
// Two passes through the tier's spool keep what is in memory bounded:
// every group of the window — the live warm entries (not superseded by an
// in-memory group) and the in-memory groups, encoded — goes under
// (its key, its pane's index in the window); scanning that in order, the
// groups of one key arrive together in pane order and are merged into one
// scratch group, exactly as emitWindow merges them, whose encoding goes
// under the key's first-seen position in the window (the index of its
// first pane, its ordinal there). Scanning those appends the rows in the
// order emitWindow gives. It returns the number of rows.
func (o *op) emitSpilledPanes(s, e int64, kind coldata.EmitKind) (int, error) {
	sp := &o.spill
	ps := &o.pane
	spool := sp.tier.Spool()
	var kbuf, vbuf []byte
	put := func(key []byte, ord uint32, acc []byte) error {
		kbuf = key
		vbuf = binary.BigEndian.AppendUint32(vbuf[:0], ord)
		vbuf = append(vbuf, acc...)
		return spool.Put(kbuf, vbuf)
	}
	var err error
	var abuf []byte
	for idx, pn := range ps.panesIn(s, e) {
		o.sortGroups(pn)
		for i, g := range pn.groups {
			ord := uint32(i)
			if pn.ords != nil {
				ord = pn.ords[i]
			}
			abuf = abuf[:0]
			for _, a := range o.accs {
				abuf = a.Encode(abuf, g)
			}
			if err = put(byKey(kbuf, o.keys.enc[o.groupKey[g]], uint32(idx)), ord, abuf); err != nil {
				break
			}
		}
		if err != nil || pn.spilled == 0 {
			continue
		}
		lo, hi := paneRange(pn.start)
		err = sp.tier.Scan(lo, hi, func(key, val []byte) error {
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
			return put(byKey(kbuf, enc, uint32(idx)), uint32(ord), val[n:])
		})
		if err != nil {
			break
		}
	}
	if err == nil {
		m := paneKeyMerge{o: o}
		err = spool.Scan(func(key, val []byte) error {
			if len(key) < 9 || key[0] != spoolByKey || len(val) < 4 {
				return errCorruptSpill
			}
			kn := binary.BigEndian.Uint32(key[1:5])
			if uint64(kn)+9 != uint64(len(key)) {
				return errCorruptSpill
			}
			enc := key[5 : 5+kn]
			idx := binary.BigEndian.Uint32(key[5+kn:])
			return m.add(enc, idx, binary.BigEndian.Uint32(val), val[4:])
		})
		if err == nil {
			err = m.flush()
		}
		m.drop()
	}
	n := 0
	if err == nil {
		err = spool.ScanFrom([]byte{spoolByOrder}, func(key, val []byte) error {
			if len(key) != 9 {
				return errCorruptSpill
			}
			kn, w := binary.Uvarint(val)
			if w <= 0 || kn > uint64(len(val)-w) {
				return errCorruptSpill
			}
			n++
			return o.appendSpilledRow(s, e, val[w:w+int(kn)], val[w+int(kn):], kind)
		})
	}
	if rerr := spool.Reset(); err == nil {
		err = rerr
	}
	if err != nil {
		sp.fail(err)
		return 0, err
	}
	return n, nil
}

// paneKeyMerge merges the spooled groups of one key (fed in pane order)
// into a scratch group and spools the merged row under the key's
// first-seen position.
type paneKeyMerge struct {
	o        *op
	enc      []byte // the current key; valid while on
	on       bool
	k, sg    uint32
	idx, ord uint32 // the current key's first pane index and ordinal there
	kbuf     []byte
	vbuf     []byte
}

// add merges one group (encoded accumulators acc) of key enc in the
// window's pane idx, first seen there at ordinal ord.
func (m *paneKeyMerge) add(enc []byte, idx, ord uint32, acc []byte) error {
	o := m.o
	if m.on && string(enc) != string(m.enc) {
		if err := m.flush(); err != nil {
			return err
		}
	}
	if !m.on {
		m.enc = append(m.enc[:0], enc...)
		k, fresh := o.keys.lookup(m.enc)
		if fresh && int(k) < len(o.pane.keyPane) {
			o.pane.keyPane[k] = minTime
		}
		o.keys.ref(k)
		m.k, m.sg, m.idx, m.ord, m.on = k, o.newGroup(k), idx, ord, true
	}
	g := o.newGroup(m.k)
	defer o.freeGroup(g)
	for _, a := range o.accs {
		var err error
		if acc, err = a.Decode(g, acc); err != nil {
			return fmt.Errorf("window: spilled group: %w", err)
		}
	}
	for _, a := range o.accs {
		a.Merge(m.sg, g)
	}
	return nil
}

// flush spools the current key's merged row and releases its scratch.
func (m *paneKeyMerge) flush() error {
	if !m.on {
		return nil
	}
	o := m.o
	m.kbuf = append(m.kbuf[:0], spoolByOrder)
	m.kbuf = binary.BigEndian.AppendUint32(m.kbuf, m.idx)
	m.kbuf = binary.BigEndian.AppendUint32(m.kbuf, m.ord)
	m.vbuf = binary.AppendUvarint(m.vbuf[:0], uint64(len(m.enc)))
	m.vbuf = append(m.vbuf, m.enc...)
	for _, a := range o.accs {
		m.vbuf = a.Encode(m.vbuf, m.sg)
	}
	m.drop()
	return o.spill.tier.Spool().Put(m.kbuf, m.vbuf)
}

// drop releases the current key's scratch group and key reference.
func (m *paneKeyMerge) drop() {
	if !m.on {
		return
	}
	m.o.freeGroup(m.sg)
	m.o.keys.unref(m.k)
	m.on = false
}

// windowSpilled says whether a pane of window [s, e) has spilled groups.
func (o *op) windowSpilled(s, e int64) bool {
	for _, pn := range o.pane.panesIn(s, e) {
		if pn.spilled > 0 {
			return true
		}
	}
	return false
}

// byKey returns in buf the first-stage spool key of key enc's group in
// the window's pane idx: its length, the key, the index (big endian, so
// that one key's groups are together, in pane order).
func byKey[T string | []byte](buf []byte, enc T, idx uint32) []byte {
	buf = append(buf[:0], spoolByKey)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(enc)))
	buf = append(buf, enc...)
	return binary.BigEndian.AppendUint32(buf, idx)
}
