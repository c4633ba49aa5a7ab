package runtime

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
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
	kind     queryKind
	// restoring, if set, makes the query the placeholder of a view or
	// sink whose restore failed (Engine.keepFailed): it never ran.
	restoring *restoreRetry
	onStop    func() // runs once the query has stopped, before Done is closed
	// reportFailure, if set, tells stderr that the query failed (a
	// server's queries: nobody waits on them).
	reportFailure func(err error)

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
	keepFinal    bool                             // on finishing, commit a final checkpoint
	// Restored is the id of the checkpoint the query resumed from (0: none).
	Restored uint64
	tiers    []*storage.Tier // warm tiers of spilling operators, closed at the end
	// opened and openedSources are the operators (upstream first) and the
	// sources whose Open succeeded: release closes each once, whatever
	// ends the query.
	opened        []operators.Operator
	openedSources []*input
	closeErrs     []error         // close errors after a cancellation or failure (tellCloseErrors)
	ckptReq       chan chan error // Checkpoint requests
	stopReq       chan chan error // StopAtCheckpoint requests
	stopping      bool            // a StopAtCheckpoint came: the next checkpoint is the last
	waiters       []chan error    // answered when the checkpoint in progress commits
	requested     []chan error    // Checkpoint requests that came during another checkpoint: begun after it

	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	err    error
	state  string
}

// queryKind says what started a query, which decides how long the engine
// lists it (SHOW QUERIES, SHOW WATERMARKS, /metrics) once it has stopped.
type queryKind uint8

const (
	// kindAdhoc: a SELECT over the wire or in the REPL (StartStream). Once
	// ended, only the last keepEndedAdhoc stay in SHOW QUERIES, and none in
	// /metrics.
	kindAdhoc queryKind = iota
	// kindScript: a SELECT of a `weir run` script (Exec with an output);
	// the last keepStopped stopped ones stay listed.
	kindScript
	// kindView: a materialized view's query, listed until DROP VIEW.
	kindView
	// kindSink: a sink's query, listed until DROP SINK.
	kindSink
)

// input is one source leaf of the DAG with its watermark assigner.
type input struct {
	idx  int
	def  *catalog.Source
	src  operators.Source
	asg  *watermark.Assigner // nil when the source has no event time
	free chan *coldata.Batch

	barrier chan uint64 // checkpoint requests from the operator goroutine
	// stopAt is the checkpoint after whose barrier the source reads no
	// more (Query.StopAtCheckpoint); 0: none.
	stopAt atomic.Uint64

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

// stopped reports whether the query has stopped: finish has set its final
// state (Done may not be closed yet).
func (q *Query) stopped() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.state != "" && q.state != "running"
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
			out[in.def.Name] = slices.Clone(in.status) // rewritten in place by the source goroutine
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
	q.stopReq = make(chan chan error)
	q.state = "running"
	q.Started = e.clock.Now()
	q.logf = func(format string, args ...any) { fmt.Fprintf(e.stderr, format, args...) }
	if e.persist != nil {
		// A server's (weir serve's) queries run with nobody waiting on
		// them: a failure is told on stderr as well as in SHOW QUERIES.
		// weir run and the local REPL print their queries' failures
		// themselves.
		q.reportFailure = func(err error) { q.logf("weir: %s failed: %v\n", q.describe(), err) }
	}
	opctx := &operators.Context{Ctx: ctx, Query: q.ID, Clock: e.clock,
		DeadLetters: queryDeadLetters{query: q.ID, next: e.deadLetters}, Counters: &q.Counters}

	if q.store != nil {
		// Every checkpointed query that reaches the end of its input
		// commits a final checkpoint, and a restart resumes it at the end
		// instead of reading the input again. A `weir run` query's final
		// checkpoint stays until the whole run has finished (the other
		// queries of the script may still be running and be killed): weir
		// run then drops the run's checkpoints (storage.DeleteAllQueries).
		q.keepFinal = true
	}
	if err := q.build(e, opctx, sink); err != nil {
		// Close what build opened before it failed; nothing runs yet.
		cancel()
		q.release(err)
		q.tellCloseErrors()
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
					err := fmt.Errorf("source %s panicked: %v", in.def.Name, r)
					select {
					case ch <- message{kind: msgErr, input: in.idx, err: err}:
					case <-ctx.Done():
					}
				}
			}()
			in.runWatching(ctx, e.clock, ch, &q.Counters, e.deadLetters)
		}(in)
	}
	go func() {
		err := q.safeLoop(ctx, e, ch)
		if err == nil {
			// End of input: the operators close while the query's context
			// is still live, so that sinks flush and commit what they hold;
			// a close error fails the query.
			err = q.closeOperators(nil)
		}
		// Cancelled or failed: the operators close after the context is
		// done, so that none goes on working for a query being torn down.
		cancel()
		err = q.closeOperators(err)
		wg.Wait()
		q.finish(q.release(err))
	}()
	return nil
}

// release closes whatever is still open once every goroutine of the query
// has stopped: the operators (if closeOperators has not), the sources and
// the warm tiers, each once. err is how the query ended (nil: end of
// input, and the operators closed without error); it is returned with the
// first close error in its place if it was nil. After a cancellation or a
// failure, close errors are not the query's: they are told on stderr
// (tellCloseErrors), except those that only say the query's context is
// done.
func (q *Query) release(err error) error {
	err = q.closeOperators(err)
	// Sources and tiers close once the query's context is done, whatever
	// ended it: that their Close saw it done is no error.
	for _, in := range q.openedSources {
		err = q.closed(err, notCanceled(closeSafely("source "+in.def.Name, in.src.Close)))
	}
	q.openedSources = nil
	for _, t := range q.tiers {
		err = q.closed(err, notCanceled(t.Close()))
	}
	q.tiers = nil
	return err
}

// closeOperators closes the opened operators, upstream first, each once,
// and returns err with the first close error in its place if it was nil
// (see release).
func (q *Query) closeOperators(err error) error {
	for _, op := range q.opened {
		err = q.closed(err, closeSafely(q.describe(), op.Close))
	}
	q.opened = nil
	return err
}

// closed folds the error cerr of one Close into err, how the query ended
// (see release).
func (q *Query) closed(err, cerr error) error {
	switch {
	case cerr == nil:
		return err
	case err == nil:
		return cerr
	case errors.Is(cerr, context.Canceled):
		return err
	}
	q.closeErrs = append(q.closeErrs, cerr)
	return err
}

// tellCloseErrors writes on stderr the close errors that came after the
// query was cancelled or failed, after its failure itself
// (reportFailure).
func (q *Query) tellCloseErrors() {
	for _, err := range q.closeErrs {
		q.logf("weir: %s stopped, and closing it failed: %v\n", q.describe(), err)
	}
	q.closeErrs = nil
}

// notCanceled returns err, or nil if it only says that a context was
// cancelled.
func notCanceled(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// closeSafely calls close and turns a panic in it into an error naming
// what (a query or a source), so that the other operators are still
// closed and the process goes on.
func closeSafely(what string, close func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s panicked while closing: %v", what, r)
		}
	}()
	return close()
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
	if err != nil && q.reportFailure != nil {
		q.reportFailure(err)
	}
	q.tellCloseErrors()
	if q.onStop != nil {
		q.onStop()
	}
	close(q.done)
}

// describe names the query for diagnostics: "query q3 (sink out)",
// "query q2 (view per_model)" or "query q7".
func (q *Query) describe() string {
	switch {
	case q.sinkName != "":
		return fmt.Sprintf("query %s (sink %s)", q.ID, q.sinkName)
	case q.kind == kindView && strings.HasPrefix(q.key, "view/"):
		return fmt.Sprintf("query %s (view %s)", q.ID, strings.TrimPrefix(q.key, "view/"))
	}
	return "query " + q.ID
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
			return err // connectors name the source in their errors
		}
		q.openedSources = append(q.openedSources, in)
		if wmNode != nil {
			cfg, err := e.watermarkConfig(m.Source, src, wmNode)
			if err != nil {
				return err
			}
			in.asg = watermark.NewAssigner(cfg, opctx)
			in.publishStatus() // SHOW WATERMARKS lists the partitions from the start
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
	// Open upstream first (the order release closes them in): the
	// branches' operators, then the chain's, ending with the sink.
	for _, br := range q.branch {
		for _, op := range br {
			if err := op.Open(opctx); err != nil {
				return err
			}
			q.opened = append(q.opened, op)
		}
	}
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
			tier, err := e.storage.Tier(storage.TierKey{Query: q.tierQuery(), Operator: int32(k)}, budget)
			if err != nil {
				return err
			}
			q.tiers = append(q.tiers, tier)
			sp.SetStateTier(tier)
		}
		if err := op.Open(opctx); err != nil {
			return err
		}
		q.opened = append(q.opened, op)
	}
	q.ended = make([]bool, len(q.inputs))
	q.endBlobs = make([]map[string][]byte, len(q.inputs))
	q.live = len(q.inputs)
	if err := q.restore(); err != nil {
		return err
	}
	// A sink's output goes nowhere; the rows it delivers are the query's
	// rows_out.
	q.outs = chainEmitters(q.chain, operators.EmitterFunc(func(*coldata.Batch) error { return nil }))
	last := len(q.chain) - 1
	toSink := q.deliveringTo(sink, q.outs[last])
	if last > 0 {
		q.outs[last-1] = toSink
	}
	q.branchOuts = make([][]operators.Emitter, len(q.branch))
	for i, br := range q.branch {
		i := i
		into := operators.EmitterFunc(func(b *coldata.Batch) error {
			if len(q.inputs) > 1 {
				q.clampWmBefore(i, b)
			}
			if last == 0 {
				return toSink.Emit(b)
			}
			return q.chain[0].Process(b, q.outs[0])
		})
		q.branchOuts[i] = append(chainEmitters(br, into), into)
	}
	return nil
}

// deliveredCounter is a sink that delivers rows after Process returns
// (the Postgres sink commits them at a checkpoint or a watermark): it
// reports each delivery to f.
type deliveredCounter interface {
	SetDelivered(f func(rows int))
}

// deliveringTo returns the emitter that hands batches to the sink and
// counts the rows it delivered in Counters.RowsOut (rows_out,
// weir_rows_out_total): a batch's live rows once Process returns without
// error (the Kafka sink returns once the broker has acknowledged them), or
// what a deliveredCounter reports. Rows a failing sink never wrote are
// not counted.
func (q *Query) deliveringTo(sink operators.Operator, out operators.Emitter) operators.Emitter {
	if dc, ok := sink.(deliveredCounter); ok {
		dc.SetDelivered(func(rows int) { q.Counters.RowsOut.Add(int64(rows)) })
		return operators.EmitterFunc(func(b *coldata.Batch) error { return sink.Process(b, out) })
	}
	return operators.EmitterFunc(func(b *coldata.Batch) error {
		n := b.Live()
		if err := sink.Process(b, out); err != nil {
			return err
		}
		q.Counters.RowsOut.Add(int64(n))
		return nil
	})
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
		return fmt.Errorf("query %s has stopped", q.ID)
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-done:
		return err
	case <-q.done:
		return fmt.Errorf("query %s stopped before its checkpoint completed", q.ID)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// errStoppedAtCheckpoint ends a query stopped by StopAtCheckpoint once its
// last checkpoint has committed: a cancellation (state "cancelled").
var errStoppedAtCheckpoint = fmt.Errorf("stopped at a checkpoint: %w", context.Canceled)

// StopAtCheckpoint stops the query at a checkpoint, as a server's shutdown
// does: each source sends its barrier and then reads nothing more, the
// barriers flow through the operators, the checkpoint commits, and the
// query ends without processing anything after it — so that a restart
// resumes exactly where it stopped and writes no row twice. It returns
// once the query has stopped (nil if it had already), or with the
// checkpoint's error or ctx's. A query that takes no checkpoints is left
// as it is (nil): Cancel stops it.
func (q *Query) StopAtCheckpoint(ctx context.Context) error {
	if q.store == nil || q.stopReq == nil {
		return nil
	}
	done := make(chan error, 1)
	select {
	case q.stopReq <- done:
	case <-q.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-done:
		if err != nil {
			return err
		}
	case <-q.done:
		if err := q.Err(); err != nil {
			return err
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-q.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
