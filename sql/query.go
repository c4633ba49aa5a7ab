package sql

import (
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/weirdb/weir/catalog"
)

// lifted holds what weir took out of a query's text before handing it to
// TiDB, indexed by the number in each placeholder name.
type lifted struct {
	intervals []Interval
	tvfs      []*WindowTVF
	casts     []castLift
	extracts  []extractLift // lift_expr.go
	escapes   []*Literal    // LIKE ... ESCAPE strings, by marker byte - 1
}

// castLift is a CAST(x AS type) whose type weir parsed itself.
type castLift struct {
	at Pos
	to catalog.Type
}

// Placeholder names substituted for lifted spans.
const (
	phInterval = placeholderPrefix + "iv"
	phTVF      = placeholderPrefix + "tvf"
	phCast     = placeholderPrefix + "cast"
)

// sub returns a parser over a sub-span of tokens.
func (p *parser) sub(toks []token) *parser {
	end := p.end
	if len(toks) > 0 {
		end = toks[len(toks)-1].end
	}
	return &parser{src: p.src, lines: p.lines, toks: toks, end: end}
}

// eofAt is the end-of-input token after toks (or at the statement end).
func (p *parser) eofAfter(toks []token) token {
	end := p.end
	if len(toks) > 0 {
		end = toks[len(toks)-1].end
	}
	return token{kind: tokEOF, start: end, end: end}
}

// query parses a query that runs continuously (a view's or a sink's, or
// one explained): SELECT blocks joined by UNION ALL, ORDER BY, LIMIT and a
// trailing EMIT clause; SELECT DISTINCT and OFFSET are refused.
func (p *parser) query(toks []token) (*Query, error) {
	q, err := p.selectQuery(toks)
	if err != nil {
		return nil, err
	}
	if err := q.ContinuousClause(""); err != nil {
		return nil, err
	}
	return q, nil
}

// selectQuery parses the query of a SELECT statement, which reads a
// materialized view or runs continuously (the runtime tells them apart):
// as query, and SELECT DISTINCT and OFFSET, which a read of a view applies.
func (p *parser) selectQuery(toks []token) (*Query, error) {
	if len(toks) == 0 {
		return nil, p.syntaxErr(p.eofAfter(toks), "a query")
	}
	body, emitToks := toks, []token(nil)
	depth := 0
	for i, t := range toks {
		switch {
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
		case depth == 0 && t.is("EMIT"):
			body, emitToks = toks[:i], toks[i:]
		}
		if emitToks != nil {
			break
		}
	}
	if len(body) == 0 {
		return nil, p.syntaxErr(toks[0], "a query")
	}
	if len(body) > 2 && body[0].is("SELECT") && body[1].is("DISTINCT") && body[2].is("ON") {
		return nil, p.errAt(body[1].start, CodeUnsupported, "SELECT DISTINCT ON is not supported; a read of a materialized view supports SELECT DISTINCT")
	}
	body, tail, err := p.splitTail(body)
	if err != nil {
		return nil, err
	}
	c, node, err := p.parseColumnKeywords(body)
	if err != nil {
		return nil, err
	}
	rs, ok := node.(ast.ResultSetNode)
	if !ok {
		return nil, p.syntaxErr(body[0], "a SELECT query")
	}
	q, err := c.query(rs)
	if err != nil {
		return nil, err
	}
	if tail != nil {
		tail.apply(p, q)
	}
	if emitToks != nil {
		if q.Emit, err = p.emit(emitToks); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// expr parses one scalar expression (the predicate of EARLY WHEN).
func (p *parser) expr(toks []token) (Expr, error) {
	if len(toks) == 0 {
		return nil, p.syntaxErr(p.eofAfter(toks), "an expression")
	}
	c := &converter{p: p, toks: toks}
	c.rw.synth("SELECT ", toks[0].start)
	if err := c.lift(toks); err != nil {
		return nil, err
	}
	node, err := c.parse(toks)
	if err != nil {
		return nil, err
	}
	sel, ok := node.(*ast.SelectStmt)
	if !ok || sel.From != nil || sel.Where != nil || sel.GroupBy != nil || sel.Having != nil ||
		sel.OrderBy != nil || sel.Limit != nil || sel.Fields == nil || len(sel.Fields.Fields) != 1 ||
		sel.Fields.Fields[0].Expr == nil || sel.Fields.Fields[0].AsName.O != "" || sel.Distinct {
		return nil, p.errAt(toks[0].start, CodeSyntax, "expected one expression, found %s", p.describeSpan(toks))
	}
	return c.expr(sel.Fields.Fields[0].Expr)
}

// describeSpan quotes a span of tokens for an error message.
func (p *parser) describeSpan(toks []token) string {
	s := p.src[toks[0].start:toks[len(toks)-1].end]
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return "'" + strings.ReplaceAll(s, "\n", " ") + "'"
}

// lift copies toks into the rewrite buffer, replacing window TVFs in FROM,
// intervals, CAST target types and the expression syntaxes of lift_expr.go
// by placeholders TiDB can parse.
func (c *converter) lift(toks []token) error {
	p := c.p
	ex, err := c.scanExprLifts(toks)
	if err != nil {
		return err
	}
	skipTo := map[int]int{} // CAST: from the AS token to the closing ')'
	prevEnd := -1
	for i := 0; i < len(toks); {
		if j, ok := skipTo[i]; ok {
			i = j
			continue
		}
		t := toks[i]
		if prevEnd >= 0 {
			c.rw.blank(p.src, prevEnd, t.start)
		}
		if n, err := c.liftExprAt(toks, i, ex); err != nil {
			return err
		} else if n > 0 {
			prevEnd = toks[i+n-1].end
			i += n
			continue
		}
		next := func(k int) token {
			if i+k < len(toks) {
				return toks[i+k]
			}
			return p.eofAfter(toks)
		}
		afterFrom := i > 0 && (toks[i-1].is("FROM") && !isDistinctFrom(toks, i-1) || toks[i-1].is("JOIN"))
		switch {
		case t.is("OVER") && next(1).isOp("("):
			return p.errAt(t.start, CodeUnsupported, "window functions (OVER) are not supported; use a window TVF such as TUMBLE in FROM")
		case afterFrom && isTVFName(next(0)) && next(1).isOp("("),
			afterFrom && t.is("TABLE") && next(1).isOp("(") && isTVFName(next(2)) && next(3).isOp("("):
			start := i
			if t.is("TABLE") {
				start = i + 2
			}
			tvf, end, err := p.windowTVF(toks, start)
			if err != nil {
				return err
			}
			if start != i {
				if end >= len(toks) || !toks[end].isOp(")") {
					e := p.eofAfter(toks)
					if end < len(toks) {
						e = toks[end]
					}
					return p.syntaxErr(e, "')' to close TABLE(")
				}
				end++
			}
			c.rw.synth(phTVF+strconv.Itoa(len(c.lf.tvfs)), t.start)
			c.lf.tvfs = append(c.lf.tvfs, tvf)
			prevEnd = toks[end-1].end
			i = end
			continue
		case t.is("INTERVAL"):
			sp := p.sub(toks[i:])
			iv, err := sp.interval()
			if err != nil {
				return err
			}
			c.rw.synth(phInterval+strconv.Itoa(len(c.lf.intervals)), t.start)
			c.lf.intervals = append(c.lf.intervals, iv)
			prevEnd = toks[i+sp.i-1].end
			i += sp.i
			continue
		case t.is("CAST") && next(1).isOp("("):
			as, closing := castParts(toks, i+1)
			if as < 0 {
				break // let TiDB report the malformed CAST
			}
			if toks[as+1].is("INTERVAL") && as+2 < closing {
				return p.errAt(toks[as+2].start, CodeUnsupported, intervalFieldsMsg)
			}
			if toks[as+1].is("INTERVAL") {
				iv, err := p.intervalCast(toks, i+2, as)
				if err != nil {
					return err
				}
				c.rw.synth(phInterval+strconv.Itoa(len(c.lf.intervals)), t.start)
				c.lf.intervals = append(c.lf.intervals, iv)
				prevEnd = toks[closing].end
				i = closing + 1
				continue
			}
			sp := p.sub(toks[as+1 : closing])
			typ, err := sp.typeName()
			if err == nil {
				err = sp.done()
			}
			if err != nil {
				return err
			}
			c.rw.synth(phCast+strconv.Itoa(len(c.lf.casts)), t.start)
			c.lf.casts = append(c.lf.casts, castLift{at: p.lines.pos(t.start), to: typ})
			skipTo[as] = closing
			prevEnd = t.end
			i++
			continue
		case t.isName() && strings.HasPrefix(strings.ToLower(t.val), placeholderPrefix):
			return p.checkReserved(t)
		}
		if c.quoted[t.start] {
			// A keyword TiDB does not read as a column, quoted (keywords.go).
			c.rw.synth(`"`, t.start)
			c.rw.copySpan(p.src, t.start, t.end)
			c.rw.synth(`"`, t.start)
		} else if t.kind == tokString && p.src[t.start] != '\'' {
			// E'...' and $$...$$, which TiDB does not read, as '...'.
			c.rw.synth(quoteString(t.val), t.start)
		} else {
			c.rw.copySpan(p.src, t.start, t.end)
		}
		prevEnd = t.end
		i++
	}
	return nil
}

// castParts finds, for CAST '(' at toks[open], the AS at depth 1 and the
// matching ')'. It returns -1s when either is missing.
func castParts(toks []token, open int) (as, closing int) {
	depth, as := 0, -1
	for j := open; j < len(toks); j++ {
		switch t := toks[j]; {
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
			if depth == 0 {
				if as < 0 {
					return -1, -1
				}
				return as, j
			}
		case depth == 1 && t.is("AS"):
			as = j
		}
	}
	return -1, -1
}

// parse hands the rewritten text to TiDB and maps a syntax error back to
// the user's text.
func (c *converter) parse(toks []token) (ast.StmtNode, error) {
	text := c.rw.buf.String()
	node, off, ok := tidbParse(text)
	if ok {
		return node, nil
	}
	return nil, c.syntaxError(toks, c.rw.orig(off), off >= len(text))
}

// syntaxError describes a TiDB syntax error at the user's offset orig.
func (c *converter) syntaxError(toks []token, orig int, atEnd bool) *Error {
	p := c.p
	k := len(toks)
	if !atEnd {
		for k = 0; k < len(toks) && toks[k].end <= orig; k++ {
		}
	}
	found := p.eofAfter(toks)
	if k < len(toks) {
		found = toks[k]
	}
	expected := "an operator, ',' or the next clause (FROM, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT, EMIT)"
	perr, inParens := c.inParens(toks, k, found)
	if perr != nil {
		return perr
	}
	if inParens != "" {
		expected = inParens
	}
	if k > 0 {
		prev := toks[k-1]
		switch {
		case prev.kind == tokOp && prev.val != ")" && prev.val != "*":
			expected = "an expression"
		case prev.is("SELECT"), prev.is("WHERE"), prev.is("AND"), prev.is("OR"), prev.is("NOT"),
			prev.is("BY"), prev.is("HAVING"), prev.is("WHEN"), prev.is("THEN"), prev.is("ELSE"),
			prev.is("CASE"), prev.is("BETWEEN"), prev.is("LIKE"), prev.is("IN"),
			prev.is("ILIKE"), prev.is("REGEXP"), prev.is("RLIKE"):
			expected = "an expression"
		case prev.is("LIMIT"):
			expected = "a non-negative integer after LIMIT"
		case prev.is("FROM"), prev.is("JOIN"):
			expected = "a source or view name, a window TVF such as TUMBLE(...) or a (subquery)"
		case prev.is("UNION"):
			expected = "ALL"
		}
	} else {
		expected = "SELECT"
	}
	return p.syntaxErr(found, expected)
}
