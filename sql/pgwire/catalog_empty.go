package pgwire

import "strings"

// This file decides, without evaluating it, that a catalog query returns
// no rows: psql's `\d name` asks pg_inherits, pg_policy, pg_statistic_ext
// and pg_publication with joins and UNIONs pgwire does not evaluate, and
// weir has nothing in them. A query is provably empty when every UNION
// branch is: its FROM list, read left to right, is empty (an inner or cross
// join with an empty relation is empty, a LEFT JOIN keeps its left side's
// emptiness, a RIGHT JOIN takes its right side's, a FULL JOIN is empty only
// when both are) and nothing makes a row out of no rows (an aggregate in
// the SELECT list, HAVING without GROUP BY).

// provablyEmpty reports whether stmt returns no rows; ok is false when
// that cannot be decided.
func provablyEmpty(stmt string) (empty, ok bool) {
	toks, lexed := lex(stmt)
	if !lexed {
		return false, false
	}
	return toksEmpty(toks), true
}

// toksEmpty reports whether the statement (or subquery) toks is provably
// empty.
func toksEmpty(toks []token) bool {
	var branches [][]token
	depth, start := 0, 0
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.kind == tkOp && t.s == "(":
			depth++
		case t.kind == tkOp && t.s == ")":
			depth--
		case depth == 0 && t.kind == tkIdent && (t.s == "intersect" || t.s == "except"):
			return false
		case depth == 0 && t.kind == tkIdent && t.s == "union":
			branches = append(branches, toks[start:i])
			if i+1 >= len(toks) {
				return false
			}
			if n := toks[i+1]; n.kind == tkIdent && (n.s == "all" || n.s == "distinct") {
				i++
			}
			start = i + 1
		}
	}
	branches = append(branches, toks[start:])
	for _, b := range branches {
		if !branchEmpty(b) {
			return false
		}
	}
	return true
}

// branchEmpty reports whether one SELECT (no set operations) is provably
// empty.
func branchEmpty(toks []token) bool {
	isKw := func(i int, words ...string) bool {
		if i >= len(toks) || toks[i].kind != tkIdent {
			return false
		}
		for _, w := range words {
			if toks[i].s == w {
				return true
			}
		}
		return false
	}
	isOp := func(i int, op string) bool { return i < len(toks) && toks[i].kind == tkOp && toks[i].s == op }
	if !isKw(0, "select") {
		return false
	}
	// The SELECT list, to FROM: no aggregate outside a subquery.
	i, depth := 1, 0
	var subDepth []int // depths at which a subquery opened
	for ; i < len(toks) && !(depth == 0 && isKw(i, "from")); i++ {
		switch {
		case isOp(i, "("):
			if isKw(i+1, "select", "with", "values") {
				subDepth = append(subDepth, depth)
			}
			depth++
		case isOp(i, ")"):
			depth--
			if n := len(subDepth); n > 0 && subDepth[n-1] == depth {
				subDepth = subDepth[:n-1]
			}
		case len(subDepth) == 0 && toks[i].kind == tkIdent && aggregateFuncs[toks[i].s] && isOp(i+1, "("):
			return false
		}
	}
	if i >= len(toks) {
		return false
	}
	i++
	// The FROM list.
	clauseEnd := func(i int) bool {
		return i >= len(toks) || toks[i].kind == tkEOF || isOp(i, ";") ||
			isKw(i, "where", "group", "having", "order", "limit", "offset", "window", "fetch", "for")
	}
	relation := func() (bool, bool) {
		if isOp(i, "(") && isKw(i+1, "select") {
			// A derived table: empty when its subquery is.
			depth, j := 0, i
			for ; j < len(toks); j++ {
				if isOp(j, "(") {
					depth++
				} else if isOp(j, ")") {
					if depth--; depth == 0 {
						break
					}
				}
			}
			if j >= len(toks) {
				return false, false
			}
			empty := toksEmpty(toks[i+1 : j])
			i = j + 1
			if isKw(i, "as") {
				i++
			}
			if i < len(toks) && (toks[i].kind == tkQIdent || toks[i].kind == tkIdent && !reservedAfterItem[toks[i].s] && !fromListEnds[toks[i].s]) {
				i++
			}
			return empty, true
		}
		if isKw(i, "lateral", "only") || isOp(i, "(") {
			return false, false
		}
		var parts []string
		for i < len(toks) && (toks[i].kind == tkIdent || toks[i].kind == tkQIdent) {
			parts = append(parts, toks[i].s)
			i++
			if !isOp(i, ".") {
				break
			}
			i++
		}
		if len(parts) == 0 {
			return false, false
		}
		// A function in FROM (JDBC's generate_series(1, 32) pos(n)) is
		// not known to be empty, but an inner join with an empty relation
		// still is.
		function := isOp(i, "(")
		if function && !skipParensAt(toks, &i) {
			return false, false
		}
		name := strings.Join(parts, ".")
		name = strings.TrimPrefix(name, "pg_catalog.")
		if isKw(i, "as") {
			i++
		}
		if i < len(toks) && (toks[i].kind == tkQIdent || toks[i].kind == tkIdent && !reservedAfterItem[toks[i].s] && !fromListEnds[toks[i].s]) {
			i++
			if isOp(i, "(") && !skipParensAt(toks, &i) { // its column aliases
				return false, false
			}
		}
		return !function && emptyCatalogs[name], true
	}
	empty, ok := relation()
	if !ok {
		return false
	}
	for !clauseEnd(i) {
		kind := "inner"
		switch {
		case isOp(i, ","):
			i++
		default:
			if isKw(i, "natural") {
				i++
			}
			switch {
			case isKw(i, "left", "right", "full"):
				kind = toks[i].s
				i++
				if isKw(i, "outer") {
					i++
				}
			case isKw(i, "inner", "cross"):
				i++
			}
			if !isKw(i, "join") {
				return false
			}
			i++
		}
		e, ok := relation()
		if !ok {
			return false
		}
		switch kind {
		case "inner":
			empty = empty || e
		case "right":
			empty = e
		case "full":
			empty = empty && e
		}
		// ON expr or USING (...): skip to the next join or clause.
		depth := 0
		for ; !clauseEnd(i) || depth > 0; i++ {
			if i >= len(toks) {
				return false
			}
			switch {
			case isOp(i, "("):
				depth++
			case isOp(i, ")"):
				depth--
			case depth == 0 && (isOp(i, ",") || isKw(i, "join", "left", "right", "full", "inner", "cross", "natural")):
				goto next
			}
		}
	next:
	}
	if !empty {
		return false
	}
	// HAVING without GROUP BY makes one group of no rows.
	depth = 0
	grouped := false
	for ; i < len(toks); i++ {
		switch {
		case isOp(i, "("):
			depth++
		case isOp(i, ")"):
			depth--
		case depth == 0 && isKw(i, "group"):
			grouped = true
		case depth == 0 && isKw(i, "having") && !grouped:
			return false
		}
	}
	return true
}

// skipParensAt moves *i past the parenthesised tokens that start at *i;
// false when they do not close.
func skipParensAt(toks []token, i *int) bool {
	depth := 0
	for ; *i < len(toks); *i++ {
		t := toks[*i]
		if t.kind == tkOp && t.s == "(" {
			depth++
		} else if t.kind == tkOp && t.s == ")" {
			if depth--; depth == 0 {
				*i++
				return true
			}
		}
	}
	return false
}
