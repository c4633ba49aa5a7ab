package sql

import (
	"cmp"
	"strings"
	"unicode/utf8"
)

// The lexical forms weir reads as PostgreSQL does (scan.l): nested /* */
// comments, dollar-quoted strings ($$...$$, $tag$...$tag$) and escape
// strings (E'...').

// skipBlockComment returns the length of the /* */ comment at the start of
// s, where comments nest (/* a /* b */ c */ is one comment), or -1 when it
// does not close.
func skipBlockComment(s string) int {
	depth := 0
	for i := 0; i+1 < len(s); {
		switch {
		case s[i] == '/' && s[i+1] == '*':
			depth++
			i += 2
		case s[i] == '*' && s[i+1] == '/':
			depth--
			i += 2
			if depth == 0 {
				return i
			}
		default:
			i++
		}
	}
	return -1
}

// dollarTag returns the length of the delimiter of a dollar-quoted string
// at the start of s ($$ or $tag$, the tag an identifier without '$'), or 0.
func dollarTag(s string) int {
	if len(s) < 2 || s[0] != '$' {
		return 0
	}
	i := 1
	if s[i] != '$' {
		if !isIdentStart(s[i]) {
			return 0
		}
		for i < len(s) && (isIdentStart(s[i]) || isDigit(s[i])) {
			i++
		}
		if i >= len(s) || s[i] != '$' {
			return 0
		}
	}
	return i + 1
}

// scanDollarQuoted scans the dollar-quoted string at the start of s, whose
// delimiter is tagLen bytes long: the content, taken as written, ends at the
// first repetition of the delimiter. It returns the content and the span
// length, or ok false when the delimiter does not come again.
func scanDollarQuoted(s string, tagLen int) (val string, n int, ok bool) {
	end := strings.Index(s[tagLen:], s[:tagLen])
	if end < 0 {
		return "", 0, false
	}
	return s[tagLen : tagLen+end], tagLen + end + tagLen, true
}

// scanEscapeString scans the escape string E'...' at src[start:] (start is
// the E), whose backslash escapes PostgreSQL reads: \b \f \n \r \t, \o to
// \ooo (octal), \xh and \xhh (hex), \uXXXX and \UXXXXXXXX (Unicode, a
// UTF-16 surrogate pair as two \u escapes), and a backslash before any
// other character stands for that character (\\, \'). ” is a quote too.
// It returns the value and the span length. An unterminated string is an
// error with unterminated set; else the first bad escape is an error at
// the escape, and a value that is not UTF-8 or holds a NUL one at the
// string (n is then still the span length).
func scanEscapeString(src string, start int) (val string, n int, err *lexError) {
	var b strings.Builder
	fail := func(e *lexError) { err = cmp.Or(err, e) }
	highSurrogate := rune(-1)           // the first half of a pair awaiting its second
	for i := start + 2; i < len(src); { // past E'
		c := src[i]
		if highSurrogate >= 0 && (c != '\\' || i+1 >= len(src) || src[i+1] != 'u' && src[i+1] != 'U') {
			fail(&lexError{at: i, msg: "invalid Unicode surrogate pair"})
			highSurrogate = -1
		}
		switch {
		case c == '\'' && i+1 < len(src) && src[i+1] == '\'':
			b.WriteByte('\'')
			i += 2
		case c == '\'':
			s := b.String()
			if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
				fail(&lexError{at: start, code: CodeBadEncoding, msg: `invalid byte sequence for encoding "UTF8": ` + badByte(s)})
			}
			return s, i + 1 - start, err
		case c != '\\':
			b.WriteByte(c)
			i++
		case i+1 >= len(src):
			i++ // the string does not close
		default:
			r, k, e := unescape(src, i)
			switch {
			case e != nil:
				fail(e)
			case r < 0: // a byte, not a code point
				b.WriteByte(byte(-r - 1))
			case highSurrogate >= 0:
				if r < 0xDC00 || r > 0xDFFF {
					fail(&lexError{at: i, msg: "invalid Unicode surrogate pair"})
				} else {
					b.WriteRune((highSurrogate-0xD800)<<10 + (r - 0xDC00) + 0x10000)
				}
				highSurrogate = -1
			case r >= 0xD800 && r <= 0xDBFF:
				highSurrogate = r
			case r >= 0xDC00 && r <= 0xDFFF:
				fail(&lexError{at: i, msg: "invalid Unicode surrogate pair"})
			default:
				b.WriteRune(r)
			}
			i += k
		}
	}
	return "", 0, &lexError{at: start, msg: "unterminated string literal: expected a closing '", unterminated: true}
}

// unescape reads the backslash escape at src[i] (src[i+1] exists). It
// returns the code point of a Unicode escape, or -1-b for a byte b, and
// the escape's length.
func unescape(src string, i int) (r rune, n int, err *lexError) {
	c := src[i+1]
	switch c {
	case 'b':
		return -1 - '\b', 2, nil
	case 'f':
		return -1 - '\f', 2, nil
	case 'n':
		return -1 - '\n', 2, nil
	case 'r':
		return -1 - '\r', 2, nil
	case 't':
		return -1 - '\t', 2, nil
	case 'x':
		v, k := hexDigits(src[i+2:], 2)
		if k == 0 {
			return -1 - 'x', 2, nil // \x without a hex digit is x
		}
		return -1 - rune(v), 2 + k, nil
	case 'u', 'U':
		want := 4
		if c == 'U' {
			want = 8
		}
		v, k := hexDigits(src[i+2:], want)
		if k < want {
			return 0, 2, &lexError{at: i, code: "22025", msg: `invalid Unicode escape: Unicode escapes must be \uXXXX or \UXXXXXXXX`}
		}
		if v == 0 || v > utf8.MaxRune {
			return 0, 2 + k, &lexError{at: i, msg: "invalid Unicode escape value " + src[i:i+2+k]}
		}
		return rune(v), 2 + k, nil
	}
	if c >= '0' && c <= '7' {
		v, k := 0, 1
		for ; k <= 3 && i+k < len(src) && src[i+k] >= '0' && src[i+k] <= '7'; k++ {
			v = v*8 + int(src[i+k]-'0')
		}
		return -1 - rune(v&0xFF), k, nil // \400 wraps to a byte, as in PostgreSQL
	}
	return -1 - rune(c), 2, nil
}

// hexDigits reads up to max hex digits at the start of s.
func hexDigits(s string, max int) (v uint32, n int) {
	for n < max && n < len(s) {
		d := s[n]
		switch {
		case d >= '0' && d <= '9':
			d -= '0'
		case d >= 'a' && d <= 'f':
			d -= 'a' - 10
		case d >= 'A' && d <= 'F':
			d -= 'A' - 10
		default:
			return v, n
		}
		v = v<<4 | uint32(d)
		n++
	}
	return v, n
}

// badEncoding returns the offset of the first byte of s that is not part of
// UTF-8 or is a NUL, or -1.
func badEncoding(s string) int {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			if s[i] == 0 {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// badByte renders the first byte of s that makes it invalid UTF-8, or a
// NUL, as PostgreSQL does (0xff).
func badByte(s string) string {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == 0 || r == utf8.RuneError && size == 1 {
			return "0x" + string(hex[s[i]>>4]) + string(hex[s[i]&15])
		}
		i += size
	}
	return ""
}
