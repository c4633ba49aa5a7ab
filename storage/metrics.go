package storage

import (
	"sync/atomic"
	"time"
)

// Metrics are plain counters and gauges the runtime reads to export
// weir_warm_state_size_bytes, weir_state_evictions_total and
// weir_checkpoint_duration_seconds. Safe for concurrent use.
type Metrics struct {
	// Evictions counts groups written to the warm tier (spills).
	Evictions atomic.Int64
	// WarmReads counts groups read back from the warm tier.
	WarmReads atomic.Int64
	// Expired counts warm entries found older than Options.WarmTTL by a
	// read (and so not returned).
	Expired atomic.Int64
	// Checkpoints counts committed checkpoints.
	Checkpoints atomic.Int64
	// CheckpointNanos sums the duration of every CommitCheckpoint.
	CheckpointNanos atomic.Int64
	// LastCheckpointNanos is the duration of the last CommitCheckpoint.
	LastCheckpointNanos atomic.Int64
	// LastCheckpointBytes is the blob bytes of the last checkpoint.
	LastCheckpointBytes atomic.Int64
}

// observeCheckpoint records one commit and calls the Options hook.
func (s *Store) observeCheckpoint(d time.Duration, bytes int) {
	s.metrics.Checkpoints.Add(1)
	s.metrics.CheckpointNanos.Add(int64(d))
	s.metrics.LastCheckpointNanos.Store(int64(d))
	s.metrics.LastCheckpointBytes.Store(int64(bytes))
	if s.opts.OnCheckpoint != nil {
		s.opts.OnCheckpoint(d, bytes)
	}
}

// Metrics returns the store's counters.
func (s *Store) Metrics() *Metrics { return &s.metrics }

// WarmBytes returns the warm tier's size on disk and in memtables, in
// bytes: Pebble's estimate for the whole warm key range
// (weir_warm_state_size_bytes). It costs a metadata walk; call it at
// metrics-scrape frequency, not per event.
func (s *Store) WarmBytes() uint64 {
	n, err := s.db.EstimateDiskUsage([]byte{tagWarm}, []byte{tagWarm + 1})
	if err != nil {
		return 0
	}
	return n + s.unflushedWarm()
}

// unflushedWarm approximates warm bytes still in memtables.
func (s *Store) unflushedWarm() uint64 {
	m := s.db.Metrics()
	return m.MemTable.Size
}
