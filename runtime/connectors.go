package runtime

import (
	"fmt"
	"io"
	"math"
	"time"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/coldata/render"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/assign"
	"github.com/weirdb/weir/operators/project"
	"github.com/weirdb/weir/operators/sink/deadletter"
	filesink "github.com/weirdb/weir/operators/sink/file"
	pgsink "github.com/weirdb/weir/operators/sink/postgres"
	"github.com/weirdb/weir/operators/source/datagen"
	"github.com/weirdb/weir/operators/source/file"
	"github.com/weirdb/weir/operators/source/kafka"
	"github.com/weirdb/weir/operators/watermark"
	"github.com/weirdb/weir/operators/window"
	"github.com/weirdb/weir/planner"
)

// newSource opens the connector of a declared source.
func (e *Engine) newSource(def *catalog.Source) (operators.Source, error) {
	switch def.Connector {
	case "file":
		src, err := file.New(def)
		if w, ok := src.(interface{ SetWarningLog(io.Writer) }); ok && err == nil {
			w.SetWarningLog(e.stderr) // truncation, rotation, a missing tailed file
		}
		return src, err
	case "datagen":
		return datagen.New(def)
	case "kafka":
		src, err := kafka.NewSource(def)
		if err != nil {
			return nil, err
		}
		src.SetWarningLog(e.stderr) // fetch retries, recoveries and give-ups
		return src, nil
	}
	return nil, fmt.Errorf("runtime: connector %q is not available for sources", def.Connector)
}

// newSink opens the connector of a declared sink fed by plan (newSinkRun
// without the plan its query would run: to check a declaration).
func (e *Engine) newSink(def *catalog.Sink, plan *planner.Plan) (operators.Operator, error) {
	op, _, err := e.newSinkRun(def, plan)
	return op, err
}

// newSinkRun opens the connector of a declared sink fed by plan, and
// returns the plan its query runs: plan itself, or for a Kafka sink plan
// with the window bounds and group keys the SELECT list leaves out as
// hidden columns (newKafkaSink). def comes from planner.SinkDef, which has
// checked its options against the connector's; what remains to check
// needs the plan (key columns, the Postgres sink's keys) or a client
// library (the Postgres url). Kafka message keys and Postgres upsert keys
// are the window bounds plus the group keys.
func (e *Engine) newSinkRun(def *catalog.Sink, plan *planner.Plan) (operators.Operator, *planner.Plan, error) {
	schema := plan.Output
	switch def.Connector {
	case "file":
		op, err := filesink.New(def, schema)
		if err != nil {
			return nil, nil, err
		}
		if l, ok := op.(interface{ SetWarningLog(io.Writer) }); ok {
			l.SetWarningLog(e.stderr) // torn lines ended, bytes truncated at restore
		}
		return op, plan, nil
	case "kafka":
		return e.newKafkaSink(def, plan)
	case "postgres":
		if _, all, ok := planner.KeyedPlan(plan); ok {
			for _, c := range all {
				if c >= len(plan.Output) {
					return nil, nil, fmt.Errorf("sink %s: the postgres sink upserts on the window bounds and group keys, so its query must select window_start, window_end and every GROUP BY key unchanged", def.Name)
				}
			}
		}
		keys := SinkKeyCols(plan)
		// The sink adds window_start and window_end to its conflict target
		// itself; pass it the group keys only.
		group := make([]int, 0, len(keys))
		for _, k := range keys {
			if n := schema[k].Name; n != "window_start" && n != "window_end" {
				group = append(group, k)
			}
		}
		if keys == nil {
			return nil, nil, fmt.Errorf("sink %s: the postgres sink upserts on window_start, window_end and the group keys: its query must be a windowed aggregation that selects both", def.Name)
		}
		op, err := pgsink.New(def, schema, group)
		if err != nil {
			return nil, nil, err
		}
		if l, ok := op.(interface{ SetErrorLog(io.Writer) }); ok {
			l.SetErrorLog(e.stderr) // retries and recoveries
		}
		return op, plan, nil
	case "":
		return nil, nil, fmt.Errorf("sink %s: missing option connector (file, kafka or postgres)", def.Name)
	}
	return nil, nil, fmt.Errorf("sink %s: connector %q is not available", def.Name, def.Connector)
}

// newOperators instantiates the operators of a chain of plan nodes.
func (e *Engine) newOperators(nodes []*planner.Node) ([]operators.Operator, error) {
	ops := make([]operators.Operator, 0, len(nodes))
	for _, n := range nodes {
		var op operators.Operator
		var err error
		switch n.Kind {
		case planner.NodeFilter:
			op = project.NewFilter(n.Filter)
		case planner.NodeProject:
			op = project.NewProject(n.Exprs)
		case planner.NodeWindowAgg:
			op, err = window.New(*n.Window)
		case planner.NodeWindowAssign:
			op, err = assign.New(*n.Window, n.Inputs[0].Schema)
		default:
			err = fmt.Errorf("runtime: unexpected plan node %v in an operator chain", n.Kind)
		}
		if err != nil {
			return nil, err
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// watermarkConfig derives a source's watermark assigner configuration from
// its options (watermark.ConfigFromSource), the engine configuration and the
// source's partitions.
func (e *Engine) watermarkConfig(def *catalog.Source, src operators.Source, n *planner.Node) (watermark.Config, error) {
	cfg, err := watermark.ConfigFromSource(def, e.cfg.Watermarks.IdleTimeout, e.clock)
	if err != nil {
		return cfg, fmt.Errorf("source %s: %w", def.Name, err)
	}
	cfg.TimeCol, cfg.DelayMs = n.TimeCol, n.DelayMs
	if ps, ok := src.(operators.PartitionedSource); ok {
		cfg.Partitions = ps.Partitions()
	}
	schema := src.Schema()
	cfg.RenderRow = func(b *coldata.Batch, i int, dst []byte) []byte { return render.RowJSON(b, schema, i, dst) }
	return cfg, nil
}

// routeDeadLetters sets up the dead-letter destination of a source just
// added to the catalog.
func (e *Engine) routeDeadLetters(def *catalog.Source) error {
	if p, ok := def.Options.Get("dead_letter_path"); ok && p != "" {
		f, err := deadletter.NewFile(p, def.Connector == "file")
		if err != nil {
			return fmt.Errorf("source %s: dead_letter_path: %w", def.Name, err)
		}
		e.reportDeadLetterClose(e.deadLetters.route(def.Name, f))
	}
	if def.Connector == "kafka" {
		dlt, err := kafka.DeadLetterSinkFor(def)
		if err != nil {
			return fmt.Errorf("source %s: %w", def.Name, err)
		}
		if dlt != nil {
			dlt.SetErrorLog(e.stderr)
			e.reportDeadLetterClose(e.deadLetters.route(def.Name, dlt))
		}
	}
	return nil
}

// dropDeadLetters closes a dropped source's dead-letter destination and
// stops routing its name there (deadLetterRouter.unroute).
func (e *Engine) dropDeadLetters(source string) {
	e.reportDeadLetterClose(e.deadLetters.unroute(source))
}

// reportDeadLetterClose writes what closing a source's dead-letter
// destination found (dead letters lost that no query failed with, a failed
// close) on stderr: the statement that closed it (DROP SOURCE, a CREATE
// SOURCE replacing a leftover destination) succeeds regardless.
// The error names the source: "weir: source d: writing dead letters to
// /x/dl.jsonl: no space left on device (1 dead letter lost)".
func (e *Engine) reportDeadLetterClose(err error) {
	if err != nil {
		fmt.Fprintf(e.stderr, "weir: %v\n", err)
	}
}

func newDeadLetterLogger(w interface{ Write([]byte) (int, error) }, clock operators.Clock) operators.DeadLetterSink {
	return deadletter.NewLogger(w, dlLogEvery, clock)
}

// fmtTime renders epoch milliseconds as RFC 3339, with ±∞ spelled out.
func fmtTime(ms int64) string {
	switch ms {
	case math.MinInt64:
		return "-inf"
	case math.MaxInt64:
		return "+inf"
	}
	return time.UnixMilli(ms).UTC().Format(render.TimestampLayout)
}
