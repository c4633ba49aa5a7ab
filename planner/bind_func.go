package planner

import (
	"errors"
	"sort"
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
	if why, ok := volatileFuncs[name]; ok {
		return bound{}, errf(x.At, codeUnsupported, "%s is not supported: %s", volatileName(name), why)
	}
	// The name first: a misspelled function must be reported as such, not
	// as an error in one of its arguments (SUMM(v) outside the GROUP BY).
	if !knownFunc(name) {
		return bound{}, errf(x.At, codeUndefinedFunction, "unknown function %s%s", strings.ToLower(x.Name), didYouMean(x.Name, knownFuncNames()))
	}
	if name == "TO_TIMESTAMP" && len(x.Args) == 2 {
		return bound{}, errf(x.At, codeUnsupported, "TO_TIMESTAMP(text, format) is not supported; use CAST(text AS TIMESTAMP), "+
			"which reads RFC 3339 and PostgreSQL's text forms such as '2026-01-01 10:01:00+00'")
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
		l, r, err := comparable(bound{e: args[0]}, bound{e: args[1]}, x.Args[0].ExprPos(), x.Args[1].ExprPos(), x.At)
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
	case "EXTRACT", "DATE_PART", "DATE_TRUNC":
		var err error
		if e, err = bindTimeFunc(x, name, args); err != nil {
			return bound{}, err
		}
	default:
		if (name == "SUBSTRING" || name == "SUBSTR") && len(types) > 1 && types[1] == catalog.Varchar {
			return bound{}, errf(x.Args[1].ExprPos(), codeUnsupported, "%s(string FROM pattern) with a regular expression is not supported", name)
		}
		sig, err := expr.Signature(name, types)
		if errors.Is(err, expr.ErrUnknownFunc) {
			return bound{}, errf(x.At, codeUndefinedFunction, "unknown function %s%s", strings.ToLower(x.Name), didYouMean(x.Name, knownFuncNames()))
		}
		if err != nil {
			return bound{}, callErr(x, err)
		}
		for i := range args {
			args[i] = castTo(args[i], sig.Args[i])
		}
		if e, err = expr.NewCall(name, args); err != nil {
			return bound{}, callErr(x, err)
		}
	}
	if allConst {
		return bound{e: evalConst(e)}, nil
	}
	return bound{e: e}, nil
}

// callErr positions an error of expr about call x: at the argument an
// *expr.ArgError names, else at the function's name.
func callErr(x *sql.Func, err error) error {
	var ae *expr.ArgError
	if errors.As(err, &ae) && ae.Arg < len(x.Args) {
		return errf(x.Args[ae.Arg].ExprPos(), ae.Code, "%s", ae.Msg)
	}
	if strings.Contains(err.Error(), " takes ") {
		return errf(x.At, codeUndefinedFunction, "%s", errMsg(err))
	}
	return errf(x.At, codeDatatypeMismatch, "%s", errMsg(err))
}

// bindTimeFunc compiles EXTRACT(field FROM ts), DATE_PART('field', ts) and
// DATE_TRUNC('unit', ts). The field or unit must be a constant string; a
// string constant ts is read as a TIMESTAMP.
func bindTimeFunc(x *sql.Func, name string, args []expr.Expr) (expr.Expr, error) {
	if len(args) != 2 {
		return nil, errf(x.At, codeUndefinedFunction, "%s takes 2 arguments, got %d", name, len(args))
	}
	what := "field"
	if name == "DATE_TRUNC" {
		what = "unit"
	}
	c, ok := args[0].(*expr.Const)
	if !ok || (c.T != catalog.Varchar && !c.Null) {
		return nil, errf(x.Args[0].ExprPos(), codeUnsupported, "%s %s must be a constant string such as 'hour'", name, what)
	}
	ts := args[1]
	if v, ok, err := coerceLiteral(ts, catalog.Timestamp, x.Args[1].ExprPos()); ok {
		if err != nil {
			return nil, err
		}
		ts = v
	}
	if c.Null {
		t := catalog.Double
		if name == "DATE_TRUNC" {
			t = catalog.Timestamp
		}
		return expr.ConstNull(t), nil
	}
	var e expr.Expr
	var err error
	if name == "DATE_TRUNC" {
		e, err = expr.NewDateTrunc(c.S, ts)
	} else {
		e, err = expr.NewExtract(c.S, ts, name == "DATE_PART")
	}
	if err != nil {
		return nil, callErr(x, err)
	}
	return e, nil
}

// volatileFuncs are the functions weir refuses because their value does
// not follow from the input, with the reason.
var volatileFuncs = func() map[string]string {
	const clock = "a continuous query's results must be reproducible from its input, and the wall clock " +
		"differs between runs and when a query replays from a checkpoint; use the event time (the " +
		"WATERMARK FOR column, window_start or window_end)"
	const random = "a continuous query's results must be reproducible from its input (a query replaying " +
		"from a checkpoint must give the same rows)"
	m := map[string]string{}
	for _, n := range []string{"NOW", "CURRENT_TIMESTAMP", "LOCALTIMESTAMP", "CURRENT_DATE", "CURRENT_TIME",
		"LOCALTIME", "CLOCK_TIMESTAMP", "STATEMENT_TIMESTAMP", "TRANSACTION_TIMESTAMP", "TIMEOFDAY",
		"SYSDATE", "CURDATE", "CURTIME", "UTC_TIMESTAMP", "UTC_DATE", "UTC_TIME", "UNIX_TIMESTAMP"} {
		m[n] = clock
	}
	for _, n := range []string{"RANDOM", "RAND", "RANDOM_NORMAL", "GEN_RANDOM_UUID", "UUID"} {
		m[n] = random
	}
	return m
}()

// volatileName spells a refused function as users write it: the SQL
// keywords without parentheses, the others as calls.
func volatileName(name string) string {
	switch name {
	case "CURRENT_TIMESTAMP", "LOCALTIMESTAMP", "CURRENT_DATE", "CURRENT_TIME", "LOCALTIME":
		return name
	}
	return strings.ToLower(name) + "()"
}

// knownFunc reports whether name (upper-case) is a scalar function
// bindFunc compiles: one of its own cases or one of expr's.
func knownFunc(name string) bool {
	switch name {
	case "COALESCE", "NULLIF", "EXTRACT", "DATE_PART", "DATE_TRUNC":
		return true
	}
	i := sort.SearchStrings(expr.ScalarFuncs, name)
	return i < len(expr.ScalarFuncs) && expr.ScalarFuncs[i] == name
}

// knownFuncNames lists every function name, for "did you mean".
func knownFuncNames() []string {
	out := []string{"coalesce", "nullif", "extract", "date_part", "date_trunc", "trim"}
	for _, n := range expr.ScalarFuncs {
		out = append(out, strings.ToLower(n))
	}
	for n := range aggFuncs {
		out = append(out, n)
	}
	return out
}
