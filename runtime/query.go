package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/watermark"
	"github.com/weirdb/weir/operators/window"
	"github.com/weirdb/weir/planner"
	"github.com/weirdb/weir/storage"
)

// batchesPerInput is how many batches a source goroutine may have in
// flight; it bounds memory and gives backpressure.
const batchesPerInput = 4

// Query is one running continuous query: a goroutine per source that reads,
// decodes and assigns watermarks, and one goroutine that runs every other
// operator of the DAG in order, ending in the sink.
type Query struct {
	ID       string
	SQL      string
	Plan     *planner.Plan
	Counters operators.Counters
	Started  time.Time

	inputs []*input
	union  []int64 // per input: its current watermark
	branch [][]operators.Operator
	// branchOuts[i][k] feeds branch i's operator k+1; its last entry feeds
	// the union into the chain (so a branch without operators uses [0]).
	branchOuts [][]operators.Emitter
	chain      []operators.Operator
	outs       []operators.Emitter // outs[k] feeds chain[k+1]; the last is a no-op
	unionW     int64
	wm         atomic.Int64 // unionW, readable from other goroutines

	sinkName string

	// Checkpointing (nil store: none).
	store        CheckpointStore
	key          string // durable identity of the query in the store
	fingerprint  string
	interval     time.Duration
	ckptID       uint64
	align        *alignment
	ended        []bool
	endBlobs     []map[string][]byte
	live         int
	onCheckpoint func(time.Duration)
	logf         func(format string, args ...any) // diagnostics (stderr)
	// Restored is the id of the checkpoint the query resumed from (0: none).
	Restored uint64
	tiers    []*storage.Tier // warm tiers of spilling operators, closed at the end
	ckptReq  chan chan error // Checkpoint requests
	waiters  []chan error    // answered when the checkpoint in progress commits

	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	err    error
	state  string
}

// input is one source leaf of the DAG with its watermark assigner.
type input struct {
	idx  int
	def  *catalog.Source
	src  operators.Source
	asg  *watermark.Assigner // nil when the source has no event time
	free chan *coldata.Batch

	barrier chan uint64 // checkpoint requests from the operator goroutine

	statusMu sync.Mutex
	status   []watermark.PartitionStatus // published by the source goroutine
}

// State returns "running", "finished", "failed: ..." or "cancelled".
func (q *Query) State() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.state
}

// Err returns the query's error once it has stopped (nil on success).
func (q *Query) Err() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.err
}

// Done is closed when the query has stopped.
func (q *Query) Done() <-chan struct{} { return q.done }

// Cancel stops the query.
func (q *Query) Cancel() { q.cancel() }

// Watermarks returns each input's partition status for SHOW WATERMARKS.
func (q *Query) Watermarks() map[string][]watermark.PartitionStatus {
	out := map[string][]watermark.PartitionStatus{}
	for _, in := range q.inputs {
		in.statusMu.Lock()
		if in.status != nil {
			out[in.def.Name] = in.status
		}
		in.statusMu.Unlock()
	}
	return out
}

// start opens every operator and starts the goroutines.
func (q *Query) start(parent context.Context, e *Engine, sink operators.Operator) error {
	ctx, cancel := context.WithCancel(parent)
	q.cancel = cancel
	q.done = make(chan struct{})
	q.ckptReq = make(chan chan error)
	q.state = "running"
	q.Started = e.clock.Now()
	q.logf = func(format string, args ...any) { fmt.Fprintf(e.stderr, format, args...) }
	opctx := &operators.Context{Ctx: ctx, Query: q.ID, Clock: e.clock, DeadLetters: e.deadLetters, Counters: &q.Counters}

	if err := q.build(e, opctx, sink); err != nil {
		cancel()
		return err
	}
	ch := make(chan message, batchesPerInput*len(q.inputs)+len(q.inputs))
	var wg sync.WaitGroup
	for _, in := range q.inputs {
		wg.Add(1)
		go func(in *input) {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					err := fmt.Errorf("runtime: source %s panicked: %v", in.def.Name, r)
					select {
					case ch <- message{kind: msgErr, input: in.idx, err: err}:
					case <-ctx.Done():
					}
				}
			}()
			in.run(ctx, e.clock, ch, &q.Counters)
		}(in)
	}
	go func() {
		err := q.safeLoop(ctx, e, ch)
		if err == nil && q.store != nil {
			// A finished query's state is no longer needed: a rerun starts over.
			err = q.store.Delete(q.key)
		}
		cancel()
		wg.Wait()
		for _, in := range q.inputs {
			if cerr := in.src.Close(); err == nil && cerr != nil {
				err = cerr
			}
		}
		for _, t := range q.tiers {
			if cerr := t.Close(); err == nil && cerr != nil {
				err = cerr
			}
		}
		q.finish(err)
	}()
	return nil
}

func (q *Query) finish(err error) {
	q.mu.Lock()
	switch {
	case err == nil:
		q.state = "finished"
	case errors.Is(err, context.Canceled):
		q.state = "cancelled"
		err = nil
	default:
		q.state = "failed: " + err.Error()
	}
	q.err = err
	q.mu.Unlock()
	close(q.done)
}

// build instantiates the DAG's operators: source leaves, per-branch
// operators between a watermark assigner and the union, and the main chain.
func (q *Query) build(e *Engine, opctx *operators.Context, sink operators.Operator) error {
	// Walk down from the root along the main chain to the union or leaf.
	var chainNodes []*planner.Node
	n := q.Plan.Root
	for n.Kind != planner.NodeUnion && n.Kind != planner.NodeWatermark && n.Kind != planner.NodeSource {
		chainNodes = append(chainNodes, n)
		n = n.Inputs[0]
	}
	var leaves []*planner.Node // the union's inputs, or the single leaf path
	if n.Kind == planner.NodeUnion {
		leaves = n.Inputs
	} else {
		leaves = []*planner.Node{n}
	}
	for i, leaf := range leaves {
		var branchNodes []*planner.Node
		m := leaf
		for m.Kind != planner.NodeWatermark && m.Kind != planner.NodeSource {
			branchNodes = append(branchNodes, m)
			m = m.Inputs[0]
		}
		in := &input{idx: i, free: make(chan *coldata.Batch, batchesPerInput), barrier: make(chan uint64, 1)}
		wmNode := (*planner.Node)(nil)
		if m.Kind == planner.NodeWatermark {
			wmNode = m
			m = m.Inputs[0]
		}
		in.def = m.Source
		src, err := e.newSource(m.Source)
		if err != nil {
			return err
		}
		in.src = src
		if err := src.Open(opctx); err != nil {
			return fmt.Errorf("source %s: %w", m.Source.Name, err)
		}
		if wmNode != nil {
			cfg, err := e.watermarkConfig(m.Source, src, wmNode)
			if err != nil {
				return err
			}
			in.asg = watermark.NewAssigner(cfg, opctx)
		}
		for k := 0; k < batchesPerInput; k++ {
			in.free <- coldata.NewBatch(src.Schema(), coldata.DefaultBatchSize)
		}
		q.inputs = append(q.inputs, in)
		ops, err := e.newOperators(reverse(branchNodes))
		if err != nil {
			return err
		}
		q.branch = append(q.branch, ops)
		q.union = append(q.union, math.MinInt64)
	}
	q.unionW = math.MinInt64
	q.wm.Store(math.MinInt64)
	ops, err := e.newOperators(reverse(chainNodes))
	if err != nil {
		return err
	}
	q.chain = append(ops, sink)
	for k, op := range q.chain {
		if cs, ok := op.(CheckpointSink); ok {
			cs.SetCheckpointing(q.store != nil)
		}
		if sp, ok := op.(window.StateSpiller); ok && e.storage != nil {
			budget := int64(e.cfg.State.Hot.MaxSizeMB) << 20
			key := q.key
			if key == "" {
				key = "run/" + q.ID
			}
			tier, err := e.storage.Tier(storage.TierKey{Query: key, Operator: int32(k)}, budget)
			if err != nil {
				return err
			}
			q.tiers = append(q.tiers, tier)
			sp.SetStateTier(tier)
		}
		if err := op.Open(opctx); err != nil {
			return err
		}
	}
	for _, br := range q.branch {
		for _, op := range br {
			if err := op.Open(opctx); err != nil {
				return err
			}
		}
	}
	q.ended = make([]bool, len(q.inputs))
	q.endBlobs = make([]map[string][]byte, len(q.inputs))
	q.live = len(q.inputs)
	if err := q.restore(); err != nil {
		return err
	}
	q.outs = chainEmitters(q.chain, operators.EmitterFunc(func(b *coldata.Batch) error {
		q.Counters.RowsOut.Add(int64(b.Live()))
		return nil
	}))
	q.branchOuts = make([][]operators.Emitter, len(q.branch))
	for i, br := range q.branch {
		i := i
		into := operators.EmitterFunc(func(b *coldata.Batch) error {
			if len(q.inputs) > 1 {
				q.clampWmBefore(i, b)
			}
			return q.chain[0].Process(b, q.outs[0])
		})
		q.branchOuts[i] = append(chainEmitters(br, into), into)
	}
	return nil
}

// chainEmitters returns, for each operator of a chain, the emitter that
// feeds the next one; the last operator's output goes to last.
func chainEmitters(ops []operators.Operator, last operators.Emitter) []operators.Emitter {
	outs := make([]operators.Emitter, len(ops))
	for k := range ops {
		if k+1 < len(ops) {
			next, nk := ops[k+1], k+1
			outs[k] = operators.EmitterFunc(func(b *coldata.Batch) error { return next.Process(b, outs[nk]) })
		} else {
			outs[k] = last
		}
	}
	return outs
}

func reverse(ns []*planner.Node) []*planner.Node {
	out := make([]*planner.Node, len(ns))
	for i, n := range ns {
		out[len(ns)-1-i] = n
	}
	return out
}

// run is the source goroutine: read, assign watermarks, hand batches over.
func (in *input) run(ctx context.Context, clock operators.Clock, out chan<- message, c *operators.Counters) {
	send := func(m message) bool {
		select {
		case out <- m:
			return true
		case <-ctx.Done():
			return false
		}
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
		if ps != nil && in.asg != nil {
			for _, p := range ps.Ended() {
				in.asg.PartitionEnded(p)
			}
		}
		if err == io.EOF {
			if b.Live() > 0 {
				in.process(b, clock, c)
				if !send(message{kind: msgBatch, input: in.idx, batch: b}) {
					return
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

func (in *input) process(b *coldata.Batch, clock operators.Clock, c *operators.Counters) {
	c.EventsIn.Add(int64(b.Len))
	if in.asg != nil {
		in.asg.Process(b)
		in.asg.Tick(clock.Now())
		in.publishStatus()
	}
}

// publishStatus copies the assigner's partition status where other
// goroutines (SHOW WATERMARKS, metrics) can read it.
func (in *input) publishStatus() {
	if in.asg == nil {
		return
	}
	st := in.asg.Status()
	in.statusMu.Lock()
	in.status = st
	in.statusMu.Unlock()
}

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
			if q.align != nil || q.store == nil {
				done <- fmt.Errorf("runtime: query %s: no checkpoint store, or a checkpoint is in progress", q.ID)
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
	for _, br := range q.branch {
		for _, op := range br {
			if err := op.Close(); err != nil {
				return err
			}
		}
	}
	for _, op := range q.chain {
		if err := op.Close(); err != nil {
			return err
		}
	}
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

// Watermark returns the query's current watermark (math.MinInt64 before
// the first, math.MaxInt64 after end of input).
func (q *Query) Watermark() int64 { return q.wm.Load() }

// WatermarkSummary renders the lowest watermark of the queries.
func WatermarkSummary(qs []*Query) string {
	min := int64(math.MaxInt64)
	for _, q := range qs {
		if w := q.Watermark(); w < min {
			min = w
		}
	}
	return fmtTime(min)
}

// Checkpoint takes a checkpoint now and waits until it is durable (or the
// query stops). Used at shutdown (a final checkpoint) and by tests.
func (q *Query) Checkpoint(ctx context.Context) error {
	done := make(chan error, 1)
	select {
	case q.ckptReq <- done:
	case <-q.done:
		return fmt.Errorf("runtime: query %s has stopped", q.ID)
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-done:
		return err
	case <-q.done:
		return fmt.Errorf("runtime: query %s stopped before its checkpoint completed", q.ID)
	case <-ctx.Done():
		return ctx.Err()
	}
}
