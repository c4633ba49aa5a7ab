package runtime

import (
	"strings"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/expr"
	kafkasink "github.com/weirdb/weir/operators/sink/kafka"
	"github.com/weirdb/weir/planner"
)

// keyedRun returns the plan a materialized view's or a Kafka sink's query
// runs and the columns of its rows that key them (window_start,
// window_end, then the group keys in GROUP BY order): planner.KeyedPlan's.
// A bound or key the SELECT list leaves out or computes on is carried as
// a hidden column after plan.Output (named after the key, or
// "_key_<name>" when an output column has that name), so rows of windows
// or groups differing only there keep distinct keys. A plan without a
// window aggregation reached through projections and filters (a plain
// SELECT, a UNION ALL) runs as it is, and keyCols is nil: its rows have no
// key.
func keyedRun(plan *planner.Plan) (run *planner.Plan, keyCols []int) {
	if keyed, keys, ok := planner.KeyedPlan(plan); ok {
		return keyed, keys
	}
	return plan, nil
}

// newKafkaSink opens a Kafka sink fed by plan and returns the plan its
// query runs. The message key is the window bounds and group keys (issue
// 4: "message key = window bounds + group key, so a compacted topic or an
// upserting consumer sees each window once"), also those the SELECT list
// leaves out: the query runs keyedRun's plan, whose hidden key columns the
// sink puts in the key and not in the value. A key_columns option names
// the key itself (output columns only), and the plan runs unchanged.
func (e *Engine) newKafkaSink(def *catalog.Sink, plan *planner.Plan) (operators.Operator, *planner.Plan, error) {
	run, keys := plan, []int(nil)
	if kc, ok := def.Options.Get("key_columns"); !ok || strings.TrimSpace(kc) == "" {
		run, keys = keyedRun(plan)
	}
	s, err := kafkasink.NewWithConfig(def, run.Output, kafkasink.Config{KeyCols: keys, Values: len(plan.Output)})
	if err != nil {
		return nil, nil, err
	}
	s.SetErrorLog(e.stderr) // write retries and recoveries
	return s, run, nil
}

// SinkKeyCols returns the output columns of a windowed plan that hold its
// window bounds and group keys: window_start, window_end, then the group
// keys in GROUP BY order, each where the SELECT list outputs it unchanged;
// bounds or keys the SELECT list leaves out (or computes on) are missing.
// It returns nil for a plan without a window aggregation reached through
// projections and filters. The Postgres sink upserts on these columns
// (and refuses a plan that leaves a key out); Kafka sinks and views key
// on keyedRun's columns, which include the missing ones.
func SinkKeyCols(plan *planner.Plan) []int {
	if plan == nil || plan.Root == nil {
		return nil
	}
	// from[i] is the column of the current node that root output i reads,
	// or -1 once it is computed rather than passed through.
	from := make([]int, len(plan.Output))
	for i := range from {
		from[i] = i
	}
	n := plan.Root
	for n.Kind != planner.NodeWindowAgg {
		switch n.Kind {
		case planner.NodeProject:
			for i, c := range from {
				if c < 0 || c >= len(n.Exprs) {
					from[i] = -1
					continue
				}
				if ref, ok := n.Exprs[c].(*expr.ColRef); ok {
					from[i] = ref.Idx
				} else {
					from[i] = -1
				}
			}
		case planner.NodeFilter:
		default:
			return nil
		}
		if len(n.Inputs) != 1 {
			return nil
		}
		n = n.Inputs[0]
	}
	nKey := 2 + len(n.Window.KeyCols) // [window_start, window_end, keys...]
	out := []int{}
	for w := 0; w < nKey; w++ {
		for i, c := range from {
			if c == w {
				out = append(out, i)
				break
			}
		}
	}
	return out
}
