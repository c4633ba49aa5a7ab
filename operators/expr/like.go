package expr

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// Like is X [NOT] LIKE 'pattern'. The pattern is compiled once: '%' matches
// any run of characters, '_' exactly one character (a UTF-8 rune), and '\'
// escapes the next character. Matching is case-sensitive, as in
// PostgreSQL. Patterns of the forms 'abc', 'abc%', '%abc' and '%abc%' take
// a fast path (equality, prefix, suffix, substring).
type Like struct {
	X       Expr
	Pattern string
	Not     bool
	m       likeMatcher
	xs      *coldata.Vec
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

// NewLike compiles pattern and returns x [NOT] LIKE pattern. x must be
// VARCHAR.
func NewLike(x Expr, pattern string, not bool) (*Like, error) {
	if t := x.Type(); t != catalog.Varchar && t != catalog.Unknown {
		return nil, fmt.Errorf("expr: LIKE needs VARCHAR, not %s", t)
	}
	m, err := compileLike(pattern)
	if err != nil {
		return nil, err
	}
	return &Like{X: x, Pattern: pattern, Not: not, m: m, xs: newScratch(catalog.Varchar)}, nil
}

func compileLike(p string) (likeMatcher, error) {
	var toks []likeTok
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			toks = append(toks, likeTok{kind: tokLit, lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '\\':
			if i+1 == len(p) {
				return likeMatcher{}, fmt.Errorf("expr: LIKE pattern %q ends with the escape character", p)
			}
			i++
			lit.WriteByte(p[i])
		case '%':
			flush()
			if len(toks) == 0 || toks[len(toks)-1].kind != tokAnyN {
				toks = append(toks, likeTok{kind: tokAnyN})
			}
		case '_':
			flush()
			toks = append(toks, likeTok{kind: tokAny1})
		default:
			lit.WriteByte(c)
		}
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
	each(b.Sel, n, func(i int) { o[i] = e.m.match(x[i]) != not })
}

// String returns "(X [NOT] LIKE 'pattern')".
func (e *Like) String() string {
	op := " LIKE "
	if e.Not {
		op = " NOT LIKE "
	}
	return "(" + fmt.Sprint(e.X) + op + ConstString(e.Pattern).String() + ")"
}
