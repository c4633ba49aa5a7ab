package pgwire

import (
	"strconv"
	"strings"
)

// This file parses the small part of PostgreSQL's SELECT that pgwire
// evaluates itself: constant SELECTs (`SELECT 1`, `SELECT $1::int`,
// `current_setting('x')::int / 100`) and single-table queries over the
// catalog tables it emulates (information_schema.tables, pg_database, ...).
// What it cannot parse is not pgwire's to answer: the caller sends the
// statement to the engine (or falls back to shape matching for catalogs).

// expr is a parsed expression.
type expr interface{}

type (
	litExpr struct {
		v   value
		off int
	}
	colExpr struct {
		parts []string // qualifier(s) and name, lower-cased unless quoted
		off   int
	}
	unaryExpr struct {
		op string
		x  expr
	}
	binExpr struct {
		op   string
		l, r expr
		off  int
	}
	castExpr struct {
		x   expr
		typ typeName
		off int
	}
	funcExpr struct {
		name    string // lower-cased, without a pg_catalog. prefix
		args    []expr
		star    bool // f(*)
		noParen bool // current_user, current_timestamp, ...
		off     int
	}
	caseExpr struct {
		operand expr // nil for a searched CASE
		whens   []expr
		thens   []expr
		els     expr
	}
	inExpr struct {
		x    expr
		list []expr
		sub  string // the subquery's text for x IN (SELECT ...)
		not  bool
	}
	subqueryExpr struct {
		text string
		off  int
	}
	// existsExpr is EXISTS (subquery).
	existsExpr struct {
		text string
		off  int
	}
	isExpr struct {
		x    expr
		what string // "null", "true", "false", "unknown"
		not  bool
	}
	distinctExpr struct {
		l, r expr
		not  bool
	}
	betweenExpr struct {
		x, lo, hi expr
		not       bool
	}
	likeExpr struct {
		x, pat expr
		not    bool
		ilike  bool
	}
	indexExpr struct {
		x, i expr
	}
	arrayExpr struct{ elems []expr }
	// arraySubExpr is ARRAY(subquery).
	arraySubExpr struct {
		text string
		off  int
	}
	paramExpr struct{ n string }
)

// typeName is a type as written in a cast.
type typeName struct {
	t      sqlType
	label  string // the name PostgreSQL gives a cast's column (int4, text, ...)
	typmod bool   // varchar(10), numeric(10,2): not evaluated
	array  bool
}

// selectStmt is a parsed SELECT.
type selectStmt struct {
	distinct bool
	items    []selectItem
	from     []fromRel // empty without FROM; [0] is the main relation
	where    expr
	groupBy  []expr
	having   expr
	orderBy  []orderKey
	limit    expr
	offset   expr
}

type selectItem struct {
	x       expr // nil for * and q.*
	star    string
	isStar  bool
	alias   string
	aliased bool
}

type fromRel struct {
	name  string // lower-cased, quotes removed, schema-qualified as written
	alias string
	// sub is a derived table's subquery text ((SELECT ...) alias); name is
	// then empty.
	sub string
	// values are the rows of (VALUES (...), ...) alias; name is then
	// empty.
	values [][]expr
	// cols are the column aliases of alias(a, b, ...).
	cols []string
	// join is how a relation after the first joins: "," (a FROM list
	// comma), "join" (inner), "left", "right", "full", "cross" or
	// "natural"; on is its ON condition (nil for USING and none).
	join string
	on   expr
}

type orderKey struct {
	x          expr
	desc       bool
	nullsFirst bool
	nullsSet   bool
}

type parser struct {
	toks []token
	i    int
	src  string
	ok   bool
}

func (p *parser) peek() token { return p.at(p.i) }

// at returns token i, or the final EOF past the end.
func (p *parser) at(i int) token {
	if i >= len(p.toks) {
		return p.toks[len(p.toks)-1]
	}
	return p.toks[i]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tkEOF {
		p.i++
	}
	return t
}

func (p *parser) isKw(words ...string) bool { return p.isKwAt(p.i, words...) }

func (p *parser) kw(w string) bool {
	if p.isKw(w) {
		p.i++
		return true
	}
	return false
}

func (p *parser) isOp(op string) bool {
	t := p.peek()
	return t.kind == tkOp && t.s == op
}

func (p *parser) op(op string) bool {
	if p.isOp(op) {
		p.i++
		return true
	}
	return false
}

func (p *parser) fail() expr {
	p.ok = false
	return nil
}

// parseSelect parses a whole statement as a SELECT; ok is false when it is
// not one pgwire reads.
func parseSelect(stmt string) (*selectStmt, bool) {
	toks, ok := lex(stmt)
	if !ok {
		return nil, false
	}
	p := &parser{toks: toks, src: stmt, ok: true}
	if !p.kw("select") {
		return nil, false
	}
	s := &selectStmt{}
	if p.kw("distinct") {
		if p.isKw("on") {
			return nil, false // DISTINCT ON is not evaluated
		}
		s.distinct = true
	} else {
		p.kw("all")
	}
	// An empty SELECT list (SELECT FROM t) is PostgreSQL's too: rows of
	// no columns.
	for !p.isKw("from") {
		it, ok := p.selectItem()
		if !ok {
			return nil, false
		}
		s.items = append(s.items, it)
		if !p.op(",") {
			break
		}
	}
	if p.kw("from") {
		if !p.fromList(s) {
			return nil, false
		}
	}
	if p.kw("where") {
		s.where = p.expr()
	}
	if p.kw("group") {
		if !p.kw("by") || p.isKw("all", "distinct", "rollup", "cube", "grouping") {
			return nil, false
		}
		for {
			s.groupBy = append(s.groupBy, p.expr())
			if !p.op(",") {
				break
			}
		}
	}
	if p.kw("having") {
		s.having = p.expr()
	}
	if p.isKw("window", "union", "intersect", "except") {
		return nil, false
	}
	if p.kw("order") {
		if !p.kw("by") {
			return nil, false
		}
		for {
			k := orderKey{x: p.expr()}
			if p.kw("desc") {
				k.desc = true
			} else {
				p.kw("asc")
			}
			if p.kw("nulls") {
				k.nullsSet = true
				switch {
				case p.kw("first"):
					k.nullsFirst = true
				case p.kw("last"):
				default:
					return nil, false
				}
			}
			s.orderBy = append(s.orderBy, k)
			if !p.op(",") {
				break
			}
		}
	}
	for p.isKw("limit", "offset") {
		if p.kw("limit") {
			if p.kw("all") {
				continue
			}
			s.limit = p.expr()
		} else {
			p.kw("offset")
			s.offset = p.expr()
			if !p.kw("rows") {
				p.kw("row")
			}
		}
	}
	p.op(";")
	if !p.ok || p.peek().kind != tkEOF {
		return nil, false
	}
	return s, true
}

func (p *parser) selectItem() (selectItem, bool) {
	if p.op("*") {
		return selectItem{isStar: true}, true
	}
	// q.*
	if t := p.peek(); (t.kind == tkIdent || t.kind == tkQIdent) && p.at(p.i+1).kind == tkOp && p.at(p.i+1).s == "." && p.at(p.i+2).kind == tkOp && p.at(p.i+2).s == "*" {
		p.i += 3
		return selectItem{isStar: true, star: t.s}, true
	}
	it := selectItem{x: p.expr()}
	if !p.ok {
		return it, false
	}
	if p.kw("as") {
		t := p.next()
		if t.kind != tkIdent && t.kind != tkQIdent {
			return it, false
		}
		it.alias, it.aliased = t.s, true
	} else if t := p.peek(); t.kind == tkQIdent || t.kind == tkIdent && !reservedAfterItem[t.s] {
		p.next()
		it.alias, it.aliased = t.s, true
	}
	return it, true
}

// reservedAfterItem are the words that may follow a SELECT item and so are
// not a bare alias.
var reservedAfterItem = map[string]bool{
	"from": true, "where": true, "group": true, "having": true, "order": true, "limit": true,
	"offset": true, "union": true, "intersect": true, "except": true, "window": true,
	"fetch": true, "for": true, "into": true, "as": true, "and": true, "or": true, "not": true,
	"is": true, "in": true, "like": true, "ilike": true, "between": true, "collate": true,
	"asc": true, "desc": true, "nulls": true, "then": true, "else": true, "end": true, "when": true,
	"on": true, "using": true, "join": true, "left": true, "right": true, "inner": true,
	"full": true, "cross": true, "natural": true, "similar": true, "isnull": true, "notnull": true,
}

// fromList reads FROM's relations: the first is the main one; joined ones
// are kept (their columns are unknown) and join conditions skipped.
func (p *parser) fromList(s *selectStmt) bool {
	for {
		r, ok := p.fromRel()
		if !ok {
			return false
		}
		if len(s.from) > 0 {
			r.join = ","
		}
		s.from = append(s.from, r)
		switch {
		case p.op(","):
			continue
		case p.isKw("left", "right", "inner", "full", "cross", "join", "natural"):
			for p.isKw("left", "right", "inner", "full", "cross", "join", "natural") {
				if !p.joinMore(s) {
					return false
				}
			}
			if p.op(",") {
				continue
			}
		}
		return p.ok
	}
}

func (p *parser) joinMore(s *selectStmt) bool {
	kind := "join"
	for {
		switch {
		case p.kw("left"):
			kind = "left"
		case p.kw("right"):
			kind = "right"
		case p.kw("full"):
			kind = "full"
		case p.kw("cross"):
			kind = "cross"
		case p.kw("natural"):
			kind = "natural"
		case p.kw("inner"), p.kw("outer"):
		default:
			goto join
		}
	}
join:
	if !p.kw("join") {
		return false
	}
	r, ok := p.fromRel()
	if !ok {
		return false
	}
	r.join = kind
	if p.kw("on") {
		r.on = p.expr()
	} else if p.kw("using") {
		s.from = append(s.from, r)
		return p.skipParens()
	}
	s.from = append(s.from, r)
	return p.ok
}

func (p *parser) fromRel() (fromRel, bool) {
	if p.isOp("(") {
		// A derived table, (SELECT ...) alias or (VALUES (...), ...)
		// alias; other parentheses (a parenthesised join) are not read.
		var r fromRel
		switch {
		case p.isKwAt(p.i+1, "select"):
			start := p.at(p.i + 1).off
			if !p.skipParens() {
				return fromRel{}, false
			}
			r.sub = p.src[start:p.toks[p.i-1].off]
		case p.isKwAt(p.i+1, "values"):
			p.i += 2
			for {
				if !p.op("(") {
					return fromRel{}, false
				}
				var row []expr
				for {
					row = append(row, p.expr())
					if !p.op(",") {
						break
					}
				}
				if !p.op(")") || len(r.values) > 0 && len(row) != len(r.values[0]) {
					return fromRel{}, false
				}
				r.values = append(r.values, row)
				if !p.op(",") {
					break
				}
			}
			if !p.op(")") || !p.ok {
				return fromRel{}, false
			}
		default:
			return fromRel{}, false
		}
		p.kw("as")
		t := p.next()
		if t.kind != tkIdent && t.kind != tkQIdent || t.kind == tkIdent && (reservedAfterItem[t.s] || fromListEnds[t.s]) {
			return r, false // PostgreSQL 15 requires the alias
		}
		r.alias = t.s
		if p.op("(") {
			for {
				c := p.next()
				if c.kind != tkIdent && c.kind != tkQIdent {
					return r, false
				}
				r.cols = append(r.cols, c.s)
				if !p.op(",") {
					break
				}
			}
			if !p.op(")") {
				return r, false
			}
		}
		return r, true
	}
	var parts []string
	for {
		t := p.next()
		if t.kind != tkIdent && t.kind != tkQIdent {
			return fromRel{}, false
		}
		parts = append(parts, t.s)
		if !p.op(".") {
			break
		}
	}
	if p.isOp("(") {
		return fromRel{}, false // a set-returning function
	}
	r := fromRel{name: strings.Join(parts, ".")}
	if p.kw("as") {
		t := p.next()
		if t.kind != tkIdent && t.kind != tkQIdent {
			return r, false
		}
		r.alias = t.s
	} else if t := p.peek(); t.kind == tkQIdent || t.kind == tkIdent && !reservedAfterItem[t.s] && !fromListEnds[t.s] {
		p.next()
		r.alias = t.s
	}
	return r, true
}

func (p *parser) skipParens() bool {
	if !p.op("(") {
		return false
	}
	depth := 1
	for depth > 0 {
		t := p.next()
		switch {
		case t.kind == tkEOF:
			return false
		case t.kind == tkOp && t.s == "(":
			depth++
		case t.kind == tkOp && t.s == ")":
			depth--
		}
	}
	return true
}

// expr parses an expression (PostgreSQL's precedence, lowest first: OR,
// AND, NOT, IS, comparison, LIKE/IN/BETWEEN, other operators, + -, * / %,
// unary minus, ::, [ ]).
func (p *parser) expr() expr {
	l := p.andExpr()
	for p.ok && p.kw("or") {
		l = &binExpr{op: "or", l: l, r: p.andExpr()}
	}
	return l
}

func (p *parser) andExpr() expr {
	l := p.notExpr()
	for p.ok && p.kw("and") {
		l = &binExpr{op: "and", l: l, r: p.notExpr()}
	}
	return l
}

func (p *parser) notExpr() expr {
	if p.kw("not") {
		return &unaryExpr{op: "not", x: p.notExpr()}
	}
	return p.isExpr()
}

func (p *parser) isExpr() expr {
	x := p.cmpExpr()
	for p.ok {
		switch {
		case p.kw("isnull"):
			x = &isExpr{x: x, what: "null"}
		case p.kw("notnull"):
			x = &isExpr{x: x, what: "null", not: true}
		case p.kw("is"):
			not := p.kw("not")
			switch {
			case p.kw("null"):
				x = &isExpr{x: x, what: "null", not: not}
			case p.kw("true"):
				x = &isExpr{x: x, what: "true", not: not}
			case p.kw("false"):
				x = &isExpr{x: x, what: "false", not: not}
			case p.kw("unknown"):
				x = &isExpr{x: x, what: "null", not: not}
			case p.kw("distinct"):
				if !p.kw("from") {
					return p.fail()
				}
				// not marks IS NOT DISTINCT FROM (equality).
				x = &distinctExpr{l: x, r: p.cmpExpr(), not: not}
			default:
				return p.fail()
			}
		default:
			return x
		}
	}
	return x
}

var cmpOps = map[string]bool{"=": true, "<>": true, "!=": true, "<": true, ">": true, "<=": true, ">=": true}

func (p *parser) cmpExpr() expr {
	l := p.likeExpr()
	if t := p.peek(); p.ok && t.kind == tkOp && cmpOps[t.s] {
		p.next()
		op := t.s
		if op == "!=" {
			op = "<>"
		}
		return &binExpr{op: op, l: l, r: p.likeExpr(), off: t.off}
	}
	return l
}

func (p *parser) likeExpr() expr {
	x := p.otherOpExpr()
	for p.ok {
		save := p.i
		not := p.kw("not")
		switch {
		case p.kw("in"):
			if !p.op("(") {
				return p.fail()
			}
			if p.isKw("select", "with", "values") {
				start := p.peek().off
				p.i--
				if !p.skipParens() {
					return p.fail()
				}
				end := p.toks[p.i-1].off
				x = &inExpr{x: x, sub: p.src[start:end], not: not}
				continue
			}
			in := &inExpr{x: x, not: not}
			for {
				in.list = append(in.list, p.expr())
				if !p.op(",") {
					break
				}
			}
			if !p.op(")") {
				return p.fail()
			}
			x = in
		case p.kw("like"), p.kw("ilike"):
			ilike := p.toks[p.i-1].s == "ilike"
			x = &likeExpr{x: x, pat: p.otherOpExpr(), not: not, ilike: ilike}
			if p.isKw("escape") {
				return p.fail()
			}
		case p.kw("between"):
			p.kw("symmetric")
			lo := p.otherOpExpr()
			if !p.kw("and") {
				return p.fail()
			}
			x = &betweenExpr{x: x, lo: lo, hi: p.otherOpExpr(), not: not}
		case p.isKw("similar"):
			return p.fail()
		default:
			p.i = save
			return x
		}
	}
	return x
}

// otherOpExpr handles the operators of "any other operator" precedence
// (||, ~, !~, ~*, !~*, OPERATOR(pg_catalog.~)).
func (p *parser) otherOpExpr() expr {
	l := p.addExpr()
	for p.ok {
		t := p.peek()
		var op string
		switch {
		case t.kind == tkOp && (t.s == "||" || t.s == "~" || t.s == "!~" || t.s == "~*" || t.s == "!~*"):
			p.next()
			op = t.s
		case p.isKw("operator"):
			p.next()
			if !p.op("(") {
				return p.fail()
			}
			if p.kw("pg_catalog") && !p.op(".") {
				return p.fail()
			}
			o := p.next()
			if o.kind != tkOp || !p.op(")") {
				return p.fail()
			}
			op = o.s
			if cmpOps[op] || op == "+" || op == "-" || op == "*" || op == "/" {
				// OPERATOR(pg_catalog.=) binds as other operators do; the
				// meaning is the same.
				if op == "!=" {
					op = "<>"
				}
			}
		default:
			return l
		}
		l = &binExpr{op: op, l: l, r: p.addExpr(), off: t.off}
	}
	return l
}

func (p *parser) addExpr() expr {
	l := p.mulExpr()
	for p.ok {
		t := p.peek()
		if t.kind != tkOp || t.s != "+" && t.s != "-" {
			return l
		}
		p.next()
		l = &binExpr{op: t.s, l: l, r: p.mulExpr(), off: t.off}
	}
	return l
}

func (p *parser) mulExpr() expr {
	l := p.unary()
	for p.ok {
		t := p.peek()
		if t.kind != tkOp || t.s != "*" && t.s != "/" && t.s != "%" {
			return l
		}
		p.next()
		l = &binExpr{op: t.s, l: l, r: p.unary(), off: t.off}
	}
	return l
}

func (p *parser) unary() expr {
	if t := p.peek(); t.kind == tkOp && (t.s == "-" || t.s == "+") {
		p.next()
		x := p.unary()
		if t.s == "+" {
			return x
		}
		return &unaryExpr{op: "-", x: x}
	}
	return p.postfix()
}

func (p *parser) postfix() expr {
	x := p.primary()
	for p.ok {
		switch t := p.peek(); {
		case p.op("::"):
			tn, ok := p.typeName()
			if !ok {
				return p.fail()
			}
			x = &castExpr{x: x, typ: tn, off: t.off}
		case p.op("["):
			i := p.expr()
			if p.op(":") || !p.op("]") {
				return p.fail()
			}
			x = &indexExpr{x: x, i: i}
		case p.kw("collate"):
			// COLLATE pg_catalog.default and the like: ignored (C collation).
			if n := p.next(); n.kind != tkIdent && n.kind != tkQIdent {
				return p.fail()
			}
			for p.op(".") {
				if n := p.next(); n.kind != tkIdent && n.kind != tkQIdent {
					return p.fail()
				}
			}
		default:
			return x
		}
	}
	return x
}

// noParenFuncs are the SQL value functions written without parentheses.
var noParenFuncs = map[string]bool{
	"current_user": true, "session_user": true, "user": true, "current_role": true,
	"current_catalog": true, "current_schema": true, "current_timestamp": true,
	"current_date": true, "current_time": true, "localtime": true, "localtimestamp": true,
}

func (p *parser) primary() expr {
	t := p.next()
	switch t.kind {
	case tkNum:
		return &litExpr{v: numberLiteral(t.s), off: t.off}
	case tkStr:
		return &litExpr{v: value{t: tUnknown, s: t.s}, off: t.off}
	case tkParam:
		return &paramExpr{n: t.s}
	case tkOp:
		if t.s == "(" {
			if p.isKw("select", "with", "values") {
				p.i--
				start := p.at(p.i + 1).off
				if !p.skipParens() {
					return p.fail()
				}
				return &subqueryExpr{text: p.src[start:p.toks[p.i-1].off], off: start}
			}
			x := p.expr()
			if !p.op(")") {
				return p.fail()
			}
			return x
		}
		return p.fail()
	case tkQIdent:
		return p.columnRef(t)
	case tkIdent:
	default:
		return p.fail()
	}
	switch t.s {
	case "true", "false":
		return &litExpr{v: value{t: tBool, b: t.s == "true"}, off: t.off}
	case "null":
		return &litExpr{v: value{t: tUnknown, null: true}, off: t.off}
	case "case":
		return p.caseExpr()
	case "cast":
		if !p.op("(") {
			return p.fail()
		}
		x := p.expr()
		if !p.kw("as") {
			return p.fail()
		}
		tn, ok := p.typeName()
		if !ok || !p.op(")") {
			return p.fail()
		}
		return &castExpr{x: x, typ: tn, off: t.off}
	case "array":
		if p.isOp("(") && p.isKwAt(p.i+1, "select", "with", "values") {
			start := p.at(p.i + 1).off
			if !p.skipParens() {
				return p.fail()
			}
			return &arraySubExpr{text: p.src[start:p.toks[p.i-1].off], off: t.off}
		}
		if !p.op("[") {
			return p.fail()
		}
		a := &arrayExpr{}
		if !p.op("]") {
			for {
				a.elems = append(a.elems, p.expr())
				if !p.op(",") {
					break
				}
			}
			if !p.op("]") {
				return p.fail()
			}
		}
		return a
	case "exists":
		if p.isOp("(") && p.isKwAt(p.i+1, "select", "with", "values") {
			start := p.at(p.i + 1).off
			if !p.skipParens() {
				return p.fail()
			}
			return &existsExpr{text: p.src[start:p.toks[p.i-1].off], off: t.off}
		}
		return p.fail()
	case "substring":
		// substring(x FROM a [FOR b]) is read as substring(x, a[, b])
		// (JDBC's getFunctions); pgwire does not evaluate it.
		if p.isOp("(") && !p.isKwAt(p.i+1, "from", "for", "similar") {
			p.op("(")
			f := &funcExpr{name: "substring", off: t.off}
			f.args = append(f.args, p.expr())
			switch {
			case p.kw("from"):
				f.args = append(f.args, p.expr())
				if p.kw("for") {
					f.args = append(f.args, p.expr())
				}
			case p.op(","):
				f.args = append(f.args, p.expr())
				if p.op(",") {
					f.args = append(f.args, p.expr())
				}
			}
			if !p.op(")") {
				return p.fail()
			}
			return f
		}
		return p.fail()
	case "any", "all", "some", "interval", "row", "extract", "position", "overlay", "trim":
		if t.s == "trim" && p.isOp("(") && !p.isKwAt(p.i+1, "both", "leading", "trailing", "from") {
			break
		}
		return p.fail()
	}
	if p.isOp("(") {
		return p.funcCall(t, "")
	}
	// Typed literals (int '5', TIMESTAMP '...') are not read.
	if p.peek().kind == tkStr {
		return p.fail()
	}
	if noParenFuncs[t.s] && !p.isOp(".") {
		if (t.s == "current_timestamp" || t.s == "current_time" || t.s == "localtimestamp" || t.s == "localtime") && p.isOp("(") {
			return p.fail()
		}
		return &funcExpr{name: t.s, noParen: true, off: t.off}
	}
	return p.columnRef(t)
}

func (p *parser) isKwAt(i int, words ...string) bool {
	t := p.at(i)
	if t.kind != tkIdent {
		return false
	}
	for _, w := range words {
		if t.s == w {
			return true
		}
	}
	return false
}

// columnRef reads a.b.c, or schema.function(...) when a '(' follows.
func (p *parser) columnRef(first token) expr {
	parts := []string{first.s}
	for p.isOp(".") {
		p.next()
		t := p.next()
		if t.kind != tkIdent && t.kind != tkQIdent {
			return p.fail()
		}
		parts = append(parts, t.s)
	}
	if p.isOp("(") {
		if len(parts) != 2 {
			return p.fail()
		}
		return p.funcCall(token{kind: tkIdent, s: parts[1], off: first.off}, parts[0])
	}
	return &colExpr{parts: parts, off: first.off}
}

func (p *parser) funcCall(name token, schema string) expr {
	if schema != "" && schema != "pg_catalog" {
		return p.fail()
	}
	p.op("(")
	f := &funcExpr{name: name.s, off: name.off}
	if p.op(")") {
		return f
	}
	if p.op("*") {
		f.star = true
		if !p.op(")") {
			return p.fail()
		}
		return f
	}
	if p.isKw("distinct", "all", "variadic") {
		return p.fail()
	}
	for {
		f.args = append(f.args, p.expr())
		if !p.op(",") {
			break
		}
	}
	if !p.op(")") {
		return p.fail()
	}
	if p.isKw("over", "filter", "within") {
		return p.fail()
	}
	return f
}

func (p *parser) caseExpr() expr {
	c := &caseExpr{}
	if !p.isKw("when") {
		c.operand = p.expr()
	}
	for p.kw("when") {
		c.whens = append(c.whens, p.expr())
		if !p.kw("then") {
			return p.fail()
		}
		c.thens = append(c.thens, p.expr())
	}
	if len(c.whens) == 0 {
		return p.fail()
	}
	if p.kw("else") {
		c.els = p.expr()
	}
	if !p.kw("end") {
		return p.fail()
	}
	return c
}

// typeNames maps type names (one word, or the first of several) to types
// and the label PostgreSQL gives a cast's column.
var typeNames = map[string]typeName{
	"int": {t: tInt4, label: "int4"}, "integer": {t: tInt4, label: "int4"}, "int4": {t: tInt4, label: "int4"},
	"bigint": {t: tInt8, label: "int8"}, "int8": {t: tInt8, label: "int8"},
	"smallint": {t: tInt2, label: "int2"}, "int2": {t: tInt2, label: "int2"},
	"float8": {t: tFloat8, label: "float8"}, "float": {t: tFloat8, label: "float8"},
	"float4": {t: tFloat4, label: "float4"}, "real": {t: tFloat4, label: "float4"},
	"numeric": {t: tNumeric, label: "numeric"}, "decimal": {t: tNumeric, label: "numeric"},
	"text": {t: tText, label: "text"}, "varchar": {t: tText, label: "varchar"},
	"name": {t: tText, label: "name"},
	"bool": {t: tBool, label: "bool"}, "boolean": {t: tBool, label: "bool"},
	"oid":      {t: tOID, label: "oid"},
	"regclass": {t: tOther, label: "regclass"}, "regtype": {t: tOther, label: "regtype"},
	"regproc": {t: tOther, label: "regproc"}, "regnamespace": {t: tOther, label: "regnamespace"},
	"char": {t: tOther, label: "bpchar"}, "bpchar": {t: tOther, label: "bpchar"},
	"timestamptz": {t: tOther, label: "timestamptz"}, "timestamp": {t: tOther, label: "timestamp"},
	"date": {t: tOther, label: "date"}, "interval": {t: tOther, label: "interval"},
	"json": {t: tOther, label: "json"}, "jsonb": {t: tOther, label: "jsonb"},
	"uuid": {t: tOther, label: "uuid"}, "bytea": {t: tOther, label: "bytea"},
}

// typeName reads a type name after :: or AS.
func (p *parser) typeName() (typeName, bool) {
	t := p.next()
	if t.kind != tkIdent && t.kind != tkQIdent {
		return typeName{}, false
	}
	name := t.s
	if name == "pg_catalog" && p.op(".") {
		t = p.next()
		if t.kind != tkIdent && t.kind != tkQIdent {
			return typeName{}, false
		}
		name = t.s
	}
	switch {
	case name == "double" && p.kw("precision"):
		name = "float8"
	case name == "character" && p.kw("varying"):
		name = "varchar"
	case name == "character":
		name = "char"
	case (name == "timestamp" || name == "time") && p.isKw("with", "without"):
		with := p.kw("with")
		p.kw("without")
		if !p.kw("time") || !p.kw("zone") {
			return typeName{}, false
		}
		if with && name == "timestamp" {
			name = "timestamptz"
		}
	}
	tn, ok := typeNames[name]
	if !ok {
		tn = typeName{t: tOther, label: name}
	}
	if p.isOp("(") {
		tn.typmod = true
		if !p.skipParens() {
			return typeName{}, false
		}
	}
	if p.op("[") {
		if !p.op("]") {
			return typeName{}, false
		}
		tn.array = true
	}
	return tn, true
}

// numberLiteral types a numeric literal as PostgreSQL does: an integer
// that fits int4 is int4, int8 if it fits that, numeric otherwise (and any
// literal with a point or an exponent is numeric).
func numberLiteral(s string) value {
	if allDigits(s) {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			if i <= 1<<31-1 {
				return value{t: tInt4, i: i}
			}
			return value{t: tInt8, i: i}
		}
	}
	n, ok := parseNumeric(s)
	if !ok {
		return value{t: tOther}
	}
	return value{t: tNumeric, s: n}
}
