package pgwire

import "strings"

// This file splits the SQL text pgwire evaluates into tokens, as
// PostgreSQL's lexer does for what pgwire reads (see expr_parse.go).

// tokKind is the kind of a token.
type tokKind uint8

const (
	tkEOF    tokKind = iota
	tkIdent          // a bare identifier or keyword, lower-cased
	tkQIdent         // a "quoted" identifier, as written
	tkNum            // a number: digits, '.', exponent
	tkStr            // a string literal, unescaped
	tkOp             // an operator or punctuation
	tkParam          // $n (unbound)
)

type token struct {
	kind tokKind
	s    string
	off  int // byte offset in the statement
}

// lex splits s into tokens; ok is false for what pgwire does not read
// (unterminated literals, U& strings, bit strings, ...).
func lex(s string) ([]token, bool) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case isSpace(c):
			i++
			continue
		case c == '-' && i+1 < len(s) && s[i+1] == '-', c == '/' && i+1 < len(s) && s[i+1] == '*':
			i = skipLiteral(s, i)
			continue
		case c == '\'':
			str, j, ok := lexString(s, i+1, false)
			if !ok {
				return nil, false
			}
			out = append(out, token{tkStr, str, i})
			i = j
			continue
		case (c == 'e' || c == 'E') && i+1 < len(s) && s[i+1] == '\'':
			str, j, ok := lexString(s, i+2, true)
			if !ok {
				return nil, false
			}
			out = append(out, token{tkStr, str, i})
			i = j
			continue
		case c == '"':
			j := skipQuoted(s, i+1, '"', false)
			if j > len(s) || j <= i+1 || s[j-1] != '"' || j == i+2 {
				return nil, false
			}
			out = append(out, token{tkQIdent, strings.ReplaceAll(s[i+1:j-1], `""`, `"`), i})
			i = j
			continue
		case c == '$':
			if j := skipLiteral(s, i); j >= 0 {
				// $tag$...$tag$
				k := i + 1 + strings.IndexByte(s[i+1:], '$')
				tag := s[i : k+1]
				if j-len(tag) < k+1 || s[j-len(tag):j] != tag {
					return nil, false
				}
				out = append(out, token{tkStr, s[k+1 : j-len(tag)], i})
				i = j
				continue
			}
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j == i+1 {
				return nil, false
			}
			out = append(out, token{tkParam, s[i:j], i})
			i = j
			continue
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j < len(s) && s[j] == '.' && !(j+1 < len(s) && s[j+1] == '.') {
				j++
				for j < len(s) && s[j] >= '0' && s[j] <= '9' {
					j++
				}
			}
			if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
				k := j + 1
				if k < len(s) && (s[k] == '+' || s[k] == '-') {
					k++
				}
				if k < len(s) && s[k] >= '0' && s[k] <= '9' {
					for k < len(s) && s[k] >= '0' && s[k] <= '9' {
						k++
					}
					j = k
				}
			}
			if j < len(s) && isIdentChar(s[j]) {
				return nil, false // 123abc, 0x1F, ...
			}
			out = append(out, token{tkNum, s[i:j], i})
			i = j
			continue
		case isIdentChar(c) && c != '$':
			j := i
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			out = append(out, token{tkIdent, strings.ToLower(s[i:j]), i})
			i = j
			continue
		}
		// Operators: PostgreSQL's operator characters run together.
		j := i
		for j < len(s) && strings.IndexByte("+-*/<>=~!@#%^&|`?", s[j]) >= 0 {
			if j > i && (s[j] == '-' && j+1 < len(s) && s[j+1] == '-' || s[j] == '/' && j+1 < len(s) && s[j+1] == '*') {
				break
			}
			j++
		}
		if j > i {
			op := s[i:j]
			// A multi-character operator ending in + or - is split unless
			// it holds one of ~ ! @ # % ^ & | ` ? (as PostgreSQL's lexer).
			for len(op) > 1 && (op[len(op)-1] == '+' || op[len(op)-1] == '-') && !strings.ContainsAny(op, "~!@#%^&|`?") {
				op = op[:len(op)-1]
			}
			out = append(out, token{tkOp, op, i})
			i += len(op)
			continue
		}
		if c == ':' && i+1 < len(s) && s[i+1] == ':' {
			out = append(out, token{tkOp, "::", i})
			i += 2
			continue
		}
		if strings.IndexByte("(),[].;", c) >= 0 {
			out = append(out, token{tkOp, string(c), i})
			i++
			continue
		}
		return nil, false
	}
	return append(out, token{tkEOF, "", len(s)}), true
}

// lexString reads a string literal's body from s[i:] (after the quote);
// with escapes, backslash escapes are read as in E'...'. Adjacent literals
// separated by white space holding a newline are joined, as in SQL.
func lexString(s string, i int, escapes bool) (string, int, bool) {
	var b strings.Builder
	for {
		for {
			if i >= len(s) {
				return "", 0, false
			}
			c := s[i]
			if c == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					b.WriteByte('\'')
					i += 2
					continue
				}
				i++
				break
			}
			if c == '\\' && escapes {
				if i+1 >= len(s) {
					return "", 0, false
				}
				switch e := s[i+1]; e {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				case 'r':
					b.WriteByte('\r')
				case 'b':
					b.WriteByte('\b')
				case 'f':
					b.WriteByte('\f')
				case '\\', '\'', '"':
					b.WriteByte(e)
				default:
					return "", 0, false // octal, hex and unicode escapes
				}
				i += 2
				continue
			}
			b.WriteByte(c)
			i++
		}
		// A continuation: white space with a newline, then a quote.
		j, nl := i, false
		for j < len(s) && isSpace(s[j]) {
			nl = nl || s[j] == '\n'
			j++
		}
		if !nl || j >= len(s) || s[j] != '\'' {
			return b.String(), i, true
		}
		i = j + 1
	}
}
