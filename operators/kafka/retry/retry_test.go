package retry

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testDeadline = 10 * time.Second

// fast retries quickly, so that a test that waits for a give-up is short;
// the tests that succeed wait on the broker's events, not on these times.
var fast = Policy{For: 10 * time.Second, Min: 5 * time.Millisecond, Max: 50 * time.Millisecond}

func newCluster(t *testing.T, opts ...kfake.Opt) (*kfake.Cluster, string) {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c, c.ListenAddrs()[0]
}

func newWriter(addr, topic string, async bool, completion func([]kafkago.Message, error)) *kafkago.Writer {
	return &kafkago.Writer{
		Addr:                   kafkago.TCP(addr),
		Topic:                  topic,
		RequiredAcks:           kafkago.RequireAll,
		Transport:              &kafkago.Transport{ClientID: "weir-test"},
		BatchTimeout:           time.Millisecond,
		Async:                  async,
		Completion:             completion,
		AllowAutoTopicCreation: true,
	}
}

func closeWriter(t *testing.T, w *kafkago.Writer) {
	require.NoError(t, w.Close())
	w.Transport.(*kafkago.Transport).CloseIdleConnections()
}

// metadataFault answers the Metadata requests that name topic (not the
// transport's periodic all-topics refresh) with code, count times (-1:
// until removed).
func metadataFault(c *kfake.Cluster, topic string, code *kerr.Error, count int) *kfake.FaultHandle {
	return c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Metadata}, Topic: topic, Err: code, Count: count,
		When: func(r kmsg.Request) bool { return r.(*kmsg.MetadataRequest).Topics != nil }})
}

// values reads every record of topic's partition 0 from the start.
func values(t *testing.T, addr, topic string, n int) []string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(t, err)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	var out []string
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		require.NoError(t, fs.Err())
		fs.EachRecord(func(r *kgo.Record) { out = append(out, string(r.Value)) })
	}
	return out
}

// The first writes to a topic being created fail on their metadata with
// LEADER_NOT_AVAILABLE (what a real cluster answers while it elects the
// new topic's leader); Write retries them until the topic is there.
func TestWriteRetriesLeaderNotAvailable(t *testing.T) {
	c, addr := newCluster(t, kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(1))
	h := metadataFault(c, "fresh", kerr.LeaderNotAvailable, 3)
	w := newWriter(addr, "fresh", false, nil)
	defer closeWriter(t, w)
	var retried []int
	err := Write(context.Background(), w, fast, func(err error, attempts int) {
		require.ErrorIs(t, err, kafkago.LeaderNotAvailable)
		retried = append(retried, attempts)
	}, kafkago.Message{Value: []byte("a")}, kafkago.Message{Value: []byte("b")})
	require.NoError(t, err)
	require.Equal(t, 3, h.Hits())
	require.Equal(t, []int{1, 2, 3}, retried)
	require.Equal(t, []string{"a", "b"}, values(t, addr, "fresh", 2))
}

// A topic that does not exist (and is not auto-created) until a moment
// after the write starts: the write waits for it.
func TestWriteWaitsForTopicCreatedLater(t *testing.T) {
	c, addr := newCluster(t)
	seen := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Metadata}, Topic: "later", Observe: true, Count: -1,
		When: func(r kmsg.Request) bool { return r.(*kmsg.MetadataRequest).Topics != nil }})
	w := newWriter(addr, "later", false, nil)
	defer closeWriter(t, w)
	done := make(chan error, 1)
	go func() { done <- Write(context.Background(), w, fast, nil, kafkago.Message{Value: []byte("x")}) }()

	// Once the writer has been told UNKNOWN_TOPIC_OR_PARTITION twice,
	// create the topic.
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	require.NoError(t, seen.Wait(ctx, 2))
	select {
	case err := <-done:
		t.Fatalf("the write ended before the topic existed: %v", err)
	default:
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	require.NoError(t, err)
	defer cl.Close()
	req := kmsg.NewPtrCreateTopicsRequest()
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic, rt.NumPartitions, rt.ReplicationFactor = "later", 1, 1
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	require.NoError(t, err)
	require.NoError(t, kerr.ErrorForCode(resp.Topics[0].ErrorCode))

	select {
	case err := <-done:
		require.NoError(t, err)
	case <-ctx.Done():
		t.Fatal("the write did not end after the topic was created")
	}
	require.Equal(t, []string{"x"}, values(t, addr, "later", 1))
}

// A write still failing when the policy's time has passed returns the
// last error, wrapped in a GiveUpError.
func TestWriteGivesUp(t *testing.T) {
	c, addr := newCluster(t)
	metadataFault(c, "never", kerr.LeaderNotAvailable, -1)
	w := newWriter(addr, "never", false, nil)
	defer closeWriter(t, w)
	p := Policy{For: 200 * time.Millisecond, Min: 10 * time.Millisecond, Max: 40 * time.Millisecond}
	start := time.Now()
	err := Write(context.Background(), w, p, nil, kafkago.Message{Value: []byte("x")})
	var gu *GiveUpError
	require.ErrorAs(t, err, &gu)
	require.ErrorIs(t, err, kafkago.LeaderNotAvailable)
	require.Greater(t, gu.Attempts, 2)
	// It gives up when the next wait would end past p.For.
	require.Greater(t, gu.After, p.For-p.Max)
	require.Less(t, time.Since(start), testDeadline)
	require.Contains(t, err.Error(), "Leader Not Available")
	require.Contains(t, err.Error(), "still failing after")
}

// An error that does not pass (not authorized) is returned at once, and so
// is the context's.
func TestWriteDoesNotRetryPermanentErrors(t *testing.T) {
	c, addr := newCluster(t, kfake.SeedTopics(1, "t"))
	h := metadataFault(c, "denied", kerr.TopicAuthorizationFailed, -1)
	w := newWriter(addr, "denied", false, nil)
	defer closeWriter(t, w)
	err := Write(context.Background(), w, fast, func(error, int) { t.Fatal("retried") }, kafkago.Message{Value: []byte("x")})
	require.ErrorIs(t, err, kafkago.TopicAuthorizationFailed)
	require.Equal(t, 1, h.Hits())

	metadataFault(c, "stuck", kerr.LeaderNotAvailable, -1)
	w2 := newWriter(addr, "stuck", false, nil)
	defer closeWriter(t, w2)
	ctx, cancel := context.WithCancel(context.Background())
	err = Write(ctx, w2, fast, func(error, int) { cancel() }, kafkago.Message{Value: []byte("x")})
	require.ErrorIs(t, err, context.Canceled)
}

func TestTemporary(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{kafkago.LeaderNotAvailable, true},
		{kafkago.UnknownTopicOrPartition, true},
		{kafkago.NotLeaderForPartition, true},
		{kafkago.BrokerNotAvailable, true},
		{kafkago.TopicAuthorizationFailed, false},
		{kafkago.MessageSizeTooLarge, false},
		{&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, true},
		{context.Canceled, false},
		{errors.New("something else"), false},
	} {
		require.Equal(t, tc.want, Temporary(tc.err), "%v", tc.err)
	}
}

// An asynchronous writer's metadata failures are retried in the
// background; messages written meanwhile wait behind them, in order.
func TestQueueRetriesInOrder(t *testing.T) {
	c, addr := newCluster(t, kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(1))
	h := metadataFault(c, "dlq", kerr.LeaderNotAvailable, 3)
	var mu sync.Mutex
	var failed []error
	fail := func(_ []kafkago.Message, err error) {
		if err != nil { // a Completion also reports successes
			mu.Lock()
			failed = append(failed, err)
			mu.Unlock()
		}
	}
	w := newWriter(addr, "dlq", true, fail)
	q := NewQueue(w, fast, fail)
	for _, v := range []string{"1", "2", "3", "4"} {
		q.Write(kafkago.Message{Value: []byte(v)}) // returns at once
	}
	q.Close()
	closeWriter(t, w)
	require.Empty(t, failed)
	require.Equal(t, 3, h.Hits())
	require.Equal(t, []string{"1", "2", "3", "4"}, values(t, addr, "dlq", 4))
}

// A queue gives up on its messages when the policy's time has passed and
// hands them to fail with the last error.
func TestQueueGivesUp(t *testing.T) {
	c, addr := newCluster(t)
	metadataFault(c, "dlq", kerr.LeaderNotAvailable, -1)
	var got []string
	var gerr error
	fail := func(msgs []kafkago.Message, err error) {
		for _, m := range msgs {
			got = append(got, string(m.Value))
		}
		gerr = err
	}
	w := newWriter(addr, "dlq", true, fail)
	q := NewQueue(w, Policy{For: 100 * time.Millisecond, Min: 10 * time.Millisecond, Max: 20 * time.Millisecond}, fail)
	q.Write(kafkago.Message{Value: []byte("a")})
	q.Write(kafkago.Message{Value: []byte("b")})
	q.Close()
	closeWriter(t, w)
	require.Equal(t, []string{"a", "b"}, got)
	var gu *GiveUpError
	require.ErrorAs(t, gerr, &gu)
	require.ErrorIs(t, gerr, kafkago.LeaderNotAvailable)
}
