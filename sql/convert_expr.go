package sql

import (
	"math"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"
	"github.com/weirdb/weir/catalog"
)

// binOps maps TiDB's binary operators to weir's. TiDB reads ^ as MySQL's
// bitwise XOR; weir reads it as PostgreSQL does, exponentiation (both bind
// tighter than * and looser than unary minus, left to right).
var binOps = map[opcode.Op]BinOp{
	opcode.Plus: OpAdd, opcode.Minus: OpSub, opcode.Mul: OpMul, opcode.Div: OpDiv, opcode.Mod: OpMod,
	opcode.EQ: OpEq, opcode.NE: OpNe, opcode.LT: OpLt, opcode.LE: OpLe, opcode.GT: OpGt, opcode.GE: OpGe,
	opcode.LogicAnd: OpAnd, opcode.LogicOr: OpOr, opcode.Xor: OpPow,
}

// opSQL returns how the user spelled a TiDB operator (TiDB's own names
// are opcode names such as "bitand" or "nulleq").
func opSQL(op opcode.Op) string {
	switch op {
	case opcode.NE:
		return "<>"
	case opcode.Not, opcode.Not2:
		return "NOT"
	case opcode.LogicXor:
		return "XOR"
	case opcode.IntDiv:
		return "DIV"
	}
	var sb strings.Builder
	op.Format(&sb)
	return strings.TrimSpace(sb.String())
}

// expr converts one TiDB expression. TiDB leaves some nodes it builds
// itself at offset 0 (the statement's start, never a real expression's:
// the text starts with SELECT); those take the position of the innermost
// enclosing call, so that an error points at it.
func (c *converter) expr(n ast.ExprNode) (Expr, error) {
	off := n.OriginTextPosition()
	if off <= 0 {
		off = c.posHint
	}
	at := c.origPos(off)
	switch e := n.(type) {
	case *ast.ParenthesesExpr:
		return c.expr(e.Expr)
	case *ast.ColumnNameExpr:
		return c.column(e.Name, off)
	case *test_driver.ValueExpr:
		return c.value(e, off)
	case *ast.BinaryOperationExpr:
		if r := c.rotateDistinct(e); r != nil {
			return c.expr(r)
		}
		if e.Op == opcode.NullEQ {
			return c.distinct(e, at, off)
		}
		op, ok := binOps[e.Op]
		if !ok {
			return nil, c.unsupported(off, "operator "+opSQL(e.Op)+" is not supported")
		}
		l, r, err := c.pair(e.L, e.R)
		if err != nil {
			return nil, err
		}
		return &Binary{At: at, Op: op, L: l, R: r}, nil
	case *ast.UnaryOperationExpr:
		x, err := c.expr(e.V)
		if err != nil {
			return nil, err
		}
		switch e.Op {
		case opcode.Plus:
			return x, nil
		case opcode.Minus:
			if lit, ok := x.(*Literal); ok && lit.Kind == LitInt && lit.I != math.MinInt64 {
				return &Literal{At: at, Kind: LitInt, I: -lit.I}, nil
			}
			if lit, ok := x.(*Literal); ok && lit.Kind == LitFloat {
				if lit.F == -math.MinInt64 && c.isUint64Edge(e.V) {
					return &Literal{At: at, Kind: LitInt, I: math.MinInt64}, nil
				}
				return &Literal{At: at, Kind: LitFloat, F: -lit.F}, nil
			}
			return &Unary{At: at, Op: OpNeg, X: x}, nil
		case opcode.Not, opcode.Not2:
			return &Unary{At: at, Op: OpNot, X: x}, nil
		}
		return nil, c.unsupported(off, "operator "+opSQL(e.Op)+" is not supported")
	case *ast.IsNullExpr:
		x, err := c.expr(e.Expr)
		if err != nil {
			return nil, err
		}
		return &IsNull{At: at, X: x, Not: e.Not}, nil
	case *ast.IsTruthExpr:
		x, err := c.expr(e.Expr)
		if err != nil {
			return nil, err
		}
		return &IsTruth{At: at, X: x, Value: e.True != 0, Not: e.Not}, nil
	case *ast.PatternInExpr:
		if e.Sel != nil {
			return nil, c.unsupported(off, "subqueries in expressions are not supported")
		}
		x, err := c.expr(e.Expr)
		if err != nil {
			return nil, err
		}
		list, err := c.exprs(e.List)
		if err != nil {
			return nil, err
		}
		return &In{At: at, X: x, List: list, Not: e.Not}, nil
	case *ast.BetweenExpr:
		x, err := c.expr(e.Expr)
		if err != nil {
			return nil, err
		}
		lo, hi, err := c.pair(e.Left, e.Right)
		if err != nil {
			return nil, err
		}
		return &Between{At: at, X: x, Lo: lo, Hi: hi, Not: e.Not}, nil
	case *ast.PatternLikeOrIlikeExpr:
		x, pat, err := c.pair(e.Expr, e.Pattern)
		if err != nil {
			return nil, err
		}
		l := &Like{At: at, X: x, Pattern: pat, Not: e.Not, ILike: !e.IsLike}
		if e.EscapeExplicit {
			esc, ok := c.escapeLiteral(e.Escape)
			if !ok {
				return nil, &Error{At: at, Code: CodeSyntax, Msg: "expected ESCAPE 'character' after the LIKE pattern"}
			}
			l.Escape = esc
		}
		return l, nil
	case *ast.CaseExpr:
		return c.caseExpr(e, at)
	case *ast.FuncCallExpr:
		return c.funcCall(e, off)
	case *ast.AggregateFuncExpr:
		if e.Order != nil {
			return nil, c.unsupported(off, "ORDER BY inside an aggregate is not supported")
		}
		if i := c.tokIndex(c.rw.orig(off)); i >= 0 && !c.toks[i].isName() {
			return nil, c.p.syntaxErr(c.toks[i], "an expression")
		}
		f := &Func{At: at, Name: c.userFuncName(off, e.F), Distinct: e.Distinct}
		if f.Name == "count" && !e.Distinct && c.starArg(off) {
			f.Star = true
			return f, nil
		}
		args, err := c.exprs(e.Args)
		if err != nil {
			return nil, err
		}
		f.Args = args
		return f, nil
	case *ast.PositionExpr:
		if e.P != nil {
			break
		}
		if n.OriginTextPosition() <= 0 {
			at = c.positionToken(e.N)
		}
		return &Literal{At: at, Kind: LitInt, I: int64(e.N)}, nil
	case *ast.PatternRegexpExpr:
		return c.regex(e, at)
	case *ast.SubqueryExpr, *ast.ExistsSubqueryExpr, *ast.CompareSubqueryExpr:
		return nil, c.unsupported(off, "subqueries in expressions are not supported")
	case *ast.WindowFuncExpr:
		return nil, c.unsupported(off, "window functions (OVER) are not supported; use a window TVF such as TUMBLE in FROM")
	case *ast.FuncCastExpr:
		return nil, c.unsupported(off, "CONVERT is not supported; use CAST(x AS type)")
	}
	return nil, c.unsupported(off, "this expression is not supported")
}

// isUint64Edge reports whether n is the literal 9223372036854775808.
func (c *converter) isUint64Edge(n ast.ExprNode) bool {
	v, ok := n.(*test_driver.ValueExpr)
	return ok && v.Datum.Kind() == test_driver.KindUint64 && v.Datum.GetUint64() == 1<<63
}

// pair converts two expressions in order.
func (c *converter) pair(a, b ast.ExprNode) (Expr, Expr, error) {
	x, err := c.expr(a)
	if err != nil {
		return nil, nil, err
	}
	y, err := c.expr(b)
	if err != nil {
		return nil, nil, err
	}
	return x, y, nil
}

// exprs converts a list of expressions.
func (c *converter) exprs(ns []ast.ExprNode) ([]Expr, error) {
	if len(ns) == 0 {
		return nil, nil
	}
	out := make([]Expr, 0, len(ns))
	for _, n := range ns {
		e, err := c.expr(n)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// column converts a column reference, or a lifted interval placeholder.
func (c *converter) column(n *ast.ColumnName, off int) (Expr, error) {
	if n.Schema.O != "" {
		return nil, c.unsupported(off, "qualified names with a schema are not supported")
	}
	if n.Table.O == "" {
		if rest, ok := strings.CutPrefix(n.Name.O, phInterval); ok {
			if k, err := strconv.Atoi(rest); err == nil && k < len(c.lf.intervals) {
				iv := c.lf.intervals[k]
				return &Literal{At: iv.At, Kind: LitInterval, Ms: iv.Ms}, nil
			}
		}
	}
	if err := c.checkName(n.Table.O, off); err != nil {
		return nil, err
	}
	if err := c.checkName(n.Name.O, off); err != nil {
		return nil, err
	}
	return &ColumnRef{At: c.origPos(off), Table: n.Table.O, Name: n.Name.O}, nil
}

// value converts a literal. TiDB reads TRUE and FALSE as 1 and 0; the
// user's token tells them apart.
func (c *converter) value(v *test_driver.ValueExpr, off int) (Expr, error) {
	at := c.origPos(off)
	d := &v.Datum
	switch d.Kind() {
	case test_driver.KindNull:
		return &Literal{At: at, Kind: LitNull}, nil
	case test_driver.KindInt64:
		if i := c.tokIndex(at.Offset); i >= 0 && (c.toks[i].is("TRUE") || c.toks[i].is("FALSE")) {
			return &Literal{At: at, Kind: LitBool, B: c.toks[i].is("TRUE")}, nil
		}
		return &Literal{At: at, Kind: LitInt, I: d.GetInt64()}, nil
	case test_driver.KindUint64:
		u := d.GetUint64()
		if u <= math.MaxInt64 {
			return &Literal{At: at, Kind: LitInt, I: int64(u)}, nil
		}
		return &Literal{At: at, Kind: LitFloat, F: float64(u)}, nil
	case test_driver.KindFloat64:
		return &Literal{At: at, Kind: LitFloat, F: d.GetFloat64()}, nil
	case test_driver.KindFloat32:
		return &Literal{At: at, Kind: LitFloat, F: float64(d.GetFloat32())}, nil
	case test_driver.KindMysqlDecimal:
		f, err := strconv.ParseFloat(d.GetMysqlDecimal().String(), 64)
		if err != nil {
			return nil, &Error{At: at, Code: CodeSyntax, Msg: "expected a number, found " + d.GetMysqlDecimal().String()}
		}
		return &Literal{At: at, Kind: LitFloat, F: f}, nil
	case test_driver.KindString, test_driver.KindBytes:
		return &Literal{At: at, Kind: LitString, S: d.GetString()}, nil
	}
	return nil, c.unsupported(off, "this kind of literal is not supported")
}

// starArg reports whether the user wrote name(*) at rewritten offset off.
func (c *converter) starArg(off int) bool {
	i := c.tokIndex(c.rw.orig(off))
	return i >= 0 && i+2 < len(c.toks) && c.toks[i+1].isOp("(") && c.toks[i+2].isOp("*")
}

// caseExpr converts CASE.
func (c *converter) caseExpr(e *ast.CaseExpr, at Pos) (Expr, error) {
	ce := &Case{At: at}
	var err error
	if e.Value != nil {
		if ce.Operand, err = c.expr(e.Value); err != nil {
			return nil, err
		}
	}
	for _, w := range e.WhenClauses {
		cond, then, err := c.pair(w.Expr, w.Result)
		if err != nil {
			return nil, err
		}
		ce.Whens = append(ce.Whens, When{Cond: cond, Then: then})
	}
	if e.ElseClause != nil {
		if ce.Else, err = c.expr(e.ElseClause); err != nil {
			return nil, err
		}
	}
	return ce, nil
}

// funcCall converts a scalar function call, a lifted CAST, || (which TiDB
// reads as concat) and typed literals such as TIMESTAMP '...'.
func (c *converter) funcCall(e *ast.FuncCallExpr, off int) (Expr, error) {
	at := c.origPos(off)
	if e.Schema.O != "" {
		return nil, c.unsupported(off, "qualified function names are not supported")
	}
	name := e.FnName.L
	if rest, ok := strings.CutPrefix(name, phCast); ok {
		k, err := strconv.Atoi(rest)
		if err != nil || k >= len(c.lf.casts) || len(e.Args) != 1 {
			return nil, &Error{At: at, Code: CodeSyntax, Msg: "expected CAST(expression AS type)"}
		}
		x, err := c.expr(e.Args[0])
		if err != nil {
			return nil, err
		}
		return &Cast{At: c.lf.casts[k].at, X: x, To: c.lf.casts[k].to}, nil
	}
	if rest, ok := strings.CutPrefix(name, phExtract); ok {
		k, err := strconv.Atoi(rest)
		if err != nil || k >= len(c.lf.extracts) {
			return nil, &Error{At: at, Code: CodeSyntax, Msg: "expected EXTRACT(field FROM timestamp)"}
		}
		lx := c.lf.extracts[k]
		if len(e.Args) == 0 {
			return nil, c.p.syntaxErr(lx.after, "an expression in EXTRACT(field FROM timestamp)")
		}
		if len(e.Args) != 1 {
			// EXTRACT(field FROM a, b): point at the ',' before b.
			found := c.p.eofAfter(c.toks)
			if i := c.tokIndex(c.rw.orig(e.Args[1].OriginTextPosition())); i > 0 {
				found = c.toks[i-1]
			}
			return nil, c.p.syntaxErr(found, "')' to close EXTRACT(field FROM timestamp)")
		}
		x, err := c.expr(e.Args[0])
		if err != nil {
			return nil, err
		}
		return &Func{At: lx.at, Name: "extract", Args: []Expr{lx.field, x}}, nil
	}
	saved := c.posHint
	c.posHint = off
	defer func() { c.posHint = saved }()
	for _, a := range e.Args {
		switch a.(type) {
		case *ast.TimeUnitExpr, *ast.GetFormatSelectorExpr:
			return nil, c.unsupported(off, "function "+c.userFuncName(off, name)+" is not supported")
		}
	}
	switch name {
	case ast.Concat:
		if len(e.Args) == 2 && e.Args[0].OriginTextPosition() == off {
			l, r, err := c.pair(e.Args[0], e.Args[1])
			if err != nil {
				return nil, err
			}
			return &Binary{At: at, Op: OpCat, L: l, R: r}, nil
		}
	case ast.TimestampLiteral, ast.DateLiteral:
		if len(e.Args) == 1 {
			x, err := c.expr(e.Args[0])
			if err != nil {
				return nil, err
			}
			// TiDB places the text at the keyword; an error about the
			// text (TIMESTAMP 'bogus') points at the text, as PostgreSQL.
			if lit, ok := x.(*Literal); ok {
				if i := c.tokIndex(c.rw.orig(off)); i >= 0 && i+1 < len(c.toks) && c.toks[i+1].kind == tokString {
					lit.At = c.p.lines.pos(c.toks[i+1].start)
				}
			}
			return &Cast{At: at, X: x, To: catalog.Timestamp}, nil
		}
	case ast.TimeLiteral:
		return nil, c.unsupported(off, "TIME literals are not supported")
	case ast.Trim:
		return c.trim(e, at)
	}
	if err := c.checkName(name, off); err != nil {
		return nil, err
	}
	if strings.HasPrefix(name, "'") {
		return nil, c.unsupported(off, "this expression is not supported")
	}
	args, err := c.exprs(e.Args)
	if err != nil {
		return nil, err
	}
	if i := c.tokIndex(c.rw.orig(off)); i >= 0 && !c.toks[i].isName() {
		// TiDB read a name the user did not write as one (00x() is a
		// number then a name to weir's tokenizer).
		return nil, c.p.syntaxErr(c.toks[i], "an expression")
	}
	fname := c.userFuncName(off, name)
	if fname == "trim" {
		fname = "btrim" // TRIM(string, characters), lifted
	}
	return &Func{At: at, Name: fname, Args: args}, nil
}

// userFuncName returns the function name as the user wrote it, lower-cased:
// TiDB renames some (STDDEV to stddev_pop, VARIANCE to var_pop), which
// would change their meaning in weir.
func (c *converter) userFuncName(off int, tidbName string) string {
	i := c.tokIndex(c.rw.orig(off))
	if i >= 0 && i+1 < len(c.toks) && c.toks[i].isName() && c.toks[i+1].isOp("(") {
		return strings.ToLower(c.toks[i].val)
	}
	return strings.ToLower(tidbName)
}

// trim converts TRIM([BOTH|LEADING|TRAILING] [characters] FROM string) to
// btrim, ltrim or rtrim(string [, characters]), as PostgreSQL's grammar
// does.
func (c *converter) trim(e *ast.FuncCallExpr, at Pos) (Expr, error) {
	name := "btrim"
	args := e.Args
	if len(args) == 3 {
		if d, ok := args[2].(*ast.TrimDirectionExpr); ok {
			switch d.Direction {
			case ast.TrimLeading:
				name = "ltrim"
			case ast.TrimTrailing:
				name = "rtrim"
			}
		}
		args = args[:2]
		// TRIM(LEADING FROM x): TiDB adds the characters ' ' itself, at
		// offset 0; they are the default anyway.
		if args[1].OriginTextPosition() <= 0 {
			args = args[:1]
		}
	}
	out, err := c.exprs(args)
	if err != nil {
		return nil, err
	}
	return &Func{At: at, Name: name, Args: out}, nil
}

// positionToken finds the user's token of GROUP BY n or ORDER BY n, which
// TiDB leaves unpositioned: the first number n not yet taken that follows
// BY or ','. It falls back to the statement's start.
func (c *converter) positionToken(n int) Pos {
	want := strconv.Itoa(n)
	for i := 1; i < len(c.toks); i++ {
		t := c.toks[i]
		if t.kind != tokNumber || t.val != want || c.takenPos[i] {
			continue
		}
		if prev := c.toks[i-1]; prev.is("BY") || prev.isOp(",") {
			if c.takenPos == nil {
				c.takenPos = map[int]bool{}
			}
			c.takenPos[i] = true
			return c.p.lines.pos(t.start)
		}
	}
	return c.origPos(0)
}
