package storage

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// oneMillionKeyBlobs is the snapshot of 1M group keys, each with a 16-byte
// key and 24 bytes of accumulator state (COUNT + AVG), split over four
// operator blobs as a 4-operator query would produce: 40 MB.
func oneMillionKeyBlobs() map[string][]byte {
	const keys, per = 1 << 20, 40
	blobs := make(map[string][]byte)
	for op := 0; op < 4; op++ {
		b := make([]byte, 0, keys/4*per)
		for k := 0; k < keys/4; k++ {
			b = binary.LittleEndian.AppendUint64(b, uint64(k*4+op))
			b = binary.LittleEndian.AppendUint64(b, uint64(k)*7919)
			b = binary.LittleEndian.AppendUint64(b, uint64(k%97))
			b = binary.LittleEndian.AppendUint64(b, uint64(k)*31)
			b = binary.LittleEndian.AppendUint64(b, 42)
		}
		blobs[fmt.Sprintf("op/%d", op)] = b
	}
	blobs["source/0"] = []byte("offset=123456789")
	return blobs
}

// BenchmarkCheckpoint1MKeys commits 1M keys' worth of blobs (40 MB) to a
// store on disk, with Sync, GC of older checkpoints included.
func BenchmarkCheckpoint1MKeys(b *testing.B) {
	s, err := Open(b.TempDir(), Options{})
	require.NoError(b, err)
	defer s.Close()
	blobs := oneMillionKeyBlobs()
	size := 0
	for _, v := range blobs {
		size += len(v)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	id := uint64(0)
	for b.Loop() {
		id++
		require.NoError(b, s.CommitCheckpoint(&Manifest{Query: "q", ID: id, Fingerprint: "fp", Blobs: blobs}))
	}
}

// BenchmarkTierPutFlush spills 4k groups of 40 bytes per batch.
func BenchmarkTierPutFlush(b *testing.B) {
	s, err := Open(b.TempDir(), Options{})
	require.NoError(b, err)
	defer s.Close()
	t, err := s.Tier(TierKey{Query: "q"}, 0)
	require.NoError(b, err)
	val := make([]byte, 40)
	key := make([]byte, 16)
	b.ReportAllocs()
	n := uint64(0)
	for b.Loop() {
		for i := 0; i < 4096; i++ {
			n++
			binary.BigEndian.PutUint64(key, n)
			if err := t.Put(key, val); err != nil {
				b.Fatal(err)
			}
		}
		if err := t.Flush(); err != nil {
			b.Fatal(err)
		}
	}
}
