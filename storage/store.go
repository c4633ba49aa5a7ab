package storage

import (
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Options configures Open.
type Options struct {
	// FS is the filesystem; nil means the disk. Tests pass vfs.NewMem() or
	// vfs.NewCrashableMem().
	FS vfs.FS
	// CacheSizeMB is state.warm.cache_size_mb: all the memory Pebble
	// holds outside the Go heap, block cache and memtables together; 0
	// means 8 MB. Unless MemTableSizeMB is set, an eighth of it (at least
	// 256 KB, at most 16 MB) is the memtable size, of which Pebble keeps
	// at most two (one filling, one flushing: writes stall rather than
	// queue a third), and the rest is the block cache. Not covered: the
	// Go-heap buffers of open iterators and compactions, and the write
	// batch of pending spills (the operator flushes it after each spill
	// pass). Store.PebbleMemory reports the memory in use.
	CacheSizeMB int
	// MemTableSizeMB, when set, is Pebble's memtable size, taken outside
	// CacheSizeMB (which is then all block cache).
	MemTableSizeMB int
	// KeepCheckpoints is how many checkpoints of a query are kept; values
	// below 2 mean 2.
	KeepCheckpoints int
	// OnCheckpoint, when set, is called after every committed checkpoint
	// with its duration and blob bytes (for a histogram).
	OnCheckpoint func(d time.Duration, bytes int)
	// Logf receives Pebble's log lines; nil discards them.
	Logf func(format string, args ...any)
	// WarmTTL is state.warm.ttl: a warm-tier entry written (spilled)
	// longer ago than this is expired: Tier.Get and Tier.Scan no longer
	// return it (Metrics.Expired counts it), as if the state had never
	// been spilled. 0 means entries never expire. See Tier.
	WarmTTL time.Duration
	// Now is the processing-time clock of WarmTTL; nil means time.Now.
	// Tests inject a manual clock.
	Now func() time.Time
}

// Store is a state directory: checkpoints, catalog and warm tier. Its
// methods are safe for concurrent use.
type Store struct {
	db      *pebble.DB
	opts    Options
	metrics Metrics

	mu     sync.Mutex // serializes commits and catalog updates
	closed bool
	tiers  map[*Tier]struct{} // open tiers, for HotBytes
}

// ErrLocked is returned by Open when another process (another weir) has
// the state directory open.
var ErrLocked = errors.New("another weir process is using it (the directory is locked)")

// ErrClosed is returned by calls on a closed Store.
var ErrClosed = errors.New("the state directory is closed")

// Open opens (creating if absent) the state directory dir.
func Open(dir string, opts Options) (*Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.KeepCheckpoints < 2 {
		opts.KeepCheckpoints = 2
	}
	cacheBytes, memTable := memoryBudget(opts.CacheSizeMB, opts.MemTableSizeMB)
	cache := pebble.NewCache(cacheBytes)
	defer cache.Unref()
	po := &pebble.Options{
		FS:                          opts.FS,
		Cache:                       cache,
		Logger:                      logger{opts.Logf},
		MemTableSize:                uint64(memTable),
		MemTableStopWritesThreshold: maxMemTables,
	}
	// Bloom filters on every level: a warm-tier Get (one per spilled group
	// an event touches) then reads only the files that hold its key
	// instead of seeking an index block in each of them.
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	db, err := pebble.Open(dir, po)
	if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EWOULDBLOCK) {
		// Pebble's LOCK file is held: another process has it open.
		return nil, fmt.Errorf("%w (%v)", ErrLocked, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	return &Store{db: db, opts: opts}, nil
}

// maxMemTables is how many memtables Pebble may hold (filling and
// flushing) before it stalls writes.
const maxMemTables = 2

// maxMemTable caps the memtable size. Spills and checkpoints write in
// batches, so a larger memtable buys little, while both memtables count
// in the process's resident memory once filled.
const maxMemTable = 16 << 20

// memoryBudget splits cacheMB (state.warm.cache_size_mb; ≤ 0: 8 MB) into
// the block cache and the memtable size (see Options.CacheSizeMB).
func memoryBudget(cacheMB, memTableMB int) (cache, memTable int64) {
	if cacheMB <= 0 {
		cacheMB = 8
	}
	total := int64(cacheMB) << 20
	if memTableMB > 0 {
		return total, int64(memTableMB) << 20
	}
	memTable = min(max(total/8, 256<<10), maxMemTable)
	return total - maxMemTables*memTable, memTable
}

// PebbleMemory returns the bytes Pebble holds outside the Go heap: the
// block cache in use plus the memtables (live ones and those kept for
// open iterators), the quantity Options.CacheSizeMB bounds.
func (s *Store) PebbleMemory() int64 {
	m := s.db.Metrics()
	return m.BlockCache.Size + int64(m.MemTable.Size) + int64(m.MemTable.ZombieSize)
}

// Close closes the database. Further calls return ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	return nil
}

// logger adapts Options.Logf to Pebble's Logger.
type logger struct{ f func(string, ...any) }

func (l logger) Infof(format string, args ...any) {
	if l.f != nil {
		l.f(format, args...)
	}
}

func (l logger) Errorf(format string, args ...any) {
	if l.f != nil {
		l.f(format, args...)
	}
}

func (l logger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf("storage: pebble: "+format, args...))
}
