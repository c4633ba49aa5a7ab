package planner

import (
	"strconv"
	"strings"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators/expr"
)

// KeyedPlan returns a copy of a windowed plan whose rows also carry every
// key of its (last) window aggregation — window_start, window_end, then
// the GROUP BY keys in order — and where each is in the output: keyCols[k]
// is the output column holding key k. A key the SELECT list outputs
// unchanged is found there; any other is appended after the plan's own
// columns as a hidden column (named after the key, or "_key_<name>" when
// that name is taken), so keyed.Output[len(plan.Output):] are the hidden
// columns. A materialized view keys its rows on them: the latest row per
// window and group key (SPEC.md), even when the SELECT list leaves a bound
// or a key out or computes on it.
//
// ok is false, and plan is returned unchanged, when the plan has no window
// aggregation reached from its root through projections and filters (a
// plain SELECT, a UNION ALL). The nodes on the path from the root to the
// window aggregation are copied; the rest is shared with plan.
func KeyedPlan(plan *Plan) (keyed *Plan, keyCols []int, ok bool) {
	if plan == nil || plan.Root == nil || !plan.Windowed {
		return plan, nil, false
	}
	root, pos, ok := exposeKeys(plan.Root)
	if !ok {
		return plan, nil, false
	}
	if len(root.Schema) > len(plan.Output) {
		// Name the hidden columns at the root.
		root.Schema = append(catalog.Schema(nil), root.Schema...)
		for c := len(plan.Output); c < len(root.Schema); c++ {
			root.Schema[c].Name = hiddenName(root.Schema, c)
		}
	}
	k := *plan
	k.Root, k.Output = root, root.Schema
	return &k, pos, true
}

// exposeKeys rebuilds the path from n down to its window aggregation so
// that n's output holds every window key: pos[k] is key k's column in the
// returned node's schema.
func exposeKeys(n *Node) (*Node, []int, bool) {
	switch n.Kind {
	case NodeWindowAgg:
		pos := make([]int, 2+len(n.Window.KeyCols))
		for k := range pos {
			pos[k] = k
		}
		return n, pos, true
	case NodeFilter, NodeProject:
	default:
		return nil, nil, false
	}
	if len(n.Inputs) != 1 {
		return nil, nil, false
	}
	in, inPos, ok := exposeKeys(n.Inputs[0])
	if !ok {
		return nil, nil, false
	}
	c := *n
	c.Inputs = []*Node{in}
	if n.Kind == NodeFilter {
		// A filter passes its input's columns (appended ones included).
		c.Schema = in.Schema
		return &c, inPos, true
	}
	c.Exprs = append([]expr.Expr(nil), n.Exprs...)
	c.Schema = append(catalog.Schema(nil), n.Schema...)
	pos := make([]int, len(inPos))
	for k, from := range inPos {
		pos[k] = -1
		for i, e := range c.Exprs {
			if ref, isRef := e.(*expr.ColRef); isRef && ref.Idx == from {
				pos[k] = i
				break
			}
		}
		if pos[k] < 0 {
			col := in.Schema[from]
			pos[k] = len(c.Exprs)
			c.Exprs = append(c.Exprs, expr.NewColRef(from, col.Name, col.Type))
			c.Schema = append(c.Schema, col)
		}
	}
	return &c, pos, true
}

// hiddenName names hidden column c of schema: its key's name unless an
// earlier column has it, else "_key_<name>" (with a number if needed).
func hiddenName(schema catalog.Schema, c int) string {
	base := schema[c].Name
	taken := func(name string) bool {
		for i := 0; i < c; i++ {
			if strings.EqualFold(schema[i].Name, name) {
				return true
			}
		}
		return false
	}
	if !taken(base) {
		return base
	}
	name := "_key_" + base
	for i := 2; taken(name); i++ {
		name = "_key_" + base + "_" + strconv.Itoa(i)
	}
	return name
}
