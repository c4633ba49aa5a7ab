package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	fetchapi "github.com/segmentio/kafka-go/protocol/fetch"

	"github.com/weirdb/weir/operators/kafka/retry"
)

const (
	fetchMaxBytes   = 4 << 20                // bytes asked for per fetch request
	fetchMaxWait    = 100 * time.Millisecond // how long the broker may hold an empty fetch
	ioTimeout       = 10 * time.Second       // network deadline beyond fetchMaxWait
	backoffMin      = 20 * time.Millisecond
	backoffMax      = 2 * time.Second
	dialTimeout     = 10 * time.Second
	unknownOffset   = -1
	partitionEndNil = -1
)

// partitionFetcher reads one partition from its leader with read-committed
// fetch requests (through kafka-go's Transport, which routes them to the
// leader) and hands raw records to Read in chunks. It owns its offset: it
// starts at next and never skips a committed record.
type partitionFetcher struct {
	s    *Source
	idx  int   // index into s.parts
	part int32 // Kafka partition id
	next int64 // next offset to fetch
	end  int64 // bounded end offset (exclusive), or partitionEndNil
	// aborted tracks the aborted transactions of the current fetch.
	aborted abortedTxns
}

// run fetches until the partition ends, a fatal error occurs, or ctx is
// done. Every exit path that is not a shutdown sends one last chunk: the
// one with a bounded partition's last records, marked ended, or an error.
func (f *partitionFetcher) run(ctx context.Context) {
	ch, ok := f.getChunk(ctx)
	if !ok {
		return
	}
	failures := 0
	var since time.Time // first failure of the current run
	for {
		if f.atEnd() {
			ch.ended = true
			f.put(ctx, ch)
			return
		}
		var err error
		ch, err = f.fetchOnce(ctx, ch)
		if ch == nil {
			return // shutdown
		}
		if err == nil {
			if failures > 0 {
				f.s.retries.recovered(f.part)
			}
			failures = 0
			continue
		}
		if ctx.Err() != nil {
			return
		}
		if failures == 0 {
			since = time.Now()
		}
		retryFor := f.s.retryFor
		if errors.Is(err, kafkago.OffsetOutOfRange) {
			err = f.outOfRange()
		} else if retriable(err) && time.Since(since) < retryFor {
			failures++
			f.s.retries.failed(f.part, err, retryFor)
			if !sleepCtx(ctx, backoff(failures)) {
				return
			}
			continue
		} else {
			err = fmt.Errorf("topic %q partition %d at offset %d: %w", f.s.opts.Topic, f.part, f.next, retry.Clean(err))
			if failures > 0 {
				f.s.retries.giveUp(f.part, failures+1, since, err)
			}
		}
		// Fatal: deliver what was read, then the error.
		if len(ch.ends) > 0 {
			if !f.put(ctx, ch) {
				return
			}
			if ch, ok = f.getChunk(ctx); !ok {
				return
			}
		}
		ch.err = err
		f.put(ctx, ch)
		return
	}
}

// fetchOnce issues one read-committed fetch request and moves its records
// into chunks, handing each full chunk over. Records of aborted
// transactions and control records (commit and abort markers) are skipped,
// but f.next still moves past them, so that a bounded read ends and a
// checkpoint never stalls on a marker. It returns the chunk being filled
// (nil on shutdown) and the fetch error, if any; on error f.next still names
// the first record not yet read.
func (f *partitionFetcher) fetchOnce(ctx context.Context, ch *chunk) (*chunk, error) {
	rctx, cancel := context.WithTimeout(ctx, fetchMaxWait+ioTimeout)
	m, err := f.s.transport.RoundTrip(rctx, f.s.addr, &fetchapi.Request{
		ReplicaID:      -1,
		MaxWaitTime:    int32(fetchMaxWait / time.Millisecond),
		MinBytes:       1,
		MaxBytes:       fetchMaxBytes,
		IsolationLevel: int8(kafkago.ReadCommitted),
		SessionID:      -1,
		SessionEpoch:   -1,
		Topics: []fetchapi.RequestTopic{{
			Topic: f.s.opts.Topic,
			Partitions: []fetchapi.RequestPartition{{
				Partition:          f.part,
				CurrentLeaderEpoch: -1,
				FetchOffset:        f.next,
				LogStartOffset:     -1,
				PartitionMaxBytes:  fetchMaxBytes,
			}},
		}},
	})
	cancel()
	if err != nil {
		return ch, err
	}
	res, ok := m.(*fetchapi.Response)
	if !ok {
		return ch, fmt.Errorf("unexpected fetch response %T", m)
	}
	if res.ErrorCode != 0 {
		return ch, kafkago.Error(res.ErrorCode)
	}
	if len(res.Topics) != 1 || len(res.Topics[0].Partitions) != 1 {
		return ch, fmt.Errorf("fetch response without the partition")
	}
	p := &res.Topics[0].Partitions[0]
	if p.ErrorCode != 0 {
		return ch, kafkago.Error(p.ErrorCode)
	}
	f.aborted.reset(p.AbortedTransactions)
	from := f.next
	var readErr error
	forEachBatch(p.RecordSet.Records, func(r protocol.RecordReader) bool {
		ch, readErr = f.readBatch(ctx, ch, r)
		return ch != nil && readErr == nil && !f.atEnd()
	})
	if ch == nil {
		return nil, nil
	}
	if readErr != nil {
		return ch, readErr
	}
	// An unbounded source hands over what this fetch produced so that a
	// slow partition's records are not held back waiting for a full chunk;
	// a fetch of markers or aborted records only still hands over its
	// progress, so that a checkpoint does not stall before them. A bounded
	// source hands over whole blocks only (merge.go).
	if f.end == partitionEndNil && (len(ch.ends) > 0 || f.next != from) {
		if !f.put(ctx, ch) {
			return nil, nil
		}
		if ch, ok = f.getChunk(ctx); !ok {
			return nil, nil
		}
	}
	return ch, nil
}

// getChunk takes one of the partition's free chunks, starting at the
// fetcher's position; false on shutdown.
func (f *partitionFetcher) getChunk(ctx context.Context) (*chunk, bool) {
	ch, ok := f.s.getChunk(ctx, f.idx)
	if ok {
		ch.block = f.next / chunkRecords
	}
	return ch, ok
}

// put hands ch over to Read with the partition's progress: the offset after
// its records and after any marker or aborted record skipped since.
func (f *partitionFetcher) put(ctx context.Context, ch *chunk) bool {
	ch.next = f.next
	return f.s.putData(ctx, ch)
}

// atEnd reports whether a bounded partition has been read to its end.
func (f *partitionFetcher) atEnd() bool { return f.end != partitionEndNil && f.next >= f.end }

// forEachBatch calls fn on each record batch of a fetched record set until
// fn returns false.
func forEachBatch(r protocol.RecordReader, fn func(protocol.RecordReader) bool) {
	switch r := r.(type) {
	case nil:
	case *protocol.RecordStream:
		for _, b := range r.Records {
			if b != nil && !fn(b) {
				return
			}
		}
	default:
		fn(r)
	}
}

// readBatch moves the records of one record batch into chunks. A control
// batch and a batch of an aborted transaction only advance f.next.
func (f *partitionFetcher) readBatch(ctx context.Context, ch *chunk, r protocol.RecordReader) (*chunk, error) {
	skip := false
	switch b := r.(type) {
	case *protocol.ControlBatch:
		for {
			cr, err := b.ReadControlRecord()
			if err != nil {
				if errors.Is(err, io.EOF) {
					return ch, nil
				}
				return ch, fmt.Errorf("reading a control record: %w", err)
			}
			if f.atEnd() {
				return ch, nil
			}
			f.aborted.marker(b.ProducerID, cr.Type)
			if cr.Offset >= f.next {
				f.next = cr.Offset + 1
			}
		}
	case *protocol.RecordBatch:
		skip = b.Attributes.Transactional() && f.aborted.aborted(b.ProducerID, b.BaseOffset)
	}
	for {
		rec, err := r.ReadRecord()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return ch, nil
			}
			return ch, err
		}
		off := rec.Offset
		if off < f.next {
			continue // a record batch may start before the requested offset
		}
		if f.end != partitionEndNil && off >= f.end {
			return ch, nil
		}
		if skip {
			f.next = off + 1
			continue
		}
		if f.end != partitionEndNil {
			// Bounded: one chunk per offset block (merge.go).
			if blk := off / chunkRecords; blk != ch.block {
				if len(ch.ends) > 0 {
					if !f.put(ctx, ch) {
						return nil, nil
					}
					var ok bool
					if ch, ok = f.getChunk(ctx); !ok {
						return nil, nil
					}
				}
				ch.block = blk
			}
		}
		n := 0
		if rec.Value != nil {
			n = rec.Value.Len()
		} else {
			ch.nulls = append(ch.nulls, len(ch.ends))
		}
		if n > maxRecordSize {
			// Never stops the query (SEMANTICS.md §7): Read dead-letters it.
			ch.oversize = append(ch.oversize, oversizeRecord{idx: len(ch.ends), size: n})
			n = 0
		}
		ch.grow(n)
		if n > 0 {
			dst := ch.buf[len(ch.buf) : len(ch.buf)+n]
			if _, err := io.ReadFull(rec.Value, dst); err != nil {
				return ch, fmt.Errorf("reading the record at offset %d: %w", off, err)
			}
		}
		ch.buf = ch.buf[:len(ch.buf)+n]
		ch.ends = append(ch.ends, int32(len(ch.buf)))
		ch.offsets = append(ch.offsets, off)
		f.next = off + 1
		if ch.full() && f.end == partitionEndNil {
			if !f.put(ctx, ch) {
				return nil, nil
			}
			var ok bool
			if ch, ok = f.getChunk(ctx); !ok {
				return nil, nil
			}
		}
	}
}

// outOfRange builds the error for an offset the broker no longer has,
// asking the broker for the partition's current bounds.
func (f *partitionFetcher) outOfRange() error {
	e := &OffsetOutOfRangeError{Topic: f.s.opts.Topic, Partition: f.part, Offset: f.next, Earliest: unknownOffset, Latest: unknownOffset}
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	conn, err := f.s.dialLeader(ctx, f.part)
	if err != nil {
		return e
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(ioTimeout))
	if first, last, err := conn.ReadOffsets(); err == nil {
		e.Earliest, e.Latest = first, last
	}
	return e
}

// retriable reports whether a fetch error is worth retrying: a broker-side
// temporary condition (leadership moving, timeouts) or a network failure.
func retriable(err error) bool {
	var kerr kafkago.Error
	if errors.As(err, &kerr) {
		return kerr.Temporary()
	}
	var nerr net.Error
	if errors.As(err, &nerr) {
		return true
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, context.DeadlineExceeded)
}

func backoff(failures int) time.Duration {
	d := backoffMin << min(failures-1, 10)
	return min(d, backoffMax)
}

// sleepCtx waits d or until ctx is done; it reports whether d elapsed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
