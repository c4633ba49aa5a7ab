// Package kafka is weir's Kafka source (connector = 'kafka'): partition-pinned
// readers built on github.com/segmentio/kafka-go whose offsets weir owns and
// checkpoints, decoding JSON values straight into columnar batches.
//
// Each partition has a fetcher goroutine that issues read-committed fetch
// requests to the partition's leader and hands raw records over in chunks
// of up to coldata.DefaultBatchSize; Read decodes one chunk into one batch
// on the caller's goroutine. Records of aborted transactions and the
// transaction markers (control records) are never returned, but offsets
// move past them. A bounded source delivers its chunks in an order fixed by
// the topic's contents (merge.go), so that a bounded query's results do not
// depend on timing. Consumer groups are never used for assignment
// (kafka-go's group reader cannot seek); group_id only receives offsets for
// monitoring (positions.go).
package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/kafka/retry"
	"github.com/weirdb/weir/operators/source/jsondec"
)

// PollInterval is how long Read waits for records before it returns an
// empty batch so that the runtime can run idle detection and timers.
const PollInterval = 100 * time.Millisecond

// chunksPerPartition bounds how far a fetcher may run ahead of Read: each
// partition owns this many chunks.
const chunksPerPartition = 3

// Source reads one Kafka topic. It implements operators.PartitionedSource
// and operators.Checkpointer. Read, Ended, Snapshot and Restore are meant
// to be called from the runtime's source goroutine; Close may be called
// from any goroutine.
type Source struct {
	name   string
	schema catalog.Schema
	opts   Options
	dec    *jsondec.Decoder
	dialer *kafkago.Dialer

	octx  *operators.Context
	parts []int32 // partition ids, ascending

	// transport carries the fetchers' requests; it routes each to the
	// partition's leader.
	transport *kafkago.Transport
	addr      net.Addr

	mu        sync.Mutex
	next      []int64         // per partition: next offset to deliver (what Snapshot saves)
	restored  map[int32]int64 // offsets read by Restore, applied at start
	snapshot  map[int32]int64 // offsets of the last Snapshot, for CommitSnapshot
	started   bool
	closed    bool
	atEOF     bool    // Read has returned io.EOF
	startNext []int64 // offsets the fetchers start from (resolved at Open)
	ends      []int64 // bounded end offsets, or partitionEndNil
	firsts    []int64 // earliest offsets seen at Open

	data    chan *chunk   // every partition's chunks, in arrival order
	free    []chan *chunk // per partition index: its free chunks
	pending [][]*chunk    // bounded: chunks received before their turn, per partition index
	timer   *time.Timer
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	ended   []int32 // partitions ended since the last Ended call
	nEnded  int
	isEnded []bool

	commits PositionCommits // group commits of read positions (positions.go)
	// committer sends CommitSnapshot's commits (committer.go); commitErrs
	// rate-limits the reports of failed commits.
	committer  snapshotCommitter
	commitErrs commitErrors

	// retries announces fetch retries (fetch_retry.go); retryFor is how long
	// a failing partition is retried (fetchRetryFor; shorter in tests).
	retries  retryLog
	retryFor time.Duration
}

var (
	_ operators.PartitionedSource = (*Source)(nil)
	_ operators.Checkpointer      = (*Source)(nil)
)

// New validates a Kafka source declaration. It does not touch the network;
// Open does.
func New(def *catalog.Source) (operators.Source, error) {
	return NewSource(def)
}

// NewSource is New returning the concrete type, for callers that want
// Options, DeadLetterSink or CommitSnapshot.
func NewSource(def *catalog.Source) (*Source, error) {
	opts, err := ParseOptions(def.Options)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", def.Name, err)
	}
	timeCol := -1
	if def.Watermark != nil {
		timeCol = def.Schema.Index(def.Watermark.Column)
		if timeCol < 0 {
			return nil, fmt.Errorf("source %s: watermark column %q is not one of its columns", def.Name, def.Watermark.Column)
		}
	}
	s := &Source{
		name:      def.Name,
		schema:    def.Schema,
		opts:      opts,
		dec:       jsondec.New(def.Schema, timeCol),
		dialer:    &kafkago.Dialer{Timeout: dialTimeout, ClientID: "weir"},
		transport: &kafkago.Transport{ClientID: "weir", DialTimeout: dialTimeout},
		addr:      kafkago.TCP(opts.Brokers...),
		retries:   retryLog{w: os.Stderr, source: def.Name, topic: opts.Topic},
		retryFor:  fetchRetryFor,
	}
	s.committer.s = s
	return s, nil
}

// SetWarningLog sets where the source announces fetch retries and their
// outcome (os.Stderr until set; nil: nowhere). Call it before the first
// Read.
func (s *Source) SetWarningLog(w io.Writer) { s.retries.w = w }

// Options returns the parsed options (idle_timeout, idle_advance, ...).
func (s *Source) Options() Options { return s.opts }

// Schema returns the declared columns.
func (s *Source) Schema() catalog.Schema { return s.schema }

// Partitions lists the topic's partitions, ascending. Valid after Open.
// The set is fixed at Open: partitions added to the topic while the source
// runs are not read until a restart (Restore then starts them at their
// earliest offset).
func (s *Source) Partitions() []int32 { return s.parts }

// Open looks the topic up (an error when it does not exist: a source never
// creates its topic), and resolves each partition's start offset
// (restored, earliest or latest) and, in bounded mode, its end offset. The
// fetchers start at the first Read, so Restore may come before or after
// Open.
func (s *Source) Open(octx *operators.Context) error {
	if err := s.open(octx); err != nil {
		// The runtime does not Close a source whose Open failed: release
		// the transport's connections and metadata goroutine here.
		s.transport.CloseIdleConnections()
		return fmt.Errorf("source %s: %w", s.name, err)
	}
	return nil
}

func (s *Source) open(octx *operators.Context) error {
	s.octx = octx
	ctx := context.Background()
	if octx != nil && octx.Ctx != nil {
		ctx = octx.Ctx
	}
	ctx, cancel := context.WithTimeout(ctx, 2*dialTimeout)
	defer cancel()
	parts, err := s.lookupPartitions(ctx)
	if err != nil {
		return err
	}
	s.parts = parts
	s.startNext = make([]int64, len(parts))
	s.ends = make([]int64, len(parts))
	s.firsts = make([]int64, len(parts))
	for i, p := range parts {
		first, last, err := s.readOffsets(ctx, p)
		if err != nil {
			return err
		}
		s.startNext[i] = first
		s.firsts[i] = first
		s.ends[i] = last
	}
	if s.opts.StartOffset == StartLatest || s.opts.Bounded {
		// Read committed: "latest" is the last stable offset, before any
		// transaction still open, so that a bounded read does not wait for it.
		if err := s.readStableOffsets(ctx, s.ends); err != nil {
			return err
		}
	}
	for i := range parts {
		if s.opts.StartOffset == StartLatest {
			s.startNext[i] = s.ends[i]
		}
		if !s.opts.Bounded {
			s.ends[i] = partitionEndNil
		}
	}
	s.mu.Lock()
	s.next = append([]int64(nil), s.startNext...)
	s.applyRestoredLocked()
	s.mu.Unlock()
	s.isEnded = make([]bool, len(parts))
	return nil
}

// lookupPartitions lists the topic's partitions with a Metadata request that
// does not allow automatic topic creation: a source never creates its topic
// (a typo in `topic` must fail, not create an empty topic and wait on it),
// whereas kafka-go's Conn.ReadPartitions asks the broker to create it.
func (s *Source) lookupPartitions(ctx context.Context) ([]int32, error) {
	client := &kafkago.Client{Addr: s.addr, Timeout: ioTimeout, Transport: s.transport}
	resp, err := client.Metadata(ctx, &kafkago.MetadataRequest{Topics: []string{s.opts.Topic}})
	if err != nil {
		return nil, fmt.Errorf("cannot reach any broker of %v: %w", s.opts.Brokers, unwrapClientErr(err))
	}
	brokers := strings.Join(s.opts.Brokers, ",")
	for _, t := range resp.Topics {
		if t.Name != s.opts.Topic {
			continue
		}
		if t.Error != nil {
			if errors.Is(t.Error, kafkago.UnknownTopicOrPartition) {
				return nil, fmt.Errorf("topic %q does not exist on %s (a source does not create its topic)", s.opts.Topic, brokers)
			}
			return nil, fmt.Errorf("topic %q on %s: %w", s.opts.Topic, brokers, t.Error)
		}
		out := make([]int32, 0, len(t.Partitions))
		for _, p := range t.Partitions {
			out = append(out, int32(p.ID))
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("topic %q has no partitions on %s", s.opts.Topic, brokers)
		}
		sortInt32(out)
		return out, nil
	}
	return nil, fmt.Errorf("topic %q does not exist on %s (a source does not create its topic)", s.opts.Topic, brokers)
}

// unwrapClientErr drops kafka-go's "kafka.(*Client).Metadata: " wrapping
// (retry.Clean).
func unwrapClientErr(err error) error { return retry.Clean(err) }

func (s *Source) readOffsets(ctx context.Context, p int32) (first, last int64, err error) {
	conn, err := s.dialLeader(ctx, p)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(ioTimeout))
	first, last, err = conn.ReadOffsets()
	if err != nil {
		return 0, 0, fmt.Errorf("topic %q partition %d: reading offsets: %w", s.opts.Topic, p, err)
	}
	return first, last, nil
}

// readStableOffsets sets ends[i] to the last stable offset of partition
// s.parts[i] (ListOffsets latest with isolation read_committed).
func (s *Source) readStableOffsets(ctx context.Context, ends []int64) error {
	reqs := make([]kafkago.OffsetRequest, len(s.parts))
	for i, p := range s.parts {
		reqs[i] = kafkago.LastOffsetOf(int(p))
	}
	client := &kafkago.Client{Addr: s.addr, Timeout: ioTimeout, Transport: s.transport}
	resp, err := client.ListOffsets(ctx, &kafkago.ListOffsetsRequest{
		Topics:         map[string][]kafkago.OffsetRequest{s.opts.Topic: reqs},
		IsolationLevel: kafkago.ReadCommitted,
	})
	if err != nil {
		return fmt.Errorf("topic %q: reading the last stable offsets: %w", s.opts.Topic, retry.Clean(err))
	}
	got := map[int32]int64{}
	for _, po := range resp.Topics[s.opts.Topic] {
		if po.Error != nil {
			return fmt.Errorf("topic %q partition %d: reading the last stable offset: %w", s.opts.Topic, po.Partition, po.Error)
		}
		got[int32(po.Partition)] = po.LastOffset
	}
	for i, p := range s.parts {
		o, ok := got[p]
		if !ok {
			return fmt.Errorf("topic %q partition %d: no last stable offset in the answer", s.opts.Topic, p)
		}
		ends[i] = o
	}
	return nil
}

// dialLeader connects to the leader of partition p through the first
// bootstrap broker that answers.
func (s *Source) dialLeader(ctx context.Context, p int32) (*kafkago.Conn, error) {
	var lastErr error
	for _, addr := range s.opts.Brokers {
		conn, err := s.dialer.DialLeader(ctx, "tcp", addr, s.opts.Topic, int(p))
		if err == nil {
			return conn, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("topic %q partition %d: connecting to the leader: %w", s.opts.Topic, p, lastErr)
}

func sortInt32(a []int32) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}
