package sql

import (
	"cmp"
	"strings"
)

// Parse parses a script of ';'-separated statements into weir's AST. Every
// error is a *Error positioned in script.
func Parse(script string) ([]Statement, error) {
	lines := newLineIndex(script)
	if off := badEncoding(script); off >= 0 {
		// As PostgreSQL checks a query's encoding before parsing it: the
		// text of a name or comment is refused as a string's is.
		return nil, &Error{At: lines.pos(off), Code: CodeBadEncoding,
			Msg: `invalid byte sequence for encoding "UTF8": ` + badByte(script[off:])}
	}
	toks, lexErr := tokenize(script)
	if lexErr != nil {
		return nil, &Error{At: lines.pos(lexErr.at), Code: cmp.Or(lexErr.code, CodeSyntax), Msg: lexErr.msg}
	}
	var stmts []Statement
	start := 0
	for i := 0; i <= len(toks); i++ {
		if i < len(toks) && !toks[i].isOp(";") {
			continue
		}
		if i > start {
			st := toks[start:i]
			p := &parser{src: script, lines: lines, toks: st, end: st[len(st)-1].end}
			if err := p.checkNesting(); err != nil {
				return nil, err
			}
			if err := p.checkNumbers(); err != nil {
				return nil, err
			}
			s, err := p.statement()
			if err != nil {
				return nil, err
			}
			stmts = append(stmts, s)
		}
		start = i + 1
	}
	return stmts, nil
}

// parser parses the tokens of one statement.
type parser struct {
	src   string
	lines *lineIndex
	toks  []token
	i     int
	end   int // byte offset just past the statement's last token
}

// peek returns the current token, or an EOF token at the end.
func (p *parser) peek() token { return p.peekAt(0) }

// peekAt returns the token k positions ahead.
func (p *parser) peekAt(k int) token {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k]
	}
	return token{kind: tokEOF, start: p.end, end: p.end}
}

// next consumes and returns the current token.
func (p *parser) next() token {
	t := p.peek()
	if p.i < len(p.toks) {
		p.i++
	}
	return t
}

// accept consumes the current token if it is the keyword kw.
func (p *parser) accept(kw string) bool {
	if p.peek().is(kw) {
		p.i++
		return true
	}
	return false
}

// acceptOp consumes the current token if it is the operator op.
func (p *parser) acceptOp(op string) bool {
	if p.peek().isOp(op) {
		p.i++
		return true
	}
	return false
}

// expect consumes the keyword kw or fails.
func (p *parser) expect(kw string) (token, error) {
	t := p.peek()
	if !t.is(kw) {
		return t, p.syntaxErr(t, kw)
	}
	p.i++
	return t, nil
}

// expectOp consumes the operator op or fails.
func (p *parser) expectOp(op string) (token, error) {
	t := p.peek()
	if !t.isOp(op) {
		return t, p.syntaxErr(t, "'"+op+"'")
	}
	p.i++
	return t, nil
}

// name consumes an identifier naming a `what` (for the error message).
func (p *parser) name(what string) (string, Pos, error) {
	t := p.peek()
	if !t.isName() {
		return "", Pos{}, p.syntaxErr(t, what)
	}
	if err := p.checkReserved(t); err != nil {
		return "", Pos{}, err
	}
	p.i++
	return t.val, p.lines.pos(t.start), nil
}

// checkReserved rejects identifiers in weir's private placeholder namespace.
func (p *parser) checkReserved(t token) error {
	if strings.HasPrefix(strings.ToLower(t.val), placeholderPrefix) {
		return p.errAt(t.start, CodeSyntax, "identifiers starting with %s are reserved, found %s", placeholderPrefix, p.describe(t))
	}
	return nil
}

// done fails unless every token was consumed.
func (p *parser) done() error {
	if t := p.peek(); t.kind != tokEOF {
		return p.syntaxErr(t, "end of statement")
	}
	return nil
}

// base returns the StmtBase of the statement being parsed.
func (p *parser) base() StmtBase {
	first := p.toks[0]
	return StmtBase{At: p.lines.pos(first.start), Src: p.src[first.start:p.end]}
}

// statement dispatches on the statement's first keyword.
func (p *parser) statement() (Statement, error) {
	t := p.peek()
	switch {
	case t.is("CREATE"):
		return p.create()
	case t.is("DROP"):
		return p.drop()
	case t.is("SHOW"):
		return p.show()
	case t.is("DESCRIBE"), t.is("DESC"):
		return p.describeStmt()
	case t.is("EXPLAIN"):
		return p.explain()
	case t.is("SUBSCRIBE"):
		return p.subscribe()
	case t.is("SET"):
		return p.set()
	case t.is("SELECT"), t.isOp("("):
		q, err := p.selectQuery(p.toks)
		if err != nil {
			return nil, err
		}
		return &SelectStmt{StmtBase: p.base(), Query: q}, nil
	case t.is("WITH"):
		return nil, p.errAt(t.start, CodeUnsupported, "WITH (common table expressions) is not supported; use a view or a subquery in FROM")
	case t.is("INSERT"), t.is("UPDATE"), t.is("DELETE"), t.is("ALTER"), t.is("BEGIN"),
		t.is("COMMIT"), t.is("ROLLBACK"), t.is("START"), t.is("TRUNCATE"), t.is("GRANT"):
		return nil, p.errAt(t.start, CodeUnsupported, "%s statements are not supported", strings.ToUpper(t.val))
	}
	return nil, p.syntaxErr(t, "a statement (CREATE, DROP, SELECT, SHOW, DESCRIBE, EXPLAIN, SUBSCRIBE or SET)")
}
