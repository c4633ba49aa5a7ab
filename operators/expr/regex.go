package expr

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// This file compiles PostgreSQL-style regular expressions for Go's regexp
// package (RE2 syntax): PostgreSQL's flags and leading embedded options
// become Go flags, and matches are found the way PostgreSQL finds them.
// The differences that remain (no back-references or lookaround in a
// pattern, Perl's rules when a pattern has non-greedy quantifiers, a
// negated bracket matching a newline in newline-sensitive modes) are listed
// in docs/sql.md.

// SQLSTATE codes of regular-expression errors.
const (
	CodeInvalidRegex = "2201B"
	CodeUnsupported  = "0A000"
)

// rxUse is what a compiled pattern is for.
type rxUse uint8

const (
	rxMatch   rxUse = iota // ~ and REGEXP_LIKE: whether it matches anywhere
	rxReplace              // REGEXP_REPLACE: which text matches; 'g' allowed
	rxCount                // REGEXP_COUNT: how many matches
)

// rxProg is one compiled pattern with its flags.
type rxProg struct {
	re     *regexp.Regexp
	global bool // 'g': every match, not only the first (REGEXP_REPLACE)
	// lookBehind: the pattern tests the character before a position (^,
	// \A, \b, \B), so it cannot be searched for in a suffix of the text.
	lookBehind bool
}

// rxError is a pattern or flags string that cannot be compiled. flags
// says which argument is at fault.
type rxError struct {
	code  string
	msg   string
	flags bool
}

func (e *rxError) Error() string { return "expr: " + e.msg }

// rxOpts are the options PostgreSQL's flag letters set.
type rxOpts struct {
	icase  bool
	dotNL  bool // '.' matches a newline (PostgreSQL: not newline-sensitive)
	lineAn bool // ^ and $ match at newlines too
	quote  bool // the pattern is a literal string
	global bool
}

// applyFlags applies PostgreSQL's option letters in order (a later letter
// overrides an earlier one: 'ic' is case-sensitive). fn names the function
// for the 'g' error.
func (o *rxOpts) applyFlags(flags, fn string, use rxUse) *rxError {
	for _, r := range flags {
		switch r {
		case 'i':
			o.icase = true
		case 'c':
			o.icase = false
		case 'n', 'm': // newline-sensitive
			o.dotNL, o.lineAn = false, true
		case 'p': // partial newline-sensitive
			o.dotNL, o.lineAn = false, false
		case 'w': // inverse partial newline-sensitive
			o.dotNL, o.lineAn = true, true
		case 's': // not newline-sensitive (the default)
			o.dotNL, o.lineAn = true, false
		case 't': // tight syntax (the default)
		case 'q':
			o.quote = true
		case 'g':
			if use != rxReplace {
				return &rxError{code: CodeInvalidParameter, flags: true, msg: fn + ` does not support the "global" option`}
			}
			o.global = true
		case 'x':
			return &rxError{code: CodeUnsupported, flags: true, msg: `regular expression option "x" (expanded syntax) is not supported`}
		case 'b', 'e':
			return &rxError{code: CodeUnsupported, flags: true, msg: fmt.Sprintf("regular expression option %q (basic or extended POSIX syntax) is not supported; patterns use the advanced syntax", string(r))}
		default:
			return &rxError{code: CodeInvalidParameter, flags: true, msg: fmt.Sprintf("invalid regular expression option: %q", string(r))}
		}
	}
	return nil
}

// leadingOptions splits PostgreSQL's embedded options off the start of a
// pattern: "(?in)abc" gives "in" and "abc". A group with a letter that is
// not one of PostgreSQL's (Go's (?U), (?i-s)) is left to Go.
func leadingOptions(p string) (letters, rest string) {
	if !strings.HasPrefix(p, "(?") {
		return "", p
	}
	end := strings.IndexByte(p, ')')
	if end < 3 {
		return "", p
	}
	for _, r := range p[2:end] {
		if !strings.ContainsRune("bceimnpqstwx", r) {
			return "", p
		}
	}
	return p[2:end], p[end+1:]
}

// compileRegex compiles pattern with PostgreSQL's flags for use. fn is
// the SQL name of the function or operator, for messages.
func compileRegex(pattern, flags, fn string, use rxUse) (*rxProg, error) {
	opts := rxOpts{dotNL: true}
	if err := opts.applyFlags(flags, fn, use); err != nil {
		return nil, err
	}
	body := pattern
	if !opts.quote {
		var embedded string
		embedded, body = leadingOptions(pattern)
		if err := opts.applyFlags(embedded, fn, use); err != nil {
			err.flags = false
			return nil, err
		}
	}
	if opts.quote {
		body = regexp.QuoteMeta(body)
	}
	// Checked alone first, so that an error shows the user's text.
	if _, err := syntax.Parse(body, syntax.Perl); err != nil {
		return nil, &rxError{code: CodeInvalidRegex, msg: regexErrMsg(pattern, err)}
	}
	var prefix strings.Builder
	for _, f := range []struct {
		on bool
		c  byte
	}{{opts.icase, 'i'}, {opts.dotNL, 's'}, {opts.lineAn, 'm'}} {
		if f.on {
			prefix.WriteByte(f.c)
		}
	}
	full := body
	if prefix.Len() > 0 {
		full = "(?" + prefix.String() + ")" + body
	}
	tree, err := syntax.Parse(full, syntax.Perl)
	if err != nil {
		return nil, &rxError{code: CodeInvalidRegex, msg: regexErrMsg(pattern, err)}
	}
	re, err := regexp.Compile(full)
	if err != nil {
		return nil, &rxError{code: CodeInvalidRegex, msg: regexErrMsg(pattern, err)}
	}
	lookBehind, nonGreedy := scanTree(tree)
	if use != rxMatch && !nonGreedy {
		// PostgreSQL takes the longest match at the leftmost position for a
		// pattern without non-greedy quantifiers ('a|ab' matches 'ab').
		re.Longest()
	}
	return &rxProg{re: re, global: opts.global, lookBehind: lookBehind}, nil
}

// scanTree reports whether a parsed pattern tests the character before a
// position, and whether it has a non-greedy quantifier.
func scanTree(re *syntax.Regexp) (lookBehind, nonGreedy bool) {
	switch re.Op {
	case syntax.OpBeginLine, syntax.OpBeginText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		lookBehind = true
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		nonGreedy = re.Flags&syntax.NonGreedy != 0
	}
	for _, sub := range re.Sub {
		lb, ng := scanTree(sub)
		lookBehind, nonGreedy = lookBehind || lb, nonGreedy || ng
	}
	return lookBehind, nonGreedy
}

// regexErrMsg describes why pattern does not compile, in the user's terms.
func regexErrMsg(pattern string, err error) string {
	msg := "invalid regular expression " + ConstString(pattern).String() + ": "
	var se *syntax.Error
	if !errors.As(err, &se) {
		return msg + strings.TrimPrefix(err.Error(), "error parsing regexp: ")
	}
	msg += string(se.Code)
	if se.Expr != "" && se.Expr != pattern {
		msg += " " + se.Expr
	}
	switch {
	case se.Code == syntax.ErrInvalidEscape && len(se.Expr) == 2 && se.Expr[1] >= '1' && se.Expr[1] <= '9':
		msg += " (back-references are not supported in a pattern)"
	case (se.Code == syntax.ErrInvalidPerlOp || se.Code == syntax.ErrInvalidNamedCapture) &&
		(strings.HasPrefix(se.Expr, "(?=") || strings.HasPrefix(se.Expr, "(?!") ||
			strings.HasPrefix(se.Expr, "(?<=") || strings.HasPrefix(se.Expr, "(?<!")):
		msg += " (lookahead and lookbehind are not supported)"
	case se.Code == syntax.ErrInvalidEscape && len(se.Expr) == 2 && strings.ContainsRune("mMyYZ", rune(se.Expr[1])):
		msg += ` (use \b for a word boundary, \B for none, \z for the end of the text)`
	}
	return msg
}

// eachMatch calls fn with the indexes of the matches of p in s (with the
// submatches' when sub is set; only the first match unless global), as
// PostgreSQL finds them: each search
// starts where the previous match ended, one character further after an
// empty match, so an empty match right after a match counts ('b*' matches
// 'abc' four times). fn returns false to stop. m is only valid during the
// call.
//
// Go's regexp has no search from an offset that sees the text before it,
// so a pattern that tests the character before a position (^, \b) goes
// through Go's own iteration, which skips an empty match right after a
// match.
func (p *rxProg) eachMatch(s string, global, sub bool, fn func(m []int) bool) {
	if p.lookBehind {
		limit := 1
		if global {
			limit = -1
		}
		var all [][]int
		if sub {
			all = p.re.FindAllStringSubmatchIndex(s, limit)
		} else {
			all = p.re.FindAllStringIndex(s, limit)
		}
		for _, m := range all {
			if !fn(m) {
				return
			}
		}
		return
	}
	for pos := 0; pos <= len(s); {
		var m []int
		if sub {
			m = p.re.FindStringSubmatchIndex(s[pos:])
		} else {
			m = p.re.FindStringIndex(s[pos:])
		}
		if m == nil {
			return
		}
		for k := range m {
			if m[k] >= 0 {
				m[k] += pos
			}
		}
		if !fn(m) || !global {
			return
		}
		pos = m[1]
		if m[0] == m[1] {
			if pos >= len(s) {
				return
			}
			_, w := utf8.DecodeRuneInString(s[pos:])
			pos += w
		}
	}
}

// rxCacheSize bounds the patterns a computed-pattern call keeps compiled.
const rxCacheSize = 64

// rxKey is a computed pattern with its flags.
type rxKey struct{ pattern, flags string }

// rxEntry is a compiled pattern, nil when it does not compile (the row
// gives NULL).
type rxEntry struct {
	key  rxKey // owned copies of the strings
	prog *rxProg
}

// rxCache compiles the patterns of a computed-pattern call once per
// distinct value, keeping at most rxCacheSize of them (it starts over when
// full). The last lookup is remembered, so runs of one pattern cost a
// string comparison.
type rxCache struct {
	fn   string
	use  rxUse
	m    map[rxKey]*rxEntry
	last *rxEntry
}

// get returns the compiled pattern for (pattern, flags), nil if it does
// not compile.
func (c *rxCache) get(pattern, flags string) *rxProg {
	if l := c.last; l != nil && l.key.pattern == pattern && l.key.flags == flags {
		return l.prog
	}
	e, ok := c.m[rxKey{pattern, flags}]
	if !ok {
		if c.m == nil || len(c.m) >= rxCacheSize {
			c.m = make(map[rxKey]*rxEntry, rxCacheSize)
		}
		// The strings may point into a batch that will be reused.
		e = &rxEntry{key: rxKey{strings.Clone(pattern), strings.Clone(flags)}}
		e.prog, _ = compileRegex(e.key.pattern, e.key.flags, c.fn, c.use)
		c.m[e.key] = e
	}
	c.last = e
	return e.prog
}
