package planner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators/agg"
	"github.com/weirdb/weir/operators/window"
)

// Explain renders the plan's DAG, one operator per line, from the sink
// down to the sources, each input indented under the node it feeds:
//
//	Sink stdout
//	  Project window_start, window_end, model, requests := count(*)
//	    WindowAgg TUMBLE(size=5m) keys=[model] aggs=[COUNT(*)] emit=[final]
//	      Project model
//	        Watermark ts delay=2m
//	          Source metrics connector=kafka
func Explain(p *Plan, sink string) string {
	var sb strings.Builder
	sb.WriteString("Sink " + sink + "\n")
	explainNode(&sb, p.Root, 1)
	return sb.String()
}

func explainNode(sb *strings.Builder, n *Node, depth int) {
	sb.WriteString(strings.Repeat("  ", depth))
	sb.WriteString(describe(n))
	sb.WriteByte('\n')
	for _, in := range n.Inputs {
		explainNode(sb, in, depth+1)
	}
}

// describe renders one node.
func describe(n *Node) string {
	var in catalog.Schema
	if len(n.Inputs) > 0 {
		in = n.Inputs[0].Schema
	}
	switch n.Kind {
	case NodeSource:
		return fmt.Sprintf("Source %s connector=%s", n.Source.Name, n.Source.Connector)
	case NodeWatermark:
		return fmt.Sprintf("Watermark %s delay=%s", colName(in, n.TimeCol), formatMs(n.DelayMs))
	case NodeFilter:
		return fmt.Sprintf("Filter %v", n.Filter)
	case NodeProject:
		items := make([]string, len(n.Exprs))
		for i, e := range n.Exprs {
			text := fmt.Sprint(e)
			if strings.EqualFold(text, n.Schema[i].Name) {
				items[i] = n.Schema[i].Name
			} else {
				items[i] = n.Schema[i].Name + " := " + text
			}
		}
		return "Project " + strings.Join(items, ", ")
	case NodeUnion:
		return fmt.Sprintf("Union inputs=%d", len(n.Inputs))
	case NodeWindowAgg:
		return "WindowAgg " + describeWindow(n.Window, in)
	case NodeWindowAssign:
		return "WindowAssign " + describeWindowKind(n.Window)
	}
	return n.Kind.String()
}

func colName(s catalog.Schema, i int) string {
	if i >= 0 && i < len(s) {
		return s[i].Name
	}
	return "#" + strconv.Itoa(i)
}

func describeWindow(w *window.Spec, in catalog.Schema) string {
	var sb strings.Builder
	sb.WriteString(describeWindowKind(w))
	keys := make([]string, len(w.KeyCols))
	for i, k := range w.KeyCols {
		keys[i] = colName(in, k)
	}
	fmt.Fprintf(&sb, " keys=[%s]", strings.Join(keys, ", "))
	aggs := make([]string, len(w.Aggs))
	for i, a := range w.Aggs {
		aggs[i] = describeAgg(a, in)
	}
	fmt.Fprintf(&sb, " aggs=[%s]", strings.Join(aggs, ", "))
	emit := []string{"final"}
	if t := w.Trigger; t.EarlyEveryMs > 0 {
		emit = append(emit, "early every "+formatMs(t.EarlyEveryMs))
	}
	if t := w.Trigger; t.EarlyWhenCol >= 0 {
		emit = append(emit, "early when "+colName(in, t.EarlyWhenCol))
	}
	if t := w.Trigger; t.LatenessMs > 0 {
		emit = append(emit, "late within "+formatMs(t.LatenessMs))
	}
	fmt.Fprintf(&sb, " emit=[%s]", strings.Join(emit, ", "))
	return sb.String()
}

// describeWindowKind renders a window's kind and sizes: TUMBLE(size=5m).
func describeWindowKind(w *window.Spec) string {
	var sb strings.Builder
	switch w.Kind {
	case window.Tumble:
		fmt.Fprintf(&sb, "TUMBLE(size=%s", formatMs(w.Size))
		if w.Offset != 0 {
			fmt.Fprintf(&sb, ", offset=%s", formatMs(w.Offset))
		}
	case window.Hop:
		fmt.Fprintf(&sb, "HOP(slide=%s, size=%s", formatMs(w.Slide), formatMs(w.Size))
	case window.Cumulate:
		fmt.Fprintf(&sb, "CUMULATE(step=%s, size=%s", formatMs(w.Slide), formatMs(w.Size))
	case window.Session:
		fmt.Fprintf(&sb, "SESSION(gap=%s", formatMs(w.Gap))
		if w.MaxDuration != 0 {
			fmt.Fprintf(&sb, ", max=%s", formatMs(w.MaxDuration))
		}
	}
	sb.WriteString(")")
	return sb.String()
}

func describeAgg(a agg.Spec, in catalog.Schema) string {
	switch a.Func {
	case agg.CountStar:
		return "COUNT(*)"
	case agg.CountDistinct:
		return "COUNT(DISTINCT " + colName(in, a.Arg) + ")"
	case agg.PercentileCont, agg.ApproxPercentile:
		return fmt.Sprintf("%s(%s, %s)", a.Func, colName(in, a.Arg), strconv.FormatFloat(a.Param, 'g', -1, 64))
	}
	return fmt.Sprintf("%s(%s)", a.Func, colName(in, a.Arg))
}
