package pgwire

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/weirdb/weir/catalog"
)

// This file evaluates a SELECT over one emulated catalog relation
// (catalog_tables.go): WHERE, GROUP BY on plain columns, HAVING, the
// aggregates count, min, max and sum, DISTINCT, ORDER BY, LIMIT and OFFSET,
// and EXISTS, IN and scalar subqueries over emulated relations. What it
// cannot evaluate exactly as PostgreSQL would is a 0A000 error that names
// it, never a guessed row.

// SQLSTATE codes only the catalog evaluation raises.
const (
	codeGroupingError       = "42803"
	codeUndefinedFunction   = "42883"
	codeCardinality         = "21000"
	codeInvalidLimit        = "2201W"
	codeInvalidOffset       = "2201X"
	codeAmbiguousColumn     = "42702"
	catalogEmulationHint    = "weir emulates the catalogs client tools read and evaluates SELECTs over them (joins, subqueries, VALUES); docs/server.md (Catalogs) lists what is evaluated"
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
		what = "this subquery (only subqueries over the emulated catalogs that do not refer to the outer query are evaluated)"
	case *inExpr:
		if x.sub != "" {
			what = "this IN subquery (only subqueries over the emulated catalogs that do not refer to the outer query are evaluated)"
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

// catalogSource is the relation a catalog SELECT reads: one emulated
// relation, or the joined rows of several (parts, catalog_join.go).
type catalogSource struct {
	t     *catalogTable
	name  string // as written in FROM
	alias string
	parts []srcPart
	// starless: a join with a relation whose columns are not listed, so
	// SELECT * cannot name its columns.
	starless bool
}

// resolve finds a column reference's index in the relation: -1 for a
// column of an empty relation whose columns are not listed; ok is false
// when the reference names no column of it.
func (src *catalogSource) resolve(parts []string) (int, bool) {
	if src.t == nil {
		return 0, false
	}
	if src.parts != nil {
		i, n := src.resolveJoined(parts)
		return i, n == 1
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

// evalCatalog evaluates s over the emulated relation its FROM names (or
// the join of several), or over one empty row without FROM.
// errNotCatalog: the relation is not emulated.
func (c *conn) evalCatalog(ctx context.Context, s *selectStmt, depth int, subs map[string]subqueryResult) (*catalogResult, error) {
	if subs == nil {
		subs = map[string]subqueryResult{}
	}
	env := &evalEnv{c: c, ctx: ctx, depth: depth, subs: subs}
	src := &catalogSource{t: &catalogTable{rows: [][]value{{}}}}
	if len(s.from) > 0 {
		var err error
		if src, err = c.fromSource(env, s); err != nil {
			return nil, err
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
	if len(s.from) == 0 {
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
			if _, n := src.resolveJoined(col.parts); n > 1 {
				bad = env.at(col.off, codeAmbiguousColumn, "column reference %q is ambiguous", name)
				return false
			}
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
			if it.star != "" && src.parts != nil {
				return nil, refuse(env, -1, "SELECT %s.* over a join is not evaluated; name the columns", it.star)
			}
			if it.star != "" && it.star != src.alias {
				return nil, errorf(codeUndefinedTable, "missing FROM-clause entry for table %q", it.star)
			}
			if src.t.anyCols || len(s.from) == 0 || src.starless {
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

// subqueryResult is an evaluated subquery, kept for the statement: a
// subquery the emulation evaluates does not refer to the outer query, so
// its result is the same for every outer row.
type subqueryResult struct {
	res *catalogResult
	err error
}

// subquery evaluates a subquery over one emulated catalog relation.
// errCannot: it reads no catalog (a constant SELECT then goes to the
// engine); a subquery over catalogs that is not evaluated is refused.
func (env *evalEnv) subquery(text string) (*catalogResult, error) {
	if env.c == nil {
		return nil, errCannot
	}
	if r, ok := env.subs[text]; ok {
		return r.res, r.err
	}
	res, err := env.evalSubquery(text)
	if env.subs == nil {
		env.subs = map[string]subqueryResult{}
	}
	env.subs[text] = subqueryResult{res, err}
	return res, err
}

func (env *evalEnv) evalSubquery(text string) (*catalogResult, error) {
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
	res, err := env.c.evalCatalog(env.ctx, s, env.depth+1, env.subs)
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
