package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	kafkago "github.com/segmentio/kafka-go"
)

const (
	fetchMaxBytes   = 4 << 20                // bytes asked for per fetch request
	fetchMaxWait    = 100 * time.Millisecond // how long the broker may hold an empty fetch
	ioTimeout       = 10 * time.Second       // network deadline beyond fetchMaxWait
	backoffMin      = 20 * time.Millisecond
	backoffMax      = 2 * time.Second
	maxRetries      = 30 // consecutive failed fetches before the error is fatal
	dialTimeout     = 10 * time.Second
	unknownOffset   = -1
	partitionEndNil = -1
)

// partitionFetcher reads one partition from its leader with batch-level
// fetches (kafka-go's Conn.ReadBatch) and hands raw records to Read in
// chunks. It owns its offset: it starts at next and never skips a record.
type partitionFetcher struct {
	s    *Source
	idx  int   // index into s.parts
	part int32 // Kafka partition id
	next int64 // next offset to fetch
	end  int64 // bounded end offset (exclusive), or partitionEndNil
	conn *kafkago.Conn
}

// run fetches until the partition ends, a fatal error occurs, or ctx is
// done. Every exit path that is not a shutdown sends one control chunk.
func (f *partitionFetcher) run(ctx context.Context) {
	defer func() {
		if f.conn != nil {
			f.conn.Close()
		}
	}()
	ch, ok := f.s.getChunk(ctx, f.idx)
	if !ok {
		return
	}
	failures := 0
	for {
		if f.end != partitionEndNil && f.next >= f.end {
			if len(ch.ends) > 0 {
				if !f.s.putData(ctx, ch) {
					return
				}
				if ch, ok = f.s.getChunk(ctx, f.idx); !ok {
					return
				}
			}
			ch.ended = true
			f.s.putData(ctx, ch)
			return
		}
		var err error
		ch, err = f.fetchOnce(ctx, ch)
		if ch == nil {
			return // shutdown
		}
		if err == nil {
			failures = 0
			continue
		}
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, kafkago.OffsetOutOfRange) {
			err = f.outOfRange()
		} else if retriable(err) && failures < maxRetries {
			failures++
			if !sleepCtx(ctx, backoff(failures)) {
				return
			}
			continue
		} else {
			err = fmt.Errorf("kafka: topic %q partition %d at offset %d: %w", f.s.opts.Topic, f.part, f.next, err)
		}
		// Fatal: deliver what was read, then the error.
		if len(ch.ends) > 0 {
			if !f.s.putData(ctx, ch) {
				return
			}
			if ch, ok = f.s.getChunk(ctx, f.idx); !ok {
				return
			}
		}
		ch.err = err
		f.s.putData(ctx, ch)
		return
	}
}

// fetchOnce issues one fetch request and moves its records into chunks,
// handing each full chunk over. It returns the chunk being filled (nil on
// shutdown) and the fetch error, if any; on error the connection is dropped
// and f.next still names the first record not yet read.
func (f *partitionFetcher) fetchOnce(ctx context.Context, ch *chunk) (*chunk, error) {
	if f.conn == nil {
		conn, err := f.s.dialLeader(ctx, f.part)
		if err != nil {
			return ch, err
		}
		f.conn = conn
		f.s.trackConn(f.idx, conn)
	}
	if _, err := f.conn.Seek(f.next, kafkago.SeekAbsolute|kafkago.SeekDontCheck); err != nil {
		f.dropConn()
		return ch, err
	}
	if err := f.conn.SetReadDeadline(time.Now().Add(fetchMaxWait + ioTimeout)); err != nil {
		f.dropConn()
		return ch, err
	}
	batch := f.conn.ReadBatchWith(kafkago.ReadBatchConfig{MinBytes: 1, MaxBytes: fetchMaxBytes, MaxWait: fetchMaxWait})
	var readErr error
	for f.end == partitionEndNil || f.next < f.end {
		ch.grow(minSpare)
		spare := ch.buf[len(ch.buf):cap(ch.buf)]
		n, err := batch.Read(spare)
		if err != nil {
			if errors.Is(err, io.ErrShortBuffer) {
				// The batch is spent; fetch again from f.next with room.
				if 2*cap(ch.buf) > maxRecordSize {
					readErr = fmt.Errorf("record larger than %d bytes", maxRecordSize)
				} else {
					ch.grow(2 * cap(ch.buf))
				}
			} else if !errors.Is(err, io.EOF) && !errors.Is(err, kafkago.RequestTimedOut) {
				readErr = err
			}
			break
		}
		off := batch.Offset() - 1
		if off < f.next {
			continue // a record batch may start before the requested offset
		}
		ch.buf = ch.buf[:len(ch.buf)+n]
		ch.ends = append(ch.ends, int32(len(ch.buf)))
		ch.offsets = append(ch.offsets, off)
		f.next = off + 1
		if ch.full() {
			if !f.s.putData(ctx, ch) {
				batch.Close()
				return nil, nil
			}
			var ok bool
			if ch, ok = f.s.getChunk(ctx, f.idx); !ok {
				batch.Close()
				return nil, nil
			}
		}
	}
	closeErr := batch.Close()
	if readErr == nil && closeErr != nil && !errors.Is(closeErr, io.ErrShortBuffer) && !errors.Is(closeErr, kafkago.RequestTimedOut) {
		readErr = closeErr
	}
	if readErr != nil {
		f.dropConn()
		return ch, readErr
	}
	// Hand over what this fetch produced so that a slow partition's records
	// are not held back waiting for a full chunk.
	if len(ch.ends) > 0 {
		if !f.s.putData(ctx, ch) {
			return nil, nil
		}
		var ok bool
		if ch, ok = f.s.getChunk(ctx, f.idx); !ok {
			return nil, nil
		}
	}
	return ch, nil
}

func (f *partitionFetcher) dropConn() {
	if f.conn != nil {
		f.conn.Close()
		f.conn = nil
		f.s.trackConn(f.idx, nil)
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
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
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
