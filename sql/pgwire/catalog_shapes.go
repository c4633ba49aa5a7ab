package pgwire

import (
	"context"
	"errors"
	"regexp"
	"sort"
	"strings"
)

// This file keeps the psql shapes of catalog_emulation.go from dropping a
// clause: a shaped query that parses has its WHERE evaluated strictly over
// each candidate (pg_class's row, the public schema's pg_namespace row, the
// column's pg_attribute values) and its ORDER BY applied; DISTINCT, GROUP
// BY, HAVING, LIMIT, OFFSET and aggregates are refused. psql's \d name
// flags query, which pgwire does not parse, is accepted only with its
// WHERE c.oid = N.

// relInfoWhereRe is the whole WHERE of psql's \d name flags query.
var relInfoWhereRe = regexp.MustCompile(`(?is)\bwhere\s+c\.oid\s*=\s*'?\d+'?\s*;?\s*$`)

// shapeTargets filters and orders a psql shape's candidate rows by the
// query's own WHERE and ORDER BY, or refuses what the shape would drop.
// evalItem, for a parsed query, evaluates SELECT item j for a row; ok is
// false when it cannot (the shape's rule then fills it).
func (c *conn) shapeTargets(ctx context.Context, stmt string, s *selectStmt, parsed bool, targets []target, rules []itemRule) (_ []target, evalItem func(j int, t target) (value, bool), _ error) {
	env := &evalEnv{c: c, ctx: ctx}
	if !parsed {
		if !relInfoWhereRe.MatchString(stmt) || selectHasAggregate(stmt) {
			return nil, nil, refuse(env, -1, "this query over pg_catalog.pg_class is not evaluated by weir's catalog emulation (only psql's own \\d queries are answered when they join other relations)")
		}
		return targets, nil, unknownItems(env, selectItems(stmt), targets, rules, nil)
	}
	switch {
	case s.distinct:
		return nil, nil, refuse(env, -1, "DISTINCT in a join over pg_catalog.pg_class is not evaluated by weir's catalog emulation")
	case len(s.groupBy) > 0 || s.having != nil:
		return nil, nil, refuse(env, -1, "GROUP BY and HAVING in a join over pg_catalog.pg_class are not evaluated by weir's catalog emulation")
	case s.limit != nil || s.offset != nil:
		return nil, nil, refuse(env, -1, "LIMIT and OFFSET in a join over pg_catalog.pg_class are not evaluated by weir's catalog emulation")
	}
	if err := shapeJoinsOK(env, s); err != nil {
		return nil, nil, err
	}
	for _, it := range s.items {
		var agg *funcExpr
		walk(it.x, func(x expr) bool {
			if f, ok := isAggregate(x); ok && agg == nil {
				agg = f
			}
			return agg == nil
		})
		if agg != nil {
			return nil, nil, refuse(env, agg.off, "aggregates in a join over pg_catalog.pg_class are not evaluated by weir's catalog emulation; query pg_class alone")
		}
	}
	// Column values of the candidate the WHERE and ORDER BY see.
	// The first relation's and a joined pg_namespace's columns resolve; a
	// LEFT JOINed relation's do not (it may match no row, or several).
	aliases := map[string]string{}
	var resolvable []string
	for i, f := range s.from {
		name := strings.TrimPrefix(f.name, "pg_catalog.")
		if i > 0 && name != "pg_namespace" {
			continue
		}
		a := f.alias
		if a == "" {
			a = name
		}
		aliases[a] = name
		resolvable = append(resolvable, name)
	}
	class := c.catalogTable(ctx, "pg_class")
	classRows := map[string][]value{}
	for i, r := range c.relations(ctx) {
		classRows[r.Name] = class.rows[i]
	}
	ns := c.catalogTable(ctx, "pg_namespace")
	var public []value
	for _, r := range ns.rows {
		if r[1].s == "public" {
			public = r
		}
	}
	var cur target
	lookup := func(rel, col string) (value, bool) {
		switch rel {
		case "pg_class":
			if i := class.col(col); i >= 0 {
				return classRows[cur.rel.Name][i], true
			}
		case "pg_namespace":
			if i := ns.col(col); i >= 0 {
				return public[i], true
			}
		case "pg_attribute":
			if cur.col < 0 {
				return value{}, false
			}
			switch col {
			case "attrelid":
				return classRows[cur.rel.Name][0], true
			case "attname":
				return txt(cur.rel.Columns[cur.col].Name), true
			case "attnum":
				return value{t: tInt2, i: int64(cur.col + 1)}, true
			case "attisdropped", "attnotnull", "atthasdef", "attislocal":
				return boolean(col == "attislocal"), true
			}
		}
		return value{}, false
	}
	env.row = func(parts []string) (value, bool) {
		switch len(parts) {
		case 1:
			for _, rel := range resolvable {
				if v, ok := lookup(rel, parts[0]); ok {
					return v, true
				}
			}
		case 2:
			if rel, ok := aliases[parts[0]]; ok {
				return lookup(rel, parts[1])
			}
		}
		return value{}, false
	}
	var kept []target
	for _, t := range targets {
		cur = t
		if s.where != nil {
			tr, err := env.truth(s.where)
			if err != nil {
				return nil, nil, err
			}
			if tr == triCannot {
				return nil, nil, env.cannot(s.where, "WHERE")
			}
			if tr != triTrue {
				continue
			}
		}
		kept = append(kept, t)
	}
	evalItem = func(j int, t target) (value, bool) {
		if j >= len(s.items) || s.items[j].isStar {
			return value{}, false
		}
		cur = t
		v, err := env.eval(s.items[j].x)
		return v, err == nil
	}
	if len(s.orderBy) == 0 {
		return kept, evalItem, unknownItems(env, selectItems(stmt), kept, rules, evalItem)
	}
	keys := make([][]value, len(kept))
	for i, t := range kept {
		cur = t
		for _, k := range s.orderBy {
			x := k.x
			if lit, ok := x.(*litExpr); ok && isInt(lit.v.t) {
				if lit.v.i < 1 || int(lit.v.i) > len(s.items) || s.items[lit.v.i-1].isStar {
					return nil, nil, env.at(lit.off, codeInvalidColumnReference, "ORDER BY position %d is not in select list", lit.v.i)
				}
				x = s.items[lit.v.i-1].x
			}
			v, err := env.eval(x)
			if errors.Is(err, errCannot) {
				return nil, nil, env.cannot(x, "ORDER BY")
			}
			if err != nil {
				return nil, nil, err
			}
			keys[i] = append(keys[i], v)
		}
	}
	idx := make([]int, len(kept))
	for i := range idx {
		idx[i] = i
	}
	var cmpErr error
	sort.SliceStable(idx, func(a, b int) bool {
		for k, key := range s.orderBy {
			x, y := keys[idx[a]][k], keys[idx[b]][k]
			if x.null || y.null {
				if x.null == y.null {
					continue
				}
				return x.null == key.desc
			}
			c, err := compare(x, y)
			if err != nil {
				cmpErr = err
				return false
			}
			if c != 0 {
				return c < 0 != key.desc
			}
		}
		return false
	})
	if cmpErr != nil {
		return nil, nil, refuse(env, -1, "this ORDER BY over pg_catalog.pg_class is not evaluated by weir's catalog emulation")
	}
	out := make([]target, len(kept))
	for i, j := range idx {
		out[i] = kept[j]
	}
	return out, evalItem, unknownItems(env, selectItems(stmt), out, rules, evalItem)
}

// unknownItems refuses a SELECT item that neither evaluates nor has a
// rule, when there are rows to fill.
func unknownItems(env *evalEnv, items []string, targets []target, rules []itemRule, evalItem func(int, target) (value, bool)) error {
	if len(targets) == 0 {
		return nil
	}
	for i, item := range items {
		evaluated := evalItem != nil
		for _, t := range targets {
			if evaluated {
				_, evaluated = evalItem(i, t)
			}
		}
		if _, ok := ruleOf(item, rules); !ok && !evaluated {
			return refuse(env, -1, "SELECT item %d (%s) is not evaluated by weir's catalog emulation of psql's queries", i+1, abbreviate(item))
		}
	}
	return nil
}

// selectHasAggregate reports whether stmt's first SELECT list calls an
// aggregate outside a subquery.
func selectHasAggregate(stmt string) bool {
	for _, item := range selectItems(stmt) {
		toks, ok := lex(item)
		if !ok {
			return true
		}
		depth := 0
		var sub []int
		for i, t := range toks {
			switch {
			case t.kind == tkOp && t.s == "(":
				if i+1 < len(toks) && toks[i+1].kind == tkIdent && (toks[i+1].s == "select" || toks[i+1].s == "with") {
					sub = append(sub, depth)
				}
				depth++
			case t.kind == tkOp && t.s == ")":
				depth--
				if n := len(sub); n > 0 && sub[n-1] == depth {
					sub = sub[:n-1]
				}
			case len(sub) == 0 && t.kind == tkIdent && aggregateFuncs[t.s] && i+1 < len(toks) && toks[i+1].kind == tkOp && toks[i+1].s == "(":
				return true
			}
		}
	}
	return false
}

// shapeJoinsOK refuses a join the shape's rows would not honour: the
// candidates are rows of the first relation, so pg_namespace may join only
// on n.oid = c.relnamespace (every relation's schema is public), and any
// other relation only as a LEFT JOIN (which keeps every row; its columns
// cannot be used in WHERE or ORDER BY, and items naming them are the
// shape's).
func shapeJoinsOK(env *evalEnv, s *selectStmt) error {
	first := s.from[0].alias
	if first == "" {
		first = s.from[0].name[strings.LastIndexByte(s.from[0].name, '.')+1:]
	}
	for _, f := range s.from[1:] {
		name := strings.TrimPrefix(f.name, "pg_catalog.")
		alias := f.alias
		if alias == "" {
			alias = name
		}
		switch {
		case name == "pg_namespace" && (f.join == "join" || f.join == "left") && isColEq(f.on, alias, "oid", first, "relnamespace"):
		case f.join == "left" && name != "pg_namespace":
		default:
			return refuse(env, -1, "this join of %s with %s is not evaluated by weir's catalog emulation (only psql's own joins are)", s.from[0].name, f.name)
		}
	}
	return nil
}

// isColEq reports whether e is a.x = b.y (either way round).
func isColEq(e expr, a, x, b, y string) bool {
	be, ok := e.(*binExpr)
	if !ok || be.op != "=" {
		return false
	}
	l, lok := be.l.(*colExpr)
	r, rok := be.r.(*colExpr)
	if !lok || !rok || len(l.parts) != 2 || len(r.parts) != 2 {
		return false
	}
	is := func(c *colExpr, q, n string) bool { return c.parts[0] == q && c.parts[1] == n }
	return is(l, a, x) && is(r, b, y) || is(l, b, y) && is(r, a, x)
}
