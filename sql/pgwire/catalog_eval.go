package pgwire

import (
	"context"
	"errors"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/weirdb/weir/catalog"
)

// This file evaluates a SELECT over one emulated catalog relation
// (catalog_tables.go): WHERE, GROUP BY on plain columns, HAVING, the
// aggregates count, min, max and sum, DISTINCT, ORDER BY, LIMIT and OFFSET,
// and EXISTS, IN and scalar subqueries over one emulated relation. What it
// cannot evaluate exactly as PostgreSQL would is a 0A000 error that names
// it, never a guessed row.

// SQLSTATE codes only the catalog evaluation raises.
const (
	codeGroupingError       = "42803"
	codeUndefinedFunction   = "42883"
	codeCardinality         = "21000"
	codeInvalidLimit        = "2201W"
	codeInvalidOffset       = "2201X"
	catalogEmulationHint    = "weir emulates the catalogs client tools read and evaluates a SELECT over one emulated relation; docs/server.md (Catalogs) lists what is evaluated"
	maxSubqueryNestingDepth = 8
)

// errNotCatalog says a SELECT reads no emulated relation: the caller sends
// it to the engine or refuses it.
var errNotCatalog = errors.New("not over an emulated catalog relation")

// aggregateFuncs are PostgreSQL's aggregate functions; count, min, max and
// sum are evaluated, the others refused.
var aggregateFuncs = map[string]bool{
	"count": true, "min": true, "max": true, "sum": true, "avg": true,
	"bool_and": true, "bool_or": true, "every": true, "string_agg": true, "array_agg": true,
	"json_agg": true, "jsonb_agg": true, "json_object_agg": true, "jsonb_object_agg": true,
	"stddev": true, "stddev_pop": true, "stddev_samp": true, "variance": true,
	"var_pop": true, "var_samp": true, "bit_and": true, "bit_or": true, "bit_xor": true,
	"xmlagg": true, "mode": true, "percentile_cont": true, "percentile_disc": true,
	"any_value": true, "range_agg": true, "corr": true, "covar_pop": true, "covar_samp": true,
}

// catalogResult is an evaluated catalog SELECT; bigint marks the count()
// columns.
type catalogResult struct {
	names  []string
	rows   [][]value
	bigint []bool
}

// refuse is the 0A000 error for what the catalog emulation does not
// evaluate, pointing at off (none when off < 0 or inside a subquery).
func refuse(env *evalEnv, off int, format string, args ...any) *Error {
	e := errorf(codeFeatureNotSupported, format, args...)
	e.Hint = catalogEmulationHint
	if env.depth == 0 && off >= 0 {
		e.at = off + 1
	}
	return e
}

// at is errorf pointing at off of the outermost statement.
func (env *evalEnv) at(off int, code, format string, args ...any) *Error {
	if env.depth > 0 {
		off = -1
	}
	return posErrorf(off, code, format, args...)
}

// children returns e's direct subexpressions (subqueries are opaque).
func children(e expr) []expr {
	switch x := e.(type) {
	case *unaryExpr:
		return []expr{x.x}
	case *binExpr:
		return []expr{x.l, x.r}
	case *castExpr:
		return []expr{x.x}
	case *funcExpr:
		return x.args
	case *caseExpr:
		var out []expr
		if x.operand != nil {
			out = append(out, x.operand)
		}
		for i := range x.whens {
			out = append(out, x.whens[i], x.thens[i])
		}
		if x.els != nil {
			out = append(out, x.els)
		}
		return out
	case *inExpr:
		return append([]expr{x.x}, x.list...)
	case *isExpr:
		return []expr{x.x}
	case *distinctExpr:
		return []expr{x.l, x.r}
	case *betweenExpr:
		return []expr{x.x, x.lo, x.hi}
	case *likeExpr:
		return []expr{x.x, x.pat}
	case *indexExpr:
		return []expr{x.x, x.i}
	case *arrayExpr:
		return x.elems
	}
	return nil
}

// walk calls fn on e and, while fn returns true, on its subexpressions.
func walk(e expr, fn func(expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	for _, c := range children(e) {
		walk(c, fn)
	}
}

// exprOff is the statement offset an expression starts at (-1: unknown).
func exprOff(e expr) int {
	switch x := e.(type) {
	case *litExpr:
		return x.off
	case *colExpr:
		return x.off
	case *funcExpr:
		return x.off
	case *castExpr:
		return x.off
	case *existsExpr:
		return x.off
	case *subqueryExpr:
		return x.off
	case *binExpr:
		if o := exprOff(x.l); o >= 0 {
			return o
		}
		return x.off
	}
	for _, c := range children(e) {
		if o := exprOff(c); o >= 0 {
			return o
		}
	}
	return -1
}

// isAggregate reports whether e is an aggregate call.
func isAggregate(e expr) (*funcExpr, bool) {
	f, ok := e.(*funcExpr)
	return f, ok && !f.noParen && aggregateFuncs[f.name]
}

// cannot explains why e (in clause) cannot be evaluated for the current
// row: it names the innermost subexpression that cannot.
func (env *evalEnv) cannot(e expr, clause string) error {
	culprit := e
	for {
		var next expr
		for _, ch := range children(culprit) {
			if _, err := env.eval(ch); errors.Is(err, errCannot) {
				next = ch
				break
			}
		}
		if next == nil {
			break
		}
		culprit = next
	}
	var what string
	switch x := culprit.(type) {
	case *funcExpr:
		what = "function " + x.name + "()"
	case *existsExpr, *subqueryExpr:
		what = "this subquery (only subqueries over one emulated catalog relation are evaluated)"
	case *inExpr:
		if x.sub != "" {
			what = "this IN subquery (only subqueries over one emulated catalog relation are evaluated)"
		} else {
			what = "this IN list"
		}
	case *castExpr:
		what = "the cast to " + x.typ.label
	case *binExpr:
		what = "operator " + x.op
	case *likeExpr:
		what = "this LIKE"
	case *paramExpr:
		what = "parameter $" + x.n
	default:
		what = "this expression"
	}
	return refuse(env, exprOff(culprit), "%s in %s is not evaluated over weir's emulated catalogs", what, clause)
}

// catalogSource is the relation a catalog SELECT reads.
type catalogSource struct {
	t     *catalogTable
	name  string // as written in FROM
	alias string
}

// resolve finds a column reference's index in the relation: -1 for a
// column of an empty relation whose columns are not listed; ok is false
// when the reference names no column of it.
func (src *catalogSource) resolve(parts []string) (int, bool) {
	if src.t == nil {
		return 0, false
	}
	switch {
	case len(parts) == 2 && parts[0] != src.alias, len(parts) == 3 && parts[0]+"."+parts[1] != src.name, len(parts) > 3:
		return 0, false
	}
	if src.t.anyCols {
		return -1, true
	}
	i := src.t.col(parts[len(parts)-1])
	return i, i >= 0
}

// evalCatalog evaluates s over the emulated relation its FROM names, or
// over one empty row without FROM. errNotCatalog: the relation is not
// emulated.
func (c *conn) evalCatalog(ctx context.Context, s *selectStmt, depth int) (*catalogResult, error) {
	env := &evalEnv{c: c, ctx: ctx, depth: depth}
	src := &catalogSource{t: &catalogTable{rows: [][]value{{}}}}
	if len(s.from) > 0 {
		main := s.from[0]
		t := c.catalogTable(ctx, main.name)
		if t == nil {
			return nil, errNotCatalog
		}
		if len(s.from) > 1 {
			return nil, refuse(env, -1, "joins over the emulated catalog relation %s are not evaluated; query one relation at a time", main.name)
		}
		src = &catalogSource{t: t, name: main.name, alias: main.alias}
		if src.alias == "" {
			src.alias = main.name[strings.LastIndexByte(main.name, '.')+1:]
		}
	}
	if depth > maxSubqueryNestingDepth {
		return nil, refuse(env, -1, "subqueries nested more than %d deep are not evaluated over the emulated catalogs", maxSubqueryNestingDepth)
	}
	var cur []value
	env.row = func(parts []string) (value, bool) {
		i, ok := src.resolve(parts)
		if !ok {
			return value{}, false
		}
		if i < 0 || cur == nil {
			return nullText(), true
		}
		return cur[i], true
	}
	relName := src.name
	if relName == "" {
		relName = "a SELECT without FROM"
	}
	// Every column reference must name a column of the relation.
	var all []expr
	for _, it := range s.items {
		all = append(all, it.x)
	}
	all = append(all, s.where, s.having, s.limit, s.offset)
	all = append(all, s.groupBy...)
	for _, k := range s.orderBy {
		all = append(all, k.x)
	}
	var bad error
	for _, e := range all {
		walk(e, func(x expr) bool {
			col, ok := x.(*colExpr)
			if !ok || bad != nil {
				return bad == nil
			}
			if _, ok := src.resolve(col.parts); ok || isOutputName(s, col) {
				return true
			}
			name := strings.Join(col.parts, ".")
			if depth > 0 {
				bad = refuse(env, -1, "column %s is not in weir's emulation of %s (a subquery's references to the outer query are not evaluated)", name, relName)
			} else {
				bad = refuse(env, col.off, "column %s is not in weir's emulation of %s", name, relName)
			}
			return false
		})
	}
	if bad != nil {
		return nil, bad
	}
	if s.where != nil {
		var agg *funcExpr
		walk(s.where, func(x expr) bool {
			if f, ok := isAggregate(x); ok && agg == nil {
				agg = f
			}
			return agg == nil
		})
		if agg != nil {
			return nil, env.at(agg.off, codeGroupingError, "aggregate functions are not allowed in WHERE")
		}
	}

	// The output columns: * expands to the relation's columns.
	type outCol struct {
		name string
		x    expr
		col  int // for *: the column index
	}
	var outs []outCol
	for _, it := range s.items {
		if it.isStar {
			if it.star != "" && it.star != src.alias {
				return nil, errorf(codeUndefinedTable, "missing FROM-clause entry for table %q", it.star)
			}
			if src.t.anyCols || src.name == "" {
				return nil, refuse(env, -1, "SELECT * over %s is not evaluated; name the columns", relName)
			}
			for i, col := range src.t.cols {
				outs = append(outs, outCol{name: col, col: i})
			}
			continue
		}
		name := columnName(it.x)
		if it.aliased {
			name = it.alias
		}
		outs = append(outs, outCol{name: name, x: it.x, col: -1})
	}
	res := &catalogResult{names: make([]string, len(outs)), bigint: make([]bool, len(outs))}
	for i, o := range outs {
		res.names[i] = o.name
		if f, ok := isAggregate(o.x); ok && f.name == "count" {
			res.bigint[i] = true
		}
	}

	// The rows WHERE keeps.
	var kept [][]value
	for _, r := range src.t.rows {
		cur = r
		if s.where != nil {
			tr, err := env.truth(s.where)
			if err != nil {
				return nil, err
			}
			if tr == triCannot {
				return nil, env.cannot(s.where, "WHERE")
			}
			if tr != triTrue {
				continue
			}
		}
		kept = append(kept, r)
	}

	// Aggregates in the SELECT list, HAVING and ORDER BY.
	var aggCalls []*funcExpr
	for _, e := range append(append([]expr(nil), all[:len(s.items)]...), s.having) {
		if err := collectAggs(env, e, &aggCalls); err != nil {
			return nil, err
		}
	}
	for _, k := range s.orderBy {
		if err := collectAggs(env, k.x, &aggCalls); err != nil {
			return nil, err
		}
	}
	grouped := len(aggCalls) > 0 || len(s.groupBy) > 0 || s.having != nil

	type outRow struct {
		vals []value
		keys []value
	}
	var rows []outRow
	// emit evaluates the output row and ORDER BY keys for the current row
	// (or group).
	emit := func() error {
		or := outRow{vals: make([]value, len(outs))}
		for i, o := range outs {
			if o.x == nil {
				or.vals[i] = cur[o.col]
				continue
			}
			v, err := env.eval(o.x)
			if errors.Is(err, errCannot) {
				return env.cannot(o.x, "the SELECT list")
			}
			if err != nil {
				return err
			}
			or.vals[i] = v
		}
		for _, k := range s.orderBy {
			v, err := catalogOrderValue(env, k.x, res.names, or.vals)
			if err != nil {
				return err
			}
			or.keys = append(or.keys, v)
		}
		rows = append(rows, or)
		return nil
	}
	if !grouped {
		for _, r := range kept {
			cur = r
			if err := emit(); err != nil {
				return nil, err
			}
		}
	} else {
		groups, err := groupRows(env, s, src, outs2exprs(s), kept)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			aggs := map[*funcExpr]value{}
			for _, f := range aggCalls {
				v, err := env.aggregate(f, g, src.t.rows, &cur)
				if err != nil {
					return nil, err
				}
				aggs[f] = v
			}
			env.aggs = aggs
			cur = nil
			if len(g) > 0 {
				cur = g[0]
			}
			if s.having != nil {
				tr, err := env.truth(s.having)
				if err != nil {
					return nil, err
				}
				if tr == triCannot {
					return nil, env.cannot(s.having, "HAVING")
				}
				if tr != triTrue {
					continue
				}
			}
			if err := emit(); err != nil {
				return nil, err
			}
		}
		env.aggs = nil
		cur = nil
	}

	if s.distinct {
		seen := map[string]bool{}
		out := rows[:0]
		for _, r := range rows {
			if k := rowKey(r.vals); !seen[k] {
				seen[k] = true
				out = append(out, r)
			}
		}
		rows = out
	}
	if len(s.orderBy) > 0 {
		var cmpErr error
		sort.SliceStable(rows, func(i, j int) bool {
			for k, key := range s.orderBy {
				a, b := rows[i].keys[k], rows[j].keys[k]
				switch {
				case a.null && b.null:
					continue
				case a.null || b.null:
					// NULLs sort last ascending, first descending, unless
					// NULLS FIRST / LAST says otherwise.
					first := key.desc
					if key.nullsSet {
						first = key.nullsFirst
					}
					return a.null == first
				}
				c, err := compare(a, b)
				if err != nil {
					if cmpErr == nil {
						cmpErr = err
					}
					return false
				}
				if c != 0 {
					return c < 0 != key.desc
				}
			}
			return false
		})
		if cmpErr != nil {
			if errors.Is(cmpErr, errCannot) {
				return nil, refuse(env, exprOff(s.orderBy[0].x), "ORDER BY over values of these types is not evaluated over weir's emulated catalogs")
			}
			return nil, cmpErr
		}
	}
	offset, limit := 0, -1
	for _, l := range []struct {
		x    expr
		dst  *int
		what string
		code string
	}{{s.offset, &offset, "OFFSET", codeInvalidOffset}, {s.limit, &limit, "LIMIT", codeInvalidLimit}} {
		if l.x == nil {
			continue
		}
		cur = nil
		v, err := env.eval(l.x)
		if err == nil {
			v, err = castTo(v, typeOf[tInt8], -1)
		}
		if errors.Is(err, errCannot) {
			return nil, env.cannot(l.x, l.what)
		}
		if err != nil {
			return nil, err
		}
		if v.null {
			continue
		}
		if v.i < 0 {
			return nil, env.at(exprOff(l.x), l.code, "%s must not be negative", l.what)
		}
		*l.dst = int(min(v.i, int64(len(rows))))
	}
	rows = rows[min(offset, len(rows)):]
	if limit >= 0 && limit < len(rows) {
		rows = rows[:limit]
	}
	res.rows = make([][]value, len(rows))
	for i, r := range rows {
		res.rows[i] = r.vals
	}
	return res, nil
}

// outs2exprs returns the SELECT list's expressions (nil for *).
func outs2exprs(s *selectStmt) []expr {
	out := make([]expr, len(s.items))
	for i, it := range s.items {
		out[i] = it.x
	}
	return out
}

// isOutputName reports whether a one-part column reference names an
// output column (ORDER BY and GROUP BY may name one).
func isOutputName(s *selectStmt, col *colExpr) bool {
	if len(col.parts) != 1 {
		return false
	}
	for _, it := range s.items {
		if it.aliased && it.alias == col.parts[0] {
			return true
		}
	}
	return false
}

// collectAggs appends e's aggregate calls, refusing those not evaluated.
func collectAggs(env *evalEnv, e expr, out *[]*funcExpr) error {
	var err error
	walk(e, func(x expr) bool {
		f, ok := isAggregate(x)
		if !ok || err != nil {
			return err == nil
		}
		switch f.name {
		case "count":
			if !f.star && len(f.args) != 1 {
				err = env.at(f.off, codeUndefinedFunction, "function count() takes * or one argument")
				return false
			}
		case "min", "max", "sum":
			if f.star || len(f.args) != 1 {
				err = env.at(f.off, codeUndefinedFunction, "function %s() takes one argument", f.name)
				return false
			}
		default:
			err = refuse(env, f.off, "aggregate %s() is not evaluated over weir's emulated catalogs; count, min, max and sum are", f.name)
			return false
		}
		for _, a := range f.args {
			walk(a, func(y expr) bool {
				if g, ok := isAggregate(y); ok && err == nil {
					err = env.at(g.off, codeGroupingError, "aggregate function calls cannot be nested")
				}
				return err == nil
			})
		}
		*out = append(*out, f)
		return false
	})
	return err
}

// groupRows splits the kept rows by the GROUP BY columns (one group of all
// rows without GROUP BY, even when there are none) and checks that every
// column the SELECT list, HAVING and ORDER BY use outside an aggregate is
// grouped.
func groupRows(env *evalEnv, s *selectStmt, src *catalogSource, items []expr, rows [][]value) ([][][]value, error) {
	// colKey names a resolved column: its index, or its name in a relation
	// whose columns are not listed.
	colKey := func(c *colExpr) string {
		i, _ := src.resolve(c.parts)
		if i < 0 {
			return "name:" + c.parts[len(c.parts)-1]
		}
		return strconv.Itoa(i)
	}
	var keyCols []int
	groupedCols := map[string]bool{}
	for _, g := range s.groupBy {
		x := g
		if lit, ok := g.(*litExpr); ok && isInt(lit.v.t) {
			if lit.v.i < 1 || int(lit.v.i) > len(items) {
				return nil, env.at(lit.off, codeInvalidColumnReference, "GROUP BY position %d is not in select list", lit.v.i)
			}
			x = items[lit.v.i-1]
		} else if col, ok := g.(*colExpr); ok && isOutputName(s, col) {
			if _, isCol := src.resolve(col.parts); !isCol {
				for i, it := range s.items {
					if it.aliased && it.alias == col.parts[0] {
						x = items[i]
					}
				}
			}
		}
		col, ok := x.(*colExpr)
		if !ok {
			return nil, refuse(env, exprOff(g), "GROUP BY on an expression is not evaluated over weir's emulated catalogs; group by plain columns")
		}
		i, _ := src.resolve(col.parts)
		keyCols = append(keyCols, i)
		groupedCols[colKey(col)] = true
	}
	// Columns outside aggregates must be grouped.
	check := []expr{s.having}
	for i, it := range s.items {
		if it.isStar {
			return nil, refuse(env, -1, "SELECT * with aggregates or GROUP BY is not evaluated; name the columns")
		}
		check = append(check, items[i])
	}
	for _, k := range s.orderBy {
		if lit, ok := k.x.(*litExpr); ok && isInt(lit.v.t) {
			continue
		}
		if col, ok := k.x.(*colExpr); ok && isOutputName(s, col) {
			continue
		}
		check = append(check, k.x)
	}
	var bad error
	for _, e := range check {
		walk(e, func(x expr) bool {
			if _, ok := isAggregate(x); ok || bad != nil {
				return false
			}
			if col, ok := x.(*colExpr); ok && !groupedCols[colKey(col)] {
				bad = env.at(col.off, codeGroupingError, "column %q must appear in the GROUP BY clause or be used in an aggregate function", strings.Join(col.parts, "."))
			}
			return true
		})
	}
	if bad != nil {
		return nil, bad
	}
	if len(s.groupBy) == 0 {
		return [][][]value{rows}, nil
	}
	var order []string
	groups := map[string][][]value{}
	for _, r := range rows {
		key := make([]value, len(keyCols))
		for j, i := range keyCols {
			if i < 0 {
				key[j] = nullText()
			} else {
				key[j] = r[i]
			}
		}
		k := rowKey(key)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	out := make([][][]value, len(order))
	for i, k := range order {
		out[i] = groups[k]
	}
	return out, nil
}

// rowKey is a string that is equal for equal rows (NULLs equal).
func rowKey(vals []value) string {
	var b strings.Builder
	for _, v := range vals {
		s, _ := textOut(v)
		b.WriteString(strconv.FormatBool(v.null) + strconv.Itoa(len(s)) + ":" + s)
	}
	return b.String()
}

// aggregate evaluates aggregate call f over a group's rows. all is the
// relation's rows: the first types an aggregate over no rows.
func (env *evalEnv) aggregate(f *funcExpr, group, all [][]value, cur *[]value) (value, error) {
	if f.star {
		return value{t: tInt8, i: int64(len(group))}, nil
	}
	arg := f.args[0]
	var vals []value
	for _, r := range group {
		*cur = r
		v, err := env.eval(arg)
		if errors.Is(err, errCannot) {
			return value{}, env.cannot(arg, f.name+"()")
		}
		if err != nil {
			return value{}, err
		}
		vals = append(vals, v)
	}
	// The argument's type, from a row when the group has none.
	t := tUnknown
	for _, v := range vals {
		t = v.t
		break
	}
	if len(vals) == 0 && len(all) > 0 {
		*cur = all[0]
		if v, err := env.eval(arg); err == nil {
			t = v.t
		}
	}
	if t == tUnknown {
		t = tText
	}
	switch f.name {
	case "count":
		var n int64
		for _, v := range vals {
			if !v.null {
				n++
			}
		}
		return value{t: tInt8, i: n}, nil
	case "min", "max":
		var best *value
		for i := range vals {
			v := vals[i]
			if v.null {
				continue
			}
			if best == nil {
				best = &vals[i]
				continue
			}
			c, err := compare(v, *best)
			if errors.Is(err, errCannot) {
				return value{}, refuse(env, f.off, "%s() over values of type %s is not evaluated over weir's emulated catalogs", f.name, typeLabel(t))
			}
			if err != nil {
				return value{}, err
			}
			if c < 0 == (f.name == "min") && c != 0 {
				best = &vals[i]
			}
		}
		if best == nil {
			return value{t: t, null: true}, nil
		}
		out := *best
		if out.t == tUnknown {
			out.t = tText
		}
		return out, nil
	case "sum":
		switch {
		case t == tInt2 || t == tInt4:
			out := value{t: tInt8, null: true}
			for _, v := range vals {
				if !v.null {
					out.null = false
					out.i += v.i
				}
			}
			return out, nil
		case t == tInt8:
			sum, any := new(big.Int), false
			for _, v := range vals {
				if !v.null {
					sum.Add(sum, big.NewInt(v.i))
					any = true
				}
			}
			if !any {
				return value{t: tNumeric, null: true}, nil
			}
			return value{t: tNumeric, s: sum.String()}, nil
		case t == tFloat8:
			out := value{t: tFloat8, null: true}
			for _, v := range vals {
				if !v.null {
					out.null = false
					out.f += v.f
				}
			}
			return out, nil
		case t == tText || t == tBool || t == tOID || t == tTimestamptz || t == tTextArray:
			return value{}, env.at(f.off, codeUndefinedFunction, "function sum(%s) does not exist", typeLabel(t))
		}
		return value{}, refuse(env, f.off, "sum() over values of type %s is not evaluated over weir's emulated catalogs", typeLabel(t))
	}
	return value{}, refuse(env, f.off, "aggregate %s() is not evaluated over weir's emulated catalogs", f.name)
}

// catalogOrderValue evaluates an ORDER BY key: an output position, an
// output column's name, or an expression over the row (or group).
func catalogOrderValue(env *evalEnv, x expr, names []string, vals []value) (value, error) {
	if lit, isLit := x.(*litExpr); isLit && isInt(lit.v.t) {
		if lit.v.i < 1 || int(lit.v.i) > len(vals) {
			return value{}, env.at(lit.off, codeInvalidColumnReference, "ORDER BY position %d is not in select list", lit.v.i)
		}
		return vals[lit.v.i-1], nil
	}
	if col, isCol := x.(*colExpr); isCol && len(col.parts) == 1 {
		for i, n := range names {
			if n == col.parts[0] {
				return vals[i], nil
			}
		}
	}
	v, err := env.eval(x)
	if errors.Is(err, errCannot) {
		return value{}, env.cannot(x, "ORDER BY")
	}
	return v, err
}

// subquery evaluates a subquery over one emulated catalog relation.
// errCannot: it reads no catalog (a constant SELECT then goes to the
// engine); a subquery over catalogs that is not evaluated is refused.
func (env *evalEnv) subquery(text string) (*catalogResult, error) {
	if env.c == nil {
		return nil, errCannot
	}
	s, ok := parseSelect(text)
	if !ok {
		if looksLikeCatalogQuery(text) {
			return nil, refuse(env, -1, "a subquery over the catalogs that weir's emulation does not parse (a join, UNION, window, ...) is not evaluated: (%s)", abbreviate(text))
		}
		return nil, errCannot
	}
	if len(s.from) == 0 && !looksLikeCatalogQuery(text) && env.depth == 0 && env.row == nil {
		// (SELECT 1) in a constant SELECT: the engine's.
		return nil, errCannot
	}
	res, err := env.c.evalCatalog(env.ctx, s, env.depth+1)
	if errors.Is(err, errNotCatalog) {
		if looksLikeCatalogQuery(text) {
			return nil, refuse(env, -1, "subqueries over %s are not evaluated: that relation is not emulated", s.from[0].name)
		}
		return nil, errCannot
	}
	return res, err
}

// scalarSubquery evaluates (SELECT ...) used as a value.
func (env *evalEnv) scalarSubquery(text string) (value, error) {
	res, err := env.subquery(text)
	if err != nil {
		return value{}, err
	}
	if len(res.names) != 1 {
		return value{}, errorf(codeSyntaxError, "subquery must return only one column")
	}
	switch len(res.rows) {
	case 0:
		return value{t: tUnknown, null: true}, nil
	case 1:
		return res.rows[0][0], nil
	}
	return value{}, errorf(codeCardinality, "more than one row returned by a subquery used as an expression")
}

// abbreviate shortens a statement for an error message.
func abbreviate(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// result converts an evaluated SELECT to the wire: count() columns are
// bigint, every other column text (a column's type does not depend on its
// values, so Describe, which sees parameters as NULL, agrees with Execute).
func (r *catalogResult) result() *staticResult {
	text := make([][]*string, len(r.rows))
	for i, row := range r.rows {
		text[i] = make([]*string, len(row))
		for j, v := range row {
			if s, ok := textOut(v); ok && !v.null {
				text[i][j] = sp(s)
			}
		}
	}
	res := textRows(r.names, text)
	for j, b := range r.bigint {
		if !b {
			continue
		}
		res.cols[j].Type = catalog.Bigint
		for i, row := range r.rows {
			res.rows[i][j] = Value{Null: row[j].null, I: row[j].i}
		}
	}
	return res
}
