package window

import (
	"bytes"
	"slices"

	"github.com/weirdb/weir/coldata"
)

// readBack is the scratch of readBackBatch, reused across batches.
type readBack struct {
	active bool     // the current batch's spilled groups are read back
	buf    []byte   // warm keys (pane start ‖ encoded key), back to back
	refs   []rbRef  // one per wanted group, sorted by warm key
	keys   [][]byte // the distinct warm keys, sorted, into buf
	panes  []*pane  // the pane of each of keys
}

// rbRef is a wanted group: its warm key is buf[off:off+n].
type rbRef struct {
	off, n uint32
	pn     *pane
}

// sortKeys sorts the wanted warm keys and puts each distinct one in
// rb.keys, calling distinct with its first ref.
func (rb *readBack) sortKeys(distinct func(r rbRef)) {
	buf := rb.buf
	key := func(r rbRef) []byte { return buf[r.off : r.off+r.n] }
	slices.SortFunc(rb.refs, func(x, y rbRef) int { return bytes.Compare(key(x), key(y)) })
	rb.keys = rb.keys[:0]
	for j, r := range rb.refs {
		if k := key(r); j == 0 || !bytes.Equal(k, rb.keys[len(rb.keys)-1]) {
			rb.keys = append(rb.keys, k)
			if distinct != nil {
				distinct(r)
			}
		}
	}
}

// readBackBatch reads back, before any row of b is added, every spilled
// (pane, key) group that a live row of b addresses: it collects the warm
// keys of the rows whose group is not in memory in a pane with spilled
// groups, sorts and dedupes them, and reads them with one sorted pass
// over the warm tier (storage.Tier.GetSorted). The groups found are
// decoded into their panes as on a firing; the rows then find every
// group in memory, and groupFor skips the warm tier for the rest of the
// batch (active): a (pane, key) not found now is not spilled, since
// groups are spilled only between batches.
//
// A row may turn out too late when it is reached (the watermark advances
// within the batch): its group was read back for nothing and is purged
// with its pane, as it would have been in the tier.
func (o *op) readBackBatch(b *coldata.Batch) error {
	sp := &o.spill
	rb := &sp.rb
	rb.active = false
	spilled := false
	for _, pn := range o.pane.panes {
		if pn.spilled > 0 {
			spilled = true
			break
		}
	}
	if !spilled {
		return sp.err
	}
	rb.buf, rb.refs = rb.buf[:0], rb.refs[:0]
	ps := &o.pane
	keyCols := o.spec.KeyCols
	curP, havePane := int64(0), false
	var curPn *pane
	want := func(i int) {
		p := ps.paneOf(b.EventTime[i])
		if !havePane || p != curP {
			curP, curPn, havePane = p, ps.byTime[p], true
		}
		if curPn == nil || curPn.spilled == 0 {
			return
		}
		enc := o.keys.encode(b, keyCols, i)
		if k, ok := o.keys.ids[string(enc)]; ok {
			if int(k) < len(ps.keyPane) && ps.keyPane[k] == p {
				return
			}
			if _, in := ps.groups[paneGroupKey{p, k}]; in {
				return
			}
		}
		off := len(rb.buf)
		rb.buf = append(paneKey(rb.buf, p), enc...)
		rb.refs = append(rb.refs, rbRef{off: uint32(off), n: uint32(len(rb.buf) - off), pn: curPn})
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
	rb.active = true
	if len(rb.refs) == 0 {
		return sp.err
	}
	rb.panes = rb.panes[:0]
	rb.sortKeys(func(r rbRef) { rb.panes = append(rb.panes, r.pn) })
	err := sp.tier.GetSorted(rb.keys, func(j int, val []byte) error {
		k, fresh := o.keys.lookup(rb.keys[j][8:])
		if fresh && int(k) < len(ps.keyPane) {
			ps.keyPane[k] = minTime
		}
		_, err := o.decodeSpilled(rb.panes[j], k, val)
		if err != nil && o.keys.refs[k] == 0 {
			o.keys.unref(k)
		}
		return err
	})
	clear(rb.panes) // drop pane pointers until the next batch
	clear(rb.refs)
	if err != nil {
		rb.active = false
		sp.fail(err)
		return err
	}
	return nil
}
