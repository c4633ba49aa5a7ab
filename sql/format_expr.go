package sql

import (
	"math"
	"strconv"
	"strings"
)

// Printing precedence, matching how TiDB's grammar (in weir's ANSI mode)
// binds: a child is parenthesized when it binds looser than its slot needs.
const (
	precOr    = 1
	precAnd   = 2
	precNot   = 3
	precPred  = 4 // comparisons, IS NULL, IN, BETWEEN, LIKE
	precAdd   = 5
	precMul   = 6
	precPow   = 7 // ^ (TiDB's ^ sits between * and ||, as PostgreSQL's ^ above *)
	precCat   = 8
	precUnary = 9 // unary minus and negative literals
	precAtom  = 10
)

func binPrec(op BinOp) int {
	switch op {
	case OpOr:
		return precOr
	case OpAnd:
		return precAnd
	case OpAdd, OpSub:
		return precAdd
	case OpMul, OpDiv, OpMod:
		return precMul
	case OpPow:
		return precPow
	case OpCat:
		return precCat
	}
	return precPred
}

// prec is the binding strength of e when printed.
func prec(e Expr) int {
	switch e := e.(type) {
	case *Binary:
		return binPrec(e.Op)
	case *Unary:
		if e.Op == OpNot {
			return precNot
		}
		return precUnary
	case *IsNull, *IsTruth, *In, *Between, *Like, *Regex:
		return precPred
	case *Literal:
		if (e.Kind == LitInt && e.I < 0) || (e.Kind == LitFloat && (e.F < 0 || math.Signbit(e.F))) {
			return precUnary
		}
	}
	return precAtom
}

// expr prints e, in parentheses when it binds looser than min.
func (f *formatter) expr(e Expr, min int) {
	if e == nil {
		f.WriteString("NULL")
		return
	}
	if prec(e) < min {
		f.WriteString("(")
		defer f.WriteString(")")
	}
	switch e := e.(type) {
	case *ColumnRef:
		if e.Table != "" {
			f.ident(e.Table)
			f.WriteString(".")
		}
		f.ident(e.Name)
	case *Literal:
		f.literal(e)
	case *Binary:
		p := binPrec(e.Op)
		left, right := p, p+1
		if p == precPred {
			left, right = precAdd, precAdd
		}
		f.expr(e.L, left)
		f.WriteString(" " + string(e.Op) + " ")
		f.expr(e.R, right)
	case *Unary:
		if e.Op == OpNot {
			f.WriteString("NOT ")
			f.expr(e.X, precNot)
		} else {
			f.WriteString("-")
			f.expr(e.X, precAtom)
		}
	case *IsNull:
		f.expr(e.X, precAdd)
		if e.Not {
			f.WriteString(" IS NOT NULL")
		} else {
			f.WriteString(" IS NULL")
		}
	case *IsTruth:
		f.expr(e.X, precAdd)
		f.WriteString(" IS ")
		if e.Not {
			f.WriteString("NOT ")
		}
		if e.Value {
			f.WriteString("TRUE")
		} else {
			f.WriteString("FALSE")
		}
	case *In:
		f.expr(e.X, precAdd)
		if e.Not {
			f.WriteString(" NOT")
		}
		f.WriteString(" IN (")
		for i, x := range e.List {
			if i > 0 {
				f.WriteString(", ")
			}
			f.expr(x, 0)
		}
		f.WriteString(")")
	case *Between:
		f.expr(e.X, precAdd)
		if e.Not {
			f.WriteString(" NOT")
		}
		f.WriteString(" BETWEEN ")
		f.expr(e.Lo, precAdd)
		f.WriteString(" AND ")
		f.expr(e.Hi, precAdd)
	case *Like:
		f.expr(e.X, precAdd)
		if e.Not {
			f.WriteString(" NOT")
		}
		if e.ILike {
			f.WriteString(" ILIKE ")
		} else {
			f.WriteString(" LIKE ")
		}
		// TiDB's grammar takes a simple expression as the pattern.
		f.expr(e.Pattern, precAtom)
		if e.Escape != nil {
			f.WriteString(" ESCAPE ")
			f.expr(e.Escape, precAtom)
		}
	case *Regex:
		f.expr(e.X, precAdd)
		f.WriteString(" " + e.Op() + " ")
		// TiDB's grammar takes a simple expression as the pattern.
		f.expr(e.Pattern, precAtom)
	case *Case:
		f.WriteString("CASE")
		if e.Operand != nil {
			f.WriteString(" ")
			f.expr(e.Operand, 0)
		}
		for _, w := range e.Whens {
			f.WriteString(" WHEN ")
			f.expr(w.Cond, 0)
			f.WriteString(" THEN ")
			f.expr(w.Then, 0)
		}
		if e.Else != nil {
			f.WriteString(" ELSE ")
			f.expr(e.Else, 0)
		}
		f.WriteString(" END")
	case *Cast:
		f.WriteString("CAST(")
		f.expr(e.X, 0)
		f.WriteString(" AS " + e.To.String() + ")")
	case *Func:
		if f.specialFunc(e) {
			return
		}
		f.funcName(e.Name)
		f.WriteString("(")
		switch {
		case e.Star:
			f.WriteString("*")
		default:
			if e.Distinct {
				f.WriteString("DISTINCT ")
			}
			for i, a := range e.Args {
				if i > 0 {
					f.WriteString(", ")
				}
				f.expr(a, 0)
			}
		}
		f.WriteString(")")
	default:
		f.WriteString("<unformattable expression>")
	}
}

func (f *formatter) literal(l *Literal) {
	switch l.Kind {
	case LitNull:
		f.WriteString("NULL")
	case LitInt:
		f.WriteString(strconv.FormatInt(l.I, 10))
	case LitFloat:
		s := strconv.FormatFloat(l.F, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eIN") {
			s += ".0"
		}
		f.WriteString(s)
	case LitString:
		f.str(l.S)
	case LitBool:
		if l.B {
			f.WriteString("TRUE")
		} else {
			f.WriteString("FALSE")
		}
	case LitInterval:
		f.interval(l.Ms)
	}
}

// specialFunc prints the calls whose SQL syntax is not name(args):
// EXTRACT(field FROM x) and POSITION(substring IN string). It reports
// whether e was one.
func (f *formatter) specialFunc(e *Func) bool {
	if e.Star || e.Distinct || len(e.Args) != 2 {
		return false
	}
	switch strings.ToLower(e.Name) {
	case "extract":
		field, ok := e.Args[0].(*Literal)
		if !ok || field.Kind != LitString {
			return false
		}
		f.funcName(e.Name)
		f.WriteString("(")
		if isPlainWord(field.S) {
			f.WriteString(field.S)
		} else {
			f.str(field.S)
		}
		f.WriteString(" FROM ")
		f.expr(e.Args[1], 0)
		f.WriteString(")")
		return true
	case "position":
		f.funcName(e.Name)
		f.WriteString("(")
		// TiDB's grammar takes a bit expression before IN.
		f.expr(e.Args[0], precAdd)
		f.WriteString(" IN ")
		f.expr(e.Args[1], 0)
		f.WriteString(")")
		return true
	}
	return false
}

// funcName prints a function's name: bare when it is a plain word (which
// is how every function weir knows is spelt, and how TiDB's keyword
// functions such as IF or LEFT must be), double-quoted otherwise. A name
// such as "$" (from "\xa0$()": TiDB reads the byte 0xa0 as a space) does
// not read back as a name bare, but TiDB takes "$"() as a call of "$".
func (f *formatter) funcName(name string) {
	if isPlainWord(name) {
		f.WriteString(name)
		return
	}
	f.WriteString(`"` + strings.ReplaceAll(name, `"`, `""`) + `"`)
}

// isPlainWord reports whether s reads back as a bare word: a letter or _
// followed by letters, digits and _.
func isPlainWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9') {
			continue
		}
		return false
	}
	return true
}
