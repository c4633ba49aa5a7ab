package runtime

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators/kafka/retry"
	"github.com/weirdb/weir/operators/sink/postgres"
	"github.com/weirdb/weir/planner"
	"github.com/weirdb/weir/sql"
)

// Backoff of the background restore of a view or sink whose restore failed
// with a transient error (restoreRetry): the first retry a second after the
// failure, doubling up to a minute.
const (
	restoreRetryMin = time.Second
	restoreRetryMax = time.Minute
)

// restoreRetry is what a failed query stands for when it is the
// placeholder of a materialized view or sink whose restore failed at
// startup (Engine.keepFailed): the statement to start again, and, once a
// background retry has started it, the query (and view) that replaced the
// placeholder.
type restoreRetry struct {
	stmt sql.Statement // *sql.CreateView or *sql.CreateSink
	what string        // "view v", "sink s"
	ctx  context.Context
	// restored says the statement came from the persisted catalog
	// (Engine.Restore): a view started by a retry adopts the rows an
	// older weir archived under its name, as one restored at once does
	// (coldTier.attach). Set once, before the retry goroutine starts.
	restored bool

	// Set under Engine.mu when a retry succeeds.
	successor *Query
	view      *matView
}

// keepFailed keeps a materialized view or sink whose restore failed with
// err in the catalog, as a failed query: SHOW VIEWS or SINKS lists it,
// SHOW QUERIES shows `failed: <error>`, reading the view names the
// failure, and DROP removes it with its stored statement and checkpoints.
// When err looks transient (an unreachable broker or database), the
// restore is retried in the background with backoff until it succeeds, a
// non-transient error comes, or the object is dropped. It reports false
// for any other statement (a source), or a name already taken.
func (e *Engine) keepFailed(stmt sql.Statement, err error) bool {
	var name, key, sinkName string
	var kind queryKind
	var plan *planner.Plan
	switch s := stmt.(type) {
	case *sql.CreateView:
		if !s.Materialized {
			return false
		}
		v := &catalog.View{Name: s.Name, Materialized: true, SQL: s.Text(), QuerySQL: queryText(s)}
		if p, perr := planner.PlanQuery(e.cat, s.Query); perr == nil {
			plan, v.Schema = p, p.Output
		}
		if e.cat.AddView(v) != nil {
			return false
		}
		name, key, kind = s.Name, "view/"+strings.ToLower(s.Name), kindView
	case *sql.CreateSink:
		def, derr := planner.SinkDef(s)
		if derr != nil {
			def = &catalog.Sink{Name: s.Name, From: s.From, SQL: s.Text()}
		}
		p, perr := e.planSink(s)
		if perr == nil {
			plan = p
		}
		if e.cat.AddSink(def) != nil {
			return false
		}
		name, key, kind, sinkName = def.Name, "sink/"+strings.ToLower(def.Name), kindSink, def.Name
	default:
		return false
	}
	if plan == nil {
		plan = &planner.Plan{} // no sources or views known: nothing depends on them
	}
	ctx, cancel := context.WithCancel(context.Background())
	// keepFailed is called by Restore only: the statement is the
	// persisted catalog's.
	rr := &restoreRetry{stmt: stmt, what: describeKey(key), ctx: ctx, restored: true}
	e.mu.Lock()
	e.nextID++
	q := &Query{ID: fmt.Sprintf("q%d", e.nextID), SQL: stmt.Text(), Plan: plan, kind: kind, sinkName: sinkName,
		Started: e.clock.Now(), key: key, fingerprint: statementFingerprint(stmt.Text()),
		cancel: cancel, done: make(chan struct{}), restoring: rr}
	q.state, q.err = "failed: "+err.Error(), err
	if e.store != nil {
		q.store = e.store
	}
	e.queries = append(e.queries, q)
	if kind == kindView {
		mv := newMatView(name, plan.Output, nil)
		mv.query = q
		e.views[strings.ToLower(name)] = mv
	}
	e.mu.Unlock()
	if !transientRestoreError(err) {
		fmt.Fprintf(e.stderr, "weir: restoring %s: %v; it stays listed as failed until it is dropped (DROP, then CREATE it again)\n",
			rr.what, err)
		cancel()
		close(q.done)
		return true
	}
	fmt.Fprintf(e.stderr, "weir: restoring %s: %v; it stays listed as failed and is retried in the background (every %s, doubling up to %s)\n",
		rr.what, err, e.restoreBackoff[0], e.restoreBackoff[1])
	go e.retryRestore(q)
	return true
}

// retryRestore starts again the view or sink that placeholder stands for,
// with backoff, until it starts (the new query takes the placeholder's
// place and id), fails with an error that is not transient, or the
// placeholder is cancelled (DROP, Engine.Close). The placeholder's Done is
// closed when it returns.
func (e *Engine) retryRestore(ph *Query) {
	defer close(ph.done)
	rr := ph.restoring
	delay := e.restoreBackoff[0]
	for retries := 1; ; retries++ {
		t := time.NewTimer(delay)
		select {
		case <-rr.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		err := e.restartFailed(ph)
		if err == nil {
			plural := "retries"
			if retries == 1 {
				plural = "retry"
			}
			fmt.Fprintf(e.stderr, "weir: restored %s after %d %s\n", rr.what, retries, plural)
			return
		}
		if rr.ctx.Err() != nil {
			return
		}
		ph.mu.Lock()
		ph.state, ph.err = "failed: "+err.Error(), err
		ph.mu.Unlock()
		if !transientRestoreError(err) {
			fmt.Fprintf(e.stderr, "weir: restoring %s: %v; not retried any more (the error is not transient)\n", rr.what, err)
			return
		}
		delay = min(2*delay, e.restoreBackoff[1])
	}
}

// restartFailed starts the query of a placeholder's view or sink (its
// context is the placeholder's: dropping the placeholder stops it) and,
// unless the placeholder was cancelled meanwhile, puts it in the
// placeholder's place.
func (e *Engine) restartFailed(ph *Query) error {
	rr := ph.restoring
	sameID := func(q *Query) { q.ID = ph.ID }
	var q *Query
	var mv *matView
	switch s := rr.stmt.(type) {
	case *sql.CreateView:
		plan, err := planner.PlanQuery(e.cat, s.Query)
		if err != nil {
			return err
		}
		v := e.cat.View(s.Name)
		if v == nil {
			return fmt.Errorf("view %q is no longer in the catalog", s.Name)
		}
		mv, err = e.newView(rr.ctx, v, plan, rr.restored, sameID)
		if err != nil {
			return err
		}
		q = mv.query
	case *sql.CreateSink:
		def := e.cat.Sink(s.Name)
		if def == nil {
			return fmt.Errorf("sink %q is no longer in the catalog", s.Name)
		}
		plan, err := e.planSink(s)
		if err != nil {
			return err
		}
		sink, run, err := e.newSinkRun(def, plan)
		if err != nil {
			return err
		}
		q, err = e.startQuery(rr.ctx, s.Text(), run, sink, "sink/"+strings.ToLower(def.Name),
			func(q *Query) { q.sinkName = def.Name }, sameID)
		if err != nil {
			return err
		}
	}
	e.mu.Lock()
	if rr.ctx.Err() != nil {
		// Dropped (or the engine closing) while it started.
		e.mu.Unlock()
		q.Cancel()
		<-q.Done()
		e.forgetQuery(q)
		if mv != nil && mv.cold != nil {
			e.cold.dropView(context.Background(), mv.name)
		}
		return rr.ctx.Err()
	}
	// The new query takes the placeholder's place in the list.
	for i, x := range e.queries {
		if x == ph {
			e.queries[i] = q
		} else if x == q {
			e.queries = append(e.queries[:i], e.queries[i+1:]...)
			break
		}
	}
	if mv != nil {
		e.views[strings.ToLower(mv.name)] = mv
	}
	rr.successor, rr.view = q, mv
	e.mu.Unlock()
	return nil
}

// successorOf returns the query that replaced q, the placeholder of a view
// or sink whose restore was retried, or nil.
func (e *Engine) successorOf(q *Query) *Query {
	if q.restoring == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return q.restoring.successor
}

// stopQuery cancels q, waits until it has stopped and forgets it, and
// does the same with the query that replaced it if q is the placeholder
// of a view or sink whose restore was retried (restartFailed). It returns
// the view that replaced the placeholder, if any.
func (e *Engine) stopQuery(q *Query) (replaced *matView) {
	for q != nil {
		q.Cancel()
		<-q.Done()
		e.forgetQuery(q)
		if q.restoring == nil {
			return replaced
		}
		e.mu.Lock()
		next, mv := q.restoring.successor, q.restoring.view
		e.mu.Unlock()
		if mv != nil {
			replaced = mv
		}
		q = next
	}
	return replaced
}

// restoreFailure returns the error of reading or subscribing to a
// materialized view whose restore failed (nil for any other view).
func (mv *matView) restoreFailure() *sql.Error {
	if mv.query == nil || mv.query.restoring == nil {
		return nil
	}
	return &sql.Error{Code: "55000", Msg: fmt.Sprintf("materialized view %q failed to restore at startup: %v", mv.name, mv.query.Err())}
}

// transientRestoreError reports whether a restore failure looks like an
// outage that may end by itself — a broker or database unreachable, a
// connection refused or reset, a timeout — which is worth retrying in the
// background. It looks only at the types in err's chain (weir's sources
// and sinks wrap their causes with %w: "cannot reach any broker of ...:
// dial tcp ...: connection refused" unwraps to ECONNREFUSED), never at
// its text, which holds the names of the view, sink, topic or file: a
// sink named "timeouts" whose file was truncated is not an outage.
func transientRestoreError(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	for _, errno := range []syscall.Errno{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED,
		syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.ENETDOWN, syscall.ETIMEDOUT, syscall.EPIPE} {
		if errors.Is(err, errno) {
			return true
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	// PostgreSQL answered (a connection exception, a server starting,
	// shutting down or out of connections pass; a refused login or a
	// missing table stay), or a connect got no answer.
	if transient, known := postgres.Outage(err); known {
		return transient
	}
	// A dial, read or write on the network that failed (a host name that
	// does not resolve included: DNS may be what is down).
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	// A Kafka broker's answer that says to try again (a leader being
	// elected, a broker not available, a request timed out). A topic that
	// does not exist is not one: a source does not create its topic.
	if transient, known := retry.Outage(err); known {
		return transient
	}
	return false
}
