package storage

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"
)

// TestSpool checks that spooled entries come back in key order whatever
// the order of the Puts (more than one flush's worth, so some are read
// from committed batches and some from the last one), that a Put while a
// tier scan is open is allowed, that spooled entries are not warm state
// (no evictions, not seen by the tier's Scan), and that Reset, reopening
// the tier, Close and DeleteQuery delete them.
func TestSpool(t *testing.T) {
	s := memStore(t, vfs.NewMem())
	tk := TierKey{Query: "q", Operator: 1}
	tr, err := s.Tier(tk, 1)
	require.NoError(t, err)
	require.NoError(t, tr.Put([]byte("w"), []byte("warm")))
	sp := tr.Spool()
	require.Same(t, sp, tr.Spool())

	// 40,000 entries of ~40 bytes: 1.6 MB, over one flush of 1 MB. Keys
	// are a permutation of 0..n-1 (7919 is prime to n), big endian.
	const n = 40_000
	val := make([]byte, 32)
	require.NoError(t, tr.Scan(nil, nil, func(k, v []byte) error {
		for i := range n {
			key := binary.BigEndian.AppendUint32(nil, uint32(i*7919%n))
			if err := sp.Put(key, val); err != nil {
				return err
			}
		}
		return nil
	}))
	next := uint32(0)
	require.NoError(t, sp.Scan(func(k, v []byte) error {
		require.Equal(t, next, binary.BigEndian.Uint32(k))
		require.Len(t, v, 32)
		next++
		return nil
	}))
	require.Equal(t, uint32(n), next)
	require.Equal(t, int64(1), s.Metrics().Evictions.Load(), "spooling is not eviction")
	keys := 0
	require.NoError(t, tr.Scan(nil, nil, func(k, v []byte) error { keys++; return nil }))
	require.Equal(t, 1, keys, "the tier does not see spooled entries")

	stop := fmt.Errorf("stop")
	require.ErrorIs(t, sp.Scan(func(k, v []byte) error { return stop }), stop)

	count := func() int {
		c := 0
		require.NoError(t, sp.Scan(func(k, v []byte) error { c++; return nil }))
		return c
	}
	require.NoError(t, sp.Reset())
	require.Zero(t, count())
	require.NoError(t, sp.Put([]byte("b"), nil))
	require.NoError(t, sp.Put([]byte("a"), nil))
	require.Equal(t, 2, count())

	// Reopening the tier clears the spool of the tier before.
	tr2, err := s.Tier(tk, 1)
	require.NoError(t, err)
	sp.written = true // the old handle would scan the range again
	require.Zero(t, count())
	require.NoError(t, tr2.Spool().Put([]byte("c"), nil))
	require.NoError(t, tr2.Spool().Scan(func(k, v []byte) error { return nil }))
	require.NoError(t, s.DeleteQuery("q"))
	c := 0
	require.NoError(t, tr2.Spool().Scan(func(k, v []byte) error { c++; return nil }))
	require.Zero(t, c, "DeleteQuery removes spooled entries")
	require.NoError(t, tr2.Spool().Put([]byte("d"), nil))
	require.NoError(t, tr2.Spool().Scan(func(k, v []byte) error { return nil }))
	require.NoError(t, tr2.Close())
	tr3, err := s.Tier(TierKey{Query: "other"}, 1)
	require.NoError(t, err)
	it := 0
	iter, err := s.db.NewIter(nil)
	require.NoError(t, err)
	for ok := iter.First(); ok; ok = iter.Next() {
		if iter.Key()[0] == tagSpool {
			it++
		}
	}
	require.NoError(t, iter.Close())
	require.Zero(t, it, "Close deletes the spool")
	require.NoError(t, tr3.Close())
	require.NoError(t, tr.Close())
	require.NoError(t, s.Close())
}

// TestTierSingleDelete checks the write-once, read-once pattern: an entry
// Put, SingleDeleted and Put again reads as the second value, and an
// entry that expired (state.warm.ttl) and was met by a read is deleted by
// it, so that putting it again and SingleDeleting leaves nothing behind.
func TestTierSingleDelete(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s, err := Open("db", Options{FS: vfs.NewMem(), WarmTTL: time.Hour, Now: func() time.Time { return now }})
	require.NoError(t, err)
	defer s.Close()
	tr, err := s.Tier(TierKey{Query: "q"}, 1)
	require.NoError(t, err)
	defer tr.Close()
	get := func(k string) string {
		v, ok, err := tr.Get([]byte(k), nil)
		require.NoError(t, err)
		if !ok {
			return "<none>"
		}
		return string(v)
	}
	require.NoError(t, tr.Put([]byte("k"), []byte("1")))
	require.NoError(t, tr.SingleDelete([]byte("k")))
	require.Equal(t, "<none>", get("k"))
	require.NoError(t, tr.Put([]byte("k"), []byte("2")))
	require.Equal(t, "2", get("k"))
	require.NoError(t, tr.SingleDelete([]byte("k")))
	require.Equal(t, "<none>", get("k"))

	require.NoError(t, tr.Put([]byte("e"), []byte("old")))
	now = now.Add(2 * time.Hour)
	require.Equal(t, "<none>", get("e"), "expired")
	require.NoError(t, tr.Put([]byte("e"), []byte("new")))
	require.Equal(t, "new", get("e"))
	require.NoError(t, tr.SingleDelete([]byte("e")))
	require.NoError(t, tr.Flush())
	require.NoError(t, s.db.Flush())
	require.NoError(t, s.db.Compact(context.Background(), []byte{0}, []byte{0xff}, true))
	it, err := s.db.NewIter(nil)
	require.NoError(t, err)
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		t.Logf("left: %q", it.Key())
		n++
	}
	require.NoError(t, it.Close())
	require.Zero(t, n, "no entry is left: the expired write was deleted when met, so the SingleDelete did not uncover it")
}

// TestSpoolScanFrom checks that ScanFrom starts at the first entry whose
// key is ≥ from, that a Put during a spool scan is allowed and seen by
// the next scan, and that an empty from scans everything.
func TestSpoolScanFrom(t *testing.T) {
	s := memStore(t, vfs.NewMem())
	tr, err := s.Tier(TierKey{Query: "q", Operator: 1}, 1)
	require.NoError(t, err)
	sp := tr.Spool()
	for _, k := range []string{"a1", "a2", "b1"} {
		require.NoError(t, sp.Put([]byte(k), []byte("v"+k)))
	}
	var seen []string
	require.NoError(t, sp.ScanFrom([]byte("a"), func(k, v []byte) error {
		seen = append(seen, string(k)+"="+string(v))
		return sp.Put(append([]byte("c"), k...), v)
	}))
	require.Equal(t, []string{"a1=va1", "a2=va2", "b1=vb1"}, seen)
	seen = seen[:0]
	require.NoError(t, sp.ScanFrom([]byte("b"), func(k, v []byte) error {
		seen = append(seen, string(k))
		return nil
	}))
	require.Equal(t, []string{"b1", "ca1", "ca2", "cb1"}, seen)
	n := 0
	require.NoError(t, sp.ScanFrom(nil, func(k, v []byte) error { n++; return nil }))
	require.Equal(t, 6, n)
	require.NoError(t, sp.Reset())
}
