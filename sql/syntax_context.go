package sql

import "strings"

// oneArgAggregates are the aggregates whose argument TiDB's grammar reads
// as one expression: COUNT(v, k) is a syntax error at the ',' there, which
// is really a wrong argument count.
var oneArgAggregates = map[string]bool{
	"count": true, "sum": true, "avg": true, "min": true, "max": true,
	"stddev": true, "stddev_samp": true, "variance": true, "var_samp": true,
}

// openParen returns the index of the innermost '(' still open before
// token k, or -1.
func openParen(toks []token, k int) int {
	var stack []int
	for i := 0; i < k && i < len(toks); i++ {
		switch {
		case toks[i].isOp("("):
			stack = append(stack, i)
		case toks[i].isOp(")") && len(stack) > 0:
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) == 0 {
		return -1
	}
	return stack[len(stack)-1]
}

// inParens refines a syntax error at token k (found) that sits inside
// parentheses that are not a subquery: there the next clause is not what
// is expected but the rest of the expression or a ')'. It returns the
// error to report instead (a wrong argument count of a one-argument
// aggregate), or what is expected ("" when the parentheses do not apply).
func (c *converter) inParens(toks []token, k int, found token) (*Error, string) {
	open := openParen(toks, k)
	if open < 0 || (open+1 < len(toks) && toks[open+1].is("SELECT")) {
		return nil, ""
	}
	var fn string
	if open > 0 && toks[open-1].isName() {
		fn = strings.ToLower(toks[open-1].val)
	}
	if found.isOp(",") && oneArgAggregates[fn] {
		args, depth := 1, 0
		for i := open + 1; i < len(toks); i++ {
			t := toks[i]
			if t.isOp("(") {
				depth++
			} else if t.isOp(")") {
				if depth == 0 {
					break
				}
				depth--
			} else if t.isOp(",") && depth == 0 {
				args++
			}
		}
		return c.p.errAt(toks[open-1].start, "42883", "%s takes 1 argument, got %d", strings.ToUpper(fn), args), ""
	}
	if k == open+2 && toks[open+1].isOp("*") {
		return nil, "')'" // COUNT(* AS n
	}
	if found.isOp(",") || specialForm(toks, fn, open, k) {
		return nil, "an operator or ')'"
	}
	return nil, "an operator, ',' or ')'"
}

// specialForm reports whether the call fn( at toks[open] is one of SQL's
// keyword forms, where a ',' cannot follow: EXTRACT(f FROM x),
// TRIM(... FROM s), SUBSTRING(s FROM n ...), POSITION(a IN b),
// CAST(x AS t), seen by their keyword before token k.
func specialForm(toks []token, fn string, open, k int) bool {
	switch fn {
	case "extract", "trim", "substring", "substr", "position", "cast":
	default:
		return false
	}
	depth := 0
	for i := open + 1; i < k; i++ {
		t := toks[i]
		switch {
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
		case depth == 0 && (t.is("FROM") || t.is("FOR") || t.is("IN") || t.is("AS")):
			return true
		}
	}
	return false
}
