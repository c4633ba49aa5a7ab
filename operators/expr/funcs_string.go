package expr

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// stringFunc returns the loop of a string function. Positions and lengths
// count characters (UTF-8 code points), not bytes, as in PostgreSQL; the
// functions that return part of their argument (SUBSTRING, LEFT, RIGHT,
// the TRIMs, SPLIT_PART) return a slice of it and allocate nothing.
func stringFunc(name string) loopFunc {
	switch name {
	case "LOWER", "UPPER":
		f := strings.ToLower
		if name == "UPPER" {
			f = strings.ToUpper
		}
		return func(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
			x, o := args[0].Str[:n], out.Str[:n]
			each(sel, n, func(i int) { o[i] = f(x[i]) })
		}
	case "OCTET_LENGTH":
		return func(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
			x, o := args[0].Str[:n], out.I64[:n]
			each(sel, n, func(i int) { o[i] = int64(len(x[i])) })
		}
	case "LENGTH", "CHAR_LENGTH", "CHARACTER_LENGTH":
		return func(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
			x, o := args[0].Str[:n], out.I64[:n]
			each(sel, n, func(i int) { o[i] = int64(utf8.RuneCountInString(x[i])) })
		}
	case "SUBSTRING", "SUBSTR":
		return substringLoop
	case "BTRIM", "LTRIM", "RTRIM":
		trim := strings.Trim
		switch name {
		case "LTRIM":
			trim = strings.TrimLeft
		case "RTRIM":
			trim = strings.TrimRight
		}
		return func(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
			x, o := args[0].Str[:n], out.Str[:n]
			if len(args) == 1 {
				each(sel, n, func(i int) { o[i] = trim(x[i], " ") })
				return
			}
			chars := args[1].Str[:n]
			each(sel, n, func(i int) { o[i] = trim(x[i], chars[i]) })
		}
	case "REPLACE":
		return func(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
			x, from, to, o := args[0].Str[:n], args[1].Str[:n], args[2].Str[:n], out.Str[:n]
			each(sel, n, func(i int) {
				if from[i] == "" {
					o[i] = x[i] // PostgreSQL: an empty search string matches nothing
					return
				}
				o[i] = strings.ReplaceAll(x[i], from[i], to[i]) // no copy without a match
			})
		}
	case "POSITION", "STRPOS":
		s, sub := 1, 0 // POSITION(substring IN string)
		if name == "STRPOS" {
			s, sub = 0, 1 // STRPOS(string, substring)
		}
		return func(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
			x, y, o := args[s].Str[:n], args[sub].Str[:n], out.I64[:n]
			each(sel, n, func(i int) { o[i] = position(x[i], y[i]) })
		}
	case "LEFT", "RIGHT":
		f := left
		if name == "RIGHT" {
			f = right
		}
		return func(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
			x, k, o := args[0].Str[:n], args[1].I64[:n], out.Str[:n]
			each(sel, n, func(i int) { o[i] = f(x[i], k[i]) })
		}
	case "STARTS_WITH":
		return func(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
			x, p, o := args[0].Str[:n], args[1].Str[:n], out.Bool[:n]
			each(sel, n, func(i int) { o[i] = strings.HasPrefix(x[i], p[i]) })
		}
	case "SPLIT_PART":
		return func(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
			x, d, k, o := args[0].Str[:n], args[1].Str[:n], args[2].I64[:n], out.Str[:n]
			each(sel, n, func(i int) {
				v, ok := splitPart(x[i], d[i], k[i])
				if !ok {
					out.Nulls.Set(i)
				}
				o[i] = v
			})
		}
	}
	panic("expr: no string loop for " + name)
}

// substringLoop is SUBSTRING(string, start [, count]) over a batch. A
// negative count gives NULL on its row (PostgreSQL raises an error; the
// planner rejects a constant one).
func substringLoop(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
	x, start, o := args[0].Str[:n], args[1].I64[:n], out.Str[:n]
	if len(args) == 2 {
		each(sel, n, func(i int) { o[i] = substring(x[i], start[i], math.MaxInt64, false) })
		return
	}
	count := args[2].I64[:n]
	each(sel, n, func(i int) {
		if count[i] < 0 {
			o[i] = ""
			out.Nulls.Set(i)
			return
		}
		o[i] = substring(x[i], start[i], count[i], true)
	})
}

// substring returns the characters of s at 1-based positions start ≤ p <
// start+count (counted = false: to the end), clipped to the string, as
// PostgreSQL's substring: a start before 1 shortens the result,
// SUBSTRING('hello', 0, 3) is 'he', and a range past either end is empty.
// count is not negative.
func substring(s string, start, count int64, counted bool) string {
	end := int64(math.MaxInt64) // exclusive, 1-based
	if counted && start <= math.MaxInt64-count {
		end = start + count
	}
	start = max(start, 1)
	if end <= start {
		return ""
	}
	from := runeOffset(s, start-1)
	if end == math.MaxInt64 {
		return s[from:]
	}
	return s[from : from+runeOffset(s[from:], end-start)]
}

// runeOffset returns the byte offset of the k-th character (0-based) of s,
// or len(s) when s has no more than k characters.
func runeOffset(s string, k int64) int {
	i := 0
	for ; k > 0 && i < len(s); k-- {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		_, sz := utf8.DecodeRuneInString(s[i:])
		i += sz
	}
	return i
}

// position returns the 1-based character position of the first sub in s,
// 0 when there is none (1 for an empty sub), as PostgreSQL's position and
// strpos.
func position(s, sub string) int64 {
	k := strings.Index(s, sub)
	if k < 0 {
		return 0
	}
	return int64(utf8.RuneCountInString(s[:k])) + 1
}

// left returns the first k characters of s; a negative k drops the last
// |k| characters (PostgreSQL's left).
func left(s string, k int64) string {
	if k < 0 {
		k = max(int64(utf8.RuneCountInString(s))+k, 0)
	}
	return s[:runeOffset(s, k)]
}

// right returns the last k characters of s; a negative k drops the first
// |k| characters (PostgreSQL's right).
func right(s string, k int64) string {
	if k < 0 {
		return s[runeOffset(s, -k):]
	}
	i := len(s)
	for ; k > 0 && i > 0; k-- {
		if s[i-1] < utf8.RuneSelf {
			i--
			continue
		}
		_, sz := utf8.DecodeLastRuneInString(s[:i])
		i -= sz
	}
	return s[i:]
}

// splitPart returns field k of s split at delim, as PostgreSQL's
// split_part: fields count from 1, a negative k counts from the end, a
// field past the end is empty, an empty delimiter makes s one field. k = 0
// is an error in PostgreSQL: ok is false (NULL).
func splitPart(s, delim string, k int64) (string, bool) {
	if k == 0 {
		return "", false
	}
	if s == "" {
		return "", true
	}
	if delim == "" {
		if k == 1 || k == -1 {
			return s, true
		}
		return "", true
	}
	if k > 0 {
		for ; k > 1; k-- {
			j := strings.Index(s, delim)
			if j < 0 {
				return "", true
			}
			s = s[j+len(delim):]
		}
		if j := strings.Index(s, delim); j >= 0 {
			s = s[:j]
		}
		return s, true
	}
	for ; k < -1; k++ {
		j := strings.LastIndex(s, delim)
		if j < 0 {
			return "", true
		}
		s = s[:j]
	}
	if j := strings.LastIndex(s, delim); j >= 0 {
		s = s[j+len(delim):]
	}
	return s, true
}

// NewConcatOp returns l || r: string concatenation that is NULL when either
// side is NULL (the SQL operator; CONCAT() skips NULLs instead). Both sides
// must be VARCHAR (the planner casts other types).
func NewConcatOp(l, r Expr) (*Call, error) {
	for _, e := range []Expr{l, r} {
		if t := e.Type(); t != catalog.Varchar && t != catalog.Unknown {
			return nil, fmt.Errorf("expr: || needs VARCHAR, not %s", t)
		}
	}
	return &Call{
		Name: "||", Args: []Expr{l, r}, T: catalog.Varchar, propagate: true, fn: concat,
		args: []*coldata.Vec{newScratch(catalog.Varchar), newScratch(catalog.Varchar)},
	}, nil
}
