package runtime

import (
	"time"

	"github.com/weirdb/weir/storage"
)

// StoreCheckpoints adapts a Pebble-backed storage.Store to CheckpointStore.
type StoreCheckpoints struct{ S *storage.Store }

var _ CheckpointStore = StoreCheckpoints{}

// Commit implements CheckpointStore.
func (a StoreCheckpoints) Commit(c *Checkpoint) error {
	return a.S.CommitCheckpoint(&storage.Manifest{Query: c.Query, ID: c.ID, Fingerprint: c.Fingerprint,
		CreatedAt: time.Now().UTC(), Blobs: c.Blobs})
}

// Latest implements CheckpointStore.
func (a StoreCheckpoints) Latest(query string) (*Checkpoint, error) {
	m, err := a.S.LatestCheckpoint(query)
	if err != nil || m == nil {
		return nil, err
	}
	return &Checkpoint{Query: m.Query, ID: m.ID, Fingerprint: m.Fingerprint, Blobs: m.Blobs}, nil
}

// Delete implements CheckpointStore.
func (a StoreCheckpoints) Delete(query string) error { return a.S.DeleteQuery(query) }
