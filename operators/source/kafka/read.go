package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
)

// start launches one fetcher per partition that still has records to read.
// A partition of a bounded source whose start offset is already at its end
// (empty, or read to its end before a restart) is ended from the start: it
// is queued for the first Ended and gets no fetcher, so that it never holds
// the watermark back, not even for the first batch of another partition.
func (s *Source) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("source %s is closed", s.name)
	}
	s.started = true
	n := len(s.parts)
	s.data = make(chan *chunk, chunksPerPartition*n) // never full: it holds at most every chunk
	s.free = make([]chan *chunk, n)
	s.pending = make([][]*chunk, n)
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.startPositionCommits(ctx)
	for i, p := range s.parts {
		if s.ends[i] != partitionEndNil && s.next[i] >= s.ends[i] {
			s.endPartition(i)
			continue
		}
		s.free[i] = make(chan *chunk, chunksPerPartition)
		for range chunksPerPartition {
			s.free[i] <- newChunk()
		}
		s.pending[i] = make([]*chunk, 0, chunksPerPartition)
		f := &partitionFetcher{s: s, idx: i, part: p, next: s.next[i], end: s.ends[i]}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			f.run(ctx)
		}()
	}
	return nil
}

// endPartition marks partition index i ended and queues it for Ended.
func (s *Source) endPartition(i int) {
	if s.isEnded[i] {
		return
	}
	s.isEnded[i] = true
	s.nEnded++
	s.ended = append(s.ended, s.parts[i])
}

// getChunk takes a free chunk of partition index idx; false on shutdown.
func (s *Source) getChunk(ctx context.Context, idx int) (*chunk, bool) {
	select {
	case c := <-s.free[idx]:
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
// every partition of a bounded source has ended. Malformed records go to
// the Context's dead-letter sink.
//
// The chunk that holds a bounded partition's last records also ends the
// partition: Ended reports it right after the Read that returned them, and
// the caller must process that batch before it passes the end on to the
// watermark assigner (the records are judged with their partition still
// active). Partitions that are ended from the start are reported after the
// first Read.
//
// The first Read starts the fetchers and returns an empty batch at once,
// without waiting for records: the runtime then publishes the partitions'
// status (SHOW WATERMARKS lists every partition of the topic, "no events
// yet") as soon as the query has started, not after the first records or
// PollInterval.
func (s *Source) Read(ctx context.Context, b *coldata.Batch) error {
	b.Reset(0)
	b.Source = s.name
	if s.parts == nil {
		return fmt.Errorf("source %s read before Open", s.name)
	}
	if !s.started {
		if err := s.start(); err != nil {
			return err
		}
		return nil
	}
	if s.nEnded == len(s.parts) {
		s.reachedEOF()
		return io.EOF
	}
	c, err := s.nextChunk(ctx)
	if c == nil {
		return err
	}
	defer func() { s.free[c.part] <- c }()
	if c.err != nil {
		return c.err
	}
	s.decode(c, b)
	if c.ended {
		s.endPartition(c.part)
	}
	return nil
}

// nextChunk waits up to PollInterval for the next chunk to deliver: the
// next to arrive, or for a bounded source the next in merge order
// (merge.go). It returns nil when none is ready in time or ctx is done.
func (s *Source) nextChunk(ctx context.Context) (*chunk, error) {
	if s.timer == nil {
		s.timer = time.NewTimer(PollInterval)
	} else {
		s.timer.Reset(PollInterval)
	}
	defer s.timer.Stop()
	for {
		if s.opts.Bounded {
			if c := s.mergeNext(); c != nil {
				return c, nil
			}
		}
		select {
		case c := <-s.data:
			if !s.opts.Bounded || c.err != nil {
				return c, nil // a fatal error needs no turn
			}
			s.pending[c.part] = append(s.pending[c.part], c)
		case <-s.timer.C:
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// decode appends the chunk's records to b, dead-lettering malformed ones.
func (s *Source) decode(c *chunk, b *coldata.Batch) {
	part := s.parts[c.part]
	b.Partition = part
	big, nulls := c.oversize, c.nulls
	for i := range c.ends {
		if len(big) > 0 && big[0].idx == i {
			s.deadLetterReason(part, c.offsets[i], nil, ReasonTooLarge,
				fmt.Sprintf("record value of %d bytes is over the limit of %d bytes; payload not kept",
					big[0].size, maxRecordSize))
			big = big[1:]
			continue
		}
		if len(nulls) > 0 && nulls[0] == i {
			s.deadLetter(part, c.offsets[i], nil, errTombstone)
			nulls = nulls[1:]
			continue
		}
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

// ReasonTooLarge is the dead-letter reason of a record whose value is over
// the 64 MiB limit; its dead letter has an empty payload.
const ReasonTooLarge = "too_large"

// errTombstone is the malformed detail of a record with a null value.
var errTombstone = errors.New("null value (tombstone)")

func (s *Source) deadLetter(part int32, off int64, payload []byte, err error) {
	s.deadLetterReason(part, off, payload, operators.ReasonMalformed, err.Error())
}

func (s *Source) deadLetterReason(part int32, off int64, payload []byte, reason, detail string) {
	if s.octx == nil || s.octx.DeadLetters == nil {
		return
	}
	d := operators.DeadLetter{
		Source:    s.name,
		Partition: part,
		Offset:    off,
		Reason:    reason,
		Detail:    detail,
		Payload:   payload,
	}
	if s.octx.Clock != nil {
		d.TimeMs = s.octx.Clock.Now().UnixMilli()
	}
	s.octx.DeadLetters.DeadLetter(&d)
}

// Ended reports the partitions that reached their bounded end since the last
// call. A partition is reported after the Read that returned its last
// records (or, when it had none left to read at start, after the first
// Read), never before.
func (s *Source) Ended() []int32 {
	if len(s.ended) == 0 {
		return nil
	}
	out := s.ended
	s.ended = nil
	return out
}

// Close stops the fetchers and closes their connections, then makes the
// last group commit of read positions if SetPositionCommits asked for one.
// It is safe to call more than once and from another goroutine than Read's.
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
	s.commitPositionsAtClose()
	return nil
}
