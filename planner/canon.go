package planner

import (
	"strconv"
	"strings"

	"github.com/weirdb/weir/sql"
)

// canon renders an expression as canonical SQL text: identifiers and
// function names lower-cased, table qualifiers dropped, fully
// parenthesized. Two expressions with the same text are the same
// computation; GROUP BY keys and aggregate calls are matched this way.
func canon(e sql.Expr) string {
	return Canon(e)
}

// Canon is canon for callers outside the planner (the runtime matches a
// view read's ORDER BY expressions to its SELECT items with it).
func Canon(e sql.Expr) string {
	var sb strings.Builder
	writeCanon(&sb, e)
	return sb.String()
}

func writeCanon(sb *strings.Builder, e sql.Expr) {
	switch x := e.(type) {
	case *sql.ColumnRef:
		sb.WriteString(strings.ToLower(x.Name))
	case *sql.Literal:
		switch x.Kind {
		case sql.LitNull:
			sb.WriteString("NULL")
		case sql.LitInt:
			sb.WriteString(strconv.FormatInt(x.I, 10))
		case sql.LitFloat:
			sb.WriteString(strconv.FormatFloat(x.F, 'g', -1, 64))
		case sql.LitString:
			sb.WriteString("'" + strings.ReplaceAll(x.S, "'", "''") + "'")
		case sql.LitBool:
			if x.B {
				sb.WriteString("TRUE")
			} else {
				sb.WriteString("FALSE")
			}
		case sql.LitInterval:
			sb.WriteString("INTERVAL '" + formatMs(x.Ms) + "'")
		}
	case *sql.Binary:
		sb.WriteString("(")
		writeCanon(sb, x.L)
		sb.WriteString(" " + string(x.Op) + " ")
		writeCanon(sb, x.R)
		sb.WriteString(")")
	case *sql.Unary:
		if x.Op == sql.OpNot {
			sb.WriteString("(NOT ")
			writeCanon(sb, x.X)
			sb.WriteString(")")
		} else {
			sb.WriteString("-")
			writeCanon(sb, x.X)
		}
	case *sql.IsNull:
		sb.WriteString("(")
		writeCanon(sb, x.X)
		if x.Not {
			sb.WriteString(" IS NOT NULL)")
		} else {
			sb.WriteString(" IS NULL)")
		}
	case *sql.In:
		sb.WriteString("(")
		writeCanon(sb, x.X)
		if x.Not {
			sb.WriteString(" NOT")
		}
		sb.WriteString(" IN (")
		for i, a := range x.List {
			if i > 0 {
				sb.WriteString(", ")
			}
			writeCanon(sb, a)
		}
		sb.WriteString("))")
	case *sql.Between:
		sb.WriteString("(")
		writeCanon(sb, x.X)
		if x.Not {
			sb.WriteString(" NOT")
		}
		sb.WriteString(" BETWEEN ")
		writeCanon(sb, x.Lo)
		sb.WriteString(" AND ")
		writeCanon(sb, x.Hi)
		sb.WriteString(")")
	case *sql.IsTruth:
		sb.WriteString("(")
		writeCanon(sb, x.X)
		sb.WriteString(" IS ")
		if x.Not {
			sb.WriteString("NOT ")
		}
		if x.Value {
			sb.WriteString("TRUE)")
		} else {
			sb.WriteString("FALSE)")
		}
	case *sql.Like:
		sb.WriteString("(")
		writeCanon(sb, x.X)
		if x.Not {
			sb.WriteString(" NOT")
		}
		if x.ILike {
			sb.WriteString(" ILIKE ")
		} else {
			sb.WriteString(" LIKE ")
		}
		writeCanon(sb, x.Pattern)
		if x.Escape != nil {
			sb.WriteString(" ESCAPE ")
			writeCanon(sb, x.Escape)
		}
		sb.WriteString(")")
	case *sql.Regex:
		// REGEXP and RLIKE are ~: the same computation.
		r := *x
		r.Keyword = ""
		sb.WriteString("(")
		writeCanon(sb, x.X)
		sb.WriteString(" " + r.Op() + " ")
		writeCanon(sb, x.Pattern)
		sb.WriteString(")")
	case *sql.Case:
		sb.WriteString("CASE")
		if x.Operand != nil {
			sb.WriteString(" ")
			writeCanon(sb, x.Operand)
		}
		for _, w := range x.Whens {
			sb.WriteString(" WHEN ")
			writeCanon(sb, w.Cond)
			sb.WriteString(" THEN ")
			writeCanon(sb, w.Then)
		}
		if x.Else != nil {
			sb.WriteString(" ELSE ")
			writeCanon(sb, x.Else)
		}
		sb.WriteString(" END")
	case *sql.Cast:
		sb.WriteString("CAST(")
		writeCanon(sb, x.X)
		sb.WriteString(" AS " + x.To.String() + ")")
	case *sql.Func:
		sb.WriteString(strings.ToLower(x.Name))
		sb.WriteString("(")
		if x.Star {
			sb.WriteString("*")
		}
		if x.Distinct {
			sb.WriteString("DISTINCT ")
		}
		for i, a := range x.Args {
			if i > 0 {
				sb.WriteString(", ")
			}
			writeCanon(sb, a)
		}
		sb.WriteString(")")
	default:
		sb.WriteString("?")
	}
}

// children returns an expression's direct sub-expressions.
func children(e sql.Expr) []sql.Expr {
	switch x := e.(type) {
	case *sql.Binary:
		return []sql.Expr{x.L, x.R}
	case *sql.Unary:
		return []sql.Expr{x.X}
	case *sql.IsNull:
		return []sql.Expr{x.X}
	case *sql.IsTruth:
		return []sql.Expr{x.X}
	case *sql.In:
		return append([]sql.Expr{x.X}, x.List...)
	case *sql.Between:
		return []sql.Expr{x.X, x.Lo, x.Hi}
	case *sql.Like:
		if x.Escape != nil {
			return []sql.Expr{x.X, x.Pattern, x.Escape}
		}
		return []sql.Expr{x.X, x.Pattern}
	case *sql.Regex:
		return []sql.Expr{x.X, x.Pattern}
	case *sql.Case:
		var out []sql.Expr
		if x.Operand != nil {
			out = append(out, x.Operand)
		}
		for _, w := range x.Whens {
			out = append(out, w.Cond, w.Then)
		}
		if x.Else != nil {
			out = append(out, x.Else)
		}
		return out
	case *sql.Cast:
		return []sql.Expr{x.X}
	case *sql.Func:
		return x.Args
	}
	return nil
}
