// Package kafka is weir's Kafka source (connector = 'kafka'): partition-pinned
// readers built on github.com/segmentio/kafka-go whose offsets weir owns and
// checkpoints, decoding JSON values straight into columnar batches.
//
// Each partition has a fetcher goroutine that issues read-committed fetch
// requests to the partition's leader and hands raw records over in chunks
// of up to coldata.DefaultBatchSize; Read decodes one chunk into one batch
// on the caller's goroutine. Records of aborted transactions and the
// transaction markers (control records) are never returned, but offsets
// move past them. Consumer groups are never used for
// assignment (kafka-go's group reader cannot seek); group_id only receives
// checkpointed offsets for monitoring.
package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/source/jsondec"
)

// PollInterval is how long Read waits for records before it returns an
// empty batch so that the runtime can run idle detection and timers.
const PollInterval = 100 * time.Millisecond

// chunksPerPartition bounds how far a fetcher may run ahead of Read.
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
	startNext []int64 // offsets the fetchers start from (resolved at Open)
	ends      []int64 // bounded end offsets, or partitionEndNil
	firsts    []int64 // earliest offsets seen at Open

	data    chan *chunk
	free    chan *chunk
	timer   *time.Timer
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	ended   []int32 // partitions ended since the last Ended call
	nEnded  int
	isEnded []bool
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
		return nil, err
	}
	timeCol := -1
	if def.Watermark != nil {
		timeCol = def.Schema.Index(def.Watermark.Column)
		if timeCol < 0 {
			return nil, fmt.Errorf("kafka: watermark column %q is not a column of source %s", def.Watermark.Column, def.Name)
		}
	}
	return &Source{
		name:      def.Name,
		schema:    def.Schema,
		opts:      opts,
		dec:       jsondec.New(def.Schema, timeCol),
		dialer:    &kafkago.Dialer{Timeout: dialTimeout, ClientID: "weir"},
		transport: &kafkago.Transport{ClientID: "weir", DialTimeout: dialTimeout},
		addr:      kafkago.TCP(opts.Brokers...),
	}, nil
}

// Options returns the parsed options (idle_timeout, idle_advance, ...).
func (s *Source) Options() Options { return s.opts }

// Schema returns the declared columns.
func (s *Source) Schema() catalog.Schema { return s.schema }

// Partitions lists the topic's partitions, ascending. Valid after Open.
// The set is fixed at Open: partitions added to the topic while the source
// runs are not read until a restart (Restore then starts them at their
// earliest offset).
func (s *Source) Partitions() []int32 { return s.parts }

// Open looks the topic up, and resolves each partition's start offset
// (restored, earliest or latest) and, in bounded mode, its end offset. The
// fetchers start at the first Read, so Restore may come before or after
// Open.
func (s *Source) Open(octx *operators.Context) error {
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

func (s *Source) lookupPartitions(ctx context.Context) ([]int32, error) {
	var lastErr error
	for _, addr := range s.opts.Brokers {
		conn, err := s.dialer.DialContext(ctx, "tcp", addr)
		if err != nil {
			lastErr = err
			continue
		}
		_ = conn.SetDeadline(time.Now().Add(ioTimeout))
		ps, err := conn.ReadPartitions(s.opts.Topic)
		conn.Close()
		if err != nil {
			if errors.Is(err, kafkago.UnknownTopicOrPartition) {
				return nil, fmt.Errorf("kafka: topic %q does not exist on %s", s.opts.Topic, addr)
			}
			lastErr = err
			continue
		}
		out := make([]int32, 0, len(ps))
		for _, p := range ps {
			if p.Topic == s.opts.Topic {
				out = append(out, int32(p.ID))
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("kafka: topic %q has no partitions on %s", s.opts.Topic, addr)
		}
		sortInt32(out)
		return out, nil
	}
	return nil, fmt.Errorf("kafka: cannot reach any broker of %v: %w", s.opts.Brokers, lastErr)
}

func (s *Source) readOffsets(ctx context.Context, p int32) (first, last int64, err error) {
	conn, err := s.dialLeader(ctx, p)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(ioTimeout))
	first, last, err = conn.ReadOffsets()
	if err != nil {
		return 0, 0, fmt.Errorf("kafka: topic %q partition %d: reading offsets: %w", s.opts.Topic, p, err)
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
		return fmt.Errorf("kafka: topic %q: reading the last stable offsets: %w", s.opts.Topic, err)
	}
	got := map[int32]int64{}
	for _, po := range resp.Topics[s.opts.Topic] {
		if po.Error != nil {
			return fmt.Errorf("kafka: topic %q partition %d: reading the last stable offset: %w", s.opts.Topic, po.Partition, po.Error)
		}
		got[int32(po.Partition)] = po.LastOffset
	}
	for i, p := range s.parts {
		o, ok := got[p]
		if !ok {
			return fmt.Errorf("kafka: topic %q partition %d: no last stable offset in the answer", s.opts.Topic, p)
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
	return nil, fmt.Errorf("kafka: topic %q partition %d: connecting to the leader: %w", s.opts.Topic, p, lastErr)
}

// start launches one fetcher per partition that has not ended.
func (s *Source) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("kafka: source %s is closed", s.name)
	}
	s.started = true
	n := len(s.parts)
	s.data = make(chan *chunk, chunksPerPartition*n)
	s.free = make(chan *chunk, chunksPerPartition*n)
	for range chunksPerPartition * n {
		s.free <- newChunk()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	for i, p := range s.parts {
		f := &partitionFetcher{s: s, idx: i, part: p, next: s.next[i], end: s.ends[i]}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			f.run(ctx)
		}()
	}
	return nil
}

// getChunk takes a free chunk for partition index idx; false on shutdown.
func (s *Source) getChunk(ctx context.Context, idx int) (*chunk, bool) {
	select {
	case c := <-s.free:
		c.reset(idx)
		return c, true
	case <-ctx.Done():
		return nil, false
	}
}

// putData hands a chunk to Read; false on shutdown.
func (s *Source) putData(ctx context.Context, c *chunk) bool {
	select {
	case s.data <- c:
		return true
	case <-ctx.Done():
		return false
	}
}

// Read fills b with the records of one chunk of one partition. It returns
// an empty batch when nothing arrived within PollInterval, and io.EOF once
// every partition of a bounded source has ended (the call that sees the
// last end returns an empty batch; Ended then reports it). Malformed records go to the Context's dead-letter sink.
func (s *Source) Read(ctx context.Context, b *coldata.Batch) error {
	b.Reset(0)
	b.Source = s.name
	if s.parts == nil {
		return fmt.Errorf("kafka: source %s read before Open", s.name)
	}
	if s.nEnded == len(s.parts) {
		return io.EOF
	}
	if !s.started {
		if err := s.start(); err != nil {
			return err
		}
	}
	if s.timer == nil {
		s.timer = time.NewTimer(PollInterval)
	} else {
		s.timer.Reset(PollInterval)
	}
	var c *chunk
	select {
	case c = <-s.data:
	case <-s.timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	s.timer.Stop()
	defer func() { s.free <- c }()
	switch {
	case c.err != nil:
		return c.err
	case c.ended:
		s.setNext(c)
		if !s.isEnded[c.part] {
			s.isEnded[c.part] = true
			s.nEnded++
			s.ended = append(s.ended, s.parts[c.part])
		}
		return nil
	}
	s.decode(c, b)
	return nil
}

// decode appends the chunk's records to b, dead-lettering malformed ones.
func (s *Source) decode(c *chunk, b *coldata.Batch) {
	part := s.parts[c.part]
	b.Partition = part
	for i := range c.ends {
		payload := c.payload(i)
		if err := s.dec.Append(b, payload, c.offsets[i]); err != nil {
			s.deadLetter(part, c.offsets[i], payload, err)
		}
	}
	s.setNext(c)
}

// setNext records how far the chunk's partition has been delivered.
func (s *Source) setNext(c *chunk) {
	s.mu.Lock()
	if c.next > s.next[c.part] {
		s.next[c.part] = c.next
	}
	s.mu.Unlock()
}

func (s *Source) deadLetter(part int32, off int64, payload []byte, err error) {
	if s.octx == nil || s.octx.DeadLetters == nil {
		return
	}
	d := operators.DeadLetter{
		Source:    s.name,
		Partition: part,
		Offset:    off,
		Reason:    operators.ReasonMalformed,
		Detail:    err.Error(),
		Payload:   payload,
	}
	if s.octx.Clock != nil {
		d.TimeMs = s.octx.Clock.Now().UnixMilli()
	}
	s.octx.DeadLetters.DeadLetter(&d)
}

// Ended reports the partitions that reached their bounded end since the last
// call. A partition is reported after all of its records were returned.
func (s *Source) Ended() []int32 {
	if len(s.ended) == 0 {
		return nil
	}
	out := s.ended
	s.ended = nil
	return out
}

// Close stops the fetchers and closes their connections. It is safe to call
// more than once and from another goroutine than Read's.
func (s *Source) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	if s.cancel != nil {
		s.cancel()
	}
	s.mu.Unlock()
	s.wg.Wait()
	s.transport.CloseIdleConnections()
	return nil
}

func sortInt32(a []int32) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}
