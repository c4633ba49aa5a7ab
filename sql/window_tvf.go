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
	Session:  "SESSION(source [PARTITION BY key], time_col, gap [, max_duration])",
}

// windowTVF parses KIND '(' input ',' time_col ',' interval... ')' starting
// at toks[i]. The input is a name, TABLE name or a (subquery), for SESSION
// optionally followed by PARTITION BY key or PARTITION BY (key, ...)
// (Flink 1.19's spelling); the time column a name or DESCRIPTOR(name). It
// returns the index after ')'.
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
	input, part := splitPartitionBy(args[0])
	if len(input) == 0 {
		return nil, 0, p.syntaxErr(part[0], "a source or view name (TABLE name, or a (subquery)) before PARTITION BY")
	}
	if part != nil {
		if err := p.tvfPartitionBy(tvf, part, args); err != nil {
			return nil, 0, err
		}
	}
	if err := p.tvfInput(tvf, input); err != nil {
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
	sp := p.subArg(a)
	sp.accept("TABLE")
	what := "a source or view name (or TABLE name, or a (subquery)) as the first argument of " + tvfUsage[tvf.Kind]
	if sp.i >= len(a) { // the token after the argument (PARTITION) is no name
		return p.syntaxErr(sp.peek(), what)
	}
	name, at, err := sp.name(what)
	if err == nil {
		err = sp.argDone(len(a), "the end of the first argument of "+tvfUsage[tvf.Kind])
	}
	if err != nil {
		return err
	}
	tvf.Input = &TableRef{At: at, Name: name}
	return nil
}

// tvfTimeCol parses a TVF's second argument.
func (p *parser) tvfTimeCol(tvf *WindowTVF, a []token) error {
	sp := p.subArg(a)
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
	if err := sp.argDone(len(a), "the end of the time column argument of "+tvfUsage[tvf.Kind]); err != nil {
		return err
	}
	tvf.TimeCol, tvf.TimeColAt = name, at
	return nil
}

// splitPartitionBy splits a TVF's first argument at a PARTITION keyword
// outside parentheses: the input's tokens, and PARTITION's onwards (nil
// when there is none).
func splitPartitionBy(a []token) (input, part []token) {
	depth := 0
	for j, t := range a {
		switch {
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
		case depth == 0 && t.is("PARTITION") && j+1 < len(a) && a[j+1].is("BY"),
			depth == 0 && t.is("PARTITION") && j > 0:
			return a[:j], a[j:]
		}
	}
	return a, nil
}

// tvfPartitionBy parses PARTITION BY key or PARTITION BY (key, ...) from
// part (which starts at PARTITION) into tvf.PartitionBy. Only SESSION
// takes it, as in Flink: the other windows are not per key. args are all
// the TVF's arguments, to recognize PARTITION BY a, b without parentheses
// (whose comma splits the arguments).
func (p *parser) tvfPartitionBy(tvf *WindowTVF, part []token, args [][]token) error {
	if tvf.Kind != Session {
		return p.errAt(part[0].start, CodeSyntax,
			"expected PARTITION BY only in SESSION(TABLE source PARTITION BY key, ...), found it in %s: %s windows are not per key, GROUP BY the key instead", tvf.Kind, tvf.Kind)
	}
	sp := p.subArg(part)
	sp.i = 1
	if _, err := sp.expect("BY"); err != nil {
		return err
	}
	paren := sp.acceptOp("(")
	what := "a column name after PARTITION BY"
	for {
		name, at, err := sp.name(what)
		if err != nil {
			return err
		}
		tvf.PartitionBy = append(tvf.PartitionBy, &ColumnRef{At: at, Name: name})
		if !paren || !sp.acceptOp(",") {
			break
		}
		what = "a column name after ',' in PARTITION BY (...)"
	}
	if paren {
		if _, err := sp.expectOp(")"); err != nil {
			return p.syntaxErr(sp.peek(), "',' or ')' to close PARTITION BY (")
		}
	}
	if err := sp.argDone(len(part), "',' and the time column after PARTITION BY's keys"); err != nil {
		return err
	}
	// SESSION(TABLE s PARTITION BY a, b, DESCRIPTOR(ts), ...): the comma
	// made b the time column.
	if !paren && len(args) > 2 && len(args[1]) == 1 && args[1][0].isName() && len(args[2]) > 0 && args[2][0].is("DESCRIPTOR") {
		return p.errAt(args[1][0].start, CodeSyntax,
			"expected the time column as the second argument of %s, found %s: several PARTITION BY keys need parentheses, PARTITION BY (%s, %s)",
			tvfUsage[tvf.Kind], p.describe(args[1][0]), tvf.PartitionBy[0].Name, args[1][0].val)
	}
	return nil
}

// subArg returns a parser over one TVF argument a (a sub-slice of the
// TVF's tokens) that also sees the token after it, the ',' or ')' ending
// the argument: an error at the argument's end then names that token, not
// the end of the statement.
func (p *parser) subArg(a []token) *parser {
	return p.sub(a[:len(a)+1])
}

// argDone checks that a subArg parser has consumed its argument's n
// tokens: the next one must be the delimiter after them.
func (p *parser) argDone(n int, expected string) error {
	if p.i < n {
		return p.syntaxErr(p.peek(), expected)
	}
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
