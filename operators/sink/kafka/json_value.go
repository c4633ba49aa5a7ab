package kafka

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// appendJSONValue appends row i of v as a JSON value, following SPEC.md's
// jsonl conventions: TIMESTAMP as an RFC 3339 UTC string with milliseconds,
// numbers as JSON numbers, NULL (and non-finite doubles) as null.
func appendJSONValue(buf []byte, v *coldata.Vec, i int) []byte {
	if v.Nulls.IsNull(i) {
		return append(buf, "null"...)
	}
	switch v.Type {
	case catalog.Bigint:
		return strconv.AppendInt(buf, v.I64[i], 10)
	case catalog.Timestamp:
		buf = append(buf, '"')
		buf = time.UnixMilli(v.I64[i]).UTC().AppendFormat(buf, "2006-01-02T15:04:05.000Z07:00")
		return append(buf, '"')
	case catalog.Double:
		return appendJSONFloat(buf, v.F64[i])
	case catalog.Varchar:
		return appendJSONString(buf, v.Str[i])
	case catalog.Boolean:
		return strconv.AppendBool(buf, v.Bool[i])
	}
	return append(buf, "null"...)
}

// appendJSONFloat formats f as encoding/json does (shortest round-trip
// representation, exponent form outside [1e-6, 1e21)).
func appendJSONFloat(buf []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(buf, "null"...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	start := len(buf)
	buf = strconv.AppendFloat(buf, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(buf) - start
		if n >= 4 && buf[len(buf)-4] == 'e' && buf[len(buf)-3] == '-' && buf[len(buf)-2] == '0' {
			buf[len(buf)-2] = buf[len(buf)-1]
			buf = buf[:len(buf)-1]
		}
	}
	return buf
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
