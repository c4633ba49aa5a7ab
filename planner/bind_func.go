package planner

import (
	"errors"
	"strings"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators/expr"
	"github.com/weirdb/weir/sql"
)

// bindFunc compiles a scalar function call. Aggregates reach here only
// where they are not allowed (their calls are replaced by columns after
// aggregation).
func bindFunc(x *sql.Func, sc *scope) (bound, error) {
	name := strings.ToUpper(x.Name)
	if _, ok := aggFuncs[strings.ToLower(x.Name)]; ok {
		if sc.pre != nil {
			// Post-aggregation scope: every aggregate was collected; one
			// that was not is nested in another.
			return bound{}, errf(x.At, codeGrouping, "aggregate function calls cannot be nested")
		}
		return bound{}, errf(x.At, codeGrouping, "aggregate functions are not allowed in %s", sc.clause)
	}
	if x.Star || x.Distinct {
		return bound{}, errf(x.At, codeSyntax, "%s(%s) is only valid for aggregate functions", name, map[bool]string{true: "*", false: "DISTINCT ..."}[x.Star])
	}
	args := make([]expr.Expr, len(x.Args))
	types := make([]catalog.Type, len(x.Args))
	allConst := true
	for i, a := range x.Args {
		v, err := bindScalar(a, sc)
		if err != nil {
			return bound{}, err
		}
		args[i], types[i] = v, v.Type()
		allConst = allConst && isConst(v)
	}
	var e expr.Expr
	switch name {
	case "COALESCE":
		if len(args) == 0 {
			return bound{}, errf(x.At, codeUndefinedFunction, "COALESCE takes at least 1 argument, got 0")
		}
		t, err := expr.CommonType(types...)
		if err != nil {
			return bound{}, errf(x.At, codeDatatypeMismatch, "COALESCE arguments: %s", err)
		}
		for i := range args {
			args[i] = castTo(args[i], t)
		}
		if e, err = expr.NewCoalesce(args, t); err != nil {
			return bound{}, errf(x.At, codeDatatypeMismatch, "%s", errMsg(err))
		}
	case "NULLIF":
		if len(args) != 2 {
			return bound{}, errf(x.At, codeUndefinedFunction, "NULLIF takes 2 arguments, got %d", len(args))
		}
		l, r, err := comparable(bound{e: args[0]}, bound{e: args[1]}, x.At)
		if err != nil {
			return bound{}, err
		}
		eq, err := expr.NewCompare(expr.EQ, l, r)
		if err != nil {
			return bound{}, errf(x.At, codeDatatypeMismatch, "%s", errMsg(err))
		}
		if e, err = expr.NewCase([]expr.When{{Cond: eq, Then: expr.ConstNull(types[0])}}, args[0], types[0]); err != nil {
			return bound{}, errf(x.At, codeDatatypeMismatch, "%s", errMsg(err))
		}
	default:
		sig, err := expr.Signature(name, types)
		switch {
		case errors.Is(err, expr.ErrUnknownFunc):
			return bound{}, errf(x.At, codeUndefinedFunction, "unknown function %s%s", strings.ToLower(x.Name), didYouMean(x.Name, knownFuncNames()))
		case err != nil && strings.Contains(err.Error(), " takes "):
			return bound{}, errf(x.At, codeUndefinedFunction, "%s", errMsg(err))
		case err != nil:
			return bound{}, errf(x.At, codeDatatypeMismatch, "%s", errMsg(err))
		}
		for i := range args {
			args[i] = castTo(args[i], sig.Args[i])
		}
		if e, err = expr.NewCall(name, args); err != nil {
			return bound{}, errf(x.At, codeDatatypeMismatch, "%s", errMsg(err))
		}
	}
	if allConst {
		return bound{e: evalConst(e)}, nil
	}
	return bound{e: e}, nil
}

// knownFuncNames lists every function name, for "did you mean".
func knownFuncNames() []string {
	out := []string{"coalesce", "nullif"}
	for _, n := range expr.ScalarFuncs {
		out = append(out, strings.ToLower(n))
	}
	for n := range aggFuncs {
		out = append(out, n)
	}
	return out
}
