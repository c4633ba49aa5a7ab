package runtime

import (
	"maps"
	"sync"
)

// MemoryCheckpoints is a CheckpointStore in memory: for tests, and for runs
// whose state need not survive the process.
type MemoryCheckpoints struct {
	mu     sync.Mutex
	latest map[string]*Checkpoint
	// Commits counts committed checkpoints.
	Commits int
}

// NewMemoryCheckpoints returns an empty store.
func NewMemoryCheckpoints() *MemoryCheckpoints {
	return &MemoryCheckpoints{latest: map[string]*Checkpoint{}}
}

// Commit implements CheckpointStore.
func (m *MemoryCheckpoints) Commit(c *Checkpoint) error {
	cp := *c
	cp.Blobs = maps.Clone(c.Blobs)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.latest[c.Query] = &cp
	m.Commits++
	return nil
}

// Latest implements CheckpointStore.
func (m *MemoryCheckpoints) Latest(query string) (*Checkpoint, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.latest[query], nil
}

// Delete implements CheckpointStore.
func (m *MemoryCheckpoints) Delete(query string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.latest, query)
	return nil
}
