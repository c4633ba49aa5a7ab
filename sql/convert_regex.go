package sql

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
)

// This file converts what lift_expr.go handed TiDB for the regular
// expression operators and IS [NOT] DISTINCT FROM. TiDB's node does not
// say which spelling it came from; the user's tokens just before the right
// operand do (TiDB positions that operand at its first token).

// regex converts x [NOT] REGEXP p: the user wrote ~, ~*, !~, !~*, REGEXP or
// RLIKE before p.
func (c *converter) regex(e *ast.PatternRegexpExpr, at Pos) (Expr, error) {
	x, pat, err := c.pair(e.Expr, e.Pattern)
	if err != nil {
		return nil, err
	}
	r := &Regex{At: at, X: x, Pattern: pat, Not: e.Not}
	k := c.tokIndex(c.rw.orig(e.Pattern.OriginTextPosition()))
	if k <= 0 {
		return nil, &Error{At: at, Code: CodeSyntax, Msg: "cannot tell which regular expression operator this is; put its pattern in parentheses"}
	}
	switch op := c.toks[k-1]; {
	case op.is("REGEXP"), op.is("RLIKE"):
		r.Keyword = strings.ToUpper(op.val)
	case op.isOp("*"):
		r.ICase = true
	case !op.isOp("~"):
		return nil, c.p.syntaxErr(op, "a regular expression operator")
	}
	return r, nil
}

// distinctSpelling reports how the user wrote the <=> TiDB read in e:
// IS DISTINCT FROM (idf, distinct), IS NOT DISTINCT FROM (idf) or <=>.
// ok is false when the tokens before e's right operand are none of these.
func (c *converter) distinctSpelling(e *ast.BinaryOperationExpr) (idf, distinct, ok bool) {
	k := c.tokIndex(c.rw.orig(e.R.OriginTextPosition()))
	switch {
	case k >= 3 && c.toks[k-1].is("FROM") && c.toks[k-2].is("DISTINCT"):
		return true, c.toks[k-3].is("IS"), true
	case k >= 1 && c.toks[k-1].isOp("<=>"):
		return false, false, true
	}
	return false, false, false
}

// distinct converts x <=> y, x IS DISTINCT FROM y or x IS NOT DISTINCT
// FROM y.
func (c *converter) distinct(e *ast.BinaryOperationExpr, at Pos, off int) (Expr, error) {
	_, distinct, ok := c.distinctSpelling(e)
	if !ok {
		return nil, c.unsupported(off, "cannot tell IS DISTINCT FROM from IS NOT DISTINCT FROM here; put the right operand in parentheses")
	}
	l, r, err := c.pair(e.L, e.R)
	if err != nil {
		return nil, err
	}
	op := OpIsNotDistinct
	if distinct {
		op = OpIsDistinct
	}
	return &Binary{At: at, Op: op, L: l, R: r}, nil
}

// comparisonOps are TiDB's comparison operators, which bind tighter than
// PostgreSQL's IS [NOT] DISTINCT FROM.
var comparisonOps = map[opcode.Op]bool{
	opcode.EQ: true, opcode.NE: true, opcode.LT: true, opcode.LE: true, opcode.GT: true, opcode.GE: true,
	opcode.NullEQ: true,
}

// rotateDistinct regroups a comparison whose left operand is an
// unparenthesized IS [NOT] DISTINCT FROM: TiDB reads the <=> it was handed
// as a comparison, (a <=> b) = c, where PostgreSQL reads
// a IS DISTINCT FROM (b = c). MySQL's own <=> keeps MySQL's grouping. It
// returns nil when e needs no regrouping.
func (c *converter) rotateDistinct(e *ast.BinaryOperationExpr) *ast.BinaryOperationExpr {
	if !comparisonOps[e.Op] {
		return nil
	}
	if e.Op == opcode.NullEQ {
		if idf, _, _ := c.distinctSpelling(e); idf {
			return nil // a IS DISTINCT FROM b IS DISTINCT FROM c: left to right
		}
	}
	l, ok := e.L.(*ast.BinaryOperationExpr)
	if !ok || l.Op != opcode.NullEQ {
		return nil
	}
	if idf, _, _ := c.distinctSpelling(l); !idf {
		return nil
	}
	inner := &ast.BinaryOperationExpr{Op: e.Op, L: l.R, R: e.R}
	inner.SetOriginTextPosition(l.R.OriginTextPosition())
	outer := &ast.BinaryOperationExpr{Op: opcode.NullEQ, L: l.L, R: inner}
	outer.SetOriginTextPosition(l.OriginTextPosition())
	return outer
}
