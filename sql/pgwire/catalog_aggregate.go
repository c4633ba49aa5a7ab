package pgwire

import (
	"errors"
	"math/big"
	"strconv"
	"strings"
)

// This file groups the rows of a catalog SELECT (GROUP BY on plain
// columns, or one group without GROUP BY) and evaluates the aggregates
// count(*), count(x), min, max and sum over each group, with PostgreSQL's
// result types (sum of integer is bigint, of bigint numeric) and errors.

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
