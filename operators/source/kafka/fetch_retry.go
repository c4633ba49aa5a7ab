package kafka

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/weirdb/weir/operators/kafka/retry"
)

// fetchRetryFor is how long a partition's fetches are retried after the
// first of a run of failures (an unreachable broker, a leader moving)
// before the error stops the query.
const fetchRetryFor = 60 * time.Second

// retryLog announces a source's fetch retries on its warning log, as the
// Kafka sink announces its write retries: one line when a first partition
// starts failing, one when every failing partition reads again, one when a
// partition gives up (its error then stops the query). Partition fetchers
// share it, so a broker going away says so once, not once per partition.
type retryLog struct {
	mu       sync.Mutex
	w        io.Writer // nil: nowhere
	source   string
	topic    string
	failing  map[int32]bool
	since    time.Time // first failure of the current run
	attempts int       // failed fetches of the current run, all partitions
	gaveUp   bool
}

// failed records a failed fetch of partition p that will be retried.
func (r *retryLog) failed(p int32, err error, retryFor time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.failing) == 0 {
		r.since = time.Now()
		r.attempts = 0
		r.printf("weir: source %s: reading topic %q failed (partition %d): %v; retrying for up to %s\n",
			r.source, r.topic, p, retry.Clean(err), retryFor)
	}
	if r.failing == nil {
		r.failing = map[int32]bool{}
	}
	r.failing[p] = true
	r.attempts++
}

// recovered records a successful fetch of partition p.
func (r *retryLog) recovered(p int32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.failing[p] {
		return
	}
	delete(r.failing, p)
	if len(r.failing) == 0 && !r.gaveUp {
		r.printf("weir: source %s: reading topic %q succeeded again after %s over %s\n",
			r.source, r.topic, countAttempts(r.attempts), time.Since(r.since).Round(time.Millisecond))
	}
}

// giveUp records that partition p stops retrying; err is the error that
// stops the query. Only the first partition to give up says so.
func (r *retryLog) giveUp(p int32, failures int, since time.Time, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.gaveUp {
		return
	}
	r.gaveUp = true
	r.printf("weir: source %s: reading topic %q partition %d: giving up after %s over %s: %v\n",
		r.source, r.topic, p, countAttempts(failures), time.Since(since).Round(time.Millisecond), err)
}

func (r *retryLog) printf(format string, args ...any) {
	if r.w != nil {
		fmt.Fprintf(r.w, format, args...)
	}
}

// countAttempts says "1 failed fetch", "3 failed fetches".
func countAttempts(n int) string {
	if n == 1 {
		return "1 failed fetch"
	}
	return fmt.Sprintf("%d failed fetches", n)
}
