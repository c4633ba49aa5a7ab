package sql

import (
	"strings"

	"github.com/weirdb/weir/catalog"
)

// create dispatches CREATE SOURCE | TABLE | [MATERIALIZED] VIEW | SINK.
func (p *parser) create() (Statement, error) {
	p.next() // CREATE
	t := p.peek()
	switch {
	case t.is("SOURCE"):
		p.i++
		return p.createSource(false)
	case t.is("TABLE"):
		p.i++
		return p.createSource(true)
	case t.is("VIEW"):
		p.i++
		return p.createView(false)
	case t.is("MATERIALIZED"):
		p.i++
		if _, err := p.expect("VIEW"); err != nil {
			return nil, err
		}
		return p.createView(true)
	case t.is("SINK"):
		p.i++
		return p.createSink()
	case t.is("OR"):
		return nil, p.errAt(t.start, CodeUnsupported, "CREATE OR REPLACE is not supported; DROP the object and create it again")
	}
	return nil, p.syntaxErr(t, "SOURCE, SINK, VIEW, MATERIALIZED VIEW or TABLE after CREATE")
}

// createSource parses the rest of CREATE SOURCE (or CREATE TABLE, which
// requires WITH options).
func (p *parser) createSource(table bool) (Statement, error) {
	s := &CreateSource{StmtBase: p.base()}
	if p.peek().is("IF") {
		p.i++
		if _, err := p.expect("NOT"); err != nil {
			return nil, err
		}
		if _, err := p.expect("EXISTS"); err != nil {
			return nil, err
		}
		s.IfNotExists = true
	}
	name, _, err := p.name("a source name")
	if err != nil {
		return nil, err
	}
	s.Name = name
	if p.acceptOp("(") {
		if err := p.sourceColumns(s); err != nil {
			return nil, err
		}
	}
	if p.peek().is("WITH") {
		if s.Options, err = p.options(); err != nil {
			return nil, err
		}
	} else if table {
		return nil, p.syntaxErr(p.peek(), "WITH (connector = ...) after CREATE TABLE")
	}
	if err := p.done(); err != nil {
		return nil, err
	}
	return s, nil
}

// sourceColumns parses column definitions and the WATERMARK clause up to
// and including the closing ')'.
func (p *parser) sourceColumns(s *CreateSource) error {
	for {
		t := p.peek()
		if t.is("WATERMARK") && p.peekAt(1).is("FOR") {
			if s.Watermark != nil {
				return p.errAt(t.start, CodeSyntax, "expected one WATERMARK clause, found a second one")
			}
			wm, err := p.watermark()
			if err != nil {
				return err
			}
			s.Watermark = wm
		} else {
			col, err := p.columnDef()
			if err != nil {
				return err
			}
			s.Columns = append(s.Columns, col)
		}
		if p.acceptOp(",") {
			continue
		}
		if p.acceptOp(")") {
			return nil
		}
		return p.syntaxErr(p.peek(), "',' or ')' in the column list")
	}
}

// columnDef parses `name TYPE [(n[, m])] [NOT NULL | NULL]`.
func (p *parser) columnDef() (ColumnDef, error) {
	name, at, err := p.name("a column name or WATERMARK FOR")
	if err != nil {
		return ColumnDef{}, err
	}
	typ, err := p.typeName()
	if err != nil {
		return ColumnDef{}, err
	}
	if p.peek().is("NOT") && p.peekAt(1).is("NULL") {
		p.i += 2
	} else {
		p.accept("NULL")
	}
	return ColumnDef{At: at, Name: name, Type: typ}, nil
}

// typeName parses a SQL type: a name with its synonyms (catalog.ParseType,
// PostgreSQL's among them), DOUBLE PRECISION, CHARACTER VARYING, an ignored
// length or precision, and TIMESTAMP WITH[OUT] TIME ZONE.
func (p *parser) typeName() (catalog.Type, error) {
	const expected = "a type (BIGINT, DOUBLE, VARCHAR, BOOLEAN or TIMESTAMP)"
	t := p.peek()
	if t.kind != tokIdent {
		return catalog.Unknown, p.syntaxErr(t, expected)
	}
	typ, ok := catalog.ParseType(t.val)
	if !ok {
		return catalog.Unknown, p.syntaxErr(t, expected)
	}
	p.i++
	switch {
	case strings.EqualFold(t.val, "DOUBLE"):
		p.accept("PRECISION")
	case strings.EqualFold(t.val, "CHARACTER"):
		p.accept("VARYING")
	}
	if p.peek().isOp("(") {
		p.i++
		for p.peek().kind == tokNumber || p.peek().isOp(",") {
			p.i++
		}
		if _, err := p.expectOp(")"); err != nil {
			return catalog.Unknown, p.syntaxErr(p.peek(), "a length such as (255) followed by ')'")
		}
	}
	if typ == catalog.Timestamp && (p.peek().is("WITH") || p.peek().is("WITHOUT")) && p.peekAt(1).is("TIME") {
		p.i += 2
		if _, err := p.expect("ZONE"); err != nil {
			return catalog.Unknown, err
		}
	}
	return typ, nil
}

// watermark parses WATERMARK FOR col AS col [- interval].
func (p *parser) watermark() (*WatermarkDef, error) {
	kw := p.next() // WATERMARK
	p.next()       // FOR
	col, _, err := p.name("the event-time column after WATERMARK FOR")
	if err != nil {
		return nil, err
	}
	if _, err := p.expect("AS"); err != nil {
		return nil, err
	}
	again := p.peek()
	if !again.isName() || !strings.EqualFold(again.val, col) {
		return nil, p.syntaxErr(again, "'"+col+" - INTERVAL ...' (the WATERMARK FOR column minus a delay)")
	}
	p.i++
	wm := &WatermarkDef{At: p.lines.pos(kw.start), Column: col, Delay: Interval{At: p.lines.pos(again.start)}}
	if p.acceptOp("-") {
		d, err := p.interval()
		if err != nil {
			return nil, err
		}
		wm.Delay = d
	}
	return wm, nil
}
