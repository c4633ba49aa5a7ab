package sql

import "strings"

// show parses SHOW SOURCES|TABLES|VIEWS|MATERIALIZED VIEWS|SINKS|QUERIES|
// WATERMARKS, or SHOW <setting> (words lower-cased, joined by one space).
func (p *parser) show() (Statement, error) {
	s := &Show{StmtBase: p.base()}
	p.next() // SHOW
	t := p.peek()
	s.WhatAt = p.lines.pos(t.start)
	switch {
	case t.is("SOURCES"), t.is("TABLES"):
		s.What = "SOURCES"
	case t.is("VIEWS"):
		s.What = "VIEWS"
	case t.is("MATERIALIZED") && p.peekAt(1).is("VIEWS"):
		p.i++
		s.What = "VIEWS"
	case t.is("SINKS"), t.is("QUERIES"), t.is("WATERMARKS"):
		s.What = strings.ToUpper(t.val)
	}
	if s.What != "" {
		p.i++
		return s, p.done()
	}
	var words []string
	for p.peek().kind != tokEOF {
		w := p.next()
		if !w.isName() && !w.isOp(".") {
			return nil, p.syntaxErr(w, "SOURCES, VIEWS, SINKS, QUERIES, WATERMARKS or a setting name after SHOW")
		}
		words = append(words, strings.ToLower(w.val))
	}
	if len(words) == 0 {
		return nil, p.syntaxErr(p.peek(), "SOURCES, VIEWS, SINKS, QUERIES, WATERMARKS or a setting name after SHOW")
	}
	s.What = strings.ReplaceAll(strings.Join(words, " "), " . ", ".")
	return s, nil
}

// describeStmt parses DESCRIBE name (or DESC name).
func (p *parser) describeStmt() (Statement, error) {
	d := &Describe{StmtBase: p.base()}
	p.next()
	name, at, err := p.name("a source, view or sink name after DESCRIBE")
	if err != nil {
		return nil, err
	}
	d.Name, d.NameAt = name, at
	return d, p.done()
}

// explain parses EXPLAIN query.
func (p *parser) explain() (Statement, error) {
	e := &Explain{StmtBase: p.base()}
	kw := p.next()
	if p.i >= len(p.toks) {
		return nil, p.syntaxErr(p.peek(), "a query after EXPLAIN")
	}
	if t := p.peek(); !t.is("SELECT") && !t.isOp("(") {
		return nil, p.syntaxErr(t, "a SELECT query after "+strings.ToUpper(kw.val))
	}
	q, err := p.query(p.toks[p.i:])
	if err != nil {
		return nil, err
	}
	e.Query = q
	return e, nil
}

// subscribe parses SUBSCRIBE [TO] view.
func (p *parser) subscribe() (Statement, error) {
	s := &Subscribe{StmtBase: p.base()}
	p.next()
	p.accept("TO")
	name, _, err := p.name("a view name after SUBSCRIBE TO")
	if err != nil {
		return nil, err
	}
	s.View = name
	return s, p.done()
}

// set parses SET [SESSION|LOCAL] name {=|TO} value and SET TIME ZONE value.
// The name is lower-cased; a value of one string literal is its content,
// anything else is the value's text as written.
func (p *parser) set() (Statement, error) {
	s := &Set{StmtBase: p.base()}
	p.next() // SET
	if (p.peek().is("SESSION") || p.peek().is("LOCAL")) && p.peekAt(1).isName() {
		p.i++
	}
	if p.peek().is("TIME") && p.peekAt(1).is("ZONE") {
		p.i += 2
		s.Name = "timezone"
	} else {
		t := p.peek()
		if !t.isName() {
			return nil, p.syntaxErr(t, "a setting name after SET")
		}
		p.i++
		name := t.val
		for p.peek().isOp(".") && p.peekAt(1).isName() {
			name += "." + p.peekAt(1).val
			p.i += 2
		}
		s.Name = strings.ToLower(name)
		if !p.acceptOp("=") && !p.accept("TO") {
			return nil, p.syntaxErr(p.peek(), "'=' or TO after the setting name")
		}
	}
	first := p.peek()
	if first.kind == tokEOF {
		return nil, p.syntaxErr(first, "a value for "+s.Name)
	}
	if first.kind == tokString && p.i+1 == len(p.toks) {
		s.Value = first.val
	} else {
		s.Value = p.src[first.start:p.end]
	}
	p.i = len(p.toks)
	return s, nil
}
