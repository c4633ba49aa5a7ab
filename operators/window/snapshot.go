package window

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/weirdb/weir/catalog"
)

// snapshotVersion is the version of the Snapshot encoding. Version 2
// adds the spilling bookkeeping (pane ordinals and spilled counts, spilled
// sessions) and the warm section; version 3 each window's key count (for
// weir_windows_pruned_total). Version 2 snapshots are still read (their
// windows count no keys).
const snapshotVersion = 3

var errCorruptSnapshot = errors.New("window: corrupt snapshot")

// Snapshot implements operators.Checkpointer: it writes the watermark,
// the key table, every in-memory group's accumulator state, the panes and
// windows (or sessions) and the early-trigger bookkeeping, then the warm
// section: the spilled groups' entries streamed straight from the tier
// (key, value pairs, superseded ones left out, ended by an empty key), so
// that a checkpoint never loads spilled state back into memory. Pending
// late rows are always flushed when Process returns, so there are none to
// save.
func (o *op) Snapshot(w io.Writer) error {
	if err := o.spill.err; err != nil {
		return err
	}
	var e enc
	e.u(snapshotVersion)
	e.u(uint64(o.spec.Kind))
	e.i(o.wm)
	if o.keys == nil {
		e.u(0)
	} else {
		e.u(1)
		kt := o.keys
		e.u(uint64(len(kt.types)))
		for _, t := range kt.types {
			e.u(uint64(t))
		}
		e.u(uint64(len(kt.enc)))
		for id, s := range kt.enc {
			live := kt.refs[id] > 0
			e.bool(live)
			if live {
				e.str(s)
				e.i(int64(kt.refs[id]))
			}
		}
	}
	// Groups.
	e.u(uint64(len(o.groupKey)))
	for g, k := range o.groupKey {
		e.u(uint64(k))
		for _, a := range o.accs {
			e.b = a.Encode(e.b, uint32(g))
		}
	}
	e.u(uint64(len(o.gFree)))
	for _, g := range o.gFree {
		e.u(uint64(g))
	}
	// Triggers.
	t := &o.trig
	e.bool(t.started)
	e.i(t.last.UnixNano())
	e.u(t.seq)
	if t.everyOn {
		for _, s := range t.touchSeq {
			e.u(s)
		}
		e.u(uint64(len(t.touched)))
		for _, tg := range t.touched {
			e.i(tg.pane)
			e.u(uint64(tg.group))
		}
		e.u(uint64(t.emitSeqLen()))
		for w, m := range t.emitSeq {
			for k, s := range m {
				e.i(w.start)
				e.i(w.end)
				e.u(uint64(k))
				e.u(s)
			}
		}
	}
	if o.spec.Kind == Session {
		ss := &o.sess
		e.u(uint64(len(ss.list)))
		for _, s := range ss.list {
			e.bool(s.live)
			e.u(uint64(s.gen))
			if s.live {
				e.i(s.f)
				e.i(s.l)
				e.bool(false) // spilled sessions: a key-level warm entry now
				e.u(uint64(s.g))
				e.u(uint64(s.key))
				e.u(s.seq)
				e.bool(s.fired)
				e.bool(s.dirty)
			}
		}
		e.u(ss.seq)
	} else {
		ps := &o.pane
		e.u(uint64(len(ps.panes)))
		for _, pn := range ps.panes {
			e.i(pn.start)
			e.u(uint64(len(pn.groups)))
			for _, g := range pn.groups {
				e.u(uint64(g))
			}
			e.bool(pn.ords != nil)
			if pn.ords != nil {
				for _, ord := range pn.ords {
					e.u(uint64(ord))
				}
				e.u(uint64(pn.nextOrd))
			}
			e.u(uint64(pn.spilled))
		}
		e.u(uint64(len(ps.wins)))
		for _, w := range ps.wins {
			e.i(w.start)
			e.i(w.end)
			e.bool(w.fired)
			e.i(w.keys)
		}
	}
	bw := bufio.NewWriter(w)
	if _, err := bw.Write(e.b); err != nil {
		return err
	}
	if err := o.snapshotWarm(bw); err != nil {
		return err
	}
	return bw.Flush()
}

// snapshotWarm streams the current warm entries to w, then an empty key.
func (o *op) snapshotWarm(w *bufio.Writer) error {
	var hdr []byte
	if o.spill.on {
		err := o.spill.tier.Scan(nil, nil, func(key, val []byte) error {
			if !o.warmCurrent(key) {
				return nil
			}
			hdr = binary.AppendUvarint(hdr[:0], uint64(len(key)))
			w.Write(hdr)
			w.Write(key)
			hdr = binary.AppendUvarint(hdr[:0], uint64(len(val)))
			w.Write(hdr)
			_, err := w.Write(val)
			return err
		})
		if err != nil {
			return err
		}
	}
	return w.WriteByte(0)
}

// warmCurrent reports whether warm entry key holds state that is not in
// memory (not superseded by a group read back, nor stale).
func (o *op) warmCurrent(key []byte) bool {
	if o.spec.Kind == Session {
		return true // a spilled key's state and timer: never superseded
	}
	if len(key) < 8 || o.keys == nil {
		return false
	}
	p := int64(binary.BigEndian.Uint64(key) ^ (1 << 63))
	if o.pane.byTime[p] == nil {
		return false
	}
	if k, ok := o.keys.ids[string(key[8:])]; ok {
		if _, in := o.pane.groups[paneGroupKey{p, k}]; in {
			return false
		}
	}
	return true
}

// restoreWarm reads the warm section: back into the tier when spilling,
// else into memory.
func (o *op) restoreWarm(d *dec) error {
	for d.err == nil {
		key := d.bytes()
		if len(key) == 0 {
			break
		}
		val := d.bytes()
		if d.err != nil {
			break
		}
		if o.spill.on {
			if err := o.checkWarm(key); err != nil {
				return err
			}
			if err := o.spill.tier.Put(key, val); err != nil {
				return err
			}
			if o.spec.Kind == Session {
				o.restoredWarmSession(key)
			}
			continue
		}
		if err := o.loadWarm(key, val); err != nil {
			return err
		}
	}
	if d.err != nil {
		return d.err
	}
	if o.spill.on {
		return o.spill.tier.Flush()
	}
	// Without a tier everything is in memory now.
	for _, pn := range o.pane.panes {
		pn.spilled, pn.warm = 0, false
	}
	return nil
}

// restoredWarmSession counts a spilled key's entry put back in the tier.
// Spilled keys are counted by their timers: a snapshot can hold a timer
// whose state entry had expired (state.warm.ttl) when it was taken, and
// that timer is subtracted when it comes due and finds no state.
func (o *op) restoredWarmSession(key []byte) {
	ss := &o.sess
	if at, _, ok := parseSessTimer(key); ok {
		ss.spilledKeys++
		ss.timerLow = min(ss.timerLow, at)
		o.nextAct = min(o.nextAct, at)
	}
}

// checkWarm validates a restored warm key against the restored state.
func (o *op) checkWarm(key []byte) error {
	if o.spec.Kind == Session {
		if len(key) < 2 || (key[0] != warmSessState && key[0] != warmSessTimer) {
			return errCorruptSnapshot
		}
		if _, _, ok := parseSessTimer(key); key[0] == warmSessTimer && !ok {
			return errCorruptSnapshot
		}
		if key[0] == warmSessState {
			if k, ok := o.keys.ids[string(key[1:])]; ok && int(k) < len(o.sess.byKey) && len(o.sess.byKey[k]) > 0 {
				return errCorruptSnapshot // both in memory and spilled
			}
		}
		return nil
	}
	if len(key) < 9 || o.keys == nil || o.pane.byTime[int64(binary.BigEndian.Uint64(key)^(1<<63))] == nil {
		return errCorruptSnapshot
	}
	return nil
}

// loadWarm decodes a restored warm entry into memory.
func (o *op) loadWarm(key, val []byte) error {
	if err := o.checkWarm(key); err != nil {
		return err
	}
	if o.spec.Kind == Session {
		if key[0] == warmSessTimer {
			return nil
		}
		return o.restoreKey(key[1:], val, false)
	}
	pn := o.pane.byTime[int64(binary.BigEndian.Uint64(key)^(1<<63))]
	k, fresh := o.keys.lookup(key[8:])
	if fresh {
		if err := o.keys.decodeInto(k, string(key[8:])); err != nil {
			o.keys.unref(k)
			return err
		}
	} else if _, in := o.pane.groups[paneGroupKey{pn.start, k}]; in {
		return errCorruptSnapshot
	}
	if _, err := o.decodeSpilled(pn, k, val); err != nil {
		if o.keys.refs[k] == 0 {
			o.keys.unref(k)
		}
		return err
	}
	return nil
}

// Restore implements operators.Checkpointer; it must be called before
// any input.
func (o *op) Restore(r io.Reader) (err error) {
	data, err := io.ReadAll(bufio.NewReader(r))
	if err != nil {
		return fmt.Errorf("window: restore: %w", err)
	}
	if err := o.openSpill(); err != nil {
		return err
	}
	o.sess.spilledKeys, o.sess.timerLow, o.sess.stale = 0, math.MaxInt64, 0
	d := &dec{b: data}
	version := d.u()
	if version != snapshotVersion && version != 2 {
		return fmt.Errorf("window: restore: unsupported snapshot version %d", version)
	}
	if Kind(d.u()) != o.spec.Kind {
		return fmt.Errorf("window: restore: snapshot of another window kind")
	}
	o.wm = d.i()
	if d.u() == 1 {
		types := make([]catalog.Type, d.n(1))
		for k := range types {
			types[k] = catalog.Type(d.u())
		}
		o.setKeys(types)
		kt := o.keys
		n := d.n(1)
		for id := 0; id < n && d.err == nil; id++ {
			if !d.bool() {
				kt.insert(fmt.Sprint("\x00free", id)) // placeholder, freed below
				kt.refs[id] = 0
				continue
			}
			s := d.str()
			got := kt.insert(s)
			if got != uint32(id) {
				return errCorruptSnapshot
			}
			kt.refs[id] = int32(d.i())
			if err := kt.decodeInto(uint32(id), s); err != nil {
				return err
			}
		}
		for id := n - 1; id >= 0 && d.err == nil; id-- {
			if kt.refs[id] == 0 {
				kt.unref(uint32(id))
			}
		}
	}
	ng := d.n(1)
	o.groupKey = make([]uint32, ng)
	for _, a := range o.accs {
		a.Grow(ng)
	}
	o.trig.grow(ng)
	for g := 0; g < ng && d.err == nil; g++ {
		o.groupKey[g] = uint32(d.u())
		if o.keys == nil || int(o.groupKey[g]) >= len(o.keys.enc) {
			return errCorruptSnapshot
		}
		for _, a := range o.accs {
			rest, err := a.Decode(uint32(g), d.b)
			if err != nil {
				return fmt.Errorf("window: restore: %w", err)
			}
			d.b = rest
		}
	}
	o.gFree = make([]uint32, d.n(1))
	for j := range o.gFree {
		o.gFree[j] = d.group(ng)
	}
	t := &o.trig
	t.started = d.bool()
	t.last = time.Unix(0, d.i())
	t.seq = d.u()
	if t.everyOn {
		for g := 0; g < ng; g++ {
			t.touchSeq[g] = d.u()
		}
		t.touched = t.touched[:0]
		for range d.n(2) {
			tg := touchedGroup{pane: d.i(), group: d.group(ng)}
			t.touched = append(t.touched, tg)
			if d.err == nil {
				t.inList[tg.group] = true
			}
		}
		for range d.n(4) {
			lk := lateKey{start: d.i(), end: d.i(), key: uint32(d.u())}
			t.setEmitSeq(lk, d.u())
		}
	}
	if o.spec.Kind == Session {
		o.restoreSessions(d, ng)
	} else {
		o.restorePanes(d, ng, version)
	}
	if d.err != nil {
		return d.err
	}
	if err := o.restoreWarm(d); err != nil {
		return err
	}
	if len(d.b) != 0 {
		return errCorruptSnapshot
	}
	if o.spec.Kind != Session {
		o.rebuildKeyMax()
	}
	return nil
}

func (o *op) restorePanes(d *dec, ng int, version uint64) {
	ps := &o.pane
	for range d.n(2) {
		p := d.i()
		pn := &pane{start: p}
		pn.firstEnd, pn.lastEnd = ps.bounds(p)
		for range d.n(1) {
			g := d.group(ng)
			pn.groups = append(pn.groups, g)
			if d.err == nil {
				ps.groups[paneGroupKey{p, o.groupKey[g]}] = g
			}
		}
		if d.bool() {
			pn.ords = make([]uint32, len(pn.groups))
			for j := range pn.ords {
				pn.ords[j] = uint32(d.u())
				pn.unsorted = pn.unsorted || j > 0 && pn.ords[j] < pn.ords[j-1]
			}
			pn.nextOrd = uint32(d.u())
		}
		pn.spilled = int(d.u())
		pn.warm = pn.spilled > 0
		ps.byTime[p] = pn
		ps.panes = append(ps.panes, pn)
	}
	for range d.n(3) {
		w := win{start: d.i(), end: d.i(), fired: d.bool()}
		if version >= 3 {
			w.keys = d.i()
		}
		ps.wins = append(ps.wins, w)
	}
	o.updateNextAct()
}

func (o *op) restoreSessions(d *dec, ng int) {
	ss := &o.sess
	n := d.n(2)
	ss.list = make([]session, n)
	o.nextAct = math.MaxInt64
	for id := 0; id < n && d.err == nil; id++ {
		s := &ss.list[id]
		s.live = d.bool()
		s.gen = uint32(d.u())
		s.heapAt = math.MaxInt64
		if !s.live {
			ss.free = append(ss.free, int32(id))
			continue
		}
		s.f, s.l = d.i(), d.i()
		if d.bool() {
			d.err = errOldSpilledSessions
			return
		}
		s.g = d.group(ng)
		s.key = uint32(d.u())
		s.seq = d.u()
		s.fired, s.dirty = d.bool(), d.bool()
		if o.keys == nil || int(s.key) >= len(o.keys.enc) {
			d.err = errCorruptSnapshot
			return
		}
		for int(s.key) >= len(ss.byKey) {
			ss.byKey = append(ss.byKey, nil)
		}
		ss.byKey[s.key] = append(ss.byKey[s.key], int32(id))
		o.schedule(int32(id))
	}
	ss.seq = d.u()
}

// enc and dec are the snapshot's varint codec.
type enc struct{ b []byte }

func (e *enc) u(x uint64)   { e.b = binary.AppendUvarint(e.b, x) }
func (e *enc) i(x int64)    { e.b = binary.AppendVarint(e.b, x) }
func (e *enc) str(s string) { e.u(uint64(len(s))); e.b = append(e.b, s...) }
func (e *enc) bool(x bool) {
	if x {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

type dec struct {
	b   []byte
	err error
}

func (d *dec) u() uint64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errCorruptSnapshot
		return 0
	}
	d.b = d.b[n:]
	return x
}

func (d *dec) i() int64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errCorruptSnapshot
		return 0
	}
	d.b = d.b[n:]
	return x
}

// n reads a count whose items take at least minBytes each.
func (d *dec) n(minBytes int) int {
	x := d.u()
	if x > uint64(len(d.b)/minBytes) {
		d.err = errCorruptSnapshot
		return 0
	}
	return int(x)
}

func (d *dec) group(ng int) uint32 {
	g := d.u()
	if g >= uint64(ng) {
		d.err = errCorruptSnapshot
		return 0
	}
	return uint32(g)
}

func (d *dec) str() string {
	n := d.u()
	if d.err != nil || n > uint64(len(d.b)) {
		d.err = errCorruptSnapshot
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// bytes reads a length-prefixed byte string (aliasing the input).
func (d *dec) bytes() []byte {
	n := d.u()
	if d.err != nil || n > uint64(len(d.b)) {
		d.err = errCorruptSnapshot
		return nil
	}
	b := d.b[:n:n]
	d.b = d.b[n:]
	return b
}

func (d *dec) bool() bool {
	if d.err != nil || len(d.b) == 0 {
		d.err = errCorruptSnapshot
		return false
	}
	x := d.b[0]
	d.b = d.b[1:]
	return x == 1
}
