package expr

import (
	"strconv"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// The SQL-level behaviour of the regular expressions is in the planner's
// testdata/regex (checked against PostgreSQL); these tests cover the
// helpers' edges, the cache and the loops' allocations.

func TestExpandReplacement(t *testing.T) {
	s := "xaby"
	m := []int{1, 3, 1, 2, -1, -1} // match "ab", group 1 "a", group 2 did not take part
	for _, c := range []struct{ repl, want string }{
		{`[\1]`, "[a]"},
		{`\2|\3|\9`, "||"},     // a group that did not match or does not exist: nothing
		{`\&\&`, "abab"},       // the whole match
		{`\\1`, `\1`},          // \\ is one backslash, then a plain 1
		{`a\`, `a\`},           // a trailing backslash is itself
		{`\0\x`, `\0\x`},       // other escapes are themselves
		{`\10`, "a0"},          // one digit only
		{`$1 ${1}`, `$1 ${1}`}, // $ is an ordinary character
		{"", ""},
	} {
		require.Equal(t, c.want, string(expandReplacement(nil, c.repl, s, m)), "%q", c.repl)
	}
}

func TestLeadingOptions(t *testing.T) {
	for _, c := range []struct{ in, letters, rest string }{
		{"(?i)abc", "i", "abc"},
		{"(?in)^a", "in", "^a"},
		{"(?U)a*", "", "(?U)a*"},   // Go's flag, left to Go
		{"(?i-s)a", "", "(?i-s)a"}, // Go's syntax
		{"(?:a)", "", "(?:a)"},     // a group
		{"(?)a", "", "(?)a"},       // no letters
		{"(?i", "", "(?i"},         // not closed
		{"a(?i)b", "", "a(?i)b"},   // only at the start
		{"(?q)a.b", "q", "a.b"},
	} {
		l, r := leadingOptions(c.in)
		require.Equal(t, c.letters, l, c.in)
		require.Equal(t, c.rest, r, c.in)
	}
}

func TestCompileRegexErrors(t *testing.T) {
	for _, c := range []struct {
		pattern, flags string
		use            rxUse
		code, msg      string
		flagsArg       bool
	}{
		{"a(", "", rxMatch, CodeInvalidRegex, "invalid regular expression 'a(': missing closing )", false},
		{"(a)\\1", "", rxMatch, CodeInvalidRegex, `invalid regular expression '(a)\1': invalid escape sequence \1 (back-references are not supported in a pattern)`, false},
		{"a(?<=b)", "", rxMatch, CodeInvalidRegex, "invalid regular expression 'a(?<=b)': invalid named capture (?<=b) (lookahead and lookbehind are not supported)", false},
		{"x{2000}", "", rxMatch, CodeInvalidRegex, "invalid regular expression 'x{2000}': invalid repeat count {2000}", false},
		{"a", "g", rxMatch, CodeInvalidParameter, `~ does not support the "global" option`, true},
		{"a", "gk", rxReplace, CodeInvalidParameter, `invalid regular expression option: "k"`, true},
		{"a", "e", rxCount, CodeUnsupported, `regular expression option "e" (basic or extended POSIX syntax) is not supported; patterns use the advanced syntax`, true},
		{"(?b)a", "", rxMatch, CodeUnsupported, `regular expression option "b" (basic or extended POSIX syntax) is not supported; patterns use the advanced syntax`, false},
	} {
		_, err := compileRegex(c.pattern, c.flags, "~", c.use)
		var re *rxError
		require.ErrorAs(t, err, &re, c.pattern)
		require.Equal(t, c.code, re.code, c.pattern)
		require.Equal(t, c.msg, re.msg, c.pattern)
		require.Equal(t, c.flagsArg, re.flags, c.pattern)
	}
	// 'q' quotes the pattern, embedded options and all.
	p, err := compileRegex("(?i)a(", "q", "~", rxMatch)
	require.NoError(t, err)
	require.True(t, p.re.MatchString("x(?i)a(y"))
	require.False(t, p.re.MatchString("A("))
}

// TestEachMatchLookBehind: a pattern that tests the character before a
// position is searched with Go's iteration, so ^ matches only at the start
// of the text and \b sees the character before; its one difference from
// PostgreSQL is documented (no empty match right after a match).
func TestEachMatchLookBehind(t *testing.T) {
	collect := func(pattern, flags, s string) []string {
		p, err := compileRegex(pattern, flags, "REGEXP_REPLACE", rxReplace)
		require.NoError(t, err)
		var got []string
		p.eachMatch(s, p.global, true, func(m []int) bool {
			got = append(got, strconv.Itoa(m[0])+":"+s[m[0]:m[1]])
			return true
		})
		return got
	}
	require.True(t, mustProg(t, "^a").lookBehind)
	require.False(t, mustProg(t, "a$").lookBehind)
	require.Equal(t, []string{"0:a"}, collect("^a", "g", "aaa"))
	require.Equal(t, []string{"0:a", "2:a"}, collect("^a", "gn", "a\na"))
	require.Equal(t, []string{"0:ab", "3:cd"}, collect(`\b\w+`, "g", "ab cd"))
	require.Equal(t, []string{"1:b"}, collect(`\Bb`, "g", "ab b"))
	require.Equal(t, []string{"0:ab"}, collect(`\b\w+`, "", "ab cd"))
	// Without a look-behind, PostgreSQL's iteration: the empty match at 2.
	require.Equal(t, []string{"0:", "1:b", "2:", "3:"}, collect("b*", "g", "abc"))
	// Multi-byte characters: an empty match advances by one character.
	require.Equal(t, []string{"0:", "2:", "4:"}, collect("x*", "g", "éé"))
}

func mustProg(t *testing.T, pattern string) *rxProg {
	t.Helper()
	p, err := compileRegex(pattern, "", "~", rxMatch)
	require.NoError(t, err)
	return p
}

// TestRegexCache: computed patterns are compiled once per distinct value,
// at most rxCacheSize are kept, a bad one is remembered as nil, and a
// pattern whose bytes change after the lookup (a reused batch buffer) is
// not mistaken for the old one.
func TestRegexCache(t *testing.T) {
	c := rxCache{fn: "~", use: rxMatch}
	a := c.get("a+", "")
	require.NotNil(t, a)
	require.Same(t, a, c.get("a+", ""))
	require.Nil(t, c.get("(", ""))
	require.Nil(t, c.get("a", "z"))
	require.NotSame(t, a, c.get("a+", "i"))
	for k := 0; k < 3*rxCacheSize; k++ {
		require.NotNil(t, c.get("p"+strconv.Itoa(k), ""))
		require.LessOrEqual(t, len(c.m), rxCacheSize)
	}

	buf := []byte("abc")
	s := unsafe.String(&buf[0], len(buf))
	p := c.get(s, "")
	require.True(t, p.re.MatchString("xabcx"))
	copy(buf, "xyz") // s now reads "xyz"
	p = c.get(s, "")
	require.True(t, p.re.MatchString("xyz"))
	require.False(t, p.re.MatchString("abc"))
	_, kept := c.m[rxKey{"abc", ""}]
	require.True(t, kept, "the key is a copy of the pattern's bytes")
}

func TestDistinct(t *testing.T) {
	b := batchOf(
		[]any{1, 1.0, "a", true, 0},
		[]any{2, nil, "b", nil, 0},
		[]any{nil, nil, nil, nil, nil},
		[]any{nil, 2.0, "", false, 0},
	)
	i := col(0)
	asDouble := must(NewCast(i, catalog.Double))
	for _, c := range []struct {
		e    Expr
		want []any
	}{
		{must(NewDistinct(asDouble, col(1), false)), []any{false, true, false, true}},
		{must(NewDistinct(asDouble, col(1), true)), []any{true, false, true, false}},
		{must(NewDistinct(col(2), ConstString("b"), false)), []any{true, false, true, true}},
		{must(NewDistinct(col(3), ConstBool(true), true)), []any{true, false, false, false}},
		{must(NewDistinct(col(4), ConstNull(catalog.Unknown), false)), []any{true, true, false, true}},
		{must(NewDistinct(ConstNull(catalog.Unknown), ConstNull(catalog.Unknown), true)), []any{true, true, true, true}},
	} {
		require.Equal(t, c.want, eval(t, c.e, b), "%v", c.e)
	}
	_, err := NewDistinct(col(0), col(2), false)
	require.Error(t, err)
}

// TestRegexNoPerRowAllocations: with a constant pattern, ~ and
// REGEXP_LIKE allocate nothing per batch, nor does a computed pattern once
// its values are compiled, nor REGEXP_REPLACE on rows it leaves unchanged,
// nor IS DISTINCT FROM.
func TestRegexNoPerRowAllocations(t *testing.T) {
	b := benchBatch()
	pattern := coldata.NewVec(catalog.Varchar, b.Len)
	pattern.Reset(b.Len, b.Len)
	for r := range pattern.Str {
		pattern.Str[r] = []string{"^gpt", "te?st$", "^gpt"}[r%3]
	}
	b.Cols = append(b.Cols, pattern)
	computed := NewColRef(len(b.Cols)-1, "p", catalog.Varchar)
	for _, e := range []Expr{
		must(NewRegexMatch(col(2), ConstString("^gpt-[0-9]"), false, false)),
		must(NewRegexMatch(col(2), ConstString("LLAMA"), true, true)),
		must(NewCall("REGEXP_LIKE", []Expr{col(2), ConstString("a.*t"), ConstString("i")})),
		must(NewRegexMatch(col(2), computed, false, false)),
		must(NewCall("REGEXP_REPLACE", []Expr{col(2), ConstString("[0-9]{3}"), ConstString("x"), ConstString("g")})),
		must(NewDistinct(col(2), ConstString("mistral"), false)),
	} {
		out := &coldata.Vec{}
		e.Eval(b, out)
		require.Zero(t, testing.AllocsPerRun(10, func() { e.Eval(b, out) }), "%v", e)
	}
}

// TestRegexConstantErrors: NewCall and NewRegexMatch report a constant
// pattern or flags that do not compile as an *ArgError about that
// argument.
func TestRegexConstantErrors(t *testing.T) {
	var ae *ArgError
	_, err := NewRegexMatch(col(2), ConstString("a("), false, false)
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 1, ae.Arg)
	_, err = NewCall("REGEXP_REPLACE", []Expr{col(2), col(2), ConstString("x"), ConstString("w?")})
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 3, ae.Arg)
	require.Equal(t, `invalid regular expression option: "?"`, ae.Msg)
	_, err = NewCall("REGEXP_LIKE", []Expr{col(2), ConstString("(?x)a"), ConstString("i")})
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 1, ae.Arg)
	// A NULL constant pattern or flags compiles nothing: every row is NULL.
	e := must(NewCall("REGEXP_LIKE", []Expr{col(2), ConstNull(catalog.Varchar), ConstString("i")}))
	require.Equal(t, []any{nil, nil}, eval(t, e, batchOf([]any{nil, nil, "a"}, []any{nil, nil, "b"})))
	e = must(NewCall("REGEXP_LIKE", []Expr{col(2), ConstString("a"), ConstNull(catalog.Varchar)}))
	require.Equal(t, []any{nil, nil}, eval(t, e, batchOf([]any{nil, nil, "a"}, []any{nil, nil, "b"})))
}
