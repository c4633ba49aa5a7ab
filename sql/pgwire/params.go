package pgwire

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Postgres type OIDs pgwire knows.
const (
	oidBool        = 16
	oidName        = 19
	oidInt8        = 20
	oidInt2        = 21
	oidInt4        = 23
	oidText        = 25
	oidOID         = 26
	oidFloat4      = 700
	oidFloat8      = 701
	oidUnknown     = 705
	oidBpchar      = 1042
	oidVarchar     = 1043
	oidDate        = 1082
	oidTimestamp   = 1114
	oidTimestamptz = 1184
	oidNumeric     = 1700
)

// pgEpochMs is 2000-01-01 00:00:00 UTC, the origin of binary timestamps, in
// Unix milliseconds.
const pgEpochMs = 946684800000

// edit records that text[OldStart:OldEnd] of a statement was replaced by
// the bytes now at [NewStart:NewEnd].
type edit struct {
	OldStart, OldEnd, NewStart, NewEnd int
}

// origOffset maps an offset in the edited text back to the original text.
func origOffset(edits []edit, off int) int {
	delta := 0
	for _, e := range edits {
		if off < e.NewStart {
			break
		}
		if off < e.NewEnd {
			return e.OldStart
		}
		delta = e.NewEnd - e.OldEnd
	}
	return off - delta
}

// bindParams replaces each $n of stmt by a SQL literal for parameter n and
// returns the new text and the edits made. The rules:
//
//   - a NULL parameter becomes NULL;
//   - with a declared type (the Parse message's OID for $n): int2/4/8 and
//     oid become an integer literal, float4/8 and numeric a numeric literal
//     (NaN and infinities are refused), bool TRUE or FALSE, timestamptz and
//     timestamp (and date) a quoted RFC 3339 string in UTC with millisecond
//     precision ('2026-11-09T14:35:00.000Z'), text, varchar, bpchar, name and
//     bytea's text form a quoted string literal;
//   - without one (OID 0 or 705, as lib/pq and others send, where the
//     statement does not type it either: see inferParamTypes), text that
//     is an integer or a finite decimal number becomes a numeric literal and
//     any other text a quoted string literal;
//   - binary format is accepted for int2/4/8, float4/8, numeric (finite),
//     bool, text/varchar, timestamp/timestamptz, date, and for an untyped
//     parameter (which Describe reports as text) as text; binary for other
//     types is refused.
//
// String literals double every single quote and keep backslashes as they are
// (standard_conforming_strings = on); a NUL byte or invalid UTF-8 is refused.
func bindParams(stmt string, refs []paramRef, values [][]byte, formats []int16, oids []uint32) (string, []edit, error) {
	if len(refs) == 0 {
		return stmt, nil, nil
	}
	var b strings.Builder
	b.Grow(len(stmt) + 16*len(refs))
	edits := make([]edit, 0, len(refs))
	last := 0
	for _, r := range refs {
		b.WriteString(stmt[last:r.Start])
		start := b.Len()
		i := r.N - 1
		if i < 0 || i >= len(values) {
			return "", nil, errorf(codeUndefinedObject, "there is no parameter $%d", r.N)
		}
		var oid uint32
		if i < len(oids) {
			oid = oids[i]
		}
		format := int16(0)
		switch {
		case len(formats) == 1:
			format = formats[0]
		case i < len(formats):
			format = formats[i]
		}
		if err := appendParam(&b, values[i], format, oid, r.N); err != nil {
			return "", nil, err
		}
		edits = append(edits, edit{OldStart: r.Start, OldEnd: r.End, NewStart: start, NewEnd: b.Len()})
		last = r.End
	}
	b.WriteString(stmt[last:])
	return b.String(), edits, nil
}

// describeParams binds the parameters of stmt for Describe, before their
// values are known: each becomes NULL, except after LIMIT or OFFSET, where
// NULL does not parse and it becomes 0. It returns the text and the edits
// made (to map error positions back).
func describeParams(stmt string, refs []paramRef) (string, []edit) {
	if len(refs) == 0 {
		return stmt, nil
	}
	var b strings.Builder
	b.Grow(len(stmt) + 4*len(refs))
	edits := make([]edit, 0, len(refs))
	last, k := 0, 0
	word := "" // the last word before i, lower case; "" after other tokens
	for i := 0; i < len(stmt) && k < len(refs); {
		if i == refs[k].Start {
			r := refs[k]
			b.WriteString(stmt[last:r.Start])
			start := b.Len()
			if word == "limit" || word == "offset" {
				b.WriteString("0")
			} else {
				b.WriteString("NULL")
			}
			edits = append(edits, edit{OldStart: r.Start, OldEnd: r.End, NewStart: start, NewEnd: b.Len()})
			last, i, word = r.End, r.End, ""
			k++
			continue
		}
		if j := skipLiteral(stmt, i); j >= 0 {
			if stmt[i] != '-' && stmt[i] != '/' {
				word = ""
			}
			i = j
			continue
		}
		switch c := stmt[i]; {
		case isIdentChar(c) && c != '$':
			j := i
			for j < len(stmt) && isIdentChar(stmt[j]) {
				j++
			}
			word = strings.ToLower(stmt[i:j])
			i = j
			continue
		case !isSpace(c):
			word = ""
		}
		i++
	}
	b.WriteString(stmt[last:])
	return b.String(), edits
}

func appendParam(b *strings.Builder, v []byte, format int16, oid uint32, n int) error {
	bad := func(what string) error {
		return errorf(codeInvalidParamValue, "invalid %s value for parameter $%d", what, n)
	}
	if v == nil {
		b.WriteString("NULL")
		return nil
	}
	if format == 1 {
		switch oid {
		case oidInt2:
			if len(v) != 2 {
				return bad("binary int2")
			}
			appendNumber(b, strconv.FormatInt(int64(int16(binary.BigEndian.Uint16(v))), 10))
		case oidInt4:
			if len(v) != 4 {
				return bad("binary int4")
			}
			appendNumber(b, strconv.FormatInt(int64(int32(binary.BigEndian.Uint32(v))), 10))
		case oidInt8:
			if len(v) != 8 {
				return bad("binary int8")
			}
			appendNumber(b, strconv.FormatInt(int64(binary.BigEndian.Uint64(v)), 10))
		case oidFloat4:
			if len(v) != 4 {
				return bad("binary float4")
			}
			return appendFloat(b, float64(math.Float32frombits(binary.BigEndian.Uint32(v))), n)
		case oidFloat8:
			if len(v) != 8 {
				return bad("binary float8")
			}
			return appendFloat(b, math.Float64frombits(binary.BigEndian.Uint64(v)), n)
		case oidBool:
			if len(v) != 1 {
				return bad("binary bool")
			}
			if v[0] != 0 {
				b.WriteString("TRUE")
			} else {
				b.WriteString("FALSE")
			}
		case oidText, oidVarchar, oidBpchar, oidName, oidUnknown, 0:
			// 0: a type nothing inferred, which Describe reported as text.
			return appendString(b, string(v), n)
		case oidTimestamp, oidTimestamptz:
			if len(v) != 8 {
				return bad("binary timestamp")
			}
			us := int64(binary.BigEndian.Uint64(v))
			appendTimestampLiteral(b, us/1000+pgEpochMs)
		case oidDate:
			if len(v) != 4 {
				return bad("binary date")
			}
			days := int64(int32(binary.BigEndian.Uint32(v)))
			appendTimestampLiteral(b, days*86_400_000+pgEpochMs)
		case oidNumeric:
			num, ok := numericText(v)
			if !ok {
				return bad("binary numeric")
			}
			appendNumber(b, num)
		default:
			return errorf(codeFeatureNotSupported, "binary format for parameter $%d of type OID %d is not supported", n, oid)
		}
		return nil
	}
	if format != 0 {
		return errorf(codeProtocolViolation, "unsupported format code %d for parameter $%d", format, n)
	}
	s := string(v)
	switch oid {
	case oidInt2, oidInt4, oidInt8, oidOID:
		i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return bad("integer")
		}
		appendNumber(b, strconv.FormatInt(i, 10))
	case oidFloat4, oidFloat8, oidNumeric:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return bad("numeric")
		}
		return appendFloat(b, f, n)
	case oidBool:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "t", "true", "yes", "on", "1", "y":
			b.WriteString("TRUE")
		case "f", "false", "no", "off", "0", "n":
			b.WriteString("FALSE")
		default:
			return bad("boolean")
		}
	case oidTimestamp, oidTimestamptz, oidDate:
		ms, ok := parseTimestamp(strings.TrimSpace(s))
		if !ok {
			return bad("timestamp")
		}
		appendTimestampLiteral(b, ms)
	case 0, oidUnknown:
		if isIntegerText(s) || isDecimalText(s) {
			appendNumber(b, s)
			return nil
		}
		return appendString(b, s, n)
	default:
		return appendString(b, s, n)
	}
	return nil
}

func appendFloat(b *strings.Builder, f float64, n int) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return errorf(codeFeatureNotSupported, "parameter $%d: NaN and infinite values are not supported", n)
	}
	appendNumber(b, string(appendFloatText(nil, f)))
	return nil
}

// appendNumber writes a numeric literal; a negative one is parenthesised so
// that "a-$1" cannot become the comment "a--1".
func appendNumber(b *strings.Builder, s string) {
	if strings.HasPrefix(s, "-") {
		b.WriteByte('(')
		b.WriteString(s)
		b.WriteByte(')')
		return
	}
	b.WriteString(s)
}

func appendString(b *strings.Builder, s string, n int) error {
	if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
		return errorf(codeInvalidParamValue, "parameter $%d is not valid UTF-8 text", n)
	}
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			b.WriteByte('\'')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('\'')
	return nil
}

func appendTimestampLiteral(b *strings.Builder, ms int64) {
	b.WriteByte('\'')
	b.WriteString(time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z"))
	b.WriteByte('\'')
}

// isIntegerText reports whether s is an optional '-' followed by 1–18
// digits (so that it fits BIGINT), and nothing else.
func isIntegerText(s string) bool {
	d := strings.TrimPrefix(s, "-")
	return len(d) <= 18 && allDigits(d)
}

// isDecimalText reports whether s is a plain decimal number: [-]digits.digits.
func isDecimalText(s string) bool {
	d := s
	if strings.HasPrefix(d, "-") {
		d = d[1:]
	}
	dot := strings.IndexByte(d, '.')
	if dot <= 0 || dot == len(d)-1 || len(d) > 40 {
		return false
	}
	return allDigits(d[:dot]) && allDigits(d[dot+1:])
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

// timestampLayouts are the text forms of timestamps accepted in parameters.
var timestampLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z07",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999Z07",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02",
}

// parseTimestamp parses a timestamp parameter; zones default to UTC.
func parseTimestamp(s string) (int64, bool) {
	for _, l := range timestampLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UnixMilli(), true
		}
	}
	return 0, false
}

// numericText decodes PostgreSQL's binary numeric — ndigits, weight, sign,
// dscale, then ndigits base-10000 digits, the first weighing
// 10000^weight — into its decimal text with dscale fraction digits. NaN and
// infinities (and malformed input) give ok=false.
func numericText(v []byte) (string, bool) {
	if len(v) < 8 {
		return "", false
	}
	ndigits := int(binary.BigEndian.Uint16(v))
	weight := int(int16(binary.BigEndian.Uint16(v[2:])))
	sign := binary.BigEndian.Uint16(v[4:])
	dscale := int(binary.BigEndian.Uint16(v[6:]))
	if len(v) != 8+2*ndigits || sign != 0 && sign != 0x4000 || dscale > 1000 {
		return "", false
	}
	digit := func(i int) int { // base-10000 digit of weight i, 0 outside
		k := weight - i
		if k < 0 || k >= ndigits {
			return 0
		}
		return int(binary.BigEndian.Uint16(v[8+2*k:]))
	}
	var b strings.Builder
	if sign == 0x4000 {
		b.WriteByte('-')
	}
	if weight < 0 {
		b.WriteByte('0')
	}
	for i := weight; i >= 0; i-- {
		d := digit(i)
		if d > 9999 {
			return "", false
		}
		if i == weight {
			b.WriteString(strconv.Itoa(d))
		} else {
			fmt.Fprintf(&b, "%04d", d)
		}
	}
	if dscale > 0 {
		b.WriteByte('.')
		var frac strings.Builder
		for i := -1; frac.Len() < dscale; i-- {
			fmt.Fprintf(&frac, "%04d", digit(i))
		}
		b.WriteString(frac.String()[:dscale])
	}
	s := b.String()
	if s == "-0" || strings.HasPrefix(s, "-0.") && strings.Trim(s[3:], "0") == "" {
		s = s[1:]
	}
	return s, true
}
