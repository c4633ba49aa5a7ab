package pgwire

// This file walks parsed expressions: their subexpressions and where in
// the statement they start (for error positions).

// children returns e's direct subexpressions (subqueries are opaque).
func children(e expr) []expr {
	switch x := e.(type) {
	case *unaryExpr:
		return []expr{x.x}
	case *binExpr:
		return []expr{x.l, x.r}
	case *castExpr:
		return []expr{x.x}
	case *funcExpr:
		return x.args
	case *caseExpr:
		var out []expr
		if x.operand != nil {
			out = append(out, x.operand)
		}
		for i := range x.whens {
			out = append(out, x.whens[i], x.thens[i])
		}
		if x.els != nil {
			out = append(out, x.els)
		}
		return out
	case *inExpr:
		return append([]expr{x.x}, x.list...)
	case *isExpr:
		return []expr{x.x}
	case *distinctExpr:
		return []expr{x.l, x.r}
	case *betweenExpr:
		return []expr{x.x, x.lo, x.hi}
	case *likeExpr:
		return []expr{x.x, x.pat}
	case *indexExpr:
		return []expr{x.x, x.i}
	case *arrayExpr:
		return x.elems
	}
	return nil
}

// walk calls fn on e and, while fn returns true, on its subexpressions.
func walk(e expr, fn func(expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	for _, c := range children(e) {
		walk(c, fn)
	}
}

// exprOff is the statement offset an expression starts at (-1: unknown).
func exprOff(e expr) int {
	switch x := e.(type) {
	case *litExpr:
		return x.off
	case *colExpr:
		return x.off
	case *funcExpr:
		return x.off
	case *castExpr:
		return x.off
	case *existsExpr:
		return x.off
	case *subqueryExpr:
		return x.off
	case *arraySubExpr:
		return x.off
	case *binExpr:
		if o := exprOff(x.l); o >= 0 {
			return o
		}
		return x.off
	}
	for _, c := range children(e) {
		if o := exprOff(c); o >= 0 {
			return o
		}
	}
	return -1
}
