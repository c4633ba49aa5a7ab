// Package planner binds and type-checks weir's AST against the catalog and
// turns a query into a physical DAG of operators: sources, watermark
// assigners, filters, projections, unions and window aggregations. It also
// validates CREATE SOURCE and renders EXPLAIN.
package planner

import (
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators/expr"
	"github.com/weirdb/weir/operators/window"
)

// Plan is a planned continuous query.
type Plan struct {
	Root     *Node          // the last node; its output feeds the sink
	Output   catalog.Schema // output columns in SELECT order (no _emit)
	Sources  []*Node        // the NodeSource leaves, in FROM order
	Windowed bool           // the output rows are window results (carry _emit)
	Views    []string       // the plain views expanded into the plan, nested ones included
}

// NodeKind is the kind of a plan node.
type NodeKind uint8

// The plan node kinds.
const (
	// NodeSource reads a declared source; Schema is the source's columns.
	NodeSource NodeKind = iota
	// NodeWatermark assigns event times and watermarks from column TimeCol
	// with bounded out-of-orderness DelayMs.
	NodeWatermark
	// NodeFilter keeps the rows where Filter is TRUE.
	NodeFilter
	// NodeProject computes Exprs, one output column each.
	NodeProject
	// NodeUnion merges its inputs (UNION ALL); watermark = min of inputs.
	NodeUnion
	// NodeWindowAgg aggregates per window and group key (Window).
	NodeWindowAgg
	// NodeWindowAssign repeats each input row once per window of Window
	// (TUMBLE, HOP or CUMULATE) it belongs to, appending window_start and
	// window_end: a window TVF read without aggregation.
	NodeWindowAssign
)

var nodeKindNames = [...]string{
	NodeSource: "Source", NodeWatermark: "Watermark", NodeFilter: "Filter",
	NodeProject: "Project", NodeUnion: "Union", NodeWindowAgg: "WindowAgg",
	NodeWindowAssign: "WindowAssign",
}

// String returns the kind's name as EXPLAIN prints it.
func (k NodeKind) String() string {
	if int(k) < len(nodeKindNames) {
		return nodeKindNames[k]
	}
	return "Unknown"
}

// Node is one operator of the DAG. Inputs are the nodes feeding it (none
// for a source, several for a union, one otherwise). Expressions refer to
// columns of the (single) input's Schema by index.
type Node struct {
	ID     int
	Kind   NodeKind
	Inputs []*Node
	Schema catalog.Schema // this node's output columns

	Source  *catalog.Source // NodeSource
	TimeCol int             // NodeWatermark: the event-time column's index in its input
	DelayMs int64           // NodeWatermark: WATERMARK ... - delay
	Filter  expr.Expr       // NodeFilter (BOOLEAN)
	Exprs   []expr.Expr     // NodeProject
	Window  *window.Spec    // NodeWindowAgg, NodeWindowAssign (kind and sizes only)
}
