package planner

import (
	"strings"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators/agg"
	"github.com/weirdb/weir/operators/expr"
	"github.com/weirdb/weir/sql"
)

// aggFuncs maps aggregate function names (lower case) to their Func; COUNT
// is refined by * and DISTINCT.
var aggFuncs = map[string]agg.Func{
	"count": agg.Count, "sum": agg.Sum, "avg": agg.Avg, "min": agg.Min, "max": agg.Max,
	"stddev": agg.Stddev, "stddev_samp": agg.Stddev, "variance": agg.Variance, "var_samp": agg.Variance,
	"percentile_cont": agg.PercentileCont, "approx_percentile": agg.ApproxPercentile,
	"approx_count_distinct": agg.ApproxCountDistinct,
	"first_value":           agg.FirstValue, "last_value": agg.LastValue,
}

// aggCall is one distinct aggregate call of a query.
type aggCall struct {
	key  string // canonical text
	call *sql.Func
	spec agg.Spec
	arg  expr.Expr // the argument over the input, nil for COUNT(*)
}

// isAggregate reports whether f names an aggregate function.
func isAggregate(f *sql.Func) bool {
	_, ok := aggFuncs[strings.ToLower(f.Name)]
	return ok
}

// hasAggregate reports whether e contains an aggregate call.
func hasAggregate(e sql.Expr) bool { return aggregateIn(e) != nil }

// aggregateIn returns the first aggregate call in e, in the order of the
// text, or nil.
func aggregateIn(e sql.Expr) *sql.Func {
	if e == nil {
		return nil
	}
	if f, ok := e.(*sql.Func); ok && isAggregate(f) {
		return f
	}
	for _, c := range children(e) {
		if f := aggregateIn(c); f != nil {
			return f
		}
	}
	return nil
}

// collectAggs appends the aggregate calls found in e (not yet in calls),
// binding their arguments over the input scope in.
func collectAggs(e sql.Expr, in *scope, calls []*aggCall) ([]*aggCall, error) {
	if e == nil {
		return calls, nil
	}
	f, ok := e.(*sql.Func)
	if !ok || !isAggregate(f) {
		var err error
		for _, c := range children(e) {
			if calls, err = collectAggs(c, in, calls); err != nil {
				return nil, err
			}
		}
		return calls, nil
	}
	key := canon(f)
	for _, c := range calls {
		if c.key == key {
			return calls, nil
		}
	}
	c, err := bindAgg(f, in)
	if err != nil {
		return nil, err
	}
	c.key = key
	return append(calls, c), nil
}

// bindAgg checks one aggregate call and binds its argument.
func bindAgg(f *sql.Func, in *scope) (*aggCall, error) {
	name := strings.ToLower(f.Name)
	fn := aggFuncs[name]
	upper := strings.ToUpper(name)
	argScope := *in
	argScope.clause = "aggregate arguments"
	for _, a := range f.Args {
		if hasAggregate(a) {
			return nil, errf(a.ExprPos(), codeGrouping, "aggregate function calls cannot be nested")
		}
	}
	nargs := 1
	if fn == agg.PercentileCont || fn == agg.ApproxPercentile {
		nargs = 2
	}
	if f.Star {
		if fn != agg.Count {
			return nil, errf(f.At, codeSyntax, "%s(*) is not valid; only COUNT(*) is", upper)
		}
		return &aggCall{call: f, spec: agg.Spec{Func: agg.CountStar, Arg: -1, Result: catalog.Bigint}}, nil
	}
	if len(f.Args) != nargs {
		return nil, errf(f.At, codeUndefinedFunction, "%s takes %d argument%s, got %d", upper, nargs, map[bool]string{true: "", false: "s"}[nargs == 1], len(f.Args))
	}
	if f.Distinct {
		if fn != agg.Count {
			return nil, errf(f.At, codeUnsupported, "DISTINCT is only supported in COUNT(DISTINCT x)")
		}
		fn = agg.CountDistinct
	}
	arg, err := bindScalar(f.Args[0], &argScope)
	if err != nil {
		return nil, err
	}
	t := arg.Type()
	switch fn {
	case agg.Sum, agg.Avg, agg.Stddev, agg.Variance, agg.PercentileCont, agg.ApproxPercentile:
		if t == catalog.Unknown {
			arg, t = expr.ConstNull(catalog.Double), catalog.Double
		}
		if !t.Numeric() {
			return nil, errf(f.Args[0].ExprPos(), codeDatatypeMismatch, "%s needs a numeric argument, not %s", upper, t)
		}
	case agg.Min, agg.Max:
		if t == catalog.Boolean {
			return nil, errf(f.Args[0].ExprPos(), codeDatatypeMismatch, "%s does not take a BOOLEAN argument", upper)
		}
	}
	if t == catalog.Unknown {
		arg, t = expr.ConstNull(catalog.Bigint), catalog.Bigint
	}
	spec := agg.Spec{Func: fn, ArgType: t, Result: agg.ResultType(fn, t)}
	if nargs == 2 {
		q, err := bindScalar(f.Args[1], &argScope)
		if err != nil {
			return nil, err
		}
		c, ok := q.(*expr.Const)
		if !ok || !c.T.Numeric() || c.Null {
			return nil, errf(f.Args[1].ExprPos(), codeDatatypeMismatch, "%s fraction must be a numeric constant between 0 and 1", upper)
		}
		v := c.F
		if c.T == catalog.Bigint {
			v = float64(c.I)
		}
		if v < 0 || v > 1 {
			return nil, errf(f.Args[1].ExprPos(), codeOutOfRange, "%s fraction %s is not between 0 and 1", upper, c)
		}
		spec.Param = v
	}
	return &aggCall{call: f, spec: spec, arg: arg}, nil
}
