package stdout

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

const hexDigits = "0123456789abcdef"

// appendCell appends s as a table cell shows it, so that one value never
// spans more than one terminal line nor sends the terminal a control
// sequence: newline, carriage return and tab print as \n, \r and \t; other
// C0 controls and DEL as \xNN; C1 controls (U+0080–U+009F) as \u00NN; a byte
// that is not valid UTF-8 as \xNN. Everything else, backslashes included,
// prints as it is — the table is for reading, and jsonl and csv carry the
// exact values. s must not alias dst.
func appendCell(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			dst = append(dst, c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch c {
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
		case r < 0xa0:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[r>>4], hexDigits[r&0xf])
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}

// displayWidth returns how many terminal columns s takes, s being a cell as
// appendCell renders it (valid UTF-8, no control characters).
func displayWidth(s []byte) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		n += runeWidth(r)
		i += size
	}
	return n
}

// runeWidth is the number of terminal columns r takes, as wcwidth(3) counts
// them: 2 for East Asian Wide and Fullwidth characters (CJK, Hangul
// syllables, fullwidth forms, most emoji — Unicode's East Asian Width
// property, from golang.org/x/text/width), 0 for combining marks, format
// characters such as the zero-width joiner, and the Hangul jamo that join a
// syllable; 1 for everything else. Ambiguous-width characters count 1, as
// terminals outside CJK locales show them.
func runeWidth(r rune) int {
	if r < 0x300 {
		return 1
	}
	if r >= 0x1160 && r <= 0x11ff || unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) {
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// CellText returns s as a table cell shows it (appendCell): control
// characters escaped, so that a value never spans more than one line. The
// REPL's tables use it too.
func CellText(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return string(appendCell(nil, []byte(s)))
		}
	}
	return s
}
