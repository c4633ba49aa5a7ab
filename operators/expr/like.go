package expr

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// Like is X [NOT] LIKE 'pattern' [ESCAPE 'c'] and X [NOT] ILIKE ....
// The pattern is compiled once: '%' matches any run of characters, '_'
// exactly one character (a UTF-8 rune), and the escape character (a
// backslash unless ESCAPE says otherwise; none for an empty ESCAPE) makes the
// next character literal. LIKE is case-sensitive and ILIKE compares the
// lower-cased pattern and value, as in PostgreSQL. Patterns of the forms
// 'abc', 'abc%', '%abc' and '%abc%' take a fast path (equality, prefix,
// suffix, substring).
type Like struct {
	X       Expr
	Pattern string
	LikeOpts
	m     likeMatcher
	xs    *coldata.Vec
	lower []byte // ILIKE: the lower-cased value of the current row
}

// LikeOpts are the variants of LIKE.
type LikeOpts struct {
	Not   bool
	ILike bool // case-insensitive
	// Escape is the escape character; NoEscape: there is none (ESCAPE '').
	Escape   rune
	NoEscape bool
}

var _ Expr = (*Like)(nil)

type likeKind uint8

const (
	likeExact likeKind = iota
	likePrefix
	likeSuffix
	likeContains
	likeGeneral
)

type tokKind uint8

const (
	tokLit  tokKind = iota // a literal run
	tokAny1                // _
	tokAnyN                // %
)

type likeTok struct {
	kind tokKind
	lit  string
}

type likeMatcher struct {
	kind likeKind
	lit  string // exact, prefix, suffix, contains
	toks []likeTok
}

// NewLike compiles pattern and returns x [NOT] LIKE pattern, with the
// backslash as escape character. x must be VARCHAR.
func NewLike(x Expr, pattern string, not bool) (*Like, error) {
	return NewLikeWith(x, pattern, LikeOpts{Not: not, Escape: '\\'})
}

// NewLikeWith compiles pattern and returns the LIKE or ILIKE opts says. x
// must be VARCHAR.
func NewLikeWith(x Expr, pattern string, opts LikeOpts) (*Like, error) {
	if t := x.Type(); t != catalog.Varchar && t != catalog.Unknown {
		return nil, fmt.Errorf("expr: %s needs VARCHAR, not %s", opts.op(), t)
	}
	esc := opts.Escape
	if opts.NoEscape {
		esc = -1
	}
	m, err := compileLike(pattern, esc, opts.ILike)
	if err != nil {
		return nil, err
	}
	return &Like{X: x, Pattern: pattern, LikeOpts: opts, m: m, xs: newScratch(catalog.Varchar)}, nil
}

// op returns the operator's SQL spelling: LIKE, NOT LIKE, ILIKE or NOT
// ILIKE.
func (o LikeOpts) op() string {
	s := "LIKE"
	if o.ILike {
		s = "ILIKE"
	}
	if o.Not {
		s = "NOT " + s
	}
	return s
}

// compileLike tokenizes pattern p with escape character esc (-1: none),
// lower-casing its literals when fold is set.
func compileLike(p string, esc rune, fold bool) (likeMatcher, error) {
	var toks []likeTok
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			s := lit.String()
			if fold {
				s = strings.ToLower(s)
			}
			toks = append(toks, likeTok{kind: tokLit, lit: s})
			lit.Reset()
		}
	}
	for i := 0; i < len(p); {
		r, sz := utf8.DecodeRuneInString(p[i:])
		switch {
		case r == esc:
			if i+sz == len(p) {
				return likeMatcher{}, fmt.Errorf("expr: LIKE pattern %s must not end with the escape character", ConstString(p))
			}
			_, sz2 := utf8.DecodeRuneInString(p[i+sz:])
			lit.WriteString(p[i+sz : i+sz+sz2])
			sz += sz2
		case r == '%':
			flush()
			if len(toks) == 0 || toks[len(toks)-1].kind != tokAnyN {
				toks = append(toks, likeTok{kind: tokAnyN})
			}
		case r == '_':
			flush()
			toks = append(toks, likeTok{kind: tokAny1})
		default:
			lit.WriteString(p[i : i+sz])
		}
		i += sz
	}
	flush()
	m := likeMatcher{kind: likeGeneral, toks: toks}
	isLit := func(t likeTok) bool { return t.kind == tokLit }
	isN := func(t likeTok) bool { return t.kind == tokAnyN }
	switch {
	case len(toks) == 0:
		m = likeMatcher{kind: likeExact}
	case len(toks) == 1 && isLit(toks[0]):
		m = likeMatcher{kind: likeExact, lit: toks[0].lit}
	case len(toks) == 1 && isN(toks[0]):
		m = likeMatcher{kind: likePrefix} // '%' matches everything
	case len(toks) == 2 && isLit(toks[0]) && isN(toks[1]):
		m = likeMatcher{kind: likePrefix, lit: toks[0].lit}
	case len(toks) == 2 && isN(toks[0]) && isLit(toks[1]):
		m = likeMatcher{kind: likeSuffix, lit: toks[1].lit}
	case len(toks) == 3 && isN(toks[0]) && isLit(toks[1]) && isN(toks[2]):
		m = likeMatcher{kind: likeContains, lit: toks[1].lit}
	}
	return m, nil
}

func (m *likeMatcher) match(s string) bool {
	switch m.kind {
	case likeExact:
		return s == m.lit
	case likePrefix:
		return strings.HasPrefix(s, m.lit)
	case likeSuffix:
		return strings.HasSuffix(s, m.lit)
	case likeContains:
		return strings.Contains(s, m.lit)
	}
	return matchToks(m.toks, s)
}

// matchToks is the classic wildcard match with backtracking to the last
// '%': linear in practice, O(len(s)·len(toks)) at worst.
func matchToks(p []likeTok, s string) bool {
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(p) {
			switch t := p[pi]; t.kind {
			case tokAnyN:
				starP, starS = pi, si
				pi++
				continue
			case tokAny1:
				_, sz := utf8.DecodeRuneInString(s[si:])
				si += sz
				pi++
				continue
			case tokLit:
				if strings.HasPrefix(s[si:], t.lit) {
					si += len(t.lit)
					pi++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		_, sz := utf8.DecodeRuneInString(s[starS:])
		starS += sz
		si, pi = starS, starP+1
	}
	for pi < len(p) && p[pi].kind == tokAnyN {
		pi++
	}
	return pi == len(p)
}

// Type returns BOOLEAN.
func (e *Like) Type() catalog.Type { return catalog.Boolean }

// Eval matches the live rows.
func (e *Like) Eval(b *coldata.Batch, out *coldata.Vec) {
	e.X.Eval(b, e.xs)
	n := b.Len
	reset(out, catalog.Boolean, n)
	copyNulls(&out.Nulls, e.xs.Nulls)
	if e.X.Type() == catalog.Unknown {
		return
	}
	x, o, not := e.xs.Str[:n], out.Bool[:n], e.Not
	if e.ILike {
		each(b.Sel, n, func(i int) { o[i] = e.m.match(e.toLower(x[i])) != not })
		return
	}
	each(b.Sel, n, func(i int) { o[i] = e.m.match(x[i]) != not })
}

// toLower returns s lower-cased as strings.ToLower would, without
// allocating: the result is s itself when it has no upper-case letter, or
// a view of e.lower, valid until the next call.
func (e *Like) toLower(s string) string {
	ascii, upper := true, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		upper = upper || ('A' <= c && c <= 'Z')
	}
	if ascii && !upper {
		return s
	}
	e.lower = e.lower[:0]
	if ascii {
		for i := 0; i < len(s); i++ {
			c := s[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			e.lower = append(e.lower, c)
		}
	} else {
		for _, r := range s {
			e.lower = utf8.AppendRune(e.lower, unicode.ToLower(r))
		}
	}
	if len(e.lower) == 0 {
		return ""
	}
	// The matchers only read the string during the call; e.lower is not
	// written until the next row.
	return unsafe.String(&e.lower[0], len(e.lower))
}

// String returns "(X [NOT] LIKE|ILIKE 'pattern' [ESCAPE 'c'])".
func (e *Like) String() string {
	s := "(" + fmt.Sprint(e.X) + " " + e.op() + " " + ConstString(e.Pattern).String()
	switch {
	case e.NoEscape:
		s += " ESCAPE ''"
	case e.Escape != '\\':
		s += " ESCAPE " + ConstString(string(e.Escape)).String()
	}
	return s + ")"
}
