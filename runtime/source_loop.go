package runtime

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
)

// runWatching is the source goroutine: read, assign watermarks, hand
// batches over. It fails the query (a msgErr) when a dead letter of its
// source is lost (dl.watch): after each read, and at end of input once
// the operator goroutine has handed back every batch, so that the too
// late events among its last rows have been dead-lettered.
func (in *input) runWatching(ctx context.Context, clock operators.Clock, out chan<- message, c *operators.Counters, dl *deadLetterRouter) {
	send := func(m message) bool {
		select {
		case out <- m:
			return true
		case <-ctx.Done():
			return false
		}
	}
	watch := dl.watch(in.def.Name)
	// lost sends the query's error if a dead letter was lost.
	lost := func() bool {
		err := watch.failure()
		if err != nil {
			send(message{kind: msgErr, input: in.idx, err: err})
		}
		return err != nil
	}
	ps, _ := in.src.(operators.PartitionedSource)
	lastWm := int64(math.MinInt64)
	for {
		select {
		case id := <-in.barrier:
			// Everything read so far has been sent: the snapshot is the
			// position just after it (DESIGN.md: sources emit a barrier after
			// recording their offsets).
			blobs, err := in.snapshot()
			if err != nil {
				send(message{kind: msgErr, input: in.idx, err: err})
				return
			}
			if !send(message{kind: msgBarrier, input: in.idx, ckpt: id, blobs: blobs}) {
				return
			}
			if id == in.stopAt.Load() {
				return // stopped at this checkpoint (Query.StopAtCheckpoint)
			}
		default:
		}
		var b *coldata.Batch
		select {
		case b = <-in.free:
		case <-ctx.Done():
			return
		}
		b.Reset(0) // a source returning io.EOF may leave b untouched
		err := in.src.Read(ctx, b)
		if err == io.EOF {
			held := 1 // batches this goroutine holds
			if b.Live() > 0 {
				in.process(b, clock, c)
				in.endPartitions(ps)
				if lost() {
					return
				}
				if !send(message{kind: msgBatch, input: in.idx, batch: b}) {
					return
				}
				held = 0
			}
			if watch.active() && (!in.awaitBatches(ctx, held) || lost()) {
				return
			}
			if in.asg != nil {
				// End of input: every partition has ended (SHOW WATERMARKS,
				// and no watermark lag is reported for them any more).
				for _, p := range in.asg.Status() {
					in.asg.PartitionEnded(p.Partition)
				}
			}
			in.publishStatus()
			send(message{kind: msgWatermark, input: in.idx, wm: math.MaxInt64})
			// The final position goes with end of input, so that a checkpoint
			// taken after it never makes a restart read the input again.
			blobs, err := in.snapshot()
			if err != nil {
				send(message{kind: msgErr, input: in.idx, err: err})
				return
			}
			send(message{kind: msgEOS, input: in.idx, blobs: blobs})
			return
		}
		if err != nil {
			if ctx.Err() == nil {
				send(message{kind: msgErr, input: in.idx, err: fmt.Errorf("source %s: %w", in.def.Name, err)})
			}
			return
		}
		in.process(b, clock, c)
		// Partitions that ended with this batch leave the watermark after
		// its rows were judged with them still active.
		in.endPartitions(ps)
		if lost() {
			return
		}
		if b.Live() > 0 {
			if !send(message{kind: msgBatch, input: in.idx, batch: b}) {
				return
			}
		} else {
			in.free <- b
		}
		if in.asg != nil {
			if w := in.asg.Watermark(); w > lastWm {
				lastWm = w
				if !send(message{kind: msgWatermark, input: in.idx, wm: w}) {
					return
				}
			}
		}
	}
}

// awaitBatches waits until the operator goroutine has handed back every
// batch of the input but the held ones it never had: it has processed all
// the rows sent (and dead-lettered those too late). It returns false when
// the query's context is done first.
func (in *input) awaitBatches(ctx context.Context, held int) bool {
	for n := held; n < batchesPerInput; n++ {
		select {
		case <-in.free:
		case <-ctx.Done():
			return false
		}
	}
	return true
}

func (in *input) process(b *coldata.Batch, clock operators.Clock, c *operators.Counters) {
	c.EventsIn.Add(int64(b.Len))
	if in.asg != nil {
		in.asg.Process(b)
		in.asg.Tick(clock.Now())
		in.publishStatus()
	}
}

// endPartitions passes the partitions the source reports ended on to the
// watermark assigner. The runtime calls it after processing the batch of
// the same Read: a partition ends with the batch of its last records
// (operators/source/kafka), whose rows must be judged while it still holds
// the watermark; a partition ended from the start comes with an empty batch.
func (in *input) endPartitions(ps operators.PartitionedSource) {
	if ps == nil {
		return
	}
	ended := ps.Ended()
	if in.asg == nil || len(ended) == 0 {
		return
	}
	for _, p := range ended {
		in.asg.PartitionEnded(p)
	}
	in.publishStatus()
}

// publishStatus copies the assigner's partition status where other
// goroutines (SHOW WATERMARKS, metrics) can read it.
func (in *input) publishStatus() {
	if in.asg == nil {
		return
	}
	// In place, without allocating per batch: readers copy under the lock.
	in.statusMu.Lock()
	in.status = in.asg.AppendStatus(in.status[:0])
	in.statusMu.Unlock()
}
