package planner

import (
	"fmt"
	"strings"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/sql"
)

// rel is a planned relation: the node producing it and what binding needs.
type rel struct {
	node *Node
	// timeCol is the column holding the event time the watermark is
	// derived from (the source's WATERMARK column), or -1.
	timeCol int
	// names a qualified column may use (source or view name, alias).
	tables []string
	// windowed: the rows are window results.
	windowed bool
	// viewRows names the materialized view whose current rows the
	// relation reads (a source of connector ViewConnector), or "".
	viewRows string
}

// ViewConnector is the connector of the source under which the runtime
// presents a materialized view's current rows to the planner, to plan a
// bounded read of them (SELECT ... FROM v WHERE ...).
const ViewConnector = "view"

func (r *rel) schema() catalog.Schema { return r.node.Schema }

// builder builds one plan.
type builder struct {
	cat     *catalog.Catalog
	nextID  int
	sources []*Node
	views   []string // views being expanded, to catch cycles
	read    []string // every view expanded, for Plan.Views
}

func (b *builder) node(kind NodeKind, schema catalog.Schema, inputs ...*Node) *Node {
	n := &Node{ID: b.nextID, Kind: kind, Schema: schema, Inputs: inputs, TimeCol: -1}
	b.nextID++
	if kind == NodeSource {
		b.sources = append(b.sources, n)
	}
	return n
}

// maxViewDepth bounds view expansion.
const maxViewDepth = 16

// from plans a FROM item (not a window TVF: the SELECT handles those).
func (b *builder) from(item sql.FromItem) (*rel, error) {
	switch x := item.(type) {
	case *sql.TableRef:
		r, err := b.table(x)
		if err != nil {
			return nil, err
		}
		if x.Alias != "" {
			r.tables = append(r.tables, x.Alias)
		}
		return r, nil
	case *sql.Subquery:
		q := x.Query
		r, err := b.query(q)
		if err != nil {
			return nil, err
		}
		r.tables = nil
		if x.Alias != "" {
			r.tables = []string{x.Alias}
		}
		return r, nil
	case *sql.WindowTVF:
		return nil, errf(x.At, codeUnsupported, "a window TVF can only be the FROM item of an aggregating SELECT")
	}
	return nil, fmt.Errorf("planner: unsupported FROM item %T", item)
}

// table plans a named source or (plain) view.
func (b *builder) table(x *sql.TableRef) (*rel, error) {
	if src := b.cat.Source(x.Name); src != nil {
		n := b.node(NodeSource, src.Schema)
		n.Source = src
		r := &rel{node: n, timeCol: -1, tables: []string{src.Name}}
		if src.Connector == ViewConnector {
			r.viewRows = src.Name
		}
		if wm := src.Watermark; wm != nil {
			i := src.Schema.Index(wm.Column)
			if i < 0 {
				return nil, errf(x.At, codeUndefinedColumn, "source %q: watermark column %q is not a column", src.Name, wm.Column)
			}
			w := b.node(NodeWatermark, src.Schema, n)
			w.TimeCol, w.DelayMs = i, wm.DelayMs
			r.node, r.timeCol = w, i
		}
		return r, nil
	}
	if v := b.cat.View(x.Name); v != nil {
		return b.view(x, v)
	}
	if b.cat.Sink(x.Name) != nil {
		return nil, errf(x.At, codeUndefinedTable, "%q is a sink; queries read sources and views", x.Name)
	}
	var names []string
	for _, s := range b.cat.Sources() {
		names = append(names, s.Name)
	}
	for _, v := range b.cat.Views() {
		names = append(names, v.Name)
	}
	return nil, errf(x.At, codeUndefinedTable, "unknown source or view %q%s", x.Name, didYouMean(x.Name, names))
}

// view expands a plain view: its query is parsed and planned in place.
func (b *builder) view(x *sql.TableRef, v *catalog.View) (*rel, error) {
	if v.Materialized {
		return nil, errf(x.At, codeUnsupported, "materialized view %q cannot be read as a stream yet; query its rows with a plain SELECT", v.Name)
	}
	for _, seen := range b.views {
		if seen == v.Name {
			return nil, errf(x.At, codeInvalidDefinition, "view %q refers to itself", v.Name)
		}
	}
	if len(b.views) >= maxViewDepth {
		return nil, errf(x.At, codeInvalidDefinition, "views nested more than %d deep", maxViewDepth)
	}
	q, err := viewQuery(v)
	if err != nil {
		return nil, errf(x.At, codeInvalidDefinition, "view %q: %v", v.Name, err)
	}
	b.views = append(b.views, v.Name)
	if !contains(b.read, v.Name) {
		b.read = append(b.read, v.Name)
	}
	r, err := b.query(q)
	b.views = b.views[:len(b.views)-1]
	if err != nil {
		return nil, errf(x.At, codeOf(err), "in view %q: %s", v.Name, nestedMsg(err))
	}
	r.tables = []string{v.Name}
	return r, nil
}

// viewQuery parses a view's stored definition.
func viewQuery(v *catalog.View) (*sql.Query, error) {
	text := v.SQL
	if text == "" {
		text = v.QuerySQL
	}
	stmts, err := sql.Parse(text)
	if err != nil {
		return nil, err
	}
	if len(stmts) != 1 {
		return nil, fmt.Errorf("definition holds %d statements", len(stmts))
	}
	switch s := stmts[0].(type) {
	case *sql.CreateView:
		return s.Query, nil
	case *sql.SelectStmt:
		return s.Query, nil
	}
	return nil, fmt.Errorf("definition is not a query")
}

// nestedMsg renders an error from a view's definition, with its position
// in that definition.
func nestedMsg(err error) string {
	if e, ok := err.(*sql.Error); ok {
		return fmt.Sprintf("%s (line %d, column %d of its definition)", strings.TrimPrefix(e.Msg, "planner: "), e.At.Line, e.At.Col)
	}
	return err.Error()
}

// codeOf returns the SQLSTATE of a planning error.
func codeOf(err error) string {
	if e, ok := err.(*sql.Error); ok {
		return e.Code
	}
	return codeInvalidDefinition
}
