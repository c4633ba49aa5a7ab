// Package runtime is weir's engine facade: it executes statements against
// the catalog, runs continuous queries (one goroutine per source plus one
// for the operator chain, joined by bounded channels carrying batches and
// in-band watermarks), routes dead letters and keeps metrics.
package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/planner"
	"github.com/weirdb/weir/sql"
	"github.com/weirdb/weir/storage"
)

// Options configure an Engine.
type Options struct {
	Config Config
	Clock  operators.Clock // nil: the wall clock
	Stderr io.Writer       // diagnostics; nil: os.Stderr
	// Checkpoints, when set, makes queries take checkpoints every
	// Config.Checkpointing.Interval and resume from the latest on start.
	Checkpoints CheckpointStore
	// Storage, when set, holds the warm tier that window state spills to
	// beyond Config.State.Hot.MaxSizeMB, and feeds the state metrics. If
	// Checkpoints is nil, checkpoints go to it too.
	Storage *storage.Store
	// NoCheckpoints keeps Storage for spilling only: no checkpoints are
	// taken (a `weir run` without --state-dir, whose store is temporary).
	NoCheckpoints bool
	// Fingerprint identifies the statements being run (e.g. a hash of the
	// script); a checkpoint taken under another fingerprint is refused.
	Fingerprint string
	// Catalog, when set, persists every CREATE SOURCE / MATERIALIZED VIEW /
	// SINK and DROP (`weir serve`); Engine.Restore replays it at startup.
	Catalog CatalogStore
}

// Engine executes statements and runs queries. Safe for concurrent use.
type Engine struct {
	cfg         Config
	cat         *catalog.Catalog
	clock       operators.Clock
	stderr      io.Writer
	deadLetters *deadLetterRouter
	store       CheckpointStore
	storage     *storage.Store
	fingerprint string
	ckptHist    prometheus.Histogram
	cold        *coldTier // nil without state.cold.postgres_url

	persist   CatalogStore
	replaying bool // set while Restore replays the persisted catalog
	// restoreBackoff is the first and the longest wait between background
	// restores of a view or sink whose restore failed (keepFailed).
	restoreBackoff [2]time.Duration

	mu      sync.Mutex
	queries []*Query
	nextID  int
	views   map[string]*matView // materialized views by lower-cased name
}

// New returns an engine with an empty catalog.
func New(opts Options) *Engine {
	e := &Engine{cfg: opts.Config, cat: catalog.New(), clock: opts.Clock, stderr: opts.Stderr,
		store: opts.Checkpoints, storage: opts.Storage, fingerprint: opts.Fingerprint, persist: opts.Catalog,
		views: map[string]*matView{}, restoreBackoff: [2]time.Duration{restoreRetryMin, restoreRetryMax}}
	e.ckptHist = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "weir_checkpoint_duration_seconds",
		Help:    "Time from injecting a checkpoint's barriers to its durable commit.",
		Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
	})
	if e.store == nil && e.storage != nil && !opts.NoCheckpoints {
		e.store = StoreCheckpoints{S: e.storage}
	}
	if e.clock == nil {
		e.clock = operators.SystemClock{}
	}
	if e.stderr == nil {
		e.stderr = os.Stderr
	}
	if e.storage != nil {
		e.storage.Metrics().SetExpiryLog(e.stderr) // warm-tier TTL expiries
	}
	e.deadLetters = newDeadLetterRouter(newDeadLetterLogger(e.stderr, e.clock), e.clock)
	e.cold = newColdTier(e)
	return e
}

// Catalog returns the engine's catalog.
func (e *Engine) Catalog() *catalog.Catalog { return e.cat }

// OutputFunc makes the sink of a bare SELECT from its output schema.
type OutputFunc func(schema catalog.Schema) (operators.Operator, error)

// Result is what executing one statement produced.
type Result struct {
	Tag     string         // command tag, e.g. "CREATE SOURCE"
	Columns catalog.Schema // for statements that return rows
	Rows    [][]string     // rendered values; "" with Null[i][j] for NULL
	Nulls   [][]bool
	Query   *Query // the continuous query a SELECT or CREATE SINK started
}

// Exec executes one statement. A bare SELECT starts a continuous query whose
// rows go to the operator made by out; the call returns once it has started.
func (e *Engine) Exec(ctx context.Context, stmt sql.Statement, out OutputFunc) (*Result, error) {
	switch s := stmt.(type) {
	case *sql.CreateSource:
		return e.createSource(s)
	case *sql.CreateView:
		return e.createView(ctx, s)
	case *sql.CreateSink:
		return e.createSink(ctx, s)
	case *sql.SelectStmt:
		if isConstQuery(s.Query) {
			// SELECT without FROM: one row now, like a view read (no _emit).
			rows, err := e.ReadConst(ctx, s.Query)
			if err != nil {
				return nil, err
			}
			return rows.result(), nil
		}
		if _, ok := e.readTarget(s.Query); ok {
			rows, err := e.ReadView(ctx, s.Query)
			if err != nil {
				return nil, err
			}
			return rows.result(), nil
		}
		plan, err := planner.PlanQuery(e.cat, s.Query)
		if err != nil {
			return nil, err
		}
		if out == nil {
			return nil, fmt.Errorf("runtime: no output for a continuous query")
		}
		sink, err := out(plan.Output)
		if err != nil {
			return nil, err
		}
		// A SELECT with an output of its own is a statement of a script
		// (`weir run`): it stays listed after it ends, as the script's
		// record; StartStream's ad-hoc SELECTs do not (queryKind).
		q, err := e.startQuery(ctx, s.Text(), plan, sink, "", func(q *Query) { q.kind = kindScript })
		if err != nil {
			return nil, err
		}
		return &Result{Tag: "SELECT", Columns: plan.Output, Query: q}, nil
	case *sql.Explain:
		plan, err := planner.PlanQuery(e.cat, s.Query)
		if err != nil {
			return nil, err
		}
		return textResult("EXPLAIN", "QUERY PLAN", planner.Explain(plan, "stdout")), nil
	case *sql.Drop:
		return e.drop(s)
	case *sql.Show:
		return e.show(s)
	case *sql.Describe:
		return e.describe(s)
	}
	return nil, &sql.Error{At: stmt.StmtPos(), Code: "0A000", Msg: fmt.Sprintf("statement not supported here: %s", firstWords(stmt.Text()))}
}

func firstWords(s string) string {
	f := strings.Fields(s)
	if len(f) > 3 {
		f = f[:3]
	}
	return strings.Join(f, " ")
}

func textResult(tag, col, text string) *Result {
	r := &Result{Tag: tag, Columns: catalog.Schema{{Name: col, Type: catalog.Varchar}}}
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		r.Rows = append(r.Rows, []string{line})
		r.Nulls = append(r.Nulls, []bool{false})
	}
	return r
}

func (e *Engine) createSource(s *sql.CreateSource) (*Result, error) {
	def, err := planner.SourceDef(s)
	if err != nil {
		return nil, err
	}
	if s.IfNotExists && e.cat.Source(def.Name) != nil {
		return &Result{Tag: "CREATE SOURCE"}, nil
	}
	def.SQL = s.Text()
	if err := e.cat.AddSource(def); err != nil {
		return nil, &sql.Error{At: s.At, Code: "42P07", Msg: err.Error()}
	}
	// Routed once the name is the source's: a CREATE refused for a taken
	// name never touches the dead letters of what holds it.
	if err := e.routeDeadLetters(def); err != nil {
		e.cat.Drop(def.Name)
		return nil, err
	}
	if err := e.persistPut(def.Name, s.Text()); err != nil {
		e.dropDeadLetters(def.Name)
		e.cat.Drop(def.Name)
		return nil, err
	}
	return &Result{Tag: "CREATE SOURCE"}, nil
}

func (e *Engine) createView(ctx context.Context, s *sql.CreateView) (*Result, error) {
	plan, err := planner.PlanQuery(e.cat, s.Query)
	if err != nil {
		return nil, err
	}
	v := &catalog.View{Name: s.Name, Materialized: s.Materialized, Schema: plan.Output, SQL: s.Text(), QuerySQL: queryText(s)}
	if err := e.cat.AddView(v); err != nil {
		return nil, &sql.Error{At: s.At, Code: "42P07", Msg: err.Error()}
	}
	tag := "CREATE VIEW"
	if s.Materialized {
		tag = "CREATE MATERIALIZED VIEW"
		if err := e.startView(ctx, v, plan); err != nil {
			e.cat.Drop(v.Name)
			return nil, err
		}
	}
	if err := e.persistPut(v.Name, s.Text()); err != nil {
		e.dropView(v.Name)
		e.cat.Drop(v.Name)
		return nil, err
	}
	return &Result{Tag: tag}, nil
}

// queryText returns the query part of CREATE [MATERIALIZED] VIEW ... AS
// <query>, as written: the statement's text from its query's first token
// (with the parentheses that open before it), taken at the query's byte
// offset, so that no " AS " inside the query, line break, comment or CRLF
// line end can cut it short.
func queryText(s *sql.CreateView) string {
	src := s.Text()
	i := s.Query.At.Offset - s.At.Offset
	if i < 0 || i > len(src) {
		return src
	}
	for j := i - 1; j >= 0; j-- {
		if src[j] == '(' {
			i = j
		} else if src[j] != ' ' && src[j] != '\t' && src[j] != '\r' && src[j] != '\n' {
			break
		}
	}
	return strings.TrimSpace(src[i:])
}

func (e *Engine) createSink(ctx context.Context, s *sql.CreateSink) (*Result, error) {
	plan, err := e.planSink(s)
	if err != nil {
		return nil, err
	}
	def, err := planner.SinkDef(s)
	if err != nil {
		return nil, err
	}
	if err := planner.CheckSinkKeyColumns(s, plan.Output); err != nil {
		return nil, err
	}
	sink, run, err := e.newSinkRun(def, plan)
	if err != nil {
		return nil, &sql.Error{At: s.At, Code: "22023", Msg: err.Error()}
	}
	if err := e.cat.AddSink(def); err != nil {
		return nil, &sql.Error{At: s.At, Code: "42P07", Msg: err.Error()}
	}
	q, err := e.startQuery(ctx, s.Text(), run, sink, "sink/"+strings.ToLower(def.Name), func(q *Query) { q.sinkName = def.Name })
	if err != nil {
		e.cat.Drop(def.Name)
		return nil, err
	}
	if err := e.persistPut(def.Name, s.Text()); err != nil {
		q.Cancel()
		<-q.Done()
		e.forgetQuery(q)
		e.cat.Drop(def.Name)
		return nil, err
	}
	return &Result{Tag: "CREATE SINK", Query: q}, nil
}

// startQuery starts a continuous query. key is its durable identity in the
// checkpoint store ("view/<name>", "sink/<name>"), fingerprinted by the
// statement's text; "" means "run/<id>" under the engine's fingerprint.
// setup, if any, runs before the query starts.
//
// The query's kind (queryKind) follows from key: "view/..." and "sink/..."
// are durable objects, "" an ad-hoc query unless setup says otherwise.
func (e *Engine) startQuery(ctx context.Context, text string, plan *planner.Plan, sink operators.Operator, key string, setup ...func(*Query)) (*Query, error) {
	e.mu.Lock()
	e.nextID++
	q := &Query{ID: fmt.Sprintf("q%d", e.nextID), SQL: text, Plan: plan}
	e.mu.Unlock()
	switch {
	case strings.HasPrefix(key, "view/"):
		q.kind = kindView
	case strings.HasPrefix(key, "sink/"):
		q.kind = kindSink
	default:
		q.kind = kindAdhoc
	}
	for _, f := range setup {
		f(q)
	}
	if q.kind == kindAdhoc || q.kind == kindScript {
		// Forgotten (or kept among the last few) as soon as it stops,
		// before Done is closed: whoever waits on Done then sees the
		// pruned list.
		q.onStop = func() {
			e.mu.Lock()
			e.pruneStoppedLocked()
			e.mu.Unlock()
		}
	}
	// Checkpointed: the durable objects of a server (views and sinks, keyed
	// by name) and the queries of a `weir run` script (keyed by position and
	// identified by the script's fingerprint). An ad-hoc query of a server
	// session has no durable identity — its id is reused after a restart —
	// so it is not checkpointed.
	if e.store != nil && (key != "" || e.fingerprint != "") {
		q.store, q.key, q.fingerprint = e.store, "run/"+q.ID, e.fingerprint
		if key != "" {
			q.key, q.fingerprint = key, statementFingerprint(text)
			// A view or sink that reached the end of bounded input keeps
			// its final checkpoint, so a restart neither re-reads the input
			// nor writes its rows to the sink again (weir run's SELECTs keep
			// theirs too, until the whole run completes: see query.go).
			q.keepFinal = true
		}
		q.interval = e.cfg.Checkpointing.Interval
		q.onCheckpoint = func(d time.Duration) { e.ckptHist.Observe(d.Seconds()) }
	}
	if err := q.start(ctx, e, sink); err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.queries = append(e.queries, q)
	e.pruneStoppedLocked()
	e.mu.Unlock()
	return q, nil
}

// keepStopped is how many stopped queries of a `weir run` script SHOW
// QUERIES and the metrics keep.
const keepStopped = 100

// keepEndedAdhoc is how many ended ad-hoc queries (a SELECT over the wire
// or in the REPL) SHOW QUERIES keeps, the most recently started last, for
// diagnosis ("why did my SELECT stop?"). Their metric series go at once.
const keepEndedAdhoc = 10

// pruneStoppedLocked forgets the oldest stopped script queries beyond
// keepStopped and the oldest ended ad-hoc queries beyond keepEndedAdhoc,
// so that a server running many ad-hoc queries does not grow without
// bound. The queries of views and sinks are never pruned: a failed one
// stays visible with its error, and a finished one still counts as a
// user of its sources (sourceUser), until the object is dropped
// (forgetQuery).
func (e *Engine) pruneStoppedLocked() {
	var script, adhoc int
	for _, q := range e.queries {
		if q.stopped() {
			switch q.kind {
			case kindScript:
				script++
			case kindAdhoc:
				adhoc++
			}
		}
	}
	if script <= keepStopped && adhoc <= keepEndedAdhoc {
		return
	}
	kept := e.queries[:0]
	for _, q := range e.queries {
		if q.stopped() {
			if q.kind == kindScript && script > keepStopped {
				script--
				continue
			}
			if q.kind == kindAdhoc && adhoc > keepEndedAdhoc {
				adhoc--
				continue
			}
		}
		kept = append(kept, q)
	}
	clear(e.queries[len(kept):])
	e.queries = kept
}

// forgetQuery removes a stopped query from the engine's list: SHOW
// QUERIES and WATERMARKS no longer show it and its metric series are gone
// from the next scrape (the collector reads the list). DROP VIEW and DROP
// SINK call it once the object's query has stopped.
func (e *Engine) forgetQuery(q *Query) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.queries = slices.DeleteFunc(e.queries, func(x *Query) bool { return x == q })
}

// Queries lists the queries started so far.
func (e *Engine) Queries() []*Query {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*Query(nil), e.queries...)
}

// Close cancels every query, waits until each has stopped and closed its
// operators and sources (Query.Done), and closes dead-letter destinations.
func (e *Engine) Close() error {
	for _, q := range e.Queries() {
		// A placeholder's successor (a view or sink restored by a
		// background retry) is cancelled with it: wait for it too.
		for ; q != nil; q = e.successorOf(q) {
			q.Cancel()
			<-q.Done()
		}
	}
	var coldErr error
	if e.cold != nil {
		coldErr = e.cold.close()
	}
	return errors.Join(coldErr, e.deadLetters.Close())
}

func (e *Engine) drop(s *sql.Drop) (*Result, error) {
	tag := "DROP " + string(s.Kind)
	var exists bool
	switch s.Kind {
	case sql.KindSource:
		exists = e.cat.Source(s.Name) != nil
	case sql.KindView:
		exists = e.cat.View(s.Name) != nil
	case sql.KindSink:
		exists = e.cat.Sink(s.Name) != nil
	}
	if !exists {
		if s.IfExists {
			return &Result{Tag: tag}, nil
		}
		return nil, &sql.Error{At: s.NameAt, Code: "42P01", Msg: fmt.Sprintf("%s %q does not exist", strings.ToLower(string(s.Kind)), s.Name)}
	}
	switch s.Kind {
	case sql.KindSource:
		if user := e.sourceUser(s.Name); user != "" {
			return nil, &sql.Error{At: s.At, Code: "2BP01", Msg: fmt.Sprintf("cannot drop source %q: %s depends on it", s.Name, user)}
		}
		e.dropDeadLetters(s.Name)
	case sql.KindSink:
		for _, q := range e.Queries() {
			if strings.EqualFold(q.sinkName, s.Name) {
				e.stopQuery(q) // and what replaced it, if its restore was retried
				if q.store != nil {
					if err := q.store.Delete(q.key); err != nil {
						return nil, err
					}
				}
			}
		}
	case sql.KindView:
		if user := e.viewUser(s.Name); user != "" {
			return nil, &sql.Error{At: s.At, Code: "2BP01", Msg: fmt.Sprintf("cannot drop view %q: %s depends on it", s.Name, user)}
		}
		if err := e.dropView(s.Name); err != nil {
			return nil, err
		}
	}
	e.cat.Drop(s.Name)
	if err := e.persistDelete(s.Name); err != nil {
		return nil, err
	}
	return &Result{Tag: tag}, nil
}

func (e *Engine) show(s *sql.Show) (*Result, error) {
	r := &Result{Tag: "SHOW"}
	add := func(vals ...string) {
		r.Rows = append(r.Rows, vals)
		r.Nulls = append(r.Nulls, make([]bool, len(vals)))
	}
	vc := func(names ...string) catalog.Schema {
		out := make(catalog.Schema, len(names))
		for i, n := range names {
			out[i] = catalog.Column{Name: n, Type: catalog.Varchar}
		}
		return out
	}
	switch s.What {
	case "SOURCES":
		r.Columns = vc("name", "connector", "watermark")
		for _, src := range e.cat.Sources() {
			wm := ""
			if src.Watermark != nil {
				wm = fmt.Sprintf("%s - %dms", src.Watermark.Column, src.Watermark.DelayMs)
			}
			add(src.Name, src.Connector, wm)
		}
	case "SINKS":
		r.Columns = vc("name", "connector")
		for _, s := range e.cat.Sinks() {
			add(s.Name, s.Connector)
		}
	case "VIEWS":
		r.Columns = vc("name", "materialized")
		for _, v := range e.cat.Views() {
			add(v.Name, fmt.Sprint(v.Materialized))
		}
	case "QUERIES":
		r.Columns = vc("id", "state", "events_in", "rows_out", "late_events", "dropped_events", "sql")
		for _, i := range []int{2, 3, 4, 5} {
			r.Columns[i].Type = catalog.Bigint
		}
		for _, q := range e.Queries() {
			add(q.ID, e.queryState(q), fmt.Sprint(q.Counters.EventsIn.Load()), fmt.Sprint(q.Counters.RowsOut.Load()),
				fmt.Sprint(q.Counters.LateEvents.Load()), fmt.Sprint(q.Counters.DroppedEvents.Load()), q.SQL)
		}
	case "WATERMARKS":
		r.Columns = vc(WatermarkColumns...)
		for _, row := range WatermarkRows(e.Queries(), e.clock.Now()) {
			add(row...)
		}
	default:
		return nil, &sql.Error{At: s.WhatAt, Code: "42704", Msg: fmt.Sprintf("unrecognized SHOW %s: expected SOURCES, VIEWS, SINKS, QUERIES or WATERMARKS", s.What)}
	}
	return r, nil
}

func (e *Engine) describe(s *sql.Describe) (*Result, error) {
	var schema catalog.Schema
	if src := e.cat.Source(s.Name); src != nil {
		schema = src.Schema
	} else if v := e.cat.View(s.Name); v != nil {
		schema = v.Schema
	} else if strings.EqualFold(s.Name, DeadLettersView) {
		schema = deadLetterSchema
	} else {
		return nil, &sql.Error{At: s.NameAt, Code: "42P01", Msg: fmt.Sprintf("unknown source or view %q", s.Name)}
	}
	r := &Result{Tag: "DESCRIBE", Columns: catalog.Schema{{Name: "column", Type: catalog.Varchar}, {Name: "type", Type: catalog.Varchar}}}
	for _, c := range schema {
		r.Rows = append(r.Rows, []string{c.Name, c.Type.String()})
		r.Nulls = append(r.Nulls, []bool{false, false})
	}
	return r, nil
}

// CatalogStore persists the catalog of `weir serve`: the text of every
// CREATE statement under its object's name, in creation order.
// *storage.Store implements it. Calls are durable when they return.
type CatalogStore interface {
	PutStatement(name, sql string) error
	DeleteStatement(name string) error
	Statements() ([]storage.NamedStatement, error)
}

func (e *Engine) persistPut(name, text string) error {
	if e.persist == nil || e.replaying {
		return nil
	}
	if err := e.persist.PutStatement(strings.ToLower(name), text); err != nil {
		return fmt.Errorf("persisting %s: %w", name, err)
	}
	return nil
}

func (e *Engine) persistDelete(name string) error {
	if e.persist == nil {
		return nil
	}
	if err := e.persist.DeleteStatement(strings.ToLower(name)); err != nil {
		return fmt.Errorf("persisting the drop of %s: %w", name, err)
	}
	return nil
}

// Restore replays the persisted catalog (Options.Catalog) in creation
// order: sources are declared again and materialized views and sinks start
// their queries, which resume from their latest checkpoints. A statement
// that fails is reported on stderr; a materialized view or sink stays in
// the catalog as a failed query (keepFailed), retried in the background if
// the error looks transient, anything else is skipped. The first error is
// returned. Call it once, before serving clients.
func (e *Engine) Restore(ctx context.Context) (restored int, err error) {
	if e.persist == nil {
		return 0, nil
	}
	stmts, err := e.persist.Statements()
	if err != nil {
		return 0, fmt.Errorf("runtime: reading the persisted catalog: %w", err)
	}
	// Read by the Execs below, on this goroutine (persistPut, startView);
	// the background retries of keepFailed do not read it: their retry
	// record says the statement was restored (restoreRetry.restored).
	e.replaying = true
	defer func() { e.replaying = false }()
	var first error
	for _, ns := range stmts {
		parsed, perr := sql.Parse(ns.SQL)
		if perr == nil && len(parsed) != 1 {
			perr = fmt.Errorf("holds %d statements", len(parsed))
		}
		if perr == nil {
			_, perr = e.Exec(context.WithoutCancel(ctx), parsed[0], nil)
		}
		if perr != nil {
			// A materialized view or sink stays in the catalog as a failed
			// query, retried in the background if the error is transient;
			// anything else is reported and skipped.
			if parsed == nil || len(parsed) != 1 || !e.keepFailed(parsed[0], perr) {
				fmt.Fprintf(e.stderr, "weir: restoring %s: %v\n", ns.Name, perr)
			}
			if first == nil {
				first = fmt.Errorf("runtime: restoring %s: %w", ns.Name, perr)
			}
			continue
		}
		restored++
	}
	return restored, first
}

// statementFingerprint identifies a statement's text in checkpoints.
func statementFingerprint(text string) string {
	h := sha256.Sum256([]byte(strings.TrimSpace(text)))
	return hex.EncodeToString(h[:12])
}

// sourceUser names a materialized view or sink of the catalog whose query
// reads source, or "" (a finished query counts: a restart replays it).
func (e *Engine) sourceUser(source string) string {
	e.mu.Lock()
	views := make(map[*Query]string, len(e.views))
	for _, mv := range e.views {
		views[mv.query] = mv.name
	}
	e.mu.Unlock()
	for _, q := range e.Queries() {
		if views[q] == "" && (q.sinkName == "" || e.cat.Sink(q.sinkName) == nil) {
			continue
		}
		for _, n := range q.Plan.Sources {
			if n.Source != nil && strings.EqualFold(n.Source.Name, source) {
				if q.sinkName != "" {
					return "sink " + q.sinkName
				}
				return "view " + views[q]
			}
		}
	}
	return ""
}

// planSink plans CREATE SINK: its own query (AS query) or, FROM view, the
// view's (planSinkFromView).
func (e *Engine) planSink(s *sql.CreateSink) (*planner.Plan, error) {
	if s.Query != nil {
		return planner.PlanQuery(e.cat, s.Query)
	}
	return e.planSinkFromView(s)
}

// planSinkFromView plans CREATE SINK ... FROM view: the sink runs the
// view's own query (the same emissions the view receives).
func (e *Engine) planSinkFromView(s *sql.CreateSink) (*planner.Plan, error) {
	v := e.cat.View(s.From)
	if v == nil {
		return nil, &sql.Error{At: s.At, Code: "42P01", Msg: fmt.Sprintf("unknown view %q", s.From)}
	}
	stmts, err := sql.Parse(v.SQL)
	if err != nil || len(stmts) != 1 {
		return nil, &sql.Error{At: s.At, Code: "XX000", Msg: fmt.Sprintf("view %q: cannot read its definition", v.Name)}
	}
	cv, ok := stmts[0].(*sql.CreateView)
	if !ok {
		return nil, &sql.Error{At: s.At, Code: "XX000", Msg: fmt.Sprintf("view %q: definition is not CREATE VIEW", v.Name)}
	}
	return planner.PlanQuery(e.cat, cv.Query)
}
