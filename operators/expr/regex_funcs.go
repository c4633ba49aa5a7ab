package expr

import (
	"fmt"
	"strings"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// regexCall is the state of one regular-expression call: the operators
// ~, ~*, !~, !~* and the functions REGEXP_LIKE, REGEXP_REPLACE and
// REGEXP_COUNT. A constant pattern (with constant flags) is compiled once,
// when the call is built; a computed one once per distinct value, through
// a small cache, and a row whose pattern or flags do not compile gives
// NULL.
type regexCall struct {
	fn    string // SQL name, for messages
	use   rxUse
	flags int    // index of the flags argument; -1: none
	impl  string // the flags when there is no flags argument (~*: "i")
	not   bool   // !~ and !~*
	fixed *rxProg
	cache rxCache
	buf   []byte // REGEXP_REPLACE: the row being built
}

// Argument positions common to every regular-expression call.
const (
	rxArgText    = 0
	rxArgPattern = 1
)

// buildRegex makes the loop of REGEXP_LIKE(s, pattern [, flags]),
// REGEXP_REPLACE(s, pattern, replacement [, flags]) and
// REGEXP_COUNT(s, pattern).
func buildRegex(name string, _ FuncSig, args []Expr) (loopFunc, error) {
	r := &regexCall{fn: name, flags: -1}
	switch name {
	case "REGEXP_LIKE":
		r.use = rxMatch
		if len(args) == 3 {
			r.flags = 2
		}
	case "REGEXP_REPLACE":
		r.use = rxReplace
		if len(args) == 4 {
			r.flags = 3
		}
	default:
		r.use = rxCount
	}
	return r.build(args)
}

// NewRegexMatch returns x ~ pattern (case-insensitive: x ~* pattern; not:
// x !~ pattern or x !~* pattern). Both must be VARCHAR. A constant pattern
// that does not compile is an *ArgError about argument 1.
func NewRegexMatch(x, pattern Expr, icase, not bool) (*Call, error) {
	name := "~"
	if not {
		name = "!~"
	}
	if icase {
		name += "*"
	}
	for _, e := range []Expr{x, pattern} {
		if t := e.Type(); t != catalog.Varchar && t != catalog.Unknown {
			return nil, fmt.Errorf("expr: %s needs VARCHAR, not %s", name, t)
		}
	}
	r := &regexCall{fn: name, use: rxMatch, flags: -1, not: not}
	if icase {
		r.impl = "i"
	}
	args := []Expr{x, pattern}
	fn, err := r.build(args)
	if err != nil {
		return nil, err
	}
	return &Call{
		Name: name, Args: args, T: catalog.Boolean, propagate: true, fn: fn,
		args: []*coldata.Vec{newScratch(catalog.Varchar), newScratch(catalog.Varchar)},
	}, nil
}

// build checks and compiles the constant arguments and returns the loop.
func (r *regexCall) build(args []Expr) (loopFunc, error) {
	r.cache = rxCache{fn: r.fn, use: r.use}
	flags, flagsConst := r.impl, true
	if r.flags >= 0 {
		c, ok := args[r.flags].(*Const)
		flagsConst = ok && !c.Null
		flags = c.strOr("")
	}
	if flagsConst {
		var o rxOpts
		if err := o.applyFlags(flags, r.fn, r.use); err != nil {
			return nil, &ArgError{Arg: r.flags, Code: err.code, Msg: err.msg}
		}
	}
	if p, ok := args[rxArgPattern].(*Const); ok && !p.Null && flagsConst {
		prog, err := compileRegex(p.S, flags, r.fn, r.use)
		if err != nil {
			e := err.(*rxError)
			arg := rxArgPattern
			if e.flags {
				arg = r.flags
			}
			return nil, &ArgError{Arg: arg, Code: e.code, Msg: e.msg}
		}
		r.fixed = prog
	}
	switch r.use {
	case rxMatch:
		return r.match, nil
	case rxReplace:
		return r.replace, nil
	}
	return r.count, nil
}

// strOr returns a VARCHAR constant's value, or def for anything else.
func (c *Const) strOr(def string) string {
	if c == nil || c.Null || c.T != catalog.Varchar {
		return def
	}
	return c.S
}

// prog returns the compiled pattern of row i, nil when it does not
// compile.
func (r *regexCall) prog(args []*coldata.Vec, i int) *rxProg {
	if r.fixed != nil {
		return r.fixed
	}
	flags := r.impl
	if r.flags >= 0 {
		flags = args[r.flags].Str[i]
	}
	return r.cache.get(args[rxArgPattern].Str[i], flags)
}

// match is the loop of ~ and REGEXP_LIKE. With a constant pattern it
// allocates nothing.
func (r *regexCall) match(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
	x, o, not := args[rxArgText].Str[:n], out.Bool[:n], r.not
	if r.fixed != nil {
		re := r.fixed.re
		each(sel, n, func(i int) { o[i] = re.MatchString(x[i]) != not })
		return
	}
	each(sel, n, func(i int) {
		if out.Nulls.IsNull(i) {
			return
		}
		if p := r.prog(args, i); p != nil {
			o[i] = p.re.MatchString(x[i]) != not
		} else {
			out.Nulls.Set(i)
		}
	})
}

// count is the loop of REGEXP_COUNT. Go's regexp allocates the indexes
// of each match it finds.
func (r *regexCall) count(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
	x, o := args[rxArgText].Str[:n], out.I64[:n]
	each(sel, n, func(i int) {
		if out.Nulls.IsNull(i) {
			return
		}
		p := r.prog(args, i)
		if p == nil {
			out.Nulls.Set(i)
			return
		}
		var k int64
		p.eachMatch(x[i], true, false, func([]int) bool { k++; return true })
		o[i] = k
	})
}

// replace is the loop of REGEXP_REPLACE. A row without a match is
// returned as it is, without a copy; a changed row allocates its result
// (and Go's regexp the indexes of each match).
func (r *regexCall) replace(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
	x, repl, o := args[rxArgText].Str[:n], args[2].Str[:n], out.Str[:n]
	each(sel, n, func(i int) {
		if out.Nulls.IsNull(i) {
			return
		}
		p := r.prog(args, i)
		if p == nil {
			out.Nulls.Set(i)
			return
		}
		o[i] = r.replaceRow(p, x[i], repl[i])
	})
}

// replaceRow replaces the first match of p in s (every match with 'g')
// by repl.
func (r *regexCall) replaceRow(p *rxProg, s, repl string) string {
	buf, last, matched := r.buf[:0], 0, false
	// Without \1 to \9 the subexpressions need not be tracked.
	sub := strings.IndexByte(repl, '\\') >= 0
	p.eachMatch(s, p.global, sub, func(m []int) bool {
		buf = append(buf, s[last:m[0]]...)
		buf = expandReplacement(buf, repl, s, m)
		last, matched = m[1], true
		return true
	})
	if !matched {
		return s
	}
	buf = append(buf, s[last:]...)
	r.buf = buf
	return string(buf)
}

// expandReplacement appends repl to dst with PostgreSQL's escapes: \1 to
// \9 stand for the text of that parenthesized subexpression of the match
// m in s (nothing if it did not take part or does not exist), \& for the
// whole match, \\ for a backslash; any other backslash is itself.
func expandReplacement(dst []byte, repl, s string, m []int) []byte {
	for {
		k := strings.IndexByte(repl, '\\')
		if k < 0 || k+1 == len(repl) {
			return append(dst, repl...)
		}
		dst = append(dst, repl[:k]...)
		switch c := repl[k+1]; {
		case c >= '1' && c <= '9':
			if g := 2 * int(c-'0'); g+1 < len(m) && m[g] >= 0 {
				dst = append(dst, s[m[g]:m[g+1]]...)
			}
		case c == '&':
			dst = append(dst, s[m[0]:m[1]]...)
		case c == '\\':
			dst = append(dst, '\\')
		default:
			dst = append(dst, '\\')
			repl = repl[k+1:]
			continue
		}
		repl = repl[k+2:]
	}
}
