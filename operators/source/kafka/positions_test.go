package kafka

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/weirdb/weir/internal/kafkatest"
)

// errs collects commit errors; safe for concurrent use.
type errs struct {
	mu  sync.Mutex
	got []error
}

func (e *errs) add(err error) {
	e.mu.Lock()
	e.got = append(e.got, err)
	e.mu.Unlock()
}

func (e *errs) all() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]error(nil), e.got...)
}

// TestPositionCommitsPeriodic: an unbounded source asked for periodic
// commits (a query without checkpoints) commits its read positions every
// commit_interval on its own goroutine: the offsets reach the group while
// the source runs, without further Reads (a slow or blocked Read does not
// hold them up).
func TestPositionCommitsPeriodic(t *testing.T) {
	_, addr := kafkatest.NewCluster(t, map[string]int32{"llm-metrics": 3})
	kafkatest.Produce(t, addr, "llm-metrics", keyedEvents(30)) // 10 per partition
	s, err := NewSource(sourceDef(addr, "llm-metrics", "group_id", "g-periodic", "commit_interval", "20ms"))
	require.NoError(t, err)
	e := &errs{}
	s.SetPositionCommits(PositionCommits{Periodic: true, OnError: e.add})
	s = reopen(t, s)
	_, _, err = readUntil(t, s, func(r []row) bool { return len(r) >= 30 })
	require.NoError(t, err)
	kafkatest.WaitCommitted(t, addr, "g-periodic", "llm-metrics", map[int32]int64{0: 10, 1: 10, 2: 10})
	require.NoError(t, s.Close())
	require.Empty(t, e.all())
}

// TestPositionCommitsPeriodicAtCommitInterval: Periodic commits the read
// positions every commit_interval; the default commit_interval is Kafka's
// auto.commit.interval.ms, 5 s.
func TestPositionCommitsPeriodicAtCommitInterval(t *testing.T) {
	_, addr := kafkatest.NewCluster(t, map[string]int32{"llm-metrics": 3})
	kafkatest.Produce(t, addr, "llm-metrics", keyedEvents(3))
	s, err := NewSource(sourceDef(addr, "llm-metrics", "group_id", "g-every", "commit_interval", "20ms"))
	require.NoError(t, err)
	s.SetPositionCommits(PositionCommits{Periodic: true})
	s = reopen(t, s)
	_, _, err = readUntil(t, s, func(r []row) bool { return len(r) >= 3 })
	require.NoError(t, err)
	kafkatest.WaitCommitted(t, addr, "g-every", "llm-metrics", map[int32]int64{0: 1, 1: 1, 2: 1})

	d, err := NewSource(sourceDef(addr, "llm-metrics"))
	require.NoError(t, err)
	require.Equal(t, 5*time.Second, d.Options().CommitInterval)
}

// TestPositionCommitsNotWithoutAsking: without Periodic (a checkpointed
// query: its group offsets follow checkpoints), the source commits nothing
// while it runs, whatever commit_interval says.
func TestPositionCommitsNotWithoutAsking(t *testing.T) {
	_, addr := kafkatest.NewCluster(t, map[string]int32{"llm-metrics": 3})
	kafkatest.Produce(t, addr, "llm-metrics", keyedEvents(3))
	s, err := NewSource(sourceDef(addr, "llm-metrics", "group_id", "g-none", "commit_interval", "1ms"))
	require.NoError(t, err)
	s = reopen(t, s)
	// Read well past many commit intervals.
	_, _, err = readUntil(t, s, func(r []row) bool { return len(r) >= 3 })
	require.NoError(t, err)
	b := newBatch()
	for range 3 {
		require.NoError(t, s.Read(context.Background(), b)) // an empty poll: PollInterval
	}
	require.Empty(t, kafkatest.CommittedOffsets(t, addr, "g-none", "llm-metrics"))
	require.NoError(t, s.Close())
	require.Empty(t, kafkatest.CommittedOffsets(t, addr, "g-none", "llm-metrics"))
}

// TestPositionCommitsAtClose: AtClose commits the read positions when the
// source closes, wherever it stopped.
func TestPositionCommitsAtClose(t *testing.T) {
	_, addr := kafkatest.NewCluster(t, map[string]int32{"llm-metrics": 3})
	kafkatest.Produce(t, addr, "llm-metrics", keyedEvents(30))
	s, err := NewSource(sourceDef(addr, "llm-metrics", "group_id", "g-close"))
	require.NoError(t, err)
	s.SetPositionCommits(PositionCommits{AtClose: true})
	s = reopen(t, s)
	_, _, err = readUntil(t, s, func(r []row) bool { return len(r) >= 30 })
	require.NoError(t, err)
	require.Empty(t, kafkatest.CommittedOffsets(t, addr, "g-close", "llm-metrics"), "committed before Close")
	require.NoError(t, s.Close())
	require.Equal(t, map[int32]int64{0: 10, 1: 10, 2: 10}, kafkatest.CommittedOffsets(t, addr, "g-close", "llm-metrics"))
}

// TestPositionCommitsAtEnd: AtEnd commits at Close only once a bounded
// source has read everything (io.EOF); a source closed before its end does
// not commit.
func TestPositionCommitsAtEnd(t *testing.T) {
	_, addr := kafkatest.NewCluster(t, map[string]int32{"llm-metrics": 3})
	kafkatest.Produce(t, addr, "llm-metrics", keyedEvents(30))

	early, err := NewSource(sourceDef(addr, "llm-metrics", "bounded", "latest", "group_id", "g-early"))
	require.NoError(t, err)
	early.SetPositionCommits(PositionCommits{AtEnd: true})
	early = reopen(t, early)
	_, _, err = readUntil(t, early, func(r []row) bool { return len(r) > 0 })
	require.NoError(t, err)
	require.NoError(t, early.Close())
	require.Empty(t, kafkatest.CommittedOffsets(t, addr, "g-early", "llm-metrics"))

	s, err := NewSource(sourceDef(addr, "llm-metrics", "bounded", "latest", "group_id", "g-end"))
	require.NoError(t, err)
	s.SetPositionCommits(PositionCommits{AtEnd: true})
	s = reopen(t, s)
	_, _, err = readUntil(t, s, never)
	require.ErrorIs(t, err, io.EOF)
	require.NoError(t, s.Close())
	require.Equal(t, map[int32]int64{0: 10, 1: 10, 2: 10}, kafkatest.CommittedOffsets(t, addr, "g-end", "llm-metrics"))
}

// TestPositionCommitErrorsAreReported: a failed commit goes to OnError and
// does not stop the source.
func TestPositionCommitErrorsAreReported(t *testing.T) {
	c, addr := kafkatest.NewCluster(t, map[string]int32{"llm-metrics": 3})
	kafkatest.Produce(t, addr, "llm-metrics", keyedEvents(3))
	s, err := NewSource(sourceDef(addr, "llm-metrics", "bounded", "latest", "group_id", "g-fail"))
	require.NoError(t, err)
	e := &errs{}
	s.SetPositionCommits(PositionCommits{AtClose: true, OnError: e.add})
	s = reopen(t, s)
	_, _, err = readUntil(t, s, never)
	require.ErrorIs(t, err, io.EOF)
	c.ControlKey(int16(kmsg.OffsetCommit), func(req kmsg.Request) (kmsg.Response, error, bool) {
		resp := req.(*kmsg.OffsetCommitRequest).ResponseKind().(*kmsg.OffsetCommitResponse)
		for _, rt := range req.(*kmsg.OffsetCommitRequest).Topics {
			st := kmsg.NewOffsetCommitResponseTopic()
			st.Topic = rt.Topic
			for _, rp := range rt.Partitions {
				sp := kmsg.NewOffsetCommitResponseTopicPartition()
				sp.Partition = rp.Partition
				sp.ErrorCode = kerr.GroupAuthorizationFailed.Code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
	require.NoError(t, s.Close())
	got := e.all()
	require.Len(t, got, 1)
	require.ErrorContains(t, got[0], `committing the offsets of topic "llm-metrics" to group "g-fail", partition 0: `)
}

// reopen opens a source built by NewSource (SetPositionCommits comes
// before Open and Read) and closes it when the test ends.
func reopen(t *testing.T, s *Source) *Source {
	t.Helper()
	require.NoError(t, s.Open(nil))
	t.Cleanup(func() { _ = s.Close() })
	return s
}
