package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// Manifest is one committed checkpoint of a query: the snapshot bytes of
// each of its sources and operators, under names the runtime chooses
// ("source/0", "op/3", ...).
type Manifest struct {
	Query       string
	ID          uint64 // increasing per query
	Fingerprint string // hash of the query's statements; checked at restart
	CreatedAt   time.Time
	Blobs       map[string][]byte
}

// manifestVersion is the version byte of the header encoding.
const manifestVersion = 1

var (
	crcTable     = crc32.MakeTable(crc32.Castagnoli)
	errCorruptCk = errors.New("corrupt checkpoint")
)

// CommitCheckpoint writes m atomically: its header, every blob and the
// query's latest-checkpoint pointer go into one Pebble batch committed
// with Sync, so that after a crash either all of m is visible or none of it
// is. m.ID must be greater than the query's latest checkpoint id. Then
// checkpoints of the query older than the last Options.KeepCheckpoints are
// deleted (in the same batch). The blobs are copied; m may be reused.
func (s *Store) CommitCheckpoint(m *Manifest) error {
	start := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	latest, ok, err := s.latestID(m.Query)
	if err != nil {
		return err
	}
	if ok && m.ID <= latest {
		return fmt.Errorf("checkpoint %d of query %q is not after the latest (%d)", m.ID, m.Query, latest)
	}
	names := make([]string, 0, len(m.Blobs))
	size := 0
	for name, b := range m.Blobs {
		names = append(names, name)
		size += len(name) + len(b) + 32
	}
	slices.Sort(names)
	hdr := []byte{manifestVersion}
	hdr = appendString(hdr, m.Fingerprint)
	hdr = binary.AppendVarint(hdr, m.CreatedAt.UnixNano())
	hdr = binary.AppendUvarint(hdr, uint64(len(names)))
	b := s.db.NewBatchWithSize(size + len(hdr) + 64)
	defer b.Close()
	for _, name := range names {
		blob := m.Blobs[name]
		hdr = appendString(hdr, name)
		hdr = binary.AppendUvarint(hdr, uint64(len(blob)))
		hdr = binary.LittleEndian.AppendUint32(hdr, crc32.Checksum(blob, crcTable))
		if err := b.Set(blobKey(m.Query, m.ID, name), blob, nil); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	hdr = binary.LittleEndian.AppendUint32(hdr, crc32.Checksum(hdr, crcTable))
	if err := b.Set(headerKey(m.Query, m.ID), hdr, nil); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := b.Set(latestKey(m.Query), binary.BigEndian.AppendUint64(nil, m.ID), nil); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := s.gcOld(b, m.Query, m.ID); err != nil {
		return err
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("checkpoint: commit: %w", err)
	}
	s.observeCheckpoint(time.Since(start), size)
	return nil
}

// gcOld adds to b the deletion of every checkpoint of query older than the
// KeepCheckpoints-1 checkpoints before id.
func (s *Store) gcOld(b *pebble.Batch, query string, id uint64) error {
	keep := s.opts.KeepCheckpoints - 1 // besides id itself
	ids, err := s.checkpointIDs(query)
	if err != nil {
		return err
	}
	if len(ids) <= keep {
		return nil
	}
	cut := ids[len(ids)-keep] // delete everything below cut
	lo := checkpointPrefix(query, 0)
	hi := checkpointPrefix(query, cut)
	if err := b.DeleteRange(lo, hi, nil); err != nil {
		return fmt.Errorf("checkpoint gc: %w", err)
	}
	return nil
}

// checkpointIDs lists the ids of query's checkpoints with a header, in
// increasing order.
func (s *Store) checkpointIDs(query string) ([]uint64, error) {
	p := appendQuery(nil, tagCheckpoint, query)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: p, UpperBound: prefixEnd(p)})
	if err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	var ids []uint64
	for ok := it.First(); ok; ok = it.Next() {
		k := it.Key()[len(p):]
		if len(k) == 9 && k[8] == 'h' {
			ids = append(ids, binary.BigEndian.Uint64(k))
		} else if len(k) >= 8 {
			// Skip the blobs of this checkpoint.
			next := checkpointPrefix(query, binary.BigEndian.Uint64(k))
			if !it.SeekGE(append(next, 'h')) {
				break
			}
			k = it.Key()[len(p):]
			if len(k) == 9 && k[8] == 'h' {
				ids = append(ids, binary.BigEndian.Uint64(k))
			}
		}
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	return ids, nil
}

// CheckpointIDs lists the ids of the checkpoints of query kept in the
// store, in increasing order.
func (s *Store) CheckpointIDs(query string) ([]uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	return s.checkpointIDs(query)
}

func (s *Store) latestID(query string) (uint64, bool, error) {
	v, closer, err := s.db.Get(latestKey(query))
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("state directory: %w", err)
	}
	defer closer.Close()
	if len(v) != 8 {
		return 0, false, errCorruptCk
	}
	return binary.BigEndian.Uint64(v), true, nil
}

// LatestCheckpoint returns query's latest committed checkpoint, or nil
// when there is none. Every blob is verified against the checksum in the
// header; a checkpoint that fails verification is an error, never
// returned in part.
func (s *Store) LatestCheckpoint(query string) (*Manifest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	id, ok, err := s.latestID(query)
	if err != nil || !ok {
		return nil, err
	}
	return s.readCheckpoint(query, id)
}

func (s *Store) readCheckpoint(query string, id uint64) (*Manifest, error) {
	hdr, err := s.get(headerKey(query, id))
	if err != nil {
		return nil, err
	}
	if len(hdr) < 5 {
		return nil, fmt.Errorf("checkpoint %d of query %q: missing header", id, query)
	}
	body := hdr[:len(hdr)-4]
	if crc32.Checksum(body, crcTable) != binary.LittleEndian.Uint32(hdr[len(hdr)-4:]) {
		return nil, errCorruptCk
	}
	if body[0] != manifestVersion {
		return nil, fmt.Errorf("checkpoint version %d not supported", body[0])
	}
	d := &decoder{b: body[1:]}
	m := &Manifest{Query: query, ID: id, Blobs: make(map[string][]byte)}
	m.Fingerprint = d.str()
	m.CreatedAt = time.Unix(0, d.varint())
	n := d.uvarint()
	for i := uint64(0); i < n && d.err == nil; i++ {
		name := d.str()
		size := d.uvarint()
		sum := d.u32()
		if d.err != nil {
			break
		}
		blob, err := s.get(blobKey(query, id, name))
		if err != nil {
			return nil, err
		}
		if blob == nil || uint64(len(blob)) != size || crc32.Checksum(blob, crcTable) != sum {
			return nil, fmt.Errorf("checkpoint %d of query %q: blob %q is missing or corrupt", id, query, name)
		}
		m.Blobs[name] = blob
	}
	if d.err != nil || len(d.b) != 0 {
		return nil, errCorruptCk
	}
	return m, nil
}

// get returns a copy of the value at k, or nil when absent.
func (s *Store) get(k []byte) ([]byte, error) {
	v, closer, err := s.db.Get(k)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	out := make([]byte, len(v))
	copy(out, v)
	closer.Close()
	return out, nil
}

// DeleteQuery removes every checkpoint and warm-tier entry of query
// (DROP, or `weir run --reset`), durably.
func (s *Store) DeleteQuery(query string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	b := s.db.NewBatch()
	defer b.Close()
	for _, tag := range []byte{tagCheckpoint, tagWarm, tagSpool} {
		p := appendQuery(nil, tag, query)
		if err := b.DeleteRange(p, prefixEnd(p), nil); err != nil {
			return fmt.Errorf("delete query: %w", err)
		}
	}
	if err := b.Delete(latestKey(query), nil); err != nil {
		return fmt.Errorf("delete query: %w", err)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("delete query: %w", err)
	}
	return nil
}

// DeleteAllQueries removes every query's checkpoints and warm-tier entries,
// durably, and keeps the persisted catalog (statements): `weir run --reset`,
// and the end of a `weir run` whose every query finished.
func (s *Store) DeleteAllQueries() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	b := s.db.NewBatch()
	defer b.Close()
	for _, tag := range []byte{tagCheckpoint, tagLatest, tagWarm, tagSpool} {
		p := []byte{tag}
		if err := b.DeleteRange(p, prefixEnd(p), nil); err != nil {
			return fmt.Errorf("deleting checkpoints: %w", err)
		}
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("deleting checkpoints: %w", err)
	}
	return nil
}

func appendString(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

// decoder reads the header encoding; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errCorruptCk
		return 0
	}
	d.b = d.b[n:]
	return x
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errCorruptCk
		return 0
	}
	d.b = d.b[n:]
	return x
}

func (d *decoder) u32() uint32 {
	if d.err != nil || len(d.b) < 4 {
		d.err = errCorruptCk
		return 0
	}
	x := binary.LittleEndian.Uint32(d.b)
	d.b = d.b[4:]
	return x
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.err != nil || uint64(len(d.b)) < n {
		d.err = errCorruptCk
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}
