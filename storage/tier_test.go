package storage

import (
	"fmt"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"
)

func TestTier(t *testing.T) {
	fs := vfs.NewMem()
	s := memStore(t, fs)
	tk := TierKey{Query: "q", Operator: 2, Partition: 0}
	tr, err := s.Tier(tk, 1<<20)
	require.NoError(t, err)
	require.Equal(t, int64(1<<20), tr.Budget())
	other, err := s.Tier(TierKey{Query: "q", Operator: 2, Partition: 1}, 0)
	require.NoError(t, err)
	require.NoError(t, other.Put([]byte("a"), []byte("other")))

	for i := 0; i < 10; i++ {
		require.NoError(t, tr.Put([]byte(fmt.Sprintf("k%02d", i)), []byte(fmt.Sprintf("v%d", i))))
	}
	// Reads see buffered writes.
	v, ok, err := tr.Get([]byte("k03"), nil)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "v3", string(v))
	_, ok, err = tr.Get([]byte("a"), nil)
	require.NoError(t, err)
	require.False(t, ok, "another partition's key is not visible")

	require.NoError(t, tr.DeleteRange([]byte("k02"), []byte("k08")))
	var keys []string
	require.NoError(t, tr.Scan(nil, nil, func(k, v []byte) error {
		keys = append(keys, string(k)+"="+string(v))
		return nil
	}))
	require.Equal(t, []string{"k00=v0", "k01=v1", "k08=v8", "k09=v9"}, keys)
	keys = keys[:0]
	require.NoError(t, tr.Scan([]byte("k01"), []byte("k09"), func(k, v []byte) error {
		keys = append(keys, string(k))
		return nil
	}))
	require.Equal(t, []string{"k01", "k08"}, keys)
	stop := fmt.Errorf("stop")
	require.ErrorIs(t, tr.Scan(nil, nil, func(k, v []byte) error { return stop }), stop)

	require.Equal(t, int64(11), s.Metrics().Evictions.Load())
	tr.SetHotBytes(100)
	other.SetHotBytes(20)
	require.Equal(t, int64(120), s.HotBytes())
	require.Greater(t, s.WarmBytes(), uint64(0))

	// Reopening a tier clears what was left under it.
	require.NoError(t, tr.Flush())
	tr2, err := s.Tier(tk, 0)
	require.NoError(t, err)
	n := 0
	require.NoError(t, tr2.Scan(nil, nil, func(k, v []byte) error { n++; return nil }))
	require.Zero(t, n)
	v, ok, err = other.Get([]byte("a"), v)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "other", string(v))

	// DeleteQuery removes warm entries too.
	require.NoError(t, s.DeleteQuery("q"))
	_, ok, err = other.Get([]byte("a"), nil)
	require.NoError(t, err)
	require.False(t, ok)
	require.NoError(t, tr.Close())
	require.NoError(t, tr2.Close())
	require.NoError(t, other.Close())
	require.Zero(t, s.HotBytes())
	require.NoError(t, s.Close())
}

// TestTierTTL checks state.warm.ttl: an entry written more than the TTL
// ago is neither returned by Get nor by Scan, and is counted as expired;
// rewriting an entry restarts its age.
func TestTierTTL(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s, err := Open("db", Options{FS: vfs.NewMem(), WarmTTL: time.Hour, Now: func() time.Time { return now }})
	require.NoError(t, err)
	defer s.Close()
	tr, err := s.Tier(TierKey{Query: "q"}, 1)
	require.NoError(t, err)
	defer tr.Close()

	require.NoError(t, tr.Put([]byte("a"), []byte("1"))) // written at 0
	now = now.Add(40 * time.Minute)
	require.NoError(t, tr.Put([]byte("b"), []byte("2"))) // written at 40m
	now = now.Add(20 * time.Minute)                      // 60m: a is exactly 1h old
	v, ok, err := tr.Get([]byte("a"), nil)
	require.NoError(t, err)
	require.True(t, ok, "an entry exactly TTL old is live")
	require.Equal(t, "1", string(v))

	now = now.Add(time.Millisecond) // a is older than the TTL, b 20m old
	_, ok, err = tr.Get([]byte("a"), nil)
	require.NoError(t, err)
	require.False(t, ok)
	var keys []string
	require.NoError(t, tr.Scan(nil, nil, func(k, v []byte) error {
		keys = append(keys, string(k)+"="+string(v))
		return nil
	}))
	require.Equal(t, []string{"b=2"}, keys)
	require.Equal(t, int64(1), s.Metrics().Expired.Load(), "the Get met a and deleted it: the Scan did not meet it again")

	require.NoError(t, tr.Put([]byte("a"), []byte("3"))) // rewritten: young again
	now = now.Add(59 * time.Minute)                      // a 59m old, b 79m
	keys = keys[:0]
	require.NoError(t, tr.Scan(nil, nil, func(k, v []byte) error {
		keys = append(keys, string(k)+"="+string(v))
		return nil
	}))
	require.Equal(t, []string{"a=3"}, keys)
	require.Equal(t, int64(2), s.Metrics().Expired.Load(), "the Scan met b")
	_, ok, err = tr.Get([]byte("b"), nil)
	require.NoError(t, err)
	require.False(t, ok)
	require.Equal(t, int64(2), s.Metrics().Expired.Load(), "b was deleted when the Scan met it")
}
