package runtime

import (
	"github.com/weirdb/weir/operators/expr"
	"github.com/weirdb/weir/planner"
)

// SinkKeyCols returns the output columns of a windowed plan that form a
// sink's message key (issue 4: "message key = window bounds + group key"):
// window_start, window_end, then the group keys in GROUP BY order, each
// where the SELECT list outputs it unchanged; bounds or keys the SELECT
// list leaves out (or computes on) are not part of the key. It returns nil
// for a plan without a window aggregation, for the sink to apply its own
// default.
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
