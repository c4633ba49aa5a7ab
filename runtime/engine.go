// Package runtime is weir's engine facade: it executes statements against
// the catalog, runs continuous queries (one goroutine per source plus one
// for the operator chain, joined by bounded channels carrying batches and
// in-band watermarks), routes dead letters and keeps metrics.
package runtime

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/planner"
	"github.com/weirdb/weir/sql"
)

// Options configure an Engine.
type Options struct {
	Config Config
	Clock  operators.Clock // nil: the wall clock
	Stderr io.Writer       // diagnostics; nil: os.Stderr
	// Checkpoints, when set, makes queries take checkpoints every
	// Config.Checkpointing.Interval and resume from the latest on start.
	Checkpoints CheckpointStore
	// Fingerprint identifies the statements being run (e.g. a hash of the
	// script); a checkpoint taken under another fingerprint is refused.
	Fingerprint string
}

// Engine executes statements and runs queries. Safe for concurrent use.
type Engine struct {
	cfg         Config
	cat         *catalog.Catalog
	clock       operators.Clock
	stderr      io.Writer
	deadLetters *deadLetterRouter
	store       CheckpointStore
	fingerprint string
	ckptHist    prometheus.Histogram

	mu      sync.Mutex
	queries []*Query
	nextID  int
}

// New returns an engine with an empty catalog.
func New(opts Options) *Engine {
	e := &Engine{cfg: opts.Config, cat: catalog.New(), clock: opts.Clock, stderr: opts.Stderr,
		store: opts.Checkpoints, fingerprint: opts.Fingerprint}
	e.ckptHist = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "weir_checkpoint_duration_seconds",
		Help:    "Time from injecting a checkpoint's barriers to its durable commit.",
		Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
	})
	if e.clock == nil {
		e.clock = operators.SystemClock{}
	}
	if e.stderr == nil {
		e.stderr = os.Stderr
	}
	e.deadLetters = newDeadLetterRouter(newDeadLetterLogger(e.stderr, e.clock), e.clock)
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
		q, err := e.startQuery(ctx, s.Text(), plan, sink)
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
	if err := e.routeDeadLetters(def); err != nil {
		return nil, err
	}
	if err := e.cat.AddSource(def); err != nil {
		return nil, &sql.Error{At: s.At, Code: "42P07", Msg: err.Error()}
	}
	return &Result{Tag: "CREATE SOURCE"}, nil
}

func (e *Engine) createView(ctx context.Context, s *sql.CreateView) (*Result, error) {
	plan, err := planner.PlanQuery(e.cat, s.Query)
	if err != nil {
		return nil, err
	}
	v := &catalog.View{Name: s.Name, Materialized: s.Materialized, Schema: plan.Output, SQL: s.Text(), QuerySQL: queryText(s.Text())}
	if err := e.cat.AddView(v); err != nil {
		return nil, &sql.Error{At: s.At, Code: "42P07", Msg: err.Error()}
	}
	if s.Materialized {
		return nil, &sql.Error{At: s.At, Code: "0A000", Msg: "MATERIALIZED VIEW needs `weir serve` (not available in this build yet)"}
	}
	return &Result{Tag: "CREATE VIEW"}, nil
}

// queryText returns the query part of CREATE ... AS <query>.
func queryText(create string) string {
	up := strings.ToUpper(create)
	if i := strings.Index(up, " AS "); i >= 0 {
		return strings.TrimSpace(create[i+4:])
	}
	return create
}

func (e *Engine) createSink(ctx context.Context, s *sql.CreateSink) (*Result, error) {
	var plan *planner.Plan
	var err error
	switch {
	case s.Query != nil:
		plan, err = planner.PlanQuery(e.cat, s.Query)
	default:
		return nil, &sql.Error{At: s.At, Code: "0A000", Msg: "CREATE SINK ... FROM view needs a materialized view; use CREATE SINK ... AS <query>"}
	}
	if err != nil {
		return nil, err
	}
	def := &catalog.Sink{Name: s.Name, Options: catalog.Options{}, SQL: s.Text()}
	for _, o := range s.Options {
		def.Options[o.Key] = o.Value
	}
	def.Connector = def.Options["connector"]
	sink, err := e.newSink(def, plan.Output)
	if err != nil {
		return nil, &sql.Error{At: s.At, Code: "22023", Msg: err.Error()}
	}
	if err := e.cat.AddSink(def); err != nil {
		return nil, &sql.Error{At: s.At, Code: "42P07", Msg: err.Error()}
	}
	q, err := e.startQuery(ctx, s.Text(), plan, sink)
	if err != nil {
		e.cat.Drop(def.Name)
		return nil, err
	}
	return &Result{Tag: "CREATE SINK", Query: q}, nil
}

func (e *Engine) startQuery(ctx context.Context, text string, plan *planner.Plan, sink operators.Operator) (*Query, error) {
	e.mu.Lock()
	e.nextID++
	q := &Query{ID: fmt.Sprintf("q%d", e.nextID), SQL: text, Plan: plan}
	e.mu.Unlock()
	if e.store != nil {
		q.store, q.key, q.fingerprint = e.store, "run/"+q.ID, e.fingerprint
		q.interval = e.cfg.Checkpointing.Interval
		q.onCheckpoint = func(d time.Duration) { e.ckptHist.Observe(d.Seconds()) }
	}
	if err := q.start(ctx, e, sink); err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.queries = append(e.queries, q)
	e.mu.Unlock()
	return q, nil
}

// Queries lists the queries started so far.
func (e *Engine) Queries() []*Query {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*Query(nil), e.queries...)
}

// Close cancels every query, waits for them and closes dead-letter
// destinations.
func (e *Engine) Close() error {
	for _, q := range e.Queries() {
		q.Cancel()
		<-q.Done()
	}
	return e.deadLetters.Close()
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
		return nil, &sql.Error{At: s.At, Code: "42P01", Msg: fmt.Sprintf("%s %q does not exist", strings.ToLower(string(s.Kind)), s.Name)}
	}
	if s.Kind == sql.KindSink {
		for _, q := range e.Queries() {
			if strings.EqualFold(q.sinkName, s.Name) {
				q.Cancel()
			}
		}
	}
	e.cat.Drop(s.Name)
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
		for _, q := range e.Queries() {
			add(q.ID, q.State(), fmt.Sprint(q.Counters.EventsIn.Load()), fmt.Sprint(q.Counters.RowsOut.Load()),
				fmt.Sprint(q.Counters.LateEvents.Load()), fmt.Sprint(q.Counters.DroppedEvents.Load()), q.SQL)
		}
	case "WATERMARKS":
		r.Columns = vc("query", "source", "partition", "watermark", "max_event_time", "idle", "ended", "holds_back")
		for _, q := range e.Queries() {
			wms := q.Watermarks()
			names := make([]string, 0, len(wms))
			for n := range wms {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				for _, p := range wms[n] {
					add(q.ID, n, fmt.Sprint(p.Partition), fmtTime(p.Watermark), fmtTime(p.MaxEventTime),
						fmt.Sprint(p.Idle), fmt.Sprint(p.Ended), fmt.Sprint(p.Holding))
				}
			}
		}
	default:
		return nil, &sql.Error{At: s.At, Code: "42704", Msg: fmt.Sprintf("unrecognized SHOW %s: expected SOURCES, VIEWS, SINKS, QUERIES or WATERMARKS", s.What)}
	}
	return r, nil
}

func (e *Engine) describe(s *sql.Describe) (*Result, error) {
	var schema catalog.Schema
	if src := e.cat.Source(s.Name); src != nil {
		schema = src.Schema
	} else if v := e.cat.View(s.Name); v != nil {
		schema = v.Schema
	} else {
		return nil, &sql.Error{At: s.At, Code: "42P01", Msg: fmt.Sprintf("unknown source or view %q", s.Name)}
	}
	r := &Result{Tag: "DESCRIBE", Columns: catalog.Schema{{Name: "column", Type: catalog.Varchar}, {Name: "type", Type: catalog.Varchar}}}
	for _, c := range schema {
		r.Rows = append(r.Rows, []string{c.Name, c.Type.String()})
		r.Nulls = append(r.Nulls, []bool{false, false})
	}
	return r, nil
}
