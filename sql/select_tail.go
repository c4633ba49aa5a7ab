package sql

import (
	"strconv"
	"strings"
)

// The row-count clauses ending a query, in the forms PostgreSQL clients
// write them: LIMIT n, LIMIT ALL, LIMIT NULL, OFFSET n [ROW | ROWS] and
// FETCH {FIRST | NEXT} [n] {ROW | ROWS} ONLY, in any order, where n is an
// integer, a quoted integer ('2') or either in parentheses. TiDB's (MySQL's)
// grammar has only LIMIT n [OFFSET m], so weir reads them itself and hands
// TiDB the query without them. OFFSET (like SELECT DISTINCT) applies only
// when reading a materialized view: ContinuousClause refuses it elsewhere.

// tailClauses are the row-count clauses of a query. A count may be
// negative: a read of a view refuses it as PostgreSQL does (2201W, 2201X),
// at the count.
type tailClauses struct {
	limit         *int64 // nil: no limit (also LIMIT ALL, LIMIT NULL)
	limitAt       int    // the LIMIT or FETCH keyword; -1 without one
	limitCountAt  int    // LIMIT's or FETCH's count; -1 without one
	offset        *int64
	offsetAt      int // the OFFSET keyword; -1 without one
	offsetCountAt int // OFFSET's count; -1 without one
}

// splitTail splits the query's tokens into the body and the row-count
// clauses at its end: from the first top-level LIMIT, OFFSET or FETCH from
// which the rest reads as such clauses (offset may also name a column).
// Without such clauses, body is toks and tc is nil: a malformed LIMIT is
// then TiDB's to report.
func (p *parser) splitTail(toks []token) (body []token, tc *tailClauses, err error) {
	depth := 0
	for k, t := range toks {
		switch {
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
		case depth == 0 && k > 0 && (t.is("LIMIT") || t.is("OFFSET") || t.is("FETCH")):
			tc, ok, err := p.tail(toks[k:])
			if err != nil {
				return nil, nil, err
			}
			if ok {
				return toks[:k], tc, nil
			}
		}
	}
	return toks, nil, nil
}

// tail reads row-count clauses filling toks; ok is false when toks are
// not such clauses.
func (p *parser) tail(toks []token) (tc *tailClauses, ok bool, err error) {
	tc = &tailClauses{limitAt: -1, limitCountAt: -1, offsetAt: -1, offsetCountAt: -1}
	at := func(i int) token {
		if i < len(toks) {
			return toks[i]
		}
		return p.eofAfter(toks)
	}
	for i := 0; i < len(toks); {
		t := toks[i]
		switch {
		case t.is("LIMIT"):
			if tc.limitAt >= 0 {
				return nil, true, p.errAt(t.start, CodeSyntax, "multiple LIMIT clauses not allowed")
			}
			tc.limitAt = t.start
			if at(i + 1).is("ALL") {
				i += 2
				continue
			}
			n, null, k, ok := parseCount(toks, i+1)
			if !ok {
				return nil, false, p.badCount(toks, i+1, "LIMIT")
			}
			if !null {
				tc.limit, tc.limitCountAt = &n, toks[i+1].start
			}
			i = k
		case t.is("OFFSET"):
			if tc.offsetAt >= 0 {
				return nil, true, p.errAt(t.start, CodeSyntax, "multiple OFFSET clauses not allowed")
			}
			tc.offsetAt = t.start
			n, null, k, ok := parseCount(toks, i+1)
			if !ok {
				return nil, false, p.badCount(toks, i+1, "OFFSET")
			}
			if !null { // OFFSET NULL skips nothing, as in PostgreSQL
				tc.offset, tc.offsetCountAt = &n, toks[i+1].start
			}
			i = k
			if at(i).is("ROW") || at(i).is("ROWS") {
				i++
			}
		case t.is("FETCH"):
			if tc.limitAt >= 0 {
				return nil, true, p.errAt(t.start, CodeSyntax, "multiple LIMIT clauses not allowed")
			}
			tc.limitAt = t.start
			if i++; !at(i).is("FIRST") && !at(i).is("NEXT") {
				return nil, false, nil
			}
			i++
			n := int64(1)
			null := false
			countAt := t.start // FETCH FIRST ROW ONLY: 1, at FETCH
			if !at(i).is("ROW") && !at(i).is("ROWS") {
				c, isNull, k, ok := parseCount(toks, i)
				if !ok {
					return nil, false, p.badCount(toks, i, "FETCH "+strings.ToUpper(toks[i-1].val))
				}
				n, null, countAt, i = c, isNull, toks[i].start, k
			}
			if !at(i).is("ROW") && !at(i).is("ROWS") {
				return nil, false, nil
			}
			i++
			if at(i).is("WITH") {
				return nil, true, p.errAt(toks[i].start, CodeUnsupported, "FETCH ... WITH TIES is not supported; use FETCH FIRST n ROWS ONLY")
			}
			if !at(i).is("ONLY") {
				return nil, false, nil
			}
			i++
			if !null {
				tc.limit, tc.limitCountAt = &n, countAt
			}
		default:
			return nil, false, nil
		}
	}
	return tc, true, nil
}

// badCount reports a row count at toks[i] that parseCount does not read
// but that is meant as one: numbers, strings, signs and parentheses up to
// the end of the clauses or the next of their words (OFFSET -1.5, FETCH
// FIRST 1.5 ROWS ONLY). It is nil for anything else, such as OFFSET naming
// a column in an expression (WHERE offset - 1 > 0), left to TiDB.
func (p *parser) badCount(toks []token, i int, after string) error {
	literal := false
	k := i
	for ; k < len(toks); k++ {
		t := toks[k]
		if t.is("ROW") || t.is("ROWS") || t.is("ONLY") || t.is("LIMIT") || t.is("OFFSET") || t.is("FETCH") {
			break
		}
		switch {
		case t.kind == tokNumber, t.kind == tokString:
			literal = true
		case t.isOp("-"), t.isOp("+"), t.isOp("("), t.isOp(")"), t.isOp("."):
		default:
			return nil
		}
	}
	if !literal {
		return nil
	}
	return p.syntaxErr(toks[i], "a non-negative integer after "+after)
}

// parseCount reads a row count at toks[i]: an integer, a quoted integer,
// NULL, or one of these in parentheses, optionally negative. It returns the
// count, whether it is NULL and the index after it.
func parseCount(toks []token, i int) (n int64, null bool, next int, ok bool) {
	if i >= len(toks) {
		return 0, false, 0, false
	}
	t := toks[i]
	switch {
	case t.isOp("("):
		n, null, k, ok := parseCount(toks, i+1)
		if !ok || k >= len(toks) || !toks[k].isOp(")") {
			return 0, false, 0, false
		}
		return n, null, k + 1, true
	case t.isOp("-"):
		if i+1 >= len(toks) || toks[i+1].kind != tokNumber {
			return 0, false, 0, false
		}
		n, _, k, ok := parseCount(toks, i+1)
		return -n, false, k, ok
	case t.is("NULL"):
		return 0, true, i + 1, true
	case t.kind == tokNumber:
		v, err := strconv.ParseInt(t.val, 10, 64)
		return v, false, i + 1, err == nil
	case t.kind == tokString:
		v, err := strconv.ParseInt(strings.TrimSpace(t.val), 10, 64)
		return v, false, i + 1, err == nil
	}
	return 0, false, 0, false
}

// apply sets q's row counts from tc.
func (tc *tailClauses) apply(p *parser, q *Query) {
	if tc.limitAt >= 0 {
		q.Limit, q.LimitAt = tc.limit, p.lines.pos(tc.limitAt)
	}
	if tc.limitCountAt >= 0 {
		q.LimitCountAt = p.lines.pos(tc.limitCountAt)
	}
	if tc.offsetAt >= 0 {
		q.Offset, q.OffsetAt = tc.offset, p.lines.pos(tc.offsetAt)
	}
	if tc.offsetCountAt >= 0 {
		q.OffsetCountAt = p.lines.pos(tc.offsetCountAt)
	}
}

// ContinuousClause returns an error positioned at the first clause of q
// that only a read of a materialized view applies — SELECT DISTINCT or
// OFFSET — for q run as a continuous query, or nil. over names what the
// query reads for the message (`source "s"`), or is "".
func (q *Query) ContinuousClause(over string) error {
	in := "a continuous query"
	if over != "" {
		in += " over " + over
	}
	for _, s := range q.Selects {
		if s.Distinct {
			return &Error{At: s.DistinctAt, Code: CodeUnsupported,
				Msg: "SELECT DISTINCT is not supported in " + in + " (it applies when reading a materialized view); use GROUP BY over the selected columns"}
		}
	}
	if q.Offset != nil {
		return &Error{At: q.OffsetAt, Code: CodeUnsupported,
			Msg: "OFFSET is not supported in " + in + " (it applies when reading a materialized view)"}
	}
	return nil
}
