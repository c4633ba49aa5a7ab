package storage

import (
	"errors"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"
)

// TestTierGetSorted checks the one-pass lookup: present keys are found
// (flushed or still buffered), absent, deleted and other tiers' keys are
// not, duplicates are each reported, and WarmReads counts the hits.
func TestTierGetSorted(t *testing.T) {
	s := memStore(t, vfs.NewMem())
	tr, err := s.Tier(TierKey{Query: "q", Operator: 1}, 1)
	require.NoError(t, err)
	other, err := s.Tier(TierKey{Query: "q", Operator: 2}, 1)
	require.NoError(t, err)
	for _, k := range []string{"b", "d", "f", "h"} {
		require.NoError(t, tr.Put([]byte(k), []byte("v"+k)))
	}
	require.NoError(t, tr.Flush())
	require.NoError(t, tr.Put([]byte("j"), []byte("vj"))) // buffered
	require.NoError(t, tr.Delete([]byte("f")))
	require.NoError(t, other.Put([]byte("c"), []byte("other")))
	require.NoError(t, other.Flush())

	keys := [][]byte{[]byte("a"), []byte("b"), []byte("c"), []byte("d"), []byte("d"), []byte("f"), []byte("h"), []byte("hh"), []byte("j"), []byte("z")}
	var got []string
	reads := s.Metrics().WarmReads.Load()
	require.NoError(t, tr.GetSorted(keys, func(i int, val []byte) error {
		got = append(got, string(keys[i])+"="+string(val))
		return nil
	}))
	require.Equal(t, []string{"b=vb", "d=vd", "d=vd", "h=vh", "j=vj"}, got)
	require.Equal(t, reads+5, s.Metrics().WarmReads.Load())

	require.NoError(t, tr.GetSorted(nil, func(int, []byte) error { return errors.New("called") }))
	stop := errors.New("stop")
	n := 0
	require.ErrorIs(t, tr.GetSorted(keys, func(int, []byte) error { n++; return stop }), stop)
	require.Equal(t, 1, n, "an error stops the pass")
	require.NoError(t, tr.Close())
	require.NoError(t, other.Close())
	require.NoError(t, s.Close())
}

// TestTierGetSortedTTL checks that GetSorted skips expired entries as Get
// does.
func TestTierGetSortedTTL(t *testing.T) {
	now := time.Unix(1000, 0)
	s, err := Open("db", Options{FS: vfs.NewMem(), WarmTTL: time.Hour, Now: func() time.Time { return now }})
	require.NoError(t, err)
	tr, err := s.Tier(TierKey{Query: "q"}, 1)
	require.NoError(t, err)
	require.NoError(t, tr.Put([]byte("a"), []byte("old")))
	now = now.Add(30 * time.Minute)
	require.NoError(t, tr.Put([]byte("b"), []byte("new")))
	now = now.Add(31 * time.Minute) // a is 61 minutes old, b 31
	var got []string
	keys := [][]byte{[]byte("a"), []byte("b")}
	require.NoError(t, tr.GetSorted(keys, func(i int, val []byte) error {
		got = append(got, string(val))
		return nil
	}))
	require.Equal(t, []string{"new"}, got)
	require.Equal(t, int64(1), s.Metrics().Expired.Load())
	require.NoError(t, tr.Close())
	require.NoError(t, s.Close())
}

// TestMemoryBudget checks how state.warm.cache_size_mb is split: two
// memtables of an eighth each (clamped to [256 KB, 16 MB]) and the block
// cache the rest; an explicit memtable size is taken outside the budget.
func TestMemoryBudget(t *testing.T) {
	for _, c := range []struct {
		cacheMB, memMB  int
		cache, memTable int64
	}{
		{0, 0, 6 << 20, 1 << 20},               // default 8 MB: 1 MB memtables, 6 MB cache
		{8, 0, 6 << 20, 1 << 20},               // same, explicit
		{1, 0, 512 << 10, 256 << 10},           // 1 MB: the 256 KB floor, 512 KB cache
		{1024, 0, 992 << 20, 16 << 20},         // 1 GB: the 16 MB cap, 992 MB cache
		{16, 4, 16 << 20, 4 << 20},             // explicit memtable: all 16 MB is cache
		{-3, 0, 6 << 20, 1 << 20},              // negative: the default
		{2, 0, 2<<20 - 2*(256<<10), 256 << 10}, // 2 MB: an eighth is the floor
	} {
		cache, mem := memoryBudget(c.cacheMB, c.memMB)
		require.Equal(t, c.cache, cache, "cache of %+v", c)
		require.Equal(t, c.memTable, mem, "memtable of %+v", c)
	}
	s := memStore(t, vfs.NewMem())
	require.Positive(t, s.PebbleMemory(), "a memtable is allocated")
	require.LessOrEqual(t, s.PebbleMemory(), int64(8<<20))
	require.NoError(t, s.Close())
}
