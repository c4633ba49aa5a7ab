package storage

import (
	"errors"
	"fmt"
	"sync"
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
	// CacheSizeMB is Pebble's block cache (state.warm.cache_size_mb);
	// 0 means 8 MB.
	CacheSizeMB int
	// MemTableSizeMB is Pebble's memtable size; 0 means 4 MB.
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

// ErrClosed is returned by calls on a closed Store.
var ErrClosed = errors.New("storage: store is closed")

// Open opens (creating if absent) the state directory dir.
func Open(dir string, opts Options) (*Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.KeepCheckpoints < 2 {
		opts.KeepCheckpoints = 2
	}
	cacheMB := opts.CacheSizeMB
	if cacheMB <= 0 {
		cacheMB = 8
	}
	cache := pebble.NewCache(int64(cacheMB) << 20)
	defer cache.Unref()
	po := &pebble.Options{
		FS:     opts.FS,
		Cache:  cache,
		Logger: logger{opts.Logf},
	}
	if opts.MemTableSizeMB > 0 {
		po.MemTableSize = uint64(opts.MemTableSizeMB) << 20
	}
	// Bloom filters on every level: a warm-tier Get (one per spilled group
	// an event touches) then reads only the files that hold its key
	// instead of seeking an index block in each of them.
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	db, err := pebble.Open(dir, po)
	if err != nil {
		return nil, fmt.Errorf("storage: open %s: %w", dir, err)
	}
	return &Store{db: db, opts: opts}, nil
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
		return fmt.Errorf("storage: close: %w", err)
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
