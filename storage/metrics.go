package storage

import (
	"fmt"
	"io"
	"os"
	"sync"
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
	// read (and so not returned), all queries; ExpiredByQuery splits it.
	Expired atomic.Int64
	// Checkpoints counts committed checkpoints.
	Checkpoints atomic.Int64
	// CheckpointNanos sums the duration of every CommitCheckpoint.
	CheckpointNanos atomic.Int64
	// LastCheckpointNanos is the duration of the last CommitCheckpoint.
	LastCheckpointNanos atomic.Int64
	// LastCheckpointBytes is the blob bytes of the last checkpoint.
	LastCheckpointBytes atomic.Int64

	expiryMu  sync.Mutex
	expiries  map[string]*queryExpiry // by TierKey.Query, from the first expiry on
	expiryLog io.Writer               // nil until SetExpiryLog: os.Stderr
	noLog     bool                    // SetExpiryLog(nil)
}

// ExpiryWarnEvery is the least time between two warnings about one
// query's expired warm state; the expiries in between are counted in the
// next warning.
const ExpiryWarnEvery = time.Minute

// queryExpiry counts one query's expired warm entries and rate-limits
// their warning.
type queryExpiry struct {
	query string
	n     atomic.Int64

	mu       sync.Mutex
	warned   bool
	lastWarn time.Time
	reported int64 // n at the last warning
}

// SetExpiryLog sets where warm-state expiries are reported (os.Stderr
// until set; nil: nowhere). The runtime passes its diagnostics writer.
func (m *Metrics) SetExpiryLog(w io.Writer) {
	m.expiryMu.Lock()
	defer m.expiryMu.Unlock()
	m.expiryLog, m.noLog = w, w == nil
}

// ExpiredByQuery returns the number of warm entries expired per query
// (TierKey.Query), for the queries that had any
// (weir_state_expired_total).
func (m *Metrics) ExpiredByQuery() map[string]int64 {
	m.expiryMu.Lock()
	defer m.expiryMu.Unlock()
	out := make(map[string]int64, len(m.expiries))
	for q, e := range m.expiries {
		out[q] = e.n.Load()
	}
	return out
}

// queryExpiry returns query's expiry counter, creating it.
func (m *Metrics) queryExpiry(query string) *queryExpiry {
	m.expiryMu.Lock()
	defer m.expiryMu.Unlock()
	e := m.expiries[query]
	if e == nil {
		if m.expiries == nil {
			m.expiries = make(map[string]*queryExpiry)
		}
		e = &queryExpiry{query: query}
		m.expiries[query] = e
	}
	return e
}

// warnExpired writes the warning about e's expiries since the last one,
// unless one was written less than ExpiryWarnEvery before now.
func (m *Metrics) warnExpired(e *queryExpiry, now time.Time, ttl time.Duration) {
	e.mu.Lock()
	if e.warned && now.Sub(e.lastWarn) < ExpiryWarnEvery {
		e.mu.Unlock()
		return
	}
	n := e.n.Load()
	fresh := n - e.reported
	e.warned, e.lastWarn, e.reported = true, now, n
	e.mu.Unlock()
	m.expiryMu.Lock()
	w, off := m.expiryLog, m.noLog
	m.expiryMu.Unlock()
	if off {
		return
	}
	if w == nil {
		w = os.Stderr
	}
	fmt.Fprintf(w, "weir: query %s: %d spilled state entries expired after state.warm.ttl (%s) and were dropped "+
		"(their windows or sessions start again from empty state; weir_state_expired_total counts them)\n", e.query, fresh, ttl)
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
