package runtime

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
)

// safeLoop runs loop and turns a panic in any operator into the query's
// error, so that one broken query never takes the process down.
func (q *Query) safeLoop(ctx context.Context, e *Engine, ch <-chan message) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("runtime: query %s panicked: %v", q.ID, r)
		}
	}()
	return q.loop(ctx, e, ch)
}

// timerInterval is how often processing-time triggers are checked.
const timerInterval = 100 * time.Millisecond

// loop is the operator goroutine.
func (q *Query) loop(ctx context.Context, e *Engine, ch <-chan message) error {
	var timers []operators.TimerOperator
	for _, op := range q.chain {
		if t, ok := op.(operators.TimerOperator); ok {
			timers = append(timers, t)
		}
	}
	var tick <-chan time.Time
	if len(timers) > 0 {
		t := time.NewTicker(timerInterval)
		defer t.Stop()
		tick = t.C
	}
	var ckpt <-chan time.Time
	if q.store != nil && q.interval > 0 {
		t := time.NewTicker(q.interval)
		defer t.Stop()
		ckpt = t.C
		if q.ckptID == 0 && q.wantsStartCheckpoint() {
			// A fresh start checkpoints at once rather than an interval
			// later: a crash before the first checkpoint starts the query
			// over, and a sink that repairs its output from checkpoints
			// (the file sink truncates back to its checkpointed size)
			// would otherwise repeat every row written until then.
			if err := q.beginCheckpoint(time.Now()); err != nil {
				return err
			}
		}
	}
	for q.live > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick:
			now := e.clock.Now()
			for k, op := range q.chain {
				if t, ok := op.(operators.TimerOperator); ok {
					if err := t.OnTimer(now, q.outs[k]); err != nil {
						return err
					}
				}
			}
		case <-ckpt:
			if err := q.beginCheckpoint(time.Now()); err != nil {
				return err
			}
		case done := <-q.ckptReq:
			if q.store == nil {
				done <- fmt.Errorf("query %s takes no checkpoints (no state directory)", q.ID)
				continue
			}
			if q.align != nil {
				// One is in progress (its barriers may have passed what
				// the caller wants covered): begin another after it.
				q.requested = append(q.requested, done)
				continue
			}
			q.waiters = append(q.waiters, done)
			if err := q.beginCheckpoint(time.Now()); err != nil {
				return err
			}
		case done := <-q.stopReq:
			// Stop at the next checkpoint (StopAtCheckpoint); one in
			// progress may have let its sources read on: begin another
			// after it.
			q.stopping = true
			if q.align != nil {
				q.requested = append(q.requested, done)
				continue
			}
			q.waiters = append(q.waiters, done)
			if err := q.beginCheckpoint(time.Now()); err != nil {
				return err
			}
		case m := <-ch:
			if q.align != nil && q.align.arrived[m.input] {
				// Behind this input's barrier: wait for the others'.
				q.align.queued[m.input] = append(q.align.queued[m.input], m)
				continue
			}
			if err := q.handle(m.input, m); err != nil {
				return err
			}
		}
	}
	if q.keepFinal && q.store != nil {
		// Every input has ended and every window has fired: record that, so
		// a restart resumes at the end instead of reading the input again.
		if err := q.beginCheckpoint(time.Now()); err != nil {
			return err
		}
	}
	// The operators are closed by the caller once this goroutine is done
	// with them (Query.release), on this path and every other.
	return nil
}

// handle processes one message of input i in stream order.
func (q *Query) handle(i int, m message) error {
	switch m.kind {
	case msgBatch:
		err := q.onBatch(i, m.batch)
		q.inputs[i].free <- m.batch
		return err
	case msgWatermark:
		return q.onWatermark(i, m.wm)
	case msgBarrier:
		return q.onBarrier(i, m)
	case msgEOS:
		q.ended[i] = true
		q.endBlobs[i] = m.blobs
		q.live--
		if q.align != nil && !q.align.arrived[i] {
			q.align.arrived[i] = true
			for k, v := range m.blobs {
				q.align.blobs[k] = v
			}
			return q.maybeCompleteCheckpoint()
		}
		return nil
	case msgErr:
		return m.err
	}
	return nil
}

// onBatch runs a batch of input i through its branch and into the chain.
func (q *Query) onBatch(i int, b *coldata.Batch) error {
	if br := q.branch[i]; len(br) > 0 {
		return br[0].Process(b, q.branchOuts[i][0])
	}
	return q.branchOuts[i][0].Emit(b)
}

// clampWmBefore applies the union rule (SEMANTICS.md §1: an operator with
// several inputs forwards the minimum of its inputs' watermarks) to the
// per-row watermarks of a batch from input i.
func (q *Query) clampWmBefore(i int, b *coldata.Batch) {
	other := int64(math.MaxInt64)
	for j, w := range q.union {
		if j != i && w < other {
			other = w
		}
	}
	for k := range b.WmBefore {
		if b.WmBefore[k] > other {
			b.WmBefore[k] = other
		}
	}
}

// onWatermark records input i's watermark and, when the union's minimum
// advances, passes it down the chain.
func (q *Query) onWatermark(i int, w int64) error {
	if w <= q.union[i] {
		return nil
	}
	q.union[i] = w
	for _, op := range q.branch[i] {
		if err := op.OnWatermark(w, operators.EmitterFunc(func(*coldata.Batch) error { return nil })); err != nil {
			return err
		}
	}
	min := int64(math.MaxInt64)
	for _, u := range q.union {
		if u < min {
			min = u
		}
	}
	if min <= q.unionW {
		return nil
	}
	q.unionW = min
	q.wm.Store(min)
	for k, op := range q.chain {
		if err := op.OnWatermark(min, q.outs[k]); err != nil {
			return err
		}
	}
	return nil
}

// startCheckpointer is an operator that wants its query's first checkpoint
// taken as soon as the query starts (operators/sink/file).
type startCheckpointer interface{ CheckpointAtStart() bool }

// wantsStartCheckpoint reports whether an operator of the chain is a
// startCheckpointer that asks for it.
func (q *Query) wantsStartCheckpoint() bool {
	for _, op := range q.chain {
		if s, ok := op.(startCheckpointer); ok && s.CheckpointAtStart() {
			return true
		}
	}
	return false
}
