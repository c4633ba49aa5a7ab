package jsondec

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// VARCHAR values are always valid UTF-8. A JSON string is decoded as Go's
// encoding/json decodes it, not as fastjson's best-effort unescaping does:
//
//   - a \uXXXX escape of a UTF-16 surrogate that is not the high half of a
//     pair followed by the low half's \uXXXX escape (a lone "\ud800" or
//     "\udc00", "\ud800\u0041") decodes to U+FFFD, the replacement
//     character, and what follows it is decoded on its own ("\ud800\u0041"
//     is "\ufffdA");
//   - a byte that is not part of valid UTF-8 (0xff, a truncated sequence,
//     an encoded surrogate, an overlong encoding) decodes to U+FFFD, one per
//     byte, as utf8.DecodeRune reads them;
//   - an escape JSON does not have ("\x", "\'", "\u" without four hex
//     digits) makes the event malformed, as it is invalid JSON.
//
// fastjson keeps a lone surrogate's escape as its six characters, drops the
// character after a high surrogate, and passes invalid bytes through: none
// of that reaches a column.

// varchar returns the value of column i, a VARCHAR whose JSON string's
// text visitKey kept in d.raw[i]: the text itself when it has no escape and
// is valid UTF-8 (the common case: no decoding, no copy), else the decoded
// string.
func (d *Decoder) varchar(i int) (string, error) {
	raw := d.raw[i]
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", typeError(d.schema[i], d.vals[i])
	}
	raw = raw[1 : len(raw)-1]
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return d.intern[i].get(raw), nil
	}
	var err error
	if d.decoded, err = decodeString(d.decoded[:0], raw); err != nil {
		return "", fmt.Errorf("column %q: invalid JSON string: %v", d.schema[i].Name, err)
	}
	v := d.intern[i].get(d.decoded)
	if cap(d.decoded) > maxKeptScratch {
		d.decoded = nil // one huge value does not stay allocated
	}
	return v, nil
}

// maxKeptScratch bounds the decoding scratch kept between values.
const maxKeptScratch = 64 << 10

// decodeString appends the value of the JSON string whose text between the
// quotes is raw to dst, as the comment above describes; the error says
// which escape is not JSON.
func decodeString(dst, raw []byte) ([]byte, error) {
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\\':
			if i+1 >= len(raw) {
				return dst, fmt.Errorf(`string ends in "\"`)
			}
			switch e := raw[i+1]; e {
			case '"', '\\', '/':
				dst = append(dst, e)
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				r, ok := hex4(raw[i+2:])
				if !ok {
					return dst, fmt.Errorf(`\u must be followed by four hex digits, got %s`, prefix(raw[i:], 6))
				}
				i += 6
				if utf16.IsSurrogate(r) {
					if lo, ok := lowSurrogate(raw[i:]); ok {
						if pair := utf16.DecodeRune(r, lo); pair != utf8.RuneError {
							dst = utf8.AppendRune(dst, pair)
							i += 6
							continue
						}
					}
					r = utf8.RuneError // a lone surrogate
				}
				dst = utf8.AppendRune(dst, r)
				continue
			default:
				return dst, fmt.Errorf(`%s is not a JSON escape (expected \", \\, \/, \b, \f, \n, \r, \t or \uXXXX)`, prefix(raw[i:], 2))
			}
			i += 2
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			i++
		default:
			r, n := utf8.DecodeRune(raw[i:]) // U+FFFD, 1 for an invalid byte
			dst = utf8.AppendRune(dst, r)
			i += n
		}
	}
	return dst, nil
}

// lowSurrogate reads a \uXXXX escape at the start of b.
func lowSurrogate(b []byte) (rune, bool) {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return 0, false
	}
	return hex4(b[2:])
}

// hex4 reads four hex digits at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// prefix is the first n bytes of b, or all of b, as an error quotes them:
// as they are when they are printable ASCII, else Go-quoted.
func prefix(b []byte, n int) string {
	b = b[:min(n, len(b))]
	for _, c := range b {
		if c <= ' ' || c > '~' {
			return strconv.Quote(string(b))
		}
	}
	return string(b)
}
