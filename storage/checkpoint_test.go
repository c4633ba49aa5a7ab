package storage

import (
	"fmt"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"
)

func memStore(t testing.TB, fs vfs.FS) *Store {
	t.Helper()
	s, err := Open("db", Options{FS: fs})
	require.NoError(t, err)
	return s
}

// manifestFor is the deterministic checkpoint id of query q.
func manifestFor(q string, id uint64) *Manifest {
	big := make([]byte, int(id*997)%20000)
	for i := range big {
		big[i] = byte(int(id) + i)
	}
	return &Manifest{
		Query:       q,
		ID:          id,
		Fingerprint: "fp-" + q,
		CreatedAt:   time.Unix(1700000000+int64(id), 0),
		Blobs: map[string][]byte{
			"source/0": []byte(fmt.Sprintf("offset=%d", id*100)),
			"op/1":     big,
			"op/2":     {},
		},
	}
}

func requireManifest(t testing.TB, want, got *Manifest) {
	t.Helper()
	require.NotNil(t, got)
	require.Equal(t, want.Query, got.Query)
	require.Equal(t, want.ID, got.ID)
	require.Equal(t, want.Fingerprint, got.Fingerprint)
	require.True(t, want.CreatedAt.Equal(got.CreatedAt))
	require.Len(t, got.Blobs, len(want.Blobs))
	for k, v := range want.Blobs {
		require.Equal(t, len(v), len(got.Blobs[k]), k)
		require.Equal(t, v, got.Blobs[k][:len(v)], k)
	}
}

func TestCheckpointRoundTripAndGC(t *testing.T) {
	fs := vfs.NewMem()
	s := memStore(t, fs)
	m, err := s.LatestCheckpoint("q1")
	require.NoError(t, err)
	require.Nil(t, m, "no checkpoint yet")

	for id := uint64(1); id <= 5; id++ {
		require.NoError(t, s.CommitCheckpoint(manifestFor("q1", id)))
		got, err := s.LatestCheckpoint("q1")
		require.NoError(t, err)
		requireManifest(t, manifestFor("q1", id), got)
	}
	// Keep the last 2: 4 and 5.
	ids, err := s.CheckpointIDs("q1")
	require.NoError(t, err)
	require.Equal(t, []uint64{4, 5}, ids)
	require.Equal(t, int64(5), s.Metrics().Checkpoints.Load())

	// Another query is independent; a query whose name extends q1's is too.
	require.NoError(t, s.CommitCheckpoint(manifestFor("q10", 1)))
	got, err := s.LatestCheckpoint("q1")
	require.NoError(t, err)
	require.Equal(t, uint64(5), got.ID)

	// Ids must increase.
	require.ErrorContains(t, s.CommitCheckpoint(manifestFor("q1", 5)), "not after the latest")

	// Survives a reopen.
	require.NoError(t, s.Close())
	s = memStore(t, fs)
	got, err = s.LatestCheckpoint("q1")
	require.NoError(t, err)
	requireManifest(t, manifestFor("q1", 5), got)

	require.NoError(t, s.DeleteQuery("q1"))
	got, err = s.LatestCheckpoint("q1")
	require.NoError(t, err)
	require.Nil(t, got)
	ids, err = s.CheckpointIDs("q1")
	require.NoError(t, err)
	require.Empty(t, ids)
	got, err = s.LatestCheckpoint("q10")
	require.NoError(t, err)
	requireManifest(t, manifestFor("q10", 1), got)
	require.NoError(t, s.Close())
	_, err = s.LatestCheckpoint("q1")
	require.ErrorIs(t, err, ErrClosed)
}

func TestCheckpointKeepOption(t *testing.T) {
	s, err := Open("db", Options{FS: vfs.NewMem(), KeepCheckpoints: 3})
	require.NoError(t, err)
	defer s.Close()
	for id := uint64(10); id <= 50; id += 10 {
		require.NoError(t, s.CommitCheckpoint(manifestFor("q", id)))
	}
	ids, err := s.CheckpointIDs("q")
	require.NoError(t, err)
	require.Equal(t, []uint64{30, 40, 50}, ids)
}

func TestCheckpointCorruptBlobIsAnError(t *testing.T) {
	s := memStore(t, vfs.NewMem())
	defer s.Close()
	require.NoError(t, s.CommitCheckpoint(manifestFor("q", 1)))
	require.NoError(t, s.db.Set(blobKey("q", 1, "op/1"), []byte("garbage"), pebble.Sync))
	_, err := s.LatestCheckpoint("q")
	require.ErrorContains(t, err, `blob "op/1" is missing or corrupt`)
	require.NoError(t, s.db.Set(headerKey("q", 1), []byte{1, 2, 3, 4, 5, 6}, pebble.Sync))
	_, err = s.LatestCheckpoint("q")
	require.ErrorIs(t, err, errCorruptCk)
}

func TestStatements(t *testing.T) {
	fs := vfs.NewMem()
	s := memStore(t, fs)
	st, err := s.Statements()
	require.NoError(t, err)
	require.Empty(t, st)
	require.NoError(t, s.PutStatement("src", "CREATE SOURCE src ..."))
	require.NoError(t, s.PutStatement("a_view", "CREATE MATERIALIZED VIEW a_view ..."))
	require.NoError(t, s.PutStatement("sink", "CREATE SINK sink ..."))
	require.NoError(t, s.PutStatement("src", "CREATE SOURCE src (v2) ..."))
	require.NoError(t, s.DeleteStatement("a_view"))
	require.NoError(t, s.DeleteStatement("missing"))
	require.NoError(t, s.PutStatement("b_view", "CREATE MATERIALIZED VIEW b_view ..."))
	require.NoError(t, s.Close())
	s = memStore(t, fs)
	defer s.Close()
	st, err = s.Statements()
	require.NoError(t, err)
	// Creation order; the replaced src keeps its place.
	require.Equal(t, []NamedStatement{
		{Name: "src", SQL: "CREATE SOURCE src (v2) ...", Seq: 0},
		{Name: "sink", SQL: "CREATE SINK sink ...", Seq: 2},
		{Name: "b_view", SQL: "CREATE MATERIALIZED VIEW b_view ...", Seq: 3},
	}, st)
}
