package sql

import (
	"strconv"
	"strings"
)

// isTVFName reports whether t names a window table-valued function.
func isTVFName(t token) bool {
	return t.is("TUMBLE") || t.is("HOP") || t.is("CUMULATE") || t.is("SESSION")
}

// tvfUsage is each TVF's signature, for error messages.
var tvfUsage = map[WindowKind]string{
	Tumble:   "TUMBLE(source, time_col, size [, offset])",
	Hop:      "HOP(source, time_col, slide, size)",
	Cumulate: "CUMULATE(source, time_col, step, size)",
	Session:  "SESSION(source, time_col, gap [, max_duration])",
}

// windowTVF parses KIND '(' input ',' time_col ',' interval... ')' starting
// at toks[i]. The input is a name, TABLE name or a (subquery); the time
// column a name or DESCRIPTOR(name). It returns the index after ')'.
func (p *parser) windowTVF(toks []token, i int) (*WindowTVF, int, error) {
	kw := toks[i]
	tvf := &WindowTVF{At: p.lines.pos(kw.start), Kind: WindowKind(strings.ToUpper(kw.val))}
	usage := tvfUsage[tvf.Kind]
	// Split the arguments at commas outside nested parentheses.
	var args [][]token
	depth, argStart, closing := 0, i+2, -1
	for j := i + 1; j < len(toks) && closing < 0; j++ {
		switch t := toks[j]; {
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
			if depth == 0 {
				args = append(args, toks[argStart:j])
				closing = j
			}
		case depth == 1 && t.isOp(","):
			args = append(args, toks[argStart:j])
			argStart = j + 1
		}
	}
	if closing < 0 {
		return nil, 0, p.syntaxErr(p.eofAfter(toks), "')' to close "+usage)
	}
	for _, a := range args {
		if len(a) == 0 {
			return nil, 0, p.errAt(kw.start, CodeSyntax, "expected %s, found an empty argument", usage)
		}
	}
	min, max := 3, 4
	if tvf.Kind == Hop || tvf.Kind == Cumulate {
		min = 4
	}
	if len(args) < min || len(args) > max {
		return nil, 0, p.errAt(kw.start, CodeSyntax, "expected %s, found %s", usage, plural(len(args), "argument"))
	}
	if err := p.tvfInput(tvf, args[0]); err != nil {
		return nil, 0, err
	}
	if err := p.tvfTimeCol(tvf, args[1]); err != nil {
		return nil, 0, err
	}
	ivs := make([]*Interval, 0, 2)
	for _, a := range args[2:] {
		sp := p.sub(a)
		iv, err := sp.interval()
		if err == nil {
			err = sp.done()
		}
		if err != nil {
			return nil, 0, err
		}
		ivs = append(ivs, &iv)
	}
	switch tvf.Kind {
	case Tumble:
		tvf.Size = ivs[0]
		if len(ivs) > 1 {
			tvf.Offset = ivs[1]
		}
	case Hop:
		tvf.Slide, tvf.Size = ivs[0], ivs[1]
	case Cumulate:
		tvf.Step, tvf.Size = ivs[0], ivs[1]
	case Session:
		tvf.Gap = ivs[0]
		if len(ivs) > 1 {
			tvf.MaxDuration = ivs[1]
		}
	}
	return tvf, closing + 1, nil
}

// tvfInput parses a TVF's first argument.
func (p *parser) tvfInput(tvf *WindowTVF, a []token) error {
	first := a[0]
	if first.isOp("(") && a[len(a)-1].isOp(")") {
		q, err := p.query(a[1 : len(a)-1])
		if err != nil {
			return err
		}
		if q.Emit != nil {
			return p.errAt(q.Emit.At.Offset, CodeSyntax, "expected EMIT only after the outermost query, found it in a window TVF's input")
		}
		tvf.Input = &Subquery{At: p.lines.pos(first.start), Query: q}
		return nil
	}
	sp := p.sub(a)
	sp.accept("TABLE")
	name, at, err := sp.name("a source or view name (or TABLE name, or a (subquery)) as the first argument of " + tvfUsage[tvf.Kind])
	if err == nil {
		err = sp.done()
	}
	if err != nil {
		return err
	}
	tvf.Input = &TableRef{At: at, Name: name}
	return nil
}

// tvfTimeCol parses a TVF's second argument.
func (p *parser) tvfTimeCol(tvf *WindowTVF, a []token) error {
	sp := p.sub(a)
	desc := sp.accept("DESCRIPTOR")
	if desc {
		if _, err := sp.expectOp("("); err != nil {
			return err
		}
	}
	name, at, err := sp.name("the time column as the second argument of " + tvfUsage[tvf.Kind])
	if err != nil {
		return err
	}
	if desc {
		if _, err := sp.expectOp(")"); err != nil {
			return err
		}
	}
	if err := sp.done(); err != nil {
		return err
	}
	tvf.TimeCol, tvf.TimeColAt = name, at
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
