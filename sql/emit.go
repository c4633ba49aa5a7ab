package sql

// emit parses EMIT item [, item]... where an item is ON WINDOW CLOSE,
// EARLY EVERY interval, EARLY WHEN predicate or LATE WITHIN interval.
func (p *parser) emit(toks []token) (*Emit, error) {
	sp := p.sub(toks)
	kw := sp.next() // EMIT
	e := &Emit{At: p.lines.pos(kw.start)}
	const expected = "ON WINDOW CLOSE, EARLY EVERY <interval>, EARLY WHEN <condition> or LATE WITHIN <interval>"
	seen := map[string]bool{}
	for {
		t := sp.peek()
		var item string
		switch {
		case t.is("ON"):
			sp.i++
			if _, err := sp.expect("WINDOW"); err != nil {
				return nil, err
			}
			if _, err := sp.expect("CLOSE"); err != nil {
				return nil, err
			}
			item, e.OnClose = "ON WINDOW CLOSE", true
		case t.is("EARLY") && sp.peekAt(1).is("EVERY"):
			sp.i += 2
			iv, err := sp.interval()
			if err != nil {
				return nil, err
			}
			item, e.EarlyEvery = "EARLY EVERY", &iv
		case t.is("EARLY") && sp.peekAt(1).is("WHEN"):
			sp.i += 2
			start, depth := sp.i, 0
			for ; sp.i < len(sp.toks); sp.i++ {
				c := sp.toks[sp.i]
				if c.isOp("(") {
					depth++
				} else if c.isOp(")") {
					depth--
				} else if depth == 0 && c.isOp(",") {
					break
				}
			}
			pred, err := sp.expr(sp.toks[start:sp.i])
			if err != nil {
				return nil, err
			}
			item, e.EarlyWhen = "EARLY WHEN", pred
		case t.is("LATE"):
			sp.i++
			if _, err := sp.expect("WITHIN"); err != nil {
				return nil, err
			}
			iv, err := sp.interval()
			if err != nil {
				return nil, err
			}
			item, e.LateWithin = "LATE WITHIN", &iv
		case t.is("EARLY"):
			return nil, sp.syntaxErr(sp.peekAt(1), "EVERY or WHEN after EARLY")
		default:
			return nil, sp.syntaxErr(t, expected)
		}
		if seen[item] {
			return nil, p.errAt(t.start, CodeSyntax, "expected each EMIT item at most once, found a second %s", item)
		}
		seen[item] = true
		if !sp.acceptOp(",") {
			break
		}
	}
	if t := sp.peek(); t.kind != tokEOF {
		return nil, sp.syntaxErr(t, "',' and another EMIT item, or the end of the query")
	}
	return e, nil
}
