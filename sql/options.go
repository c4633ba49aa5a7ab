package sql

import "strings"

// options parses WITH (key = value, ...). Keys are identifiers (dotted
// names allowed) or string literals and are lower-cased; values are string
// literals, numbers or bare words, kept as text.
func (p *parser) options() ([]Option, error) {
	if !p.accept("WITH") {
		return nil, p.syntaxErr(p.peek(), "WITH (connector = ...)")
	}
	if _, err := p.expectOp("("); err != nil {
		return nil, err
	}
	var opts []Option
	for {
		k := p.peek()
		var key string
		switch {
		case k.kind == tokIdent || k.kind == tokQIdent || k.kind == tokString:
			p.i++
			key = k.val
			for p.peek().isOp(".") && p.peekAt(1).isName() {
				key += "." + p.peekAt(1).val
				p.i += 2
			}
		default:
			return nil, p.syntaxErr(k, "an option name such as connector")
		}
		if _, err := p.expectOp("="); err != nil {
			return nil, err
		}
		v := p.peek()
		var val string
		switch v.kind {
		case tokString, tokIdent:
			val = v.val
		case tokNumber:
			val = v.val
		case tokOp:
			if (v.val == "-" || v.val == "+") && p.peekAt(1).kind == tokNumber {
				p.i++
				val = v.val + p.peek().val
				break
			}
			return nil, p.syntaxErr(v, "an option value such as 'kafka'")
		default:
			return nil, p.syntaxErr(v, "an option value such as 'kafka'")
		}
		p.i++
		opts = append(opts, Option{At: p.lines.pos(k.start), Key: strings.ToLower(key), Value: val})
		if p.acceptOp(",") {
			continue
		}
		if _, err := p.expectOp(")"); err != nil {
			return nil, p.syntaxErr(p.peek(), "',' or ')' in the WITH options")
		}
		return opts, nil
	}
}
