package planner

import (
	"errors"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators/expr"
	"github.com/weirdb/weir/sql"
)

var arithOps = map[sql.BinOp]expr.ArithOp{
	sql.OpAdd: expr.Add, sql.OpSub: expr.Sub, sql.OpMul: expr.Mul, sql.OpDiv: expr.Div, sql.OpMod: expr.Mod,
}

var cmpOps = map[sql.BinOp]expr.CmpOp{
	sql.OpEq: expr.EQ, sql.OpNe: expr.NE, sql.OpLt: expr.LT, sql.OpLe: expr.LE, sql.OpGt: expr.GT, sql.OpGe: expr.GE,
}

func bindBinary(x *sql.Binary, sc *scope) (bound, error) {
	l, err := bind(x.L, sc)
	if err != nil {
		return bound{}, err
	}
	r, err := bind(x.R, sc)
	if err != nil {
		return bound{}, err
	}
	if op, ok := arithOps[x.Op]; ok {
		return bindArith(x, op, l, r)
	}
	if x.Op == sql.OpPow {
		return bindPow(x, l, r)
	}
	if op, ok := cmpOps[x.Op]; ok {
		le, re, err := comparable(l, r, x.L.ExprPos(), x.R.ExprPos(), x.At)
		if err != nil {
			return bound{}, err
		}
		c, err := expr.NewCompare(op, le, re)
		if err != nil {
			return bound{}, errf(x.At, codeDatatypeMismatch, "%s", errMsg(err))
		}
		return fold(c, le, re), nil
	}
	switch x.Op {
	case sql.OpIsDistinct, sql.OpIsNotDistinct:
		le, re, err := comparable(l, r, x.L.ExprPos(), x.R.ExprPos(), x.At)
		if err != nil {
			return bound{}, err
		}
		d, err := expr.NewDistinct(le, re, x.Op == sql.OpIsNotDistinct)
		if err != nil {
			return bound{}, errf(x.At, codeDatatypeMismatch, "%s", errMsg(err))
		}
		return fold(d, le, re), nil
	case sql.OpAnd, sql.OpOr:
		for i, side := range []bound{l, r} {
			if t := side.typ(); (t != catalog.Boolean && t != catalog.Unknown) || side.interval {
				pos := x.L.ExprPos()
				if i == 1 {
					pos = x.R.ExprPos()
				}
				return bound{}, errf(pos, codeDatatypeMismatch, "argument of %s must be BOOLEAN, not %s", x.Op, typeName(side))
			}
		}
		// TRUE AND x is x; FALSE OR x is x (x is BOOLEAN here).
		neutral := x.Op == sql.OpAnd
		if isBoolConst(l.e, neutral) && r.typ() == catalog.Boolean {
			return r, nil
		}
		if isBoolConst(r.e, neutral) && l.typ() == catalog.Boolean {
			return l, nil
		}
		var e expr.Expr
		if x.Op == sql.OpAnd {
			e, err = expr.NewAnd(l.e, r.e)
		} else {
			e, err = expr.NewOr(l.e, r.e)
		}
		if err != nil {
			return bound{}, errf(x.At, codeDatatypeMismatch, "%s", errMsg(err))
		}
		return fold(e, l.e, r.e), nil
	case sql.OpCat:
		if l.interval || r.interval {
			return bound{}, errf(x.At, codeDatatypeMismatch, "operator || cannot be applied to INTERVAL")
		}
		le, re := castTo(l.e, catalog.Varchar), castTo(r.e, catalog.Varchar)
		c, err := expr.NewConcatOp(le, re)
		if err != nil {
			return bound{}, errf(x.At, codeDatatypeMismatch, "%s", errMsg(err))
		}
		return fold(c, le, re), nil
	}
	return bound{}, errf(x.At, codeUnsupported, "unsupported operator %s", x.Op)
}

// bindArith types an arithmetic operator: numbers (BIGINT op DOUBLE is
// DOUBLE, `/` is always DOUBLE), TIMESTAMP ± INTERVAL (TIMESTAMP),
// INTERVAL ± INTERVAL, and TIMESTAMP - TIMESTAMP (BIGINT milliseconds).
func bindArith(x *sql.Binary, op expr.ArithOp, l, r bound) (bound, error) {
	lt, rt := l.typ(), r.typ()
	mismatch := func() (bound, error) {
		return bound{}, errf(x.At, codeDatatypeMismatch, "operator %s cannot be applied to %s and %s", x.Op, typeName(l), typeName(r))
	}
	build := func(le, re expr.Expr, res catalog.Type, interval bool) (bound, error) {
		a, err := expr.NewArith(op, le, re, res)
		if err != nil {
			return mismatch()
		}
		b := fold(a, le, re)
		b.interval = interval
		return b, nil
	}
	addSub := op == expr.Add || op == expr.Sub
	if addSub {
		var err error
		if l, r, err = datetimeLiterals(x, l, r); err != nil {
			return bound{}, err
		}
		lt, rt = l.typ(), r.typ()
	}
	switch {
	case l.interval && r.interval && addSub:
		return build(l.e, r.e, catalog.Bigint, true)
	case lt == catalog.Timestamp && r.interval && addSub:
		return build(l.e, r.e, catalog.Timestamp, false)
	case l.interval && rt == catalog.Timestamp && op == expr.Add:
		return build(r.e, l.e, catalog.Timestamp, false)
	case lt == catalog.Timestamp && rt == catalog.Timestamp && op == expr.Sub:
		return build(l.e, r.e, catalog.Bigint, false)
	case l.interval || r.interval:
		return mismatch()
	}
	// An untyped NULL takes the other side's type.
	if lt == catalog.Unknown && rt == catalog.Unknown {
		return bound{e: expr.ConstNull(catalog.Bigint)}, nil
	}
	if lt == catalog.Unknown {
		lt = rt
	}
	if rt == catalog.Unknown {
		rt = lt
	}
	if !lt.Numeric() || !rt.Numeric() {
		return mismatch()
	}
	res := catalog.Bigint
	if op == expr.Div || lt == catalog.Double || rt == catalog.Double {
		res = catalog.Double
	}
	return build(castTo(l.e, res), castTo(r.e, res), res, false)
}

// datetimeLiterals reads a string literal operand of x (+ or -) next to a
// TIMESTAMP or an INTERVAL as PostgreSQL reads an untyped literal there:
// beside an INTERVAL, or subtracted from or subtracting a TIMESTAMP, it is
// a TIMESTAMP ('2026-01-01' + INTERVAL '1' DAY, ts - '2026-01-01'); added
// to a TIMESTAMP it is an INTERVAL (ts + '1 hour'). Text that does not
// parse is an error at the literal.
func datetimeLiterals(x *sql.Binary, l, r bound) (bound, bound, error) {
	read := func(side bound, other bound, at sql.Pos) (bound, error) {
		c, ok := side.e.(*expr.Const)
		if !ok || c.Null || c.T != catalog.Varchar || side.interval {
			return side, nil
		}
		switch {
		case other.interval, other.typ() == catalog.Timestamp && x.Op == sql.OpSub:
			v, _, err := coerceLiteral(c, catalog.Timestamp, at)
			if err != nil {
				return bound{}, err
			}
			return bound{e: v}, nil
		case other.typ() == catalog.Timestamp:
			ms, ok := sql.ParseInterval(c.S)
			if !ok {
				return bound{}, errf(at, codeInvalidText, "invalid input syntax for type INTERVAL: %s (expected %s)", c, sql.IntervalTextExpected)
			}
			return bound{e: expr.ConstInt(ms), interval: true}, nil
		}
		return side, nil
	}
	nl, err := read(l, r, orAt(x.L.ExprPos(), x.At))
	if err != nil {
		return bound{}, bound{}, err
	}
	nr, err := read(r, l, orAt(x.R.ExprPos(), x.At))
	if err != nil {
		return bound{}, bound{}, err
	}
	return nl, nr, nil
}

// bindPow compiles l ^ r, PostgreSQL's exponentiation: POWER(l, r), a
// DOUBLE.
func bindPow(x *sql.Binary, l, r bound) (bound, error) {
	for _, side := range []bound{l, r} {
		if t := side.typ(); side.interval || (!t.Numeric() && t != catalog.Unknown) {
			return bound{}, errf(x.At, codeDatatypeMismatch, "operator ^ cannot be applied to %s and %s", typeName(l), typeName(r))
		}
	}
	le, re := castTo(l.e, catalog.Double), castTo(r.e, catalog.Double)
	c, err := expr.NewCall("POWER", []expr.Expr{le, re})
	if err != nil {
		return bound{}, errf(x.At, codeDatatypeMismatch, "%s", errMsg(err))
	}
	return fold(c, le, re), nil
}

// bindIsTruth compiles X IS [NOT] TRUE|FALSE; X must be BOOLEAN.
func bindIsTruth(x *sql.IsTruth, sc *scope) (bound, error) {
	v, err := bind(x.X, sc)
	if err != nil {
		return bound{}, err
	}
	if t := v.typ(); v.interval || (t != catalog.Boolean && t != catalog.Unknown) {
		what := "FALSE"
		if x.Value {
			what = "TRUE"
		}
		return bound{}, errf(x.X.ExprPos(), codeDatatypeMismatch, "argument of IS %s must be BOOLEAN, not %s", what, typeName(v))
	}
	e, err := expr.NewIsTruth(v.e, x.Value, x.Not)
	if err != nil {
		return bound{}, errf(x.At, codeDatatypeMismatch, "%s", errMsg(err))
	}
	return fold(e, v.e), nil
}

func bindUnary(x *sql.Unary, sc *scope) (bound, error) {
	v, err := bind(x.X, sc)
	if err != nil {
		return bound{}, err
	}
	if x.Op == sql.OpNot {
		if t := v.typ(); (t != catalog.Boolean && t != catalog.Unknown) || v.interval {
			return bound{}, errf(x.X.ExprPos(), codeDatatypeMismatch, "argument of NOT must be BOOLEAN, not %s", typeName(v))
		}
		n, err := expr.NewNot(v.e)
		if err != nil {
			return bound{}, errf(x.At, codeDatatypeMismatch, "%s", errMsg(err))
		}
		return fold(n, v.e), nil
	}
	if v.typ() == catalog.Unknown {
		return v, nil
	}
	if !v.typ().Numeric() {
		return bound{}, errf(x.At, codeDatatypeMismatch, "operator - cannot be applied to %s", typeName(v))
	}
	n, err := expr.NewNeg(v.e)
	if err != nil {
		return bound{}, errf(x.At, codeDatatypeMismatch, "%s", errMsg(err))
	}
	b := fold(n, v.e)
	b.interval = v.interval
	return b, nil
}

// bindIn compiles X IN (list): a set lookup when the list is constant,
// otherwise an OR of equalities.
func bindIn(x *sql.In, sc *scope) (bound, error) {
	v, err := bindScalar(x.X, sc)
	if err != nil {
		return bound{}, err
	}
	items := make([]expr.Expr, len(x.List))
	t := v.Type()
	for i, it := range x.List {
		if items[i], err = bindScalar(it, sc); err != nil {
			return bound{}, err
		}
		if t.Numeric() && items[i].Type() == catalog.Double {
			t = catalog.Double
		}
		if t == catalog.Unknown {
			t = items[i].Type()
		}
	}
	v = castTo(v, t)
	allConst := true
	for i, it := range items {
		at := x.List[i].ExprPos()
		le, re, err := comparable(bound{e: v}, bound{e: it}, x.X.ExprPos(), at, at)
		if err != nil {
			return bound{}, err
		}
		if le.Type() != t && le.Type() != catalog.Unknown {
			return bound{}, errf(at, codeDatatypeMismatch, "IN list value %s is %s, expected %s", canon(x.List[i]), it.Type(), t)
		}
		items[i] = re
		allConst = allConst && isConst(re)
	}
	if allConst && t != catalog.Unknown {
		consts := make([]*expr.Const, len(items))
		for i, it := range items {
			consts[i] = it.(*expr.Const)
		}
		in, err := expr.NewInList(v, consts, x.Not)
		if err != nil {
			return bound{}, errf(x.At, codeDatatypeMismatch, "%s", errMsg(err))
		}
		return fold(in, v), nil
	}
	var or expr.Expr
	for _, it := range items {
		eq, err := expr.NewCompare(expr.EQ, v, it)
		if err != nil {
			return bound{}, errf(x.At, codeDatatypeMismatch, "%s", errMsg(err))
		}
		if or == nil {
			or = eq
		} else if or, err = expr.NewOr(or, eq); err != nil {
			return bound{}, errf(x.At, codeDatatypeMismatch, "%s", errMsg(err))
		}
	}
	if x.Not {
		n, _ := expr.NewNot(or)
		return bound{e: n}, nil
	}
	return bound{e: or}, nil
}

// bindBetween compiles X BETWEEN Lo AND Hi as X >= Lo AND X <= Hi.
func bindBetween(x *sql.Between, sc *scope) (bound, error) {
	v, err := bind(x.X, sc)
	if err != nil {
		return bound{}, err
	}
	var parts [2]expr.Expr
	for i, side := range []sql.Expr{x.Lo, x.Hi} {
		s, err := bind(side, sc)
		if err != nil {
			return bound{}, err
		}
		le, re, err := comparable(v, s, x.X.ExprPos(), side.ExprPos(), side.ExprPos())
		if err != nil {
			return bound{}, err
		}
		op := expr.GE
		if i == 1 {
			op = expr.LE
		}
		if parts[i], err = expr.NewCompare(op, le, re); err != nil {
			return bound{}, errf(x.At, codeDatatypeMismatch, "%s", errMsg(err))
		}
	}
	and, err := expr.NewAnd(parts[0], parts[1])
	if err != nil {
		return bound{}, errf(x.At, codeDatatypeMismatch, "%s", errMsg(err))
	}
	if x.Not {
		n, _ := expr.NewNot(and)
		return bound{e: n}, nil
	}
	return bound{e: and}, nil
}

// bindLike compiles X [NOT] LIKE|ILIKE 'pattern' [ESCAPE 'c']: the pattern
// and the escape must be constant strings; the escape one character, or
// empty for none.
func bindLike(x *sql.Like, sc *scope) (bound, error) {
	op := "LIKE"
	if x.ILike {
		op = "ILIKE"
	}
	v, err := bindScalar(x.X, sc)
	if err != nil {
		return bound{}, err
	}
	if t := v.Type(); t != catalog.Varchar && t != catalog.Unknown {
		return bound{}, errf(x.X.ExprPos(), codeDatatypeMismatch, "%s needs a VARCHAR operand, not %s", op, t)
	}
	p, err := bindScalar(x.Pattern, sc)
	if err != nil {
		return bound{}, err
	}
	c, ok := p.(*expr.Const)
	if !ok || (c.T != catalog.Varchar && !c.Null) {
		return bound{}, errf(x.Pattern.ExprPos(), codeUnsupported, "%s pattern must be a constant string", op)
	}
	opts := expr.LikeOpts{Not: x.Not, ILike: x.ILike, Escape: '\\'}
	null := c.Null
	if x.Escape != nil {
		ev, err := bindScalar(x.Escape, sc)
		if err != nil {
			return bound{}, err
		}
		ec, ok := ev.(*expr.Const)
		if !ok || (ec.T != catalog.Varchar && !ec.Null) {
			return bound{}, errf(x.Escape.ExprPos(), codeUnsupported, "ESCAPE must be a constant string")
		}
		switch r := []rune(ec.S); {
		case ec.Null:
			null = true
		case len(r) == 0:
			opts.NoEscape = true
		case len(r) == 1:
			opts.Escape = r[0]
		default:
			return bound{}, errf(x.Escape.ExprPos(), codeInvalidEscape, "invalid escape string %s: ESCAPE takes one character, or '' for none", ec)
		}
	}
	if null {
		return bound{e: expr.ConstNull(catalog.Boolean)}, nil
	}
	l, err := expr.NewLikeWith(v, c.S, opts)
	if err != nil {
		return bound{}, errf(x.Pattern.ExprPos(), codeInvalidEscape, "%s", errMsg(err))
	}
	return fold(l, v), nil
}

// bindRegex compiles X ~ Pattern and its variants: both must be VARCHAR.
// A constant pattern is compiled now, and one that does not compile is an
// error at the pattern.
func bindRegex(x *sql.Regex, sc *scope) (bound, error) {
	op := x.Op()
	v, err := bindScalar(x.X, sc)
	if err != nil {
		return bound{}, err
	}
	if t := v.Type(); t != catalog.Varchar && t != catalog.Unknown {
		return bound{}, errf(x.X.ExprPos(), codeDatatypeMismatch, "%s needs a VARCHAR operand, not %s", op, t)
	}
	p, err := bindScalar(x.Pattern, sc)
	if err != nil {
		return bound{}, err
	}
	if t := p.Type(); t != catalog.Varchar && t != catalog.Unknown {
		return bound{}, errf(x.Pattern.ExprPos(), codeDatatypeMismatch, "%s pattern must be VARCHAR, not %s", op, t)
	}
	e, err := expr.NewRegexMatch(v, p, x.ICase, x.Not)
	if err != nil {
		var ae *expr.ArgError
		if errors.As(err, &ae) {
			return bound{}, errf(x.Pattern.ExprPos(), ae.Code, "%s", ae.Msg)
		}
		return bound{}, errf(x.At, codeDatatypeMismatch, "%s", errMsg(err))
	}
	return fold(e, v, p), nil
}

// bindCase compiles CASE; the simple form CASE x WHEN v ... becomes
// CASE WHEN x = v .... The result type is the common type of the branches.
func bindCase(x *sql.Case, sc *scope) (bound, error) {
	var operand bound
	if x.Operand != nil {
		var err error
		if operand, err = bind(x.Operand, sc); err != nil {
			return bound{}, err
		}
	}
	whens := make([]expr.When, len(x.Whens))
	var types []catalog.Type
	for i, w := range x.Whens {
		var cond expr.Expr
		if x.Operand != nil {
			v, err := bind(w.Cond, sc)
			if err != nil {
				return bound{}, err
			}
			le, re, err := comparable(operand, v, x.Operand.ExprPos(), w.Cond.ExprPos(), w.Cond.ExprPos())
			if err != nil {
				return bound{}, err
			}
			if cond, err = expr.NewCompare(expr.EQ, le, re); err != nil {
				return bound{}, errf(w.Cond.ExprPos(), codeDatatypeMismatch, "%s", errMsg(err))
			}
		} else {
			var err error
			if cond, err = bindBool(w.Cond, &scope{cols: sc.cols, tables: sc.tables, clause: "CASE WHEN", windowed: sc.windowed, subst: sc.subst, pre: sc.pre}); err != nil {
				return bound{}, err
			}
		}
		then, err := bindScalar(w.Then, sc)
		if err != nil {
			return bound{}, err
		}
		whens[i] = expr.When{Cond: cond, Then: then}
		types = append(types, then.Type())
	}
	var els expr.Expr
	if x.Else != nil {
		var err error
		if els, err = bindScalar(x.Else, sc); err != nil {
			return bound{}, err
		}
		types = append(types, els.Type())
	}
	t, err := expr.CommonType(types...)
	if err != nil {
		return bound{}, errf(x.At, codeDatatypeMismatch, "CASE branches: %s", err)
	}
	for i := range whens {
		whens[i].Then = castTo(whens[i].Then, t)
	}
	if els != nil {
		els = castTo(els, t)
	}
	c, err := expr.NewCase(whens, els, t)
	if err != nil {
		return bound{}, errf(x.At, codeDatatypeMismatch, "%s", errMsg(err))
	}
	return bound{e: c}, nil
}

// isBoolConst reports whether e is the non-NULL BOOLEAN constant v.
func isBoolConst(e expr.Expr, v bool) bool {
	c, ok := e.(*expr.Const)
	return ok && !c.Null && c.T == catalog.Boolean && c.B == v
}
