package storage

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"
)

// TestExpiryIsCountedPerQueryAndWarned: entries spilled longer than
// state.warm.ttl ago are dropped by the reads that find them; each is
// counted for its query, and the query is named on the expiry log — once
// at the first expiry, then at most once a minute with the count since.
func TestExpiryIsCountedPerQueryAndWarned(t *testing.T) {
	now := time.Date(2026, 11, 9, 10, 0, 0, 0, time.UTC)
	s, err := Open("db", Options{FS: vfs.NewMem(), WarmTTL: time.Hour, Now: func() time.Time { return now }})
	require.NoError(t, err)
	defer s.Close()
	var log bytes.Buffer
	s.Metrics().SetExpiryLog(&log)
	a, err := s.Tier(TierKey{Query: "view/a", Operator: 1}, 1)
	require.NoError(t, err)
	b, err := s.Tier(TierKey{Query: "sink/b", Operator: 1}, 1)
	require.NoError(t, err)
	put := func(tr *Tier, keys ...string) {
		for _, k := range keys {
			require.NoError(t, tr.Put([]byte(k), []byte("v")))
		}
		require.NoError(t, tr.Flush())
	}
	scan := func(tr *Tier) []string {
		var got []string
		require.NoError(t, tr.Scan(nil, nil, func(k, _ []byte) error {
			got = append(got, string(k))
			return nil
		}))
		return got
	}

	put(a, "a1", "a2", "a3")
	put(b, "b1")
	require.Empty(t, s.Metrics().ExpiredByQuery(), "nothing expired yet")

	// 10:00 + 1 h 1 s: everything written at 10:00 is past the TTL. A
	// scan of a drops its three entries; a Get of b its one.
	now = now.Add(time.Hour + time.Second)
	put(a, "a4") // written now: live
	require.Equal(t, []string{"a4"}, scan(a))
	_, ok, err := b.Get([]byte("b1"), nil)
	require.NoError(t, err)
	require.False(t, ok)
	require.Equal(t, map[string]int64{"view/a": 3, "sink/b": 1}, s.Metrics().ExpiredByQuery())
	require.Equal(t, int64(4), s.Metrics().Expired.Load())
	// The first expiry of each query is reported at once, with a count of 1.
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	require.Equal(t, []string{
		"weir: query view/a: 1 spilled state entries expired after state.warm.ttl (1h0m0s) and were dropped " +
			"(their windows or sessions start again from empty state; weir_state_expired_total counts them)",
		"weir: query sink/b: 1 spilled state entries expired after state.warm.ttl (1h0m0s) and were dropped " +
			"(their windows or sessions start again from empty state; weir_state_expired_total counts them)",
	}, lines)
	// The expired entries were deleted: a second scan finds none to count.
	require.Equal(t, []string{"a4"}, scan(a))
	require.Equal(t, int64(3), s.Metrics().ExpiredByQuery()["view/a"])

	// 30 s later five more of a's expire: counted, not reported (less than
	// a minute since the last report).
	for i := range 5 {
		now = now.Add(-2 * time.Hour)
		put(a, fmt.Sprintf("old%d", i))
		now = now.Add(2 * time.Hour)
	}
	now = now.Add(30 * time.Second)
	require.Equal(t, []string{"a4"}, scan(a))
	require.Equal(t, int64(8), s.Metrics().ExpiredByQuery()["view/a"])
	require.Len(t, strings.Split(strings.TrimSpace(log.String()), "\n"), 2)

	// Two hours on, a4 and "late" expire. a4's expiry comes more than a
	// minute after the first report, so it reports every expiry of view/a
	// since that one: a2 and a3, the five, and a4 itself — 8. "late",
	// right after, is counted only.
	now = now.Add(30 * time.Second)
	put(a, "late")
	now = now.Add(2 * time.Hour)
	require.Empty(t, scan(a))
	lines = strings.Split(strings.TrimSpace(log.String()), "\n")
	require.Len(t, lines, 3)
	require.True(t, strings.HasPrefix(lines[2], "weir: query view/a: 8 spilled state entries expired"), lines[2])
	require.Equal(t, int64(10), s.Metrics().ExpiredByQuery()["view/a"])

	// SetExpiryLog(nil) silences the warnings; the counts go on.
	s.Metrics().SetExpiryLog(nil)
	put(b, "b2")
	now = now.Add(2 * time.Hour)
	require.Empty(t, scan(b))
	require.Len(t, strings.Split(strings.TrimSpace(log.String()), "\n"), 3)
	require.Equal(t, int64(2), s.Metrics().ExpiredByQuery()["sink/b"])
}
