package planner

import (
	"errors"
	"strings"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators/expr"
	"github.com/weirdb/weir/sql"
)

// bound is a compiled expression with what binding needs to know about it.
type bound struct {
	e expr.Expr
	// interval: an INTERVAL constant, held as BIGINT milliseconds; only
	// TIMESTAMP ± INTERVAL (and INTERVAL ± INTERVAL) may use it.
	interval bool
}

func (b bound) typ() catalog.Type { return b.e.Type() }

func isConst(e expr.Expr) bool { _, ok := e.(*expr.Const); return ok }

// bindBool binds a predicate (WHERE, HAVING, EARLY WHEN) that must be
// BOOLEAN.
func bindBool(e sql.Expr, sc *scope) (expr.Expr, error) {
	b, err := bind(e, sc)
	if err != nil {
		return nil, err
	}
	if t := b.typ(); t != catalog.Boolean && t != catalog.Unknown || b.interval {
		return nil, errf(e.ExprPos(), codeDatatypeMismatch, "argument of %s must be BOOLEAN, not %s", sc.clause, typeName(b))
	}
	return b.e, nil
}

func typeName(b bound) string {
	if b.interval {
		return "INTERVAL"
	}
	return b.typ().String()
}

// bindScalar binds an expression whose value is a column (not an
// INTERVAL).
func bindScalar(e sql.Expr, sc *scope) (expr.Expr, error) {
	b, err := bind(e, sc)
	if err != nil {
		return nil, err
	}
	if b.interval {
		return nil, errf(e.ExprPos(), codeDatatypeMismatch, "an INTERVAL can only be added to or subtracted from a TIMESTAMP")
	}
	return b.e, nil
}

// bind compiles e over the scope, checking names and types.
func bind(e sql.Expr, sc *scope) (bound, error) {
	if sc.subst != nil {
		if i, ok := sc.subst[canon(e)]; ok {
			c := sc.cols[i]
			return bound{e: expr.NewColRef(i, c.Name, c.Type)}, nil
		}
	}
	switch x := e.(type) {
	case *sql.ColumnRef:
		return bindColumn(x, sc)
	case *sql.Literal:
		return bindLiteral(x), nil
	case *sql.Binary:
		return bindBinary(x, sc)
	case *sql.Unary:
		return bindUnary(x, sc)
	case *sql.IsNull:
		v, err := bindScalar(x.X, sc)
		if err != nil {
			return bound{}, err
		}
		return fold(expr.NewIsNull(v, x.Not), v), nil
	case *sql.IsTruth:
		return bindIsTruth(x, sc)
	case *sql.In:
		return bindIn(x, sc)
	case *sql.Between:
		return bindBetween(x, sc)
	case *sql.Like:
		return bindLike(x, sc)
	case *sql.Regex:
		return bindRegex(x, sc)
	case *sql.Case:
		return bindCase(x, sc)
	case *sql.Cast:
		v, err := bind(x.X, sc)
		if err != nil {
			return bound{}, err
		}
		if v.interval || !expr.CanCast(v.typ(), x.To) {
			return bound{}, errf(x.At, codeCannotCoerce, "cannot cast %s to %s", typeName(v), x.To)
		}
		c, err := expr.NewCast(v.e, x.To)
		if err != nil {
			return bound{}, errf(x.At, codeCannotCoerce, "%s", errMsg(err))
		}
		b := fold(c, v.e)
		if err := checkConstCast(x, v.e, b.e); err != nil {
			return bound{}, err
		}
		return b, nil
	case *sql.Func:
		return bindFunc(x, sc)
	}
	return bound{}, errf(e.ExprPos(), codeUnsupported, "unsupported expression %T", e)
}

func bindColumn(x *sql.ColumnRef, sc *scope) (bound, error) {
	if x.Table != "" && !sc.hasTable(x.Table) && (sc.pre == nil || !sc.pre.hasTable(x.Table)) {
		return bound{}, errf(x.At, codeUndefinedTable, "unknown table %q in column reference %s.%s", x.Table, x.Table, x.Name)
	}
	if i := sc.cols.Index(x.Name); i >= 0 {
		c := sc.cols[i]
		return bound{e: expr.NewColRef(i, c.Name, c.Type)}, nil
	}
	if sc.pre != nil && sc.pre.cols.Index(x.Name) >= 0 {
		return bound{}, errf(x.At, codeGrouping, "column %q must appear in the GROUP BY clause or be used in an aggregate function", x.Name)
	}
	if sc.windowed && isWindowCol(x.Name) {
		return bound{}, errf(x.At, codeUndefinedColumn, "column %q exists only after aggregation: it can be used in GROUP BY, SELECT and HAVING, not in %s", strings.ToLower(x.Name), sc.clause)
	}
	names := sc.cols.Names()
	if sc.pre != nil {
		names = append(names, sc.pre.cols.Names()...)
	}
	if sc.windowed {
		// window_start and window_end are not columns of this scope (the
		// window TVF's input), but a misspelling of them is meant as them.
		names = append(names, "window_start", "window_end")
	}
	return bound{}, errf(x.At, codeUndefinedColumn, "unknown column %q%s", x.Name, didYouMean(x.Name, names))
}

func bindLiteral(x *sql.Literal) bound {
	switch x.Kind {
	case sql.LitInt:
		return bound{e: expr.ConstInt(x.I)}
	case sql.LitFloat:
		return bound{e: expr.ConstFloat(x.F)}
	case sql.LitString:
		return bound{e: expr.ConstString(x.S)}
	case sql.LitBool:
		return bound{e: expr.ConstBool(x.B)}
	case sql.LitInterval:
		return bound{e: expr.ConstInt(x.Ms), interval: true}
	}
	return bound{e: expr.ConstNull(catalog.Unknown)}
}

// fold replaces e by its value when every input is a constant.
func fold(e expr.Expr, inputs ...expr.Expr) bound {
	for _, in := range inputs {
		if !isConst(in) {
			return bound{e: e}
		}
	}
	return bound{e: evalConst(e)}
}

// evalConst evaluates an expression without column references.
func evalConst(e expr.Expr) *expr.Const {
	b := &coldata.Batch{Len: 1}
	out := &coldata.Vec{}
	e.Eval(b, out)
	t := e.Type()
	if t == catalog.Unknown || out.Nulls.IsNull(0) {
		return expr.ConstNull(t)
	}
	switch t {
	case catalog.Bigint:
		return expr.ConstInt(out.I64[0])
	case catalog.Timestamp:
		return expr.ConstTimestamp(out.I64[0])
	case catalog.Double:
		return expr.ConstFloat(out.F64[0])
	case catalog.Varchar:
		return expr.ConstString(out.Str[0])
	default:
		return expr.ConstBool(out.Bool[0])
	}
}

// castTo converts e to type t (the caller checked that it may).
func castTo(e expr.Expr, t catalog.Type) expr.Expr {
	if e.Type() == t || t == catalog.Unknown {
		return e
	}
	if c, ok := e.(*expr.Const); ok && c.Null {
		return expr.ConstNull(t)
	}
	c, err := expr.NewCast(e, t)
	if err != nil {
		return e // unreachable for the implicit casts the binder makes
	}
	return fold(c, e).e
}

// coerceLiteral converts a VARCHAR constant to type t for a comparison with
// a t-typed value (ts > '2026-11-09 14:00:00', tokens = '5'), at planning
// time. ok is false when e is not such a constant.
func coerceLiteral(e expr.Expr, t catalog.Type, at sql.Pos) (expr.Expr, bool, error) {
	c, isC := e.(*expr.Const)
	if !isC || c.T != catalog.Varchar || t == catalog.Varchar || t == catalog.Unknown || c.Null {
		return e, false, nil
	}
	v := castTo(c, t)
	if vc, ok := v.(*expr.Const); !ok || vc.Null {
		return nil, true, errf(at, codeInvalidText, "invalid input syntax for type %s: %s", t, c)
	}
	return v, true, nil
}

// comparable brings two operands to one type for a comparison: numeric
// mixes go to DOUBLE, a string literal is parsed as the other side's type.
// lAt and rAt are where the operands start: text that does not parse is
// an error at its literal; operands that cannot be compared, at at.
func comparable(l, r bound, lAt, rAt, at sql.Pos) (expr.Expr, expr.Expr, error) {
	if l.interval || r.interval {
		return nil, nil, errf(at, codeDatatypeMismatch, "cannot compare %s with %s", typeName(l), typeName(r))
	}
	lt, rt := l.typ(), r.typ()
	switch {
	case lt == rt || lt == catalog.Unknown || rt == catalog.Unknown:
		return l.e, r.e, nil
	case lt.Numeric() && rt.Numeric():
		return castTo(l.e, catalog.Double), castTo(r.e, catalog.Double), nil
	}
	if v, ok, err := coerceLiteral(r.e, lt, orAt(rAt, at)); ok {
		return l.e, v, err
	}
	if v, ok, err := coerceLiteral(l.e, rt, orAt(lAt, at)); ok {
		return v, r.e, err
	}
	return nil, nil, errf(at, codeDatatypeMismatch, "cannot compare %s with %s", lt, rt)
}

// errMsg strips the package prefix of an expr error for a user's message.
func errMsg(err error) string {
	var ae *expr.ArgError
	if errors.As(err, &ae) {
		return ae.Msg
	}
	return strings.TrimPrefix(err.Error(), "expr: ")
}

// orAt returns at, or def when at is unknown (an expression the parser
// built without a position).
func orAt(at, def sql.Pos) sql.Pos {
	if at.Line == 0 {
		return def
	}
	return at
}
