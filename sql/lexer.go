package sql

import (
	"cmp"
	"strings"
)

// tokKind classifies a token of weir's own tokenizer.
type tokKind uint8

const (
	tokEOF    tokKind = iota
	tokIdent          // bare word: identifier or keyword
	tokQIdent         // "quoted" or `quoted` identifier; val holds the name
	tokString         // 'string', E'string' or $$string$$; val holds the value
	tokNumber         // 12, 1.5, 1e3, .5
	tokOp             // punctuation and operators: ( ) , ; . = <> <= >= != || :: ...
)

// token is one lexical token with its byte span in the script.
type token struct {
	kind       tokKind
	start, end int    // byte offsets in the script, end exclusive
	val        string // identifier name, string content, number or operator text
}

// is reports whether t is the bare word kw (kw given in upper case).
func (t token) is(kw string) bool {
	return t.kind == tokIdent && strings.EqualFold(t.val, kw)
}

// isOp reports whether t is the operator op.
func (t token) isOp(op string) bool { return t.kind == tokOp && t.val == op }

// isName reports whether t can name an object or a column.
func (t token) isName() bool { return t.kind == tokIdent || t.kind == tokQIdent }

// lexError is a tokenizer failure at a byte offset.
type lexError struct {
	at   int
	code string // SQLSTATE; "" is CodeSyntax
	msg  string
	// unterminated is set when a string, quoted identifier or comment
	// starting at `at` runs to the end of the script.
	unterminated bool
}

// bomPrefix returns the UTF-8 byte order mark src starts with, or "".
func bomPrefix(src string) string {
	if strings.HasPrefix(src, "\ufeff") {
		return "\ufeff"
	}
	return ""
}

// tokenize splits src into tokens, skipping whitespace and comments (-- and
// /* */, which nest), as PostgreSQL's scanner does. On an unterminated
// string, quoted identifier or comment it returns the tokens so far and a
// lexError; on a bad escape string it returns every token (the string as
// an empty one) and the first such error.
func tokenize(src string) ([]token, *lexError) {
	var toks []token
	var first *lexError
	i := len(bomPrefix(src)) // a leading byte order mark is skipped, as psql does
	for i < len(src) {
		c := src[i]
		switch {
		case (c == 'e' || c == 'E') && i+1 < len(src) && src[i+1] == '\'':
			s, n, err := scanEscapeString(src, i)
			if err != nil && err.unterminated {
				return toks, err
			}
			first = cmp.Or(first, err)
			toks = append(toks, token{kind: tokString, start: i, end: i + n, val: s})
			i += n
		case c == '$' && dollarTag(src[i:]) > 0:
			tag := dollarTag(src[i:])
			s, n, ok := scanDollarQuoted(src[i:], tag)
			if !ok {
				return toks, &lexError{at: i, msg: "unterminated dollar-quoted string: expected a closing " + src[i:i+tag], unterminated: true}
			}
			toks = append(toks, token{kind: tokString, start: i, end: i + n, val: s})
			i += n
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && i+1 < len(src) && src[i+1] == '-':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			n := skipBlockComment(src[i:])
			if n < 0 {
				return toks, &lexError{at: i, msg: "unterminated comment: expected */ to close /*", unterminated: true}
			}
			i += n
		case c == '\'':
			s, n, ok := scanQuoted(src[i:], '\'')
			if !ok {
				return toks, &lexError{at: i, msg: "unterminated string literal: expected a closing '", unterminated: true}
			}
			toks = append(toks, token{kind: tokString, start: i, end: i + n, val: s})
			i += n
		case c == '"' || c == '`':
			s, n, ok := scanQuoted(src[i:], c)
			if !ok {
				return toks, &lexError{at: i, msg: "unterminated quoted identifier: expected a closing " + string(c), unterminated: true}
			}
			toks = append(toks, token{kind: tokQIdent, start: i, end: i + n, val: s})
			i += n
		case isDigit(c) || (c == '.' && i+1 < len(src) && isDigit(src[i+1])):
			n := scanNumber(src[i:])
			toks = append(toks, token{kind: tokNumber, start: i, end: i + n, val: src[i : i+n]})
			i += n
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			toks = append(toks, token{kind: tokIdent, start: i, end: j, val: src[i:j]})
			i = j
		default:
			n := 1
			if i+1 < len(src) {
				switch src[i : i+2] {
				case "<=", ">=", "<>", "!=", "||", "&&", "::", ":=", "=>":
					n = 2
				}
			}
			if n == 2 && src[i:i+2] == "<=" && i+2 < len(src) && src[i+2] == '>' {
				n = 3
			}
			toks = append(toks, token{kind: tokOp, start: i, end: i + n, val: src[i : i+n]})
			i += n
		}
	}
	return toks, first
}

// scanQuoted scans a quoted span starting at s[0] == q, where a doubled
// quote stands for one. It returns the unquoted content and the span length.
func scanQuoted(s string, q byte) (string, int, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != q {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == q {
			b.WriteByte(q)
			i++
			continue
		}
		return b.String(), i + 1, true
	}
	return "", 0, false
}

// scanNumber returns the length of the numeric literal at the start of s.
func scanNumber(s string) int {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && isDigit(s[j]) {
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			i = j
		}
	}
	return i
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isIdentPart(c byte) bool { return isIdentStart(c) || isDigit(c) || c == '$' }
