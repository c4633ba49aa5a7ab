package kafka

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/weirdb/weir/internal/kafkatest"
	"github.com/weirdb/weir/operators"
)

// A fetch failing for a moment is retried and announced: one line when
// the retries start, one when reads succeed again; the records are all
// read.
func TestFetchRetriesAnnounced(t *testing.T) {
	c, addr := kafkatest.NewCluster(t, map[string]int32{"llm-metrics": 1})
	kafkatest.ProduceLines(t, addr, "llm-metrics", 0, event(1000, "gpt-4o", 10), event(2000, "gpt-4o", 20))
	c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Fetch}, Err: kerr.NotLeaderForPartition, Count: 3})
	log := &lineSignal{wrote: make(chan struct{}, 1)}
	s, err := NewSource(sourceDef(addr, "llm-metrics"))
	require.NoError(t, err)
	s.SetWarningLog(log)
	openWith(t, s)
	rows, _, err := readUntil(t, s, func(r []row) bool { return len(r) == 2 })
	require.NoError(t, err)
	require.Len(t, rows, 2)
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	require.Len(t, lines, 2, log.String())
	require.Equal(t, `weir: source metrics: reading topic "llm-metrics" failed (partition 0): `+
		`[6] Not Leader For Partition: the client attempted to send messages to a replica that is not the leader for some partition, the client's metadata are likely out of date; retrying for up to 1m0s`, lines[0])
	require.Regexp(t, `^weir: source metrics: reading topic "llm-metrics" succeeded again after 3 failed fetches over \S+$`, lines[1])
}

// A fetch still failing after the retry time stops the source with the
// error, and the give-up is announced.
func TestFetchRetriesGiveUp(t *testing.T) {
	c, addr := kafkatest.NewCluster(t, map[string]int32{"llm-metrics": 1})
	c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Fetch}, Err: kerr.NotLeaderForPartition, Count: -1})
	log := &lineSignal{wrote: make(chan struct{}, 1)}
	s, err := NewSource(sourceDef(addr, "llm-metrics"))
	require.NoError(t, err)
	s.SetWarningLog(log)
	s.retryFor = 300 * time.Millisecond
	openWith(t, s)
	start := time.Now()
	_, _, err = readUntil(t, s, never)
	require.Error(t, err)
	require.NotErrorIs(t, err, io.EOF)
	require.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)
	require.ErrorContains(t, err, `topic "llm-metrics" partition 0 at offset 0: [6] Not Leader For Partition`)
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	require.Len(t, lines, 2, log.String())
	require.Contains(t, lines[0], `weir: source metrics: reading topic "llm-metrics" failed (partition 0): [6] Not Leader For Partition`)
	require.Regexp(t, `^weir: source metrics: reading topic "llm-metrics" partition 0: giving up after \d+ failed fetches over \S+: topic "llm-metrics" partition 0 at offset 0: \[6\] Not Leader For Partition`, lines[1])
}

// openWith opens s (made by the test) as openSource does.
func openWith(t testing.TB, s *Source) {
	t.Helper()
	require.NoError(t, s.Open(&operators.Context{Ctx: context.Background(), Clock: operators.SystemClock{}, Counters: &operators.Counters{}}))
	t.Cleanup(func() { _ = s.Close() })
}
