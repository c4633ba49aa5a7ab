package storage

import (
	"encoding/binary"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// spoolFlushBytes is how many bytes of writes a Spool buffers before it
// commits them: the Go-heap cost of spooling stays at about this much
// however many entries pass through.
const spoolFlushBytes = 1 << 20

// Spool is scratch space beside a Tier for putting more entries in order
// than an operator should hold in memory: Put entries under keys that sort
// in the wanted order, Scan them back in that order, Reset to delete them.
// Its entries are not warm state: they are not counted as evictions or
// warm reads, have no TTL, and never outlive the Tier (Tier.Close and
// Store.DeleteQuery delete them; opening the Tier clears leftovers). Like
// its Tier, a Spool is used by one goroutine. A Spool's Put may be called
// while one of the Tier's scans is open: the scan does not see the
// spooled entries.
type Spool struct {
	t       *Tier
	prefix  []byte
	end     []byte
	batch   *pebble.Batch
	kbuf    []byte
	written bool
}

// Spool returns the tier's spool (one per tier).
func (t *Tier) Spool() *Spool {
	if t.spool == nil {
		p := spoolPrefix(t.key)
		t.spool = &Spool{t: t, prefix: p, end: prefixEnd(p)}
	}
	return t.spool
}

func spoolPrefix(k TierKey) []byte {
	p := appendQuery(nil, tagSpool, k.Query)
	p = binary.BigEndian.AppendUint32(p, uint32(k.Operator))
	return binary.BigEndian.AppendUint32(p, uint32(k.Partition))
}

// deleteSpool deletes the spooled entries of tier k.
func (s *Store) deleteSpool(k TierKey) error {
	p := spoolPrefix(k)
	return s.db.DeleteRange(p, prefixEnd(p), pebble.NoSync)
}

// Put buffers the entry (key, val); both are copied. A later Put of the
// same key replaces the entry.
func (s *Spool) Put(key, val []byte) error {
	if s.batch == nil {
		s.batch = s.t.s.db.NewBatch()
	}
	s.kbuf = append(append(s.kbuf[:0], s.prefix...), key...)
	if err := s.batch.Set(s.kbuf, val, nil); err != nil {
		return fmt.Errorf("spool put: %w", err)
	}
	s.written = true
	if s.batch.Len() >= spoolFlushBytes {
		return s.flush()
	}
	return nil
}

func (s *Spool) flush() error {
	if s.batch == nil || s.batch.Empty() {
		return nil
	}
	err := s.batch.Commit(pebble.NoSync)
	s.batch.Reset()
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	return nil
}

// Scan calls f for every spooled entry in key order; key and val are only
// valid during the call. An error from f stops the scan and is returned.
func (s *Spool) Scan(f func(key, val []byte) error) error {
	return s.ScanFrom(nil, f)
}

// ScanFrom is Scan over the entries whose key is ≥ from.
func (s *Spool) ScanFrom(from []byte, f func(key, val []byte) error) error {
	if err := s.flush(); err != nil {
		return err
	}
	if !s.written {
		return nil
	}
	lo := append(append([]byte(nil), s.prefix...), from...)
	it, err := s.t.s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: s.end})
	if err != nil {
		return fmt.Errorf("spool scan: %w", err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		if err = f(it.Key()[len(s.prefix):], it.Value()); err != nil {
			break
		}
	}
	if cerr := it.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("spool scan: %w", cerr)
	}
	return err
}

// Reset deletes every spooled entry (and discards buffered ones).
func (s *Spool) Reset() error {
	if s.batch != nil {
		s.batch.Reset()
	}
	if !s.written {
		return nil
	}
	s.written = false
	if err := s.t.s.db.DeleteRange(s.prefix, s.end, pebble.NoSync); err != nil {
		return fmt.Errorf("spool reset: %w", err)
	}
	return nil
}

// close releases the spool's batch; the caller deletes its range.
func (s *Spool) close() {
	if s.batch != nil {
		s.batch.Close()
		s.batch = nil
	}
}
