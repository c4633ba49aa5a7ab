package sql

// createView parses the rest of CREATE [MATERIALIZED] VIEW name AS query.
func (p *parser) createView(materialized bool) (Statement, error) {
	v := &CreateView{StmtBase: p.base(), Materialized: materialized}
	name, _, err := p.name("a view name")
	if err != nil {
		return nil, err
	}
	v.Name = name
	if _, err := p.expect("AS"); err != nil {
		return nil, err
	}
	if v.Query, err = p.query(p.toks[p.i:]); err != nil {
		return nil, err
	}
	return v, nil
}

// createSink parses the rest of CREATE SINK name [FROM view | AS query] WITH (...).
func (p *parser) createSink() (Statement, error) {
	s := &CreateSink{StmtBase: p.base()}
	name, _, err := p.name("a sink name")
	if err != nil {
		return nil, err
	}
	s.Name = name
	switch t := p.peek(); {
	case t.is("FROM"):
		p.i++
		if s.From, _, err = p.name("a view name after FROM"); err != nil {
			return nil, err
		}
	case t.is("AS"):
		p.i++
		w := p.lastTopLevelWith()
		if w < 0 {
			return nil, p.syntaxErr(token{kind: tokEOF, start: p.end, end: p.end}, "WITH (connector = ...) after the sink's query")
		}
		if s.Query, err = p.query(p.toks[p.i:w]); err != nil {
			return nil, err
		}
		p.i = w
	default:
		return nil, p.syntaxErr(t, "FROM view or AS query after the sink name")
	}
	if s.Options, err = p.options(); err != nil {
		return nil, err
	}
	if err := p.done(); err != nil {
		return nil, err
	}
	return s, nil
}

// lastTopLevelWith returns the index of the last WITH '(' outside
// parentheses after the current token, or -1.
func (p *parser) lastTopLevelWith() int {
	depth, last := 0, -1
	for i := p.i; i < len(p.toks); i++ {
		t := p.toks[i]
		switch {
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
		case depth == 0 && t.is("WITH") && i+1 < len(p.toks) && p.toks[i+1].isOp("("):
			last = i
		}
	}
	return last
}

// drop parses DROP SOURCE|TABLE|VIEW|MATERIALIZED VIEW|SINK [IF EXISTS] name.
func (p *parser) drop() (Statement, error) {
	d := &Drop{StmtBase: p.base()}
	p.next() // DROP
	t := p.next()
	switch {
	case t.is("SOURCE"), t.is("TABLE"):
		d.Kind = KindSource
	case t.is("VIEW"):
		d.Kind = KindView
	case t.is("MATERIALIZED"):
		if _, err := p.expect("VIEW"); err != nil {
			return nil, err
		}
		d.Kind = KindView
	case t.is("SINK"):
		d.Kind = KindSink
	default:
		return nil, p.syntaxErr(t, "SOURCE, VIEW, MATERIALIZED VIEW or SINK after DROP")
	}
	if p.accept("IF") {
		if _, err := p.expect("EXISTS"); err != nil {
			return nil, err
		}
		d.IfExists = true
	}
	name, at, err := p.name("a name to drop")
	if err != nil {
		return nil, err
	}
	d.Name, d.NameAt = name, at
	return d, p.done()
}
