package window

import (
	"encoding/binary"
	"fmt"
	"math"
)

// noGroup is the group of a spilled session.
const noGroup = math.MaxUint32

// sessKey appends the warm key of session slot id: its next action time
// (order-preserving), the slot and its generation.
func sessKey(buf []byte, at int64, id int32, gen uint32) []byte {
	buf = binary.BigEndian.AppendUint64(buf, uint64(at)^(1<<63))
	buf = binary.BigEndian.AppendUint32(buf, uint32(id))
	return binary.BigEndian.AppendUint32(buf, gen)
}

// parseSessKey is sessKey's inverse.
func parseSessKey(k []byte) (at int64, id int32, gen uint32, ok bool) {
	if len(k) != 16 {
		return 0, 0, 0, false
	}
	at = int64(binary.BigEndian.Uint64(k) ^ (1 << 63))
	return at, int32(binary.BigEndian.Uint32(k[8:])), binary.BigEndian.Uint32(k[12:]), true
}

// spillSessions spills the accumulators of the need coldest in-memory
// sessions.
func (o *op) spillSessions(need int) error {
	sp := &o.spill
	ss := &o.sess
	cands := sp.cands[:0]
	for id := range ss.list {
		if s := &ss.list[id]; s.live && !s.spilled {
			cands = append(cands, spillCand{touch: s.touch, far: o.sessionEnd(s.f, s.l), id: uint32(id)})
		}
	}
	sp.cands = cands
	for _, c := range pickVictims(cands, need) {
		if err := o.spillSession(int32(c.id)); err != nil {
			return err
		}
	}
	return nil
}

// spillSession writes session id's accumulators to the warm tier
// (buffered) and frees its group.
func (o *op) spillSession(id int32) error {
	sp := &o.spill
	s := &o.sess.list[id]
	at := o.actionAt(s)
	sp.kbuf = sessKey(sp.kbuf[:0], at, id, s.gen)
	sp.vbuf = sp.vbuf[:0]
	for _, a := range o.accs {
		sp.vbuf = a.Encode(sp.vbuf, s.g)
	}
	if err := sp.tier.Put(sp.kbuf, sp.vbuf); err != nil {
		return err
	}
	o.freeGroup(s.g)
	s.g, s.spilled, s.spillAt = noGroup, true, at
	o.sess.nSpilled++
	if o.sess.spillKnown && at < o.sess.spillLow {
		o.sess.spillLow = at
	}
	return nil
}

// decodeSession gives spilled session id a group decoded from warm value v.
func (o *op) decodeSession(id int32, v []byte) error {
	s := &o.sess.list[id]
	g := o.newGroup(s.key)
	for _, a := range o.accs {
		rest, err := a.Decode(g, v)
		if err != nil {
			o.freeGroup(g)
			return fmt.Errorf("window: spilled session: %w", err)
		}
		v = rest
	}
	s.g, s.spilled = g, false
	o.sess.nSpilled--
	return nil
}

// loadSession makes sure session id's accumulators are in memory, reading
// them back with one Get if it is spilled. It reports false when the warm
// entry expired (state.warm.ttl): the caller removes the session.
func (o *op) loadSession(id int32) (bool, error) {
	s := &o.sess.list[id]
	if !s.spilled {
		return true, nil
	}
	sp := &o.spill
	sp.kbuf = sessKey(sp.kbuf[:0], s.spillAt, id, s.gen)
	v, ok, err := sp.tier.Get(sp.kbuf, sp.vbuf)
	sp.vbuf = v
	if err == nil && ok {
		err = o.decodeSession(id, v)
	}
	if err != nil {
		sp.fail(err)
		return false, err
	}
	return ok, nil
}

// expireSession removes a spilled session whose warm entry expired,
// without a row.
func (o *op) expireSession(id int32) {
	o.removeSession(id)
	o.cnt.WindowsPruned.Add(1)
}

// loadKeySessions reads back the spilled sessions of key k that an event
// at t may join, removing those that expired. k stays allocated even if
// its last session expires (the caller decides about a key without
// sessions).
func (o *op) loadKeySessions(k uint32, t int64) error {
	ss := &o.sess
	gap := o.spec.Gap
	o.keys.ref(k)
	defer func() { o.keys.refs[k]-- }()
	for j := 0; j < len(ss.byKey[k]); {
		id := ss.byKey[k][j]
		s := &ss.list[id]
		if s.spilled && s.f-gap <= t && t <= satAdd(s.l, gap) {
			ok, err := o.loadSession(id)
			if err != nil {
				return err
			}
			if !ok {
				o.expireSession(id) // removes it from byKey[k]
				continue
			}
		}
		j++
	}
	return nil
}

// loadDueSessions reads back, with one scan, the spilled sessions whose
// next action is due at the watermark (fired sessions due only for purge
// are left spilled: they need no accumulators), deleting every scanned
// entry, superseded ones included (point deletes, in the tier's batch).
func (o *op) loadDueSessions() error {
	ss := &o.sess
	sp := &o.spill
	var lo, hi []byte
	if ss.spillKnown {
		lo = sessKey(nil, ss.spillLow, 0, 0)
	}
	if o.wm < math.MaxInt64 {
		hi = sessKey(nil, o.wm+1, 0, 0)
	}
	err := sp.tier.Scan(lo, hi, func(key, val []byte) error {
		if err := sp.tier.Delete(key); err != nil {
			return err
		}
		at, id, gen, ok := parseSessKey(key)
		if !ok || id < 0 || int(id) >= len(ss.list) {
			return nil
		}
		s := &ss.list[id]
		if !s.live || s.gen != gen || !s.spilled || s.spillAt != at || s.fired {
			return nil // superseded, or a fired session due for purge only
		}
		return o.decodeSession(id, val)
	})
	if err != nil {
		sp.fail(err)
		return err
	}
	if o.wm < math.MaxInt64 {
		// Everything due up to W has been read back; what is spilled from
		// now on is due later (its action time is above W).
		ss.spillKnown, ss.spillLow = true, o.wm+1
	}
	return nil
}
