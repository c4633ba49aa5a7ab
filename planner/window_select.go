package planner

import (
	"fmt"
	"strings"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators/expr"
	"github.com/weirdb/weir/operators/window"
	"github.com/weirdb/weir/sql"
)

// windowSelect plans a SELECT over a window TVF: without aggregation,
// windowRows; with it, an aggregation:
//
//	input → Filter(WHERE) → Project(keys, aggregate arguments, EARLY WHEN)
//	      → WindowAgg → Filter(HAVING) → Project(SELECT list)
func (b *builder) windowSelect(s *sql.Select, tvf *sql.WindowTVF, in *rel, emit *sql.Emit) (*rel, error) {
	inputName := "the subquery"
	if t, ok := tvf.Input.(*sql.TableRef); ok {
		inputName = t.Name
	}
	if err := checkWindowColClash(tvf, in); err != nil {
		return nil, err
	}
	spec, err := windowSpec(tvf, in, inputName)
	if err != nil {
		return nil, err
	}
	if err := checkPartitionColumns(tvf, in); err != nil {
		return nil, err
	}
	tables := in.tables
	if tvf.Alias != "" {
		tables = append(append([]string(nil), tables...), tvf.Alias)
	}
	if !aggregating(s) {
		return b.windowRows(s, tvf, spec, in, tables, emit)
	}
	inSc := &scope{cols: in.schema(), tables: tables, clause: "WHERE", windowed: true}
	r := in
	if s.Where != nil {
		pred, err := bindBool(s.Where, inSc)
		if err != nil {
			return nil, err
		}
		r = b.filter(r, pred)
	}

	// GROUP BY: window_start and/or window_end, plus keys over the input.
	if len(s.GroupBy) == 0 {
		at := s.At
		if f := firstAggregate(s); f != nil {
			at = f.At
		}
		return nil, errf(at, codeGrouping, "an aggregation over %s needs GROUP BY window_start, window_end (plus any keys)", tvf.Kind)
	}
	keySc := *inSc
	keySc.clause = "GROUP BY"
	var keys []expr.Expr
	var keyNames, keyCanon []string
	var keyExprs []sql.Expr // the GROUP BY keys besides the window columns
	hasWindow, hasEnd := false, false
	var startAt sql.Pos
	for _, g := range s.GroupBy {
		if c, ok := g.(*sql.ColumnRef); ok && isWindowCol(c.Name) && in.schema().Index(c.Name) < 0 {
			hasWindow = true
			if strings.EqualFold(c.Name, "window_end") {
				hasEnd = true
			} else if startAt == (sql.Pos{}) {
				startAt = g.ExprPos()
			}
			continue
		}
		keyExprs = append(keyExprs, g)
		if l, ok := g.(*sql.Literal); ok && l.Kind == sql.LitInt {
			return nil, errf(g.ExprPos(), codeUnsupported, "GROUP BY by position is not supported; name the column or expression")
		}
		e, err := bindScalar(g, &keySc)
		if err != nil {
			return nil, err
		}
		k := canon(g)
		if contains(keyCanon, k) {
			continue
		}
		name := k
		if c, ok := e.(*expr.ColRef); ok {
			name = c.Name
		}
		keys = append(keys, e)
		keyNames = append(keyNames, name)
		keyCanon = append(keyCanon, k)
	}
	if !hasWindow {
		return nil, errf(s.GroupBy[0].ExprPos(), codeGrouping, "GROUP BY over %s must include window_start or window_end", tvf.Kind)
	}
	if spec.Kind == window.Cumulate && !hasEnd {
		// [S, S+step), [S, S+2·step), ... share their start: window_start
		// alone would fold a period's windows into rows that look alike.
		return nil, errf(startAt, codeGrouping, "the windows of a CUMULATE period share their window_start: GROUP BY window_end too (window_end alone identifies the window)")
	}
	if err := checkPartitionBy(tvf, keyExprs); err != nil {
		return nil, err
	}
	if spec.Kind == window.Session && len(keys) == 0 {
		return nil, errf(s.GroupBy[0].ExprPos(), codeGrouping, "SESSION windows are per key: GROUP BY needs at least one column besides window_start and window_end")
	}

	// Aggregate calls of the SELECT list and HAVING.
	var calls []*aggCall
	for _, it := range s.Items {
		if it.Star {
			return nil, errf(it.At, codeGrouping, "SELECT * cannot be used with GROUP BY; list the columns")
		}
		if calls, err = collectAggs(it.Expr, inSc, calls); err != nil {
			return nil, err
		}
	}
	if calls, err = collectAggs(s.Having, inSc, calls); err != nil {
		return nil, err
	}

	// The pre-aggregation projection: keys, then distinct aggregate
	// arguments, then the EARLY WHEN predicate.
	pre := append([]expr.Expr(nil), keys...)
	preNames := append([]string(nil), keyNames...)
	argCol := map[string]int{}
	for _, c := range calls {
		c.spec.Arg = -1
		if c.arg == nil {
			continue
		}
		k := fmt.Sprint(c.arg)
		i, ok := argCol[k]
		if !ok {
			i = len(pre)
			argCol[k] = i
			pre = append(pre, c.arg)
			preNames = append(preNames, k)
		}
		c.spec.Arg = i
	}
	if err := b.trigger(spec, emit, inSc, &pre, &preNames); err != nil {
		return nil, err
	}
	// With nothing to compute (COUNT(*) without keys) the window reads
	// its input directly: it needs only the event times.
	proj := r
	if len(pre) > 0 {
		proj = b.project(r, pre, uniqueNames(preNames))
	}

	// The window aggregation: [window_start, window_end, keys..., aggs...].
	out := catalog.Schema{{Name: "window_start", Type: catalog.Timestamp}, {Name: "window_end", Type: catalog.Timestamp}}
	subst := map[string]int{}
	for i, k := range keys {
		spec.KeyCols = append(spec.KeyCols, i)
		subst[keyCanon[i]] = len(out)
		out = append(out, catalog.Column{Name: keyNames[i], Type: k.Type()})
	}
	for _, c := range calls {
		spec.Aggs = append(spec.Aggs, c.spec)
		subst[c.key] = len(out)
		out = append(out, catalog.Column{Name: c.key, Type: c.spec.Result})
	}
	wa := b.node(NodeWindowAgg, out, proj.node)
	wa.Window = spec
	res := &rel{node: wa, timeCol: -1, tables: tables, windowed: true}

	postSc := &scope{cols: out, tables: tables, clause: "HAVING", subst: subst, pre: inSc}
	if s.Having != nil {
		pred, err := bindBool(s.Having, postSc)
		if err != nil {
			return nil, err
		}
		res = b.filter(res, pred)
	}
	postSc.clause = "SELECT"
	exprs, names, err := selectList(s.Items, postSc)
	if err != nil {
		return nil, err
	}
	return b.project(res, exprs, names), nil
}

// trigger fills the spec's EMIT policy (SEMANTICS.md §3–§4); EARLY WHEN
// becomes a BOOLEAN column appended to the pre-aggregation projection.
func (b *builder) trigger(spec *window.Spec, emit *sql.Emit, inSc *scope, pre *[]expr.Expr, names *[]string) error {
	spec.Trigger = window.Trigger{EarlyWhenCol: -1}
	if emit == nil {
		return nil
	}
	if iv := emit.EarlyEvery; iv != nil {
		if iv.Ms <= 0 {
			return errf(iv.At, codeInvalidParameter, "EARLY EVERY interval must be positive, got %s", formatMs(iv.Ms))
		}
		spec.Trigger.EarlyEveryMs = iv.Ms
	}
	if iv := emit.LateWithin; iv != nil {
		if iv.Ms < 0 {
			return errf(iv.At, codeInvalidParameter, "LATE WITHIN interval must not be negative, got %s", formatMs(iv.Ms))
		}
		spec.Trigger.LatenessMs = iv.Ms
	}
	if emit.EarlyWhen != nil {
		sc := *inSc
		sc.clause = "EARLY WHEN"
		pred, err := bindBool(emit.EarlyWhen, &sc)
		if err != nil {
			return err
		}
		if pred.Type() == catalog.Unknown {
			pred = expr.ConstNull(catalog.Boolean)
		}
		spec.Trigger.EarlyWhenCol = len(*pre)
		*pre = append(*pre, pred)
		*names = append(*names, "early_when")
	}
	return nil
}

// firstAggregate returns the first aggregate call of the SELECT list.
func firstAggregate(s *sql.Select) *sql.Func {
	var found *sql.Func
	var walk func(e sql.Expr)
	walk = func(e sql.Expr) {
		if found != nil || e == nil {
			return
		}
		if f, ok := e.(*sql.Func); ok && isAggregate(f) {
			found = f
			return
		}
		for _, c := range children(e) {
			walk(c)
		}
	}
	for _, it := range s.Items {
		if !it.Star {
			walk(it.Expr)
		}
	}
	return found
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
