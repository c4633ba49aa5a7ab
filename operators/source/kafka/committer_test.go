package kafka

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/weirdb/weir/internal/kafkatest"
)

// groupSourceAt returns a source with group_id g over a 3-partition topic
// holding 2 events in partition 0, read to its end (positions 2, 0, 0).
func groupSourceAt(t *testing.T, g string) (*kfake.Cluster, string, *Source) {
	c, addr := kafkatest.NewCluster(t, map[string]int32{"llm-metrics": 3})
	kafkatest.ProduceLines(t, addr, "llm-metrics", 0, event(1000, "m", 1), event(2000, "m", 2))
	s := openSource(t, sourceDef(addr, "llm-metrics", "group_id", g), nil, nil)
	_, _, err := readUntil(t, s, func(r []row) bool { return len(r) == 2 })
	require.NoError(t, err)
	return c, addr, s
}

// setSnapshot stands for a Snapshot taken at offs.
func setSnapshot(s *Source, offs map[int32]int64) {
	s.mu.Lock()
	s.snapshot = offs
	s.mu.Unlock()
}

// CommitSnapshot does not wait for the broker: while a commit is held by
// the broker, further calls return at once; the latest offsets handed over
// win over those not yet sent, and are committed once the broker answers.
func TestCommitSnapshotDoesNotBlock(t *testing.T) {
	c, addr, s := groupSourceAt(t, "g")
	var commits atomic.Int32
	entered := make(chan struct{}, 8)
	release := make(chan struct{})
	c.ControlKey(int16(kmsg.OffsetCommit), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if commits.Add(1) == 1 {
			entered <- struct{}{}
			c.SleepControl(func() { <-release })
		}
		return nil, nil, false // the broker handles it as usual
	})

	var snap bytesBuffer
	require.NoError(t, s.Snapshot(&snap)) // 2, 0, 0
	start := time.Now()
	require.NoError(t, s.CommitSnapshot(context.Background()))
	select {
	case <-entered:
	case <-time.After(testDeadline):
		t.Fatal("the commit did not reach the broker")
	}
	// The broker holds the first commit: these return without waiting.
	setSnapshot(s, map[int32]int64{0: 1, 1: 0, 2: 0})
	require.NoError(t, s.CommitSnapshot(context.Background()))
	setSnapshot(s, map[int32]int64{0: 2, 1: 0, 2: 0})
	require.NoError(t, s.CommitSnapshot(context.Background()))
	require.Less(t, time.Since(start), commitTimeout, "CommitSnapshot waited for the broker")
	require.Empty(t, kafkatest.CommittedOffsets(t, addr, "g", "llm-metrics"))

	close(release)
	kafkatest.WaitCommitted(t, addr, "g", "llm-metrics", map[int32]int64{0: 2, 1: 0, 2: 0})
	require.NoError(t, s.Close())
	// The first commit, then only the latest offsets: {0: 1} was replaced
	// before it was sent.
	require.Equal(t, int32(2), commits.Load())
}

// Close sends the offsets handed over last before it returns.
func TestCommitSnapshotFlushedAtClose(t *testing.T) {
	_, addr, s := groupSourceAt(t, "g-close")
	var snap bytesBuffer
	require.NoError(t, s.Snapshot(&snap))
	require.NoError(t, s.CommitSnapshot(context.Background()))
	require.NoError(t, s.Close())
	require.Equal(t, map[int32]int64{0: 2, 1: 0, 2: 0}, kafkatest.CommittedOffsets(t, addr, "g-close", "llm-metrics"))
}

// A failed background commit is reported through OnError, or without one
// returned by the next CommitSnapshot; reports are rate-limited.
func TestCommitSnapshotErrors(t *testing.T) {
	c, _, s := groupSourceAt(t, "g-err")
	c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.OffsetCommit}, Err: kerr.GroupAuthorizationFailed, Count: -1})
	var snap bytesBuffer
	require.NoError(t, s.Snapshot(&snap))

	// Without OnError: the next call returns the failure.
	require.NoError(t, s.CommitSnapshot(context.Background()))
	deadline := time.Now().Add(testDeadline)
	var err error
	for err == nil && time.Now().Before(deadline) {
		waitCommitterIdle(t, s)
		err = s.CommitSnapshot(context.Background())
	}
	require.ErrorContains(t, err, `committing the offsets of topic "llm-metrics" to group "g-err"`)
	require.ErrorContains(t, err, "Group Authorization Failed")
	require.NotContains(t, err.Error(), "kafka.(")

	// Within commitErrorEvery of that report, further failures are counted,
	// not reported; the next report says how many were left out.
	got := make(chan error, 4)
	s.commits.OnError = func(err error) { got <- err }
	waitCommitterIdle(t, s)
	s.commitErrs.mu.Lock()
	s.commitErrs.last = time.Now() // just reported
	s.commitErrs.suppressed = 0    // (the loop above may have left one out)
	s.commitErrs.mu.Unlock()
	require.NoError(t, s.CommitSnapshot(context.Background()))
	waitCommitterIdle(t, s)
	require.Empty(t, got)
	s.commitErrs.mu.Lock()
	require.Equal(t, 1, s.commitErrs.suppressed)
	s.commitErrs.last = time.Now().Add(-commitErrorEvery) // the interval has passed
	s.commitErrs.mu.Unlock()
	require.NoError(t, s.CommitSnapshot(context.Background()))
	select {
	case err := <-got:
		require.ErrorContains(t, err, "Group Authorization Failed")
		require.ErrorContains(t, err, "(and 1 more failure since the last report)")
		var kerr interface{ Temporary() bool }
		require.True(t, errors.As(err, &kerr), "the report keeps the error chain")
	case <-time.After(testDeadline):
		t.Fatal("the failed commit was not reported")
	}
}

// waitCommitterIdle waits until the source's committer has sent (and
// reported) everything handed over.
func waitCommitterIdle(t *testing.T, s *Source) {
	t.Helper()
	deadline := time.NewTimer(testDeadline)
	defer deadline.Stop()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		c := &s.committer
		c.mu.Lock()
		idle := c.pending == nil && !c.busy
		c.mu.Unlock()
		if idle {
			return
		}
		select {
		case <-tick.C:
		case <-deadline.C:
			t.Fatal("the committer is still busy")
		}
	}
}
