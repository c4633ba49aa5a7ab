package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/planner"
	"github.com/weirdb/weir/sql"
)

// subscriberBacklog is how many rows a SUBSCRIBE may fall behind its view
// before it is ended (a slow client must not hold the view's query back).
const subscriberBacklog = 1 << 16

// ErrSubscriberTooSlow ends a subscription whose reader fell more than
// subscriberBacklog rows behind.
var ErrSubscriberTooSlow = errors.New("subscriber fell too far behind the view; SUBSCRIBE again")

// Subscription is a stream of emitted rows: SUBSCRIBE TO view (every
// emission of the view from now on, until Close) or a continuous SELECT
// started by StartStream (until its query ends or Close). Next and Close
// are called from one goroutine.
type Subscription struct {
	// Columns are the rows' columns; each row also carries its emission
	// kind (Batch.Emit).
	Columns catalog.Schema
	queue   *rowQueue
	query   *Query // StartStream: the query, cancelled on Close
	drop    func()
}

// Subscribe streams a materialized view: first a snapshot of its current
// rows (as Materialize's SUBSCRIBE does; for a view archived to the cold
// tier, the rows still in memory), each with the emission kind it was
// stored with, then every row the view emits from then on. The stream ends
// (Next returns io.EOF) once the view's query has stopped — at once, after
// the snapshot, for a view over bounded input that has ended — or, with a
// 57014 error, when the view is dropped.
func (e *Engine) Subscribe(view string) (*Subscription, error) {
	mv := e.view(view)
	if mv == nil {
		if v := e.cat.View(view); v != nil && !v.Materialized {
			return nil, &sql.Error{Code: "0A000", Msg: fmt.Sprintf("view %q is not materialized; SUBSCRIBE needs a materialized view", view)}
		}
		return nil, &sql.Error{Code: "42P01", Msg: fmt.Sprintf("unknown materialized view %q", view)}
	}
	if err := mv.restoreFailure(); err != nil {
		return nil, err
	}
	schema := mv.visibleSchema()
	// The snapshot is taken and the subscriber registered under the write
	// lock, which the view's writer holds from upsert to publish: every
	// row is either in the snapshot or published to the subscriber, once.
	mv.mu.Lock()
	snap := copyCols(schema, mv.cols[:mv.visible], mv.emit)
	s := &Subscription{Columns: schema, queue: newRowQueue(schema, subscriberBacklog+snap.Len, false)}
	if snap.Len > 0 {
		s.queue.push(context.Background(), snap) // never blocks: the queue is not blocking
	}
	mv.subs[s] = struct{}{}
	mv.mu.Unlock()
	stop := make(chan struct{})
	q := mv.query
	go func() {
		select {
		case <-q.Done():
			err := q.Err()
			if err == nil {
				err = io.EOF
			}
			s.queue.end(err)
		case <-stop:
		}
	}()
	var once sync.Once
	s.drop = func() {
		once.Do(func() {
			close(stop)
			mv.mu.Lock()
			delete(mv.subs, s)
			mv.mu.Unlock()
		})
	}
	return s, nil
}

// errViewDropped ends the subscriptions of a dropped view.
func errViewDropped(name string) error {
	return &sql.Error{Code: "57014", Msg: fmt.Sprintf("SUBSCRIBE ended: materialized view %q was dropped", name)}
}

// subscribeNamePos returns the position of the view name in SUBSCRIBE
// [TO] name (the statement's own position if the text is not as
// expected), where errors about the view are reported.
func subscribeNamePos(s *sql.Subscribe) sql.Pos {
	src, pos := s.Text(), s.At
	i := 0
	advance := func(n int) {
		for ; n > 0 && i < len(src); n-- {
			if src[i] == '\n' {
				pos.Line, pos.Col = pos.Line+1, 1
			} else {
				pos.Col++
			}
			pos.Offset++
			i++
		}
	}
	space := func() int {
		n := 0
		for i+n < len(src) && strings.IndexByte(" \t\r\n", src[i+n]) >= 0 {
			n++
		}
		return n
	}
	word := func(w string) bool {
		return len(src)-i > len(w) && strings.EqualFold(src[i:i+len(w)], w) && strings.IndexByte(" \t\r\n", src[i+len(w)]) >= 0
	}
	if !word("SUBSCRIBE") {
		return s.At
	}
	advance(len("SUBSCRIBE"))
	advance(space())
	if word("TO") {
		advance(len("TO"))
		advance(space())
	}
	if i >= len(src) || src[i] == ';' {
		return s.At
	}
	return pos
}

// StartStream starts a continuous SELECT whose rows are read with Next
// instead of going to an output operator. The query stops when ctx is
// done, when Close is called, or at the end of bounded input (Next then
// returns io.EOF).
func (e *Engine) StartStream(ctx context.Context, stmt *sql.SelectStmt) (*Subscription, error) {
	plan, err := planner.PlanQuery(e.cat, stmt.Query)
	if err != nil {
		return nil, err
	}
	s := &Subscription{Columns: plan.Output, queue: newRowQueue(plan.Output, coldata.DefaultBatchSize*4, true)}
	q, err := e.startQuery(ctx, stmt.Text(), plan, &streamSink{queue: s.queue}, "")
	if err != nil {
		return nil, err
	}
	s.query = q
	go func() {
		<-q.Done()
		err := q.Err()
		if err == nil {
			err = io.EOF
		}
		s.queue.end(err)
	}()
	return s, nil
}

// Query returns the continuous query behind a StartStream subscription
// (nil for SUBSCRIBE).
func (s *Subscription) Query() *Query { return s.query }

// Next blocks until rows are available and returns them as a batch (with
// Emit set per row) that stays valid until the next call to Next or
// Close. It returns io.EOF when the stream has ended, ctx.Err() when ctx is
// done, and ErrSubscriberTooSlow or the query's error otherwise.
func (s *Subscription) Next(ctx context.Context) (*coldata.Batch, error) {
	return s.queue.next(ctx)
}

// Close stops the stream (and a StartStream query).
func (s *Subscription) Close() error {
	if s.drop != nil {
		s.drop()
	}
	s.queue.end(errClosed)
	if s.query != nil {
		s.query.Cancel()
		<-s.query.Done()
	}
	return nil
}

var errClosed = errors.New("runtime: subscription closed")

// publishLocked hands an emitted batch to every subscriber; mv.mu is
// held.
func (mv *matView) publishLocked(b *coldata.Batch) {
	for s := range mv.subs {
		s.queue.push(context.Background(), b) // never blocks: subscriber queues are not blocking
	}
}

// endSubscriptions ends every subscription with err.
func (mv *matView) endSubscriptions(err error) {
	mv.mu.Lock()
	defer mv.mu.Unlock()
	for s := range mv.subs {
		s.queue.end(err)
		delete(mv.subs, s)
	}
}

// rowQueue buffers emitted rows between a query's operator goroutine and
// one reader: rows are appended column-wise to a pending batch that the
// reader swaps out whole, so a wake-up costs one channel send per batch,
// not per row.
type rowQueue struct {
	limit int
	block bool // producer waits for room (own query) instead of failing the reader

	mu      sync.Mutex
	pending *coldata.Batch
	spare   *coldata.Batch
	lent    *coldata.Batch // returned by the last next
	err     error          // the end of the stream
	notify  chan struct{}  // rows or the end arrived
	space   chan struct{}  // the reader took the pending rows
}

func newRowQueue(schema catalog.Schema, limit int, block bool) *rowQueue {
	return &rowQueue{limit: limit, block: block,
		pending: coldata.NewBatch(schema, 0), spare: coldata.NewBatch(schema, 0),
		notify: make(chan struct{}, 1), space: make(chan struct{}, 1)}
}

// push appends b's live rows. Only a blocking queue waits for room, until
// ctx is done.
func (q *rowQueue) push(ctx context.Context, b *coldata.Batch) error {
	q.mu.Lock()
	for q.block && q.err == nil && q.pending.Len >= q.limit {
		q.mu.Unlock()
		select {
		case <-q.space:
		case <-ctx.Done():
			return ctx.Err()
		}
		q.mu.Lock()
	}
	switch {
	case q.err != nil:
		// The reader is gone or the stream has ended.
	case !q.block && q.pending.Len+b.Live() > q.limit:
		q.err = ErrSubscriberTooSlow
	default:
		p := q.pending
		b.ForEach(func(i int) {
			for c, v := range p.Cols {
				v.CopyRow(b.Cols[c], i)
			}
			kind := coldata.EmitNone
			if i < len(b.Emit) {
				kind = b.Emit[i]
			}
			p.Emit = append(p.Emit, kind)
			p.Len++
		})
	}
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
	return nil
}

// end ends the stream with err (io.EOF: a normal end) once the pending
// rows are read; the first end wins.
func (q *rowQueue) end(err error) {
	q.mu.Lock()
	if q.err == nil {
		q.err = err
	}
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
	select {
	case q.space <- struct{}{}:
	default:
	}
}

func (q *rowQueue) next(ctx context.Context) (*coldata.Batch, error) {
	for {
		q.mu.Lock()
		if q.lent != nil {
			q.lent.Reset(0)
			q.spare, q.lent = q.lent, nil
		}
		if q.pending.Len > 0 && q.err != errClosed {
			out := q.pending
			q.pending, q.spare, q.lent = q.spare, nil, out
			q.mu.Unlock()
			select {
			case q.space <- struct{}{}:
			default:
			}
			return out, nil
		}
		if err := q.err; err != nil {
			q.mu.Unlock()
			return nil, err
		}
		q.mu.Unlock()
		select {
		case <-q.notify:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// streamSink is the output operator of a StartStream query.
type streamSink struct {
	queue *rowQueue
	ctx   context.Context
}

var _ operators.Operator = (*streamSink)(nil)

// Open implements operators.Operator.
func (s *streamSink) Open(ctx *operators.Context) error {
	s.ctx = ctx.Ctx
	return nil
}

// Process implements operators.Operator; it waits while the reader is
// more than a few batches behind (backpressure on the query).
func (s *streamSink) Process(b *coldata.Batch, _ operators.Emitter) error {
	if b.Live() == 0 {
		return nil
	}
	return s.queue.push(s.ctx, b)
}

// OnWatermark implements operators.Operator.
func (s *streamSink) OnWatermark(int64, operators.Emitter) error { return nil }

// Close implements operators.Operator.
func (s *streamSink) Close() error { return nil }
