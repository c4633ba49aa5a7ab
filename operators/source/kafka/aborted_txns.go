package kafka

import (
	"sort"

	fetchapi "github.com/segmentio/kafka-go/protocol/fetch"
)

// Control record types (the second int16 of a control record's key).
const (
	controlAbort  = 0
	controlCommit = 1
)

// abortedTxns tracks, during one read-committed fetch, which producers'
// transactional batches belong to an aborted transaction, as Kafka's own
// consumer does: the broker lists each aborted transaction overlapping the
// fetched range by producer id and first offset; a producer's batches are
// skipped from that first offset until the producer's abort marker.
type abortedTxns struct {
	pending []fetchapi.ResponseTransaction // by first offset, not yet reached
	active  map[int64]struct{}             // producers whose transaction is aborted here
}

// reset loads the aborted transactions of a fetch response. It reuses its
// storage, so a steady stream without transactions allocates nothing.
func (a *abortedTxns) reset(list []fetchapi.ResponseTransaction) {
	a.pending = append(a.pending[:0], list...)
	sort.Slice(a.pending, func(i, j int) bool { return a.pending[i].FirstOffset < a.pending[j].FirstOffset })
	clear(a.active)
}

// aborted reports whether a transactional batch of producer pid that starts
// at base belongs to an aborted transaction.
func (a *abortedTxns) aborted(pid, base int64) bool {
	for len(a.pending) > 0 && a.pending[0].FirstOffset <= base {
		if a.active == nil {
			a.active = map[int64]struct{}{}
		}
		a.active[a.pending[0].ProducerID] = struct{}{}
		a.pending = a.pending[1:]
	}
	_, ok := a.active[pid]
	return ok
}

// marker handles a control record of producer pid: an abort marker ends the
// producer's aborted transaction.
func (a *abortedTxns) marker(pid int64, typ int16) {
	if typ == controlAbort {
		delete(a.active, pid)
	}
}
