package sql

import (
	"strconv"
	"strings"

	"github.com/weirdb/weir/catalog"
)

// This file lifts the expression syntaxes TiDB's parser does not read the
// PostgreSQL way out of a query's text, as query.go's lift does for
// intervals and window TVFs:
//
//   - x::type (a PostgreSQL cast) becomes __weir_castK(x), a CAST;
//   - EXTRACT(field FROM x) becomes __weir_extractK(x): TiDB knows only
//     MySQL's units, and positions none of them;
//   - LIKE ... ESCAPE 'c' keeps its string here and hands TiDB a marker
//     (TiDB takes only one-byte escapes, and loses their position);
//   - SUBSTRING(x FOR n) becomes SUBSTRING(x FROM 1 FOR n);
//   - x ~ p, x ~* p, x !~ p and x !~* p become x [NOT] REGEXP p (TiDB reads
//     ~ as bitwise NOT); the converter tells them apart by the user's
//     tokens before p;
//   - x IS [NOT] DISTINCT FROM y becomes x <=> y, read back the same way
//     (IS DISTINCT FROM is the negation of <=>) and regrouped where
//     PostgreSQL binds it looser than TiDB binds <=> (convert_regex.go).
//
// Every lifted piece keeps its position in the user's text.

// Placeholder names of the lifted expression syntaxes.
const phExtract = placeholderPrefix + "extract"

// maxEscapes bounds the ESCAPE clauses of one statement: each is handed to
// TiDB as a one-byte marker 1..127.
const maxEscapes = 127

// extractLift is an EXTRACT(field FROM ...) whose field weir read itself.
type extractLift struct {
	at    Pos      // the EXTRACT keyword
	field *Literal // the field, lower-cased, as a string literal
	after token    // the token after FROM
}

// postfixCast is one x::type: the index of the operand's first token, of
// the '::' and just past the type.
type postfixCast struct {
	start, op, end int
	to             catalog.Type
}

// exprLifts is what lift must do at token indexes for the syntaxes above.
type exprLifts struct {
	casts   []postfixCast
	opens   map[int][]int  // token index → the casts whose operand starts there
	closes  map[int]int    // '::' token index → its cast
	replace map[int]string // token index → text standing for it
	escapes map[int]bool   // the ESCAPE tokens of LIKE and ILIKE
	// intervals: the string token of 'text'::INTERVAL → the interval and
	// the index just past INTERVAL.
	intervals map[int]intervalCast
}

// intervalCast is a string constant cast to INTERVAL, read when lifted.
type intervalCast struct {
	iv  Interval
	end int
}

// scanExprLifts finds the postfix casts and SUBSTRING(x FOR n) forms of
// toks. A '::' without an operand before it, or without a type after it,
// is a positioned syntax error.
func (c *converter) scanExprLifts(toks []token) (*exprLifts, error) {
	p := c.p
	ex := &exprLifts{opens: map[int][]int{}, closes: map[int]int{}, replace: map[int]string{}, escapes: map[int]bool{},
		intervals: map[int]intervalCast{}}
	typeEnds := map[int]int{} // index of a cast's last type token → the cast's operand start
	for j, t := range toks {
		if j+1 < len(toks) && toks[j+1].isOp("(") {
			if err := c.refusedCall(toks, j); err != nil {
				return nil, err
			}
		}
		switch {
		case t.isOp("::"):
			start := -1
			if j > 0 {
				start = operandStart(toks, j-1, typeEnds)
			}
			if start < 0 {
				found := "the start of the statement"
				if j > 0 {
					found = p.describe(toks[j-1])
				}
				return nil, p.errAt(t.start, CodeSyntax, "expected an expression before '::', found %s", found)
			}
			if j+1 < len(toks) && toks[j+1].is("INTERVAL") {
				iv, err := p.intervalCast(toks, start, j)
				if err != nil {
					return nil, err
				}
				if j+2 < len(toks) && isIntervalUnit(toks[j+2]) {
					return nil, p.errAt(toks[j+2].start, CodeUnsupported, intervalFieldsMsg)
				}
				typeEnds[j+1] = start
				ex.intervals[start] = intervalCast{iv: iv, end: j + 2}
				continue
			}
			sp := p.sub(toks[j+1:])
			typ, err := sp.typeName()
			if err != nil {
				return nil, err
			}
			end := j + 1 + sp.i
			typeEnds[end-1] = start
			ex.closes[j] = len(ex.casts)
			ex.opens[start] = append(ex.opens[start], len(ex.casts))
			ex.casts = append(ex.casts, postfixCast{start: start, op: j, end: end, to: typ})
		case t.is("ESCAPE") && j > 0:
			// x [NOT] LIKE|ILIKE pattern ESCAPE: the pattern is one operand
			// (TiDB's grammar takes a simple expression there). Elsewhere
			// ESCAPE is a name.
			if s := operandStart(toks, j-1, typeEnds); s > 0 && (toks[s-1].is("LIKE") || toks[s-1].is("ILIKE")) {
				ex.escapes[j] = true
			}
		case t.is("SUBSTRING") && j+1 < len(toks) && toks[j+1].isOp("("):
			from, forAt, _ := scanCallArgs(toks, j+1)
			if forAt >= 0 && !from {
				ex.replace[forAt] = "FROM 1 FOR"
			}
		case t.is("TRIM") && j+2 < len(toks) && toks[j+1].isOp("(") &&
			!toks[j+2].is("BOTH") && !toks[j+2].is("LEADING") && !toks[j+2].is("TRAILING"):
			// TRIM(string, characters): PostgreSQL's btrim.
			if from, _, comma := scanCallArgs(toks, j+1); comma && !from {
				ex.replace[j] = "btrim"
			}
		}
	}
	return ex, nil
}

// scanCallArgs looks inside the parentheses opening at toks[open], at
// their own depth: whether a FROM is there, the index of the first FOR
// (-1: none) and whether a ',' is there.
func scanCallArgs(toks []token, open int) (from bool, forAt int, comma bool) {
	depth := 0
	forAt = -1
	for k := open; k < len(toks); k++ {
		switch u := toks[k]; {
		case u.isOp("("):
			depth++
		case u.isOp(")"):
			depth--
			if depth == 0 {
				return from, forAt, comma
			}
		case depth == 1 && u.is("FROM"):
			from = true
		case depth == 1 && u.is("FOR") && forAt < 0:
			forAt = k
		case depth == 1 && u.isOp(","):
			comma = true
		}
	}
	return from, forAt, comma
}

// notFunctions are the words that may stand before '(' in an expression
// without naming a function: (x)::t after them casts the parenthesized x.
var notFunctions = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "IN": true, "IS": true, "LIKE": true, "ILIKE": true,
	"REGEXP": true, "RLIKE": true,
	"BETWEEN": true, "SELECT": true, "WHERE": true, "HAVING": true, "ON": true, "BY": true,
	"WHEN": true, "THEN": true, "ELSE": true, "CASE": true, "AS": true, "FROM": true,
	"EXISTS": true, "ESCAPE": true, "DISTINCT": true, "ALL": true, "ANY": true, "SOME": true,
	"UNION": true, "JOIN": true, "USING": true, "LIMIT": true, "OFFSET": true, "EMIT": true,
	"EVERY": true, "WITHIN": true, "OVER": true, "TABLE": true, "ASC": true, "DESC": true,
	"FOR": true, "XOR": true, "DIV": true, "MOD": true, "VALUES": true,
}

// operandStart returns the index of the first token of the operand that
// ends at toks[k] (the left side of a '::'): a name, a qualified name, a
// literal, a typed literal (TIMESTAMP '...'), a parenthesized expression,
// a function call, CASE ... END, or an earlier cast. -1 when toks[k] ends
// none of these.
func operandStart(toks []token, k int, typeEnds map[int]int) int {
	if s, ok := typeEnds[k]; ok {
		return s
	}
	t := toks[k]
	switch {
	case t.isOp(")"):
		m := matchBack(toks, k, func(t token) bool { return t.isOp("(") }, func(t token) bool { return t.isOp(")") })
		if m < 0 {
			return -1
		}
		if m > 0 {
			f := toks[m-1]
			if f.kind == tokQIdent || (f.kind == tokIdent && !notFunctions[strings.ToUpper(f.val)]) {
				return m - 1
			}
		}
		return m
	case t.is("END"):
		return matchBack(toks, k, func(t token) bool { return t.is("CASE") }, func(t token) bool { return t.is("END") })
	case t.kind == tokString:
		if k > 0 && (toks[k-1].is("TIMESTAMP") || toks[k-1].is("DATE")) {
			return k - 1
		}
		return k
	case t.kind == tokNumber:
		return k
	case t.kind == tokIdent && notFunctions[strings.ToUpper(t.val)]:
		return -1 // a keyword such as SELECT or AND ends no operand
	case t.isName():
		if k >= 2 && toks[k-1].isOp(".") && toks[k-2].isName() {
			return k - 2
		}
		return k
	}
	return -1
}

// matchBack returns the index of the opener matching the closer at
// toks[k], walking back over nested pairs (and over parentheses when the
// pair is a keyword pair); -1 when there is none.
func matchBack(toks []token, k int, opener, closer func(token) bool) int {
	depth, parens := 0, 0
	for i := k; i >= 0; i-- {
		t := toks[i]
		switch {
		case closer(t) && parens == 0:
			depth++
		case opener(t) && parens == 0:
			depth--
			if depth == 0 {
				return i
			}
		case t.isOp(")"):
			parens++
		case t.isOp("("):
			parens--
		}
	}
	return -1
}

// liftExprAt does what the expression syntaxes need at toks[i]: it opens
// the postfix casts whose operand starts there, then lifts a '::' type,
// an EXTRACT(field FROM, an ESCAPE string or a replaced token. It returns
// how many tokens it consumed (0: lift goes on with toks[i] as usual).
func (c *converter) liftExprAt(toks []token, i int, ex *exprLifts) (int, error) {
	p := c.p
	t := toks[i]
	if opens := ex.opens[i]; len(opens) > 0 {
		for k := len(opens) - 1; k >= 0; k-- { // the outermost (last) cast first
			pc := ex.casts[opens[k]]
			c.rw.synth(phCast+strconv.Itoa(len(c.lf.casts))+"(", t.start)
			c.lf.casts = append(c.lf.casts, castLift{at: p.lines.pos(toks[pc.op].start), to: pc.to})
		}
	}
	if ic, ok := ex.intervals[i]; ok {
		c.rw.synth(phInterval+strconv.Itoa(len(c.lf.intervals)), t.start)
		c.lf.intervals = append(c.lf.intervals, ic.iv)
		return ic.end - i, nil
	}
	if k, ok := ex.closes[i]; ok {
		c.rw.synth(")", t.start)
		return ex.casts[k].end - i, nil
	}
	if r, ok := ex.replace[i]; ok {
		c.rw.synth(r, t.start)
		return 1, nil
	}
	next := func(k int) token {
		if i+k < len(toks) {
			return toks[i+k]
		}
		return p.eofAfter(toks)
	}
	switch {
	case t.is("IS") && (next(1).is("DISTINCT") || next(1).is("NOT") && next(2).is("DISTINCT")):
		n := 2
		if next(1).is("NOT") {
			n = 3
		}
		if from := next(n); !from.is("FROM") {
			return 0, p.syntaxErr(from, "FROM in IS [NOT] DISTINCT FROM")
		}
		if r := next(n + 1); !startsOperand(r) {
			return 0, p.syntaxErr(r, "an expression")
		}
		c.rw.synth("<=> ", t.start)
		return n + 1, nil
	case t.is("SIMILAR") && next(1).is("TO") && i > 0 && (toks[i-1].is("NOT") || operandStart(toks, i-1, nil) >= 0):
		return 0, p.errAt(t.start, CodeUnsupported, "SIMILAR TO is not supported; use ~ with a regular expression, or LIKE")
	case regexOpLen(toks, i) > 0:
		n := regexOpLen(toks, i)
		if pat := next(n); !startsOperand(pat) {
			return 0, p.syntaxErr(pat, "an expression")
		}
		if t.isOp("!") {
			c.rw.synth("NOT REGEXP ", t.start)
		} else {
			c.rw.synth("REGEXP ", t.start)
		}
		return n, nil
	case t.is("EXTRACT") && next(1).isOp("("):
		field := next(2)
		if field.kind != tokIdent && field.kind != tokQIdent && field.kind != tokString {
			return 0, p.syntaxErr(field, "a field such as HOUR, DAY or EPOCH in EXTRACT(field FROM timestamp)")
		}
		if from := next(3); !from.is("FROM") {
			return 0, p.syntaxErr(from, "FROM in EXTRACT(field FROM timestamp)")
		}
		c.rw.synth(phExtract+strconv.Itoa(len(c.lf.extracts))+"(", t.start)
		c.lf.extracts = append(c.lf.extracts, extractLift{
			at:    p.lines.pos(t.start),
			field: &Literal{At: p.lines.pos(field.start), Kind: LitString, S: strings.ToLower(field.val)},
			after: next(4),
		})
		return 4, nil
	case ex.escapes[i]:
		s := next(1)
		if s.kind != tokString {
			return 0, p.syntaxErr(s, "a string after ESCAPE, such as ESCAPE '!' or ESCAPE ''")
		}
		if len(c.lf.escapes) >= maxEscapes {
			return 0, p.errAt(t.start, CodeUnsupported, "more than %d ESCAPE clauses in one statement are not supported", maxEscapes)
		}
		c.rw.copySpan(p.src, t.start, t.end)
		c.rw.blank(p.src, t.end, s.start)
		c.rw.synth("'"+string(rune(len(c.lf.escapes)+1))+"'", s.start)
		c.lf.escapes = append(c.lf.escapes, &Literal{At: p.lines.pos(s.start), Kind: LitString, S: s.val})
		return 2, nil
	}
	return 0, nil
}

// escapeLiteral returns the ESCAPE string lifted under marker b.
func (c *converter) escapeLiteral(b byte) (*Literal, bool) {
	k := int(b) - 1
	if k < 0 || k >= len(c.lf.escapes) {
		return nil, false
	}
	return c.lf.escapes[k], true
}

// regexOpLen returns how many tokens the regular-expression match
// operator at toks[i] has: ~, ~*, !~ or !~* (written without spaces, as
// PostgreSQL reads them) after an operand; 0 when there is none there (a
// ~ that starts an operand is bitwise NOT, which TiDB refuses).
func regexOpLen(toks []token, i int) int {
	adjacent := func(k int) bool { return k < len(toks) && toks[k].start == toks[k-1].end }
	n := 0
	switch {
	case toks[i].isOp("~"):
		n = 1
	case toks[i].isOp("!") && adjacent(i+1) && toks[i+1].isOp("~"):
		n = 2
	default:
		return 0
	}
	// The operand before is looked for only at an operator: walking back
	// over a parenthesized operand at every token would be quadratic.
	if i == 0 || operandStart(toks, i-1, nil) < 0 {
		return 0
	}
	if adjacent(i+n) && toks[i+n].isOp("*") {
		n++
	}
	return n
}

// clauseWords are the words that end an expression.
var clauseWords = map[string]bool{
	"FROM": true, "WHERE": true, "GROUP": true, "HAVING": true, "ORDER": true, "LIMIT": true,
	"EMIT": true, "AND": true, "OR": true, "THEN": true, "ELSE": true, "END": true, "WHEN": true,
	"AS": true, "UNION": true,
}

// startsOperand reports whether t may start the operand after a binary
// operator weir lifts: not the end of the statement, ')', ',' or a word
// that ends an expression. Other mistakes are left to TiDB; these get a
// clearer message here (after ~* TiDB's would ask for an operator).
func startsOperand(t token) bool {
	switch {
	case t.kind == tokEOF, t.isOp(")"), t.isOp(","), t.isOp(";"):
		return false
	case t.kind == tokIdent:
		return !clauseWords[strings.ToUpper(t.val)]
	}
	return true
}

// isDistinctFrom reports whether toks[i] is the FROM of IS [NOT] DISTINCT
// FROM, which does not start a FROM clause.
func isDistinctFrom(toks []token, i int) bool {
	return i >= 2 && toks[i].is("FROM") && toks[i-1].is("DISTINCT") &&
		(toks[i-2].is("IS") || toks[i-2].is("NOT") && i >= 3 && toks[i-3].is("IS"))
}
