package storage

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"
)

// hookFS calls before(op) ahead of every write and sync of its files, so
// that a test can take a crash image at any point of a commit.
type hookFS struct {
	vfs.FS
	before func()
}

func (h hookFS) wrap(f vfs.File, err error) (vfs.File, error) {
	if err != nil {
		return f, err
	}
	return hookFile{File: f, before: h.before}, nil
}

func (h hookFS) Create(name string, c vfs.DiskWriteCategory) (vfs.File, error) {
	return h.wrap(h.FS.Create(name, c))
}

func (h hookFS) OpenReadWrite(name string, c vfs.DiskWriteCategory, opts ...vfs.OpenOption) (vfs.File, error) {
	return h.wrap(h.FS.OpenReadWrite(name, c, opts...))
}

func (h hookFS) ReuseForWrite(old, name string, c vfs.DiskWriteCategory) (vfs.File, error) {
	return h.wrap(h.FS.ReuseForWrite(old, name, c))
}

type hookFile struct {
	vfs.File
	before func()
}

func (f hookFile) Write(p []byte) (int, error) { f.before(); return f.File.Write(p) }
func (f hookFile) WriteAt(p []byte, off int64) (int, error) {
	f.before()
	return f.File.WriteAt(p, off)
}
func (f hookFile) Sync() error     { f.before(); return f.File.Sync() }
func (f hookFile) SyncData() error { f.before(); return f.File.SyncData() }
func (f hookFile) SyncTo(n int64) (bool, error) {
	f.before()
	return f.File.SyncTo(n)
}

// crashImage is the filesystem as a crash left it, and the last
// checkpoint id whose CommitCheckpoint had returned by then.
type crashImage struct {
	fs        *vfs.MemFS
	committed uint64
	op        int
}

// TestCrashDuringCommitCheckpoint takes a crash image (synced data plus a
// random share of unsynced data) before every file write and sync while
// checkpoints are committed, and checks each image: the latest checkpoint
// is complete and byte-identical to a committed (or the in-flight)
// manifest, never older than the last acknowledged commit, and the
// previous checkpoint survives beside it.
func TestCrashDuringCommitCheckpoint(t *testing.T) {
	mem := vfs.NewCrashableMem()
	var (
		mu        sync.Mutex
		images    []crashImage
		committed atomic.Uint64
		ops       int
		armed     atomic.Bool
	)
	before := func() {
		if !armed.Load() {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		ops++
		pct := []int{0, 0, 30, 70, 100}[ops%5]
		cfg := vfs.CrashCloneCfg{UnsyncedDataPercent: pct}
		if pct > 0 {
			cfg.RNG = rand.New(rand.NewPCG(uint64(ops), 7))
		}
		images = append(images, crashImage{fs: mem.CrashClone(cfg), committed: committed.Load(), op: ops})
	}
	s, err := Open("db", Options{FS: hookFS{FS: mem, before: before}})
	require.NoError(t, err)
	armed.Store(true)
	const n = 40
	for id := uint64(1); id <= n; id++ {
		require.NoError(t, s.CommitCheckpoint(manifestFor("q", id)))
		committed.Store(id)
		if id%10 == 0 {
			require.NoError(t, s.PutStatement("v", "CREATE VIEW v"))
		}
	}
	armed.Store(false)
	require.NoError(t, s.Close())
	require.Greater(t, len(images), 2*n, "a crash image at several points of every commit")
	t.Logf("%d crash images", len(images))

	for _, img := range images {
		cs, err := Open("db", Options{FS: img.fs})
		require.NoError(t, err, "op %d", img.op)
		m, err := cs.LatestCheckpoint("q")
		require.NoError(t, err, "op %d", img.op)
		if img.committed == 0 {
			if m != nil {
				requireManifest(t, manifestFor("q", 1), m)
			}
		} else {
			require.NotNil(t, m, "op %d: acknowledged checkpoint %d lost", img.op, img.committed)
			require.GreaterOrEqual(t, m.ID, img.committed, "op %d", img.op)
			require.LessOrEqual(t, m.ID, img.committed+1, "op %d", img.op)
			requireManifest(t, manifestFor("q", m.ID), m)
		}
		if m != nil && m.ID > 1 {
			prev, err := cs.readCheckpoint("q", m.ID-1)
			require.NoError(t, err, "op %d: previous checkpoint", img.op)
			requireManifest(t, manifestFor("q", m.ID-1), prev)
		}
		ids, err := cs.CheckpointIDs("q")
		require.NoError(t, err)
		require.LessOrEqual(t, len(ids), 3, "op %d: old checkpoints collected", img.op)
		require.NoError(t, cs.Close())
	}
}
