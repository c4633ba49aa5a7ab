package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
)

// TierKey addresses the warm state of one partition of one operator of a
// query. Operator is the runtime's index of the operator in the query's
// DAG.
type TierKey struct {
	Query     string
	Operator  int32
	Partition int32
}

// Tier is the warm tier of one operator partition: a Pebble key range
// under the TierKey's prefix that the operator spills cold state to, plus
// the hot-state budget and gauge the operator accounts against.
//
// Writes (Put, DeleteRange) are buffered in a batch and committed without
// Sync by Flush, and before any read (Get, Scan) so that reads see them.
// Every entry is stored with its write time (processing time, 8 bytes).
// When Options.WarmTTL is set, an entry older than the TTL is expired:
// Get reports it absent and Scan skips it, exactly as if it had never been
// written; it is counted in Metrics.Expired and per query in
// Metrics.ExpiredByQuery, reported on the expiry log (Metrics.SetExpiryLog:
// a line naming the query, at most every ExpiryWarnEvery per query), and
// deleted by the read that found it. What an expired entry means for the state
// that was spilled is the operator's documented choice (window: the
// group's state is dropped, like Flink's idle-state TTL).
//
// Warm contents are not durable state: checkpoints hold the complete
// state, and opening a Tier clears what a previous run left under its
// prefix. A Tier is used by one goroutine (its operator's); its gauge and
// the Store's metrics may be read concurrently.
type Tier struct {
	s      *Store
	key    TierKey
	budget int64
	prefix []byte
	end    []byte // prefixEnd(prefix)
	batch  *pebble.Batch
	kbuf   []byte
	vbuf   []byte
	hot    atomic.Int64
	spool  *Spool
	exp    *queryExpiry // nil until the first expiry
}

// Tier opens the warm tier of k with a hot-state budget of budgetBytes
// (state.hot.max_size_mb; ≤ 0 means unlimited: the operator never spills),
// deleting whatever entries a previous run left under k. Close it when
// the operator closes.
func (s *Store) Tier(k TierKey, budgetBytes int64) (*Tier, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	p := appendQuery(nil, tagWarm, k.Query)
	p = binary.BigEndian.AppendUint32(p, uint32(k.Operator))
	p = binary.BigEndian.AppendUint32(p, uint32(k.Partition))
	t := &Tier{s: s, key: k, budget: budgetBytes, prefix: p, end: prefixEnd(p)}
	if err := s.db.DeleteRange(p, t.end, pebble.NoSync); err != nil {
		return nil, fmt.Errorf("open tier: %w", err)
	}
	if err := s.deleteSpool(k); err != nil {
		return nil, fmt.Errorf("open tier: %w", err)
	}
	if s.tiers == nil {
		s.tiers = make(map[*Tier]struct{})
	}
	s.tiers[t] = struct{}{}
	return t, nil
}

// Budget returns the hot-state budget in bytes (≤ 0: unlimited).
func (t *Tier) Budget() int64 { return t.budget }

// Key returns the tier's address.
func (t *Tier) Key() TierKey { return t.key }

// SetHotBytes publishes the operator's current hot-state size (for
// weir_hot_state_size_bytes).
func (t *Tier) SetHotBytes(n int64) { t.hot.Store(n) }

// HotBytes returns the last published hot-state size.
func (t *Tier) HotBytes() int64 { return t.hot.Load() }

func (t *Tier) fullKey(k []byte) []byte {
	t.kbuf = append(append(t.kbuf[:0], t.prefix...), k...)
	return t.kbuf
}

func (t *Tier) pending() *pebble.Batch {
	if t.batch == nil {
		t.batch = t.s.db.NewBatch()
	}
	return t.batch
}

// stampLen is the size of an entry's write-time prefix.
const stampLen = 8

// Put buffers the entry (key, val) (one evicted group), stamped with the
// current time; both are copied.
func (t *Tier) Put(key, val []byte) error {
	t.vbuf = binary.BigEndian.AppendUint64(t.vbuf[:0], uint64(t.s.opts.Now().UnixNano()))
	t.vbuf = append(t.vbuf, val...)
	if err := t.pending().Set(t.fullKey(key), t.vbuf, nil); err != nil {
		return fmt.Errorf("tier put: %w", err)
	}
	t.s.metrics.Evictions.Add(1)
	return nil
}

// Delete buffers the deletion of key (cheaper than DeleteRange for a few
// keys: no range tombstone for later reads to skip).
func (t *Tier) Delete(key []byte) error {
	if err := t.pending().Delete(t.fullKey(key), nil); err != nil {
		return fmt.Errorf("tier delete: %w", err)
	}
	return nil
}

// SingleDelete buffers the deletion of key, which must have been Put at
// most once since it was last deleted (Pebble's SingleDelete: the Put and
// the deletion cancel out when they meet in a compaction, leaving no
// tombstone to carry down the levels — the cheap way to delete entries
// that are written once and read back once).
func (t *Tier) SingleDelete(key []byte) error {
	if err := t.pending().SingleDelete(t.fullKey(key), nil); err != nil {
		return fmt.Errorf("tier delete: %w", err)
	}
	return nil
}

// DeleteRange buffers the deletion of the keys in [lo, hi); hi == nil
// means the end of the tier's range.
func (t *Tier) DeleteRange(lo, hi []byte) error {
	start := append(append([]byte(nil), t.prefix...), lo...)
	var end []byte
	if hi == nil {
		end = t.end
	} else {
		end = append(append([]byte(nil), t.prefix...), hi...)
	}
	if err := t.pending().DeleteRange(start, end, nil); err != nil {
		return fmt.Errorf("tier delete: %w", err)
	}
	return nil
}

// Flush commits the buffered writes (without Sync).
func (t *Tier) Flush() error {
	if t.batch == nil || t.batch.Empty() {
		return nil
	}
	err := t.batch.Commit(pebble.NoSync)
	t.batch.Reset()
	if err != nil {
		return fmt.Errorf("tier flush: %w", err)
	}
	return nil
}

// Get appends the value at key to buf[:0] and reports whether it exists.
func (t *Tier) Get(key, buf []byte) ([]byte, bool, error) {
	if err := t.Flush(); err != nil {
		return buf, false, err
	}
	v, closer, err := t.s.db.Get(t.fullKey(key))
	if errors.Is(err, pebble.ErrNotFound) {
		return buf, false, nil
	}
	if err != nil {
		return buf, false, fmt.Errorf("tier get: %w", err)
	}
	val, ok := t.live(v, t.deadline())
	if ok {
		buf = append(buf[:0], val...)
		t.s.metrics.WarmReads.Add(1)
	}
	closer.Close()
	if !ok {
		t.expire(t.kbuf)
	}
	return buf, ok, nil
}

// GetSorted reads the entries at keys, which must be sorted ascending
// (duplicates allowed), with one iterator pass: for each present and
// live entry it calls f with the key's index in keys and the value (valid
// only during the call). Each lookup is a prefix seek that skips the
// files whose bloom filter excludes the key, and a seek past the
// previous one moves the iterator forward instead of searching each
// level again, so n sorted lookups cost far less than n Gets. An error
// from f stops the pass and is returned.
func (t *Tier) GetSorted(keys [][]byte, f func(i int, val []byte) error) error {
	if len(keys) == 0 {
		return nil
	}
	if err := t.Flush(); err != nil {
		return err
	}
	it, err := t.s.db.NewIter(&pebble.IterOptions{LowerBound: t.prefix, UpperBound: t.end})
	if err != nil {
		return fmt.Errorf("tier get: %w", err)
	}
	n := int64(0)
	deadline := t.deadline()
	for i, k := range keys {
		full := t.fullKey(k)
		if !it.SeekPrefixGE(full) || !bytes.Equal(it.Key(), full) {
			continue
		}
		v, live := t.live(it.Value(), deadline)
		if !live {
			t.expire(full)
			continue
		}
		n++
		if err = f(i, v); err != nil {
			break
		}
	}
	t.s.metrics.WarmReads.Add(n)
	if cerr := it.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("tier get: %w", cerr)
	}
	return err
}

// deadline returns the write time (unix ns) before which entries are
// expired, or math.MinInt64 without a TTL.
func (t *Tier) deadline() int64 {
	if t.s.opts.WarmTTL <= 0 {
		return math.MinInt64
	}
	return t.s.opts.Now().Add(-t.s.opts.WarmTTL).UnixNano()
}

// expire buffers the deletion of an expired entry found by a read (full
// key), so that every entry written is deleted at most once after its
// write: the condition of SingleDelete, which operators use for entries
// they write once and read back once.
func (t *Tier) expire(full []byte) {
	_ = t.pending().Delete(full, nil) // an error shows again at Flush
}

// expired counts an expired entry, for the store and the query, and warns
// (rate-limited) on the expiry log.
func (t *Tier) expired() {
	t.s.metrics.Expired.Add(1)
	if t.exp == nil {
		t.exp = t.s.metrics.queryExpiry(t.key.Query)
	}
	t.exp.n.Add(1)
	t.s.metrics.warnExpired(t.exp, t.s.opts.Now(), t.s.opts.WarmTTL)
}

// live strips the write time of stored value v and reports whether it is
// not expired (nor malformed) at deadline.
func (t *Tier) live(v []byte, deadline int64) ([]byte, bool) {
	if len(v) < stampLen {
		return nil, false
	}
	if int64(binary.BigEndian.Uint64(v)) < deadline {
		t.expired()
		return nil, false
	}
	return v[stampLen:], true
}

// Scan calls f for every entry with lo ≤ key < hi (hi == nil: to the end
// of the tier), in key order, skipping expired entries. key and val are only valid during the call.
// An error from f stops the scan and is returned.
func (t *Tier) Scan(lo, hi []byte, f func(key, val []byte) error) error {
	if err := t.Flush(); err != nil {
		return err
	}
	opts := &pebble.IterOptions{LowerBound: append(append([]byte(nil), t.prefix...), lo...)}
	if hi == nil {
		opts.UpperBound = t.end
	} else {
		opts.UpperBound = append(append([]byte(nil), t.prefix...), hi...)
	}
	it, err := t.s.db.NewIter(opts)
	if err != nil {
		return fmt.Errorf("tier scan: %w", err)
	}
	n := int64(0)
	deadline := t.deadline()
	for ok := it.First(); ok; ok = it.Next() {
		v, live := t.live(it.Value(), deadline)
		if !live {
			t.expire(it.Key())
			continue
		}
		n++
		if err = f(it.Key()[len(t.prefix):], v); err != nil {
			break
		}
	}
	t.s.metrics.WarmReads.Add(n)
	if cerr := it.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("tier scan: %w", cerr)
	}
	return err
}

// Close discards the buffered writes, deletes the tier's entries and
// stops counting its hot bytes.
func (t *Tier) Close() error {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	if t.batch != nil {
		t.batch.Close()
		t.batch = nil
	}
	if t.spool != nil {
		t.spool.close()
	}
	delete(t.s.tiers, t)
	if t.s.closed {
		return nil
	}
	if err := t.s.db.DeleteRange(t.prefix, t.end, pebble.NoSync); err != nil {
		return fmt.Errorf("close tier: %w", err)
	}
	if err := t.s.deleteSpool(t.key); err != nil {
		return fmt.Errorf("close tier: %w", err)
	}
	return nil
}

// HotBytes returns the sum of the hot-state sizes published by the open
// tiers (weir_hot_state_size_bytes).
func (s *Store) HotBytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for t := range s.tiers {
		n += t.HotBytes()
	}
	return n
}
