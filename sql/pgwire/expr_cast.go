package pgwire

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// This file converts values: casts, the input functions of the types
// pgwire evaluates, and their text output.

// intResult checks that r fits t.
func intResult(t sqlType, r int64, overflow bool) (value, error) {
	switch {
	case t == tInt2 && (overflow || r < math.MinInt16 || r > math.MaxInt16):
		return value{}, errorf(codeNumericOutOfRange, "smallint out of range")
	case t == tInt4 && (overflow || r < math.MinInt32 || r > math.MaxInt32):
		return value{}, errorf(codeNumericOutOfRange, "integer out of range")
	case overflow:
		return value{}, errorf(codeNumericOutOfRange, "bigint out of range")
	}
	return value{t: t, i: r}, nil
}

func coerceUnknown(v value, t sqlType) (value, error) {
	if v.null {
		return value{t: t, null: true}, nil
	}
	tn, ok := typeOf[t]
	if !ok {
		return value{}, errCannot
	}
	return castTo(v, tn, -1)
}

// typeOf is the cast target of each type pgwire evaluates.
var typeOf = map[sqlType]typeName{
	tInt2: typeNames["int2"], tInt4: typeNames["int4"], tInt8: typeNames["int8"],
	tFloat8: typeNames["float8"], tNumeric: typeNames["numeric"], tText: typeNames["text"],
	tBool: typeNames["bool"], tOID: typeNames["oid"],
}

// textOut is a value's text output form (PostgreSQL's output function).
func textOut(v value) (string, bool) {
	switch v.t {
	case tText, tUnknown, tNumeric:
		return v.s, true
	case tInt2, tInt4, tInt8, tOID:
		return strconv.FormatInt(v.i, 10), true
	case tFloat8:
		return string(appendFloatText(nil, v.f)), true
	case tBool:
		if v.b {
			return "t", true
		}
		return "f", true
	case tTimestamptz:
		return string(appendTimestampText(nil, v.i)), true
	case tTextArray:
		return arrayText(v.arr), true
	case tRegclass:
		return v.s, true
	}
	return "", false
}

// arrayText is a text[]'s output form: {a,b,"c d"}.
func arrayText(arr []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, s := range arr {
		if i > 0 {
			b.WriteByte(',')
		}
		if s == "" || strings.EqualFold(s, "null") || strings.ContainsAny(s, "{},\"\\ \t\n\r\v\f") {
			b.WriteByte('"')
			for j := 0; j < len(s); j++ {
				if s[j] == '"' || s[j] == '\\' {
					b.WriteByte('\\')
				}
				b.WriteByte(s[j])
			}
			b.WriteByte('"')
			continue
		}
		b.WriteString(s)
	}
	b.WriteByte('}')
	return b.String()
}

// typeLabel is the name PostgreSQL uses for a type in input errors.
func typeLabel(t sqlType) string {
	switch t {
	case tInt2:
		return "smallint"
	case tInt4:
		return "integer"
	case tInt8:
		return "bigint"
	case tFloat8:
		return "double precision"
	case tNumeric:
		return "numeric"
	case tBool:
		return "boolean"
	case tOID:
		return "oid"
	}
	return "text"
}

// castTo converts v to type tn as PostgreSQL's cast would; off is the
// offset of the literal for input syntax errors (-1: none).
func castTo(v value, tn typeName, off int) (value, error) {
	if v.t == tRegclass {
		return regclassOut(v, tn)
	}
	if tn.typmod || tn.array || tn.t == tOther || tn.t == tFloat4 || tn.t == tUnknown || v.t == tOther || v.t == tFloat4 {
		return value{}, errCannot
	}
	t := tn.t
	if v.null {
		if v.t == tTextArray && t != tTextArray {
			return value{}, errCannot
		}
		return value{t: t, null: true}, nil
	}
	if v.t == tUnknown || v.t == tText {
		return parseInput(v.s, t, off)
	}
	switch t {
	case tText:
		switch v.t {
		case tBool:
			return value{t: tText, s: strconv.FormatBool(v.b)}, nil
		case tTextArray, tTimestamptz:
			return value{}, errCannot
		}
		s, ok := textOut(v)
		if !ok {
			return value{}, errCannot
		}
		return value{t: tText, s: s}, nil
	case tInt2, tInt4, tInt8:
		switch {
		case isInt(v.t), v.t == tOID && t != tInt2:
			return intResult(t, v.i, false)
		case v.t == tFloat8:
			f := math.RoundToEven(v.f)
			if math.IsNaN(f) || f < -9.223372036854775808e18 || f >= 9.223372036854775808e18 {
				return intResult(t, 0, true)
			}
			return intResult(t, int64(f), false)
		case v.t == tNumeric:
			i, overflow := roundNumeric(v.s)
			return intResult(t, i, overflow)
		case v.t == tBool && t == tInt4:
			return value{t: tInt4, i: boolInt(v.b)}, nil
		}
	case tFloat8:
		switch {
		case isInt(v.t):
			return value{t: tFloat8, f: float64(v.i)}, nil
		case v.t == tFloat8:
			return v, nil
		case v.t == tNumeric:
			f, err := strconv.ParseFloat(v.s, 64)
			if err != nil {
				return value{}, errCannot
			}
			return value{t: tFloat8, f: f}, nil
		}
	case tNumeric:
		switch {
		case isInt(v.t):
			return value{t: tNumeric, s: strconv.FormatInt(v.i, 10)}, nil
		case v.t == tNumeric:
			return v, nil
		}
	case tBool:
		switch v.t {
		case tBool:
			return v, nil
		case tInt4:
			return value{t: tBool, b: v.i != 0}, nil
		}
	case tOID:
		if isInt(v.t) && t != tInt2 && v.t != tInt2 || v.t == tOID {
			if v.i < math.MinInt32 || v.i > math.MaxUint32 {
				return value{}, errorf(codeNumericOutOfRange, "OID out of range")
			}
			if v.i < 0 {
				v.i += 1 << 32
			}
			return value{t: tOID, i: v.i}, nil
		}
	case tTextArray:
	}
	return value{}, errCannot
}

// parseInput reads text as type t (the type's input function).
func parseInput(s string, t sqlType, off int) (value, error) {
	syntax := func() (value, error) {
		return value{}, posErrorf(off, codeInvalidTextRepresentation, "invalid input syntax for type %s: %q", typeLabel(t), s)
	}
	trimmed := strings.TrimSpace(s)
	switch t {
	case tText:
		return value{t: tText, s: s}, nil
	case tInt2, tInt4, tInt8, tOID:
		d := strings.TrimPrefix(strings.TrimPrefix(trimmed, "-"), "+")
		if !allDigits(d) {
			return syntax()
		}
		i, err := strconv.ParseInt(trimmed, 10, 64)
		lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
		switch t {
		case tInt2:
			lo, hi = math.MinInt16, math.MaxInt16
		case tInt4:
			lo, hi = math.MinInt32, math.MaxInt32
		case tOID:
			lo, hi = math.MinInt32, math.MaxUint32
		}
		if err != nil || i < lo || i > hi {
			return value{}, posErrorf(off, codeNumericOutOfRange, "value %q is out of range for type %s", s, typeLabel(t))
		}
		if t == tOID && i < 0 {
			i += 1 << 32
		}
		return value{t: t, i: i}, nil
	case tFloat8:
		if trimmed == "" || strings.ContainsAny(trimmed, "_xXpP") {
			return syntax()
		}
		f, err := strconv.ParseFloat(trimmed, 64)
		if err != nil {
			var ne *strconv.NumError
			if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
				return value{}, posErrorf(off, codeNumericOutOfRange, "%q is out of range for type double precision", trimmed)
			}
			return syntax()
		}
		return value{t: tFloat8, f: f}, nil
	case tNumeric:
		n, ok := parseNumeric(trimmed)
		if !ok {
			if strings.EqualFold(trimmed, "nan") {
				return value{}, errCannot
			}
			return syntax()
		}
		return value{t: tNumeric, s: n}, nil
	case tBool:
		b, err := parseBool(s, off)
		if err != nil {
			return value{}, err
		}
		return value{t: tBool, b: b}, nil
	}
	return value{}, errCannot
}

// parseBool reads a boolean as PostgreSQL's boolin: a unique prefix of
// true, false, yes, no, or on, off, 1, 0, any case, white space around.
func parseBool(s string, off int) (bool, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	switch {
	case l == "":
	case strings.HasPrefix("true", l), strings.HasPrefix("yes", l), l == "on", l == "1":
		return true, nil
	case strings.HasPrefix("false", l), strings.HasPrefix("no", l), len(l) >= 2 && strings.HasPrefix("off", l), l == "0":
		return false, nil
	}
	return false, posErrorf(off, codeInvalidTextRepresentation, "invalid input syntax for type boolean: %q", s)
}

// parseNumeric reads a numeric literal ([+-]digits[.digits][e[+-]digits])
// and returns PostgreSQL's output form of it: plain digits, with as many
// decimals as the literal had after its point less its exponent.
func parseNumeric(s string) (string, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	mant, exp := s, 0
	if k := strings.IndexAny(s, "eE"); k >= 0 {
		mant = s[:k]
		e, err := strconv.Atoi(strings.TrimPrefix(s[k+1:], "+"))
		if err != nil || e > 1000 || e < -1000 {
			return "", false
		}
		exp = e
	}
	intPart, frac := mant, ""
	if k := strings.IndexByte(mant, '.'); k >= 0 {
		intPart, frac = mant[:k], mant[k+1:]
	}
	if intPart == "" && frac == "" || intPart != "" && !allDigits(intPart) || frac != "" && !allDigits(frac) {
		return "", false
	}
	digits := intPart + frac
	shift := exp - len(frac)
	var whole, dec string
	if shift >= 0 {
		whole = digits + strings.Repeat("0", shift)
	} else {
		scale := -shift
		if len(digits) <= scale {
			digits = strings.Repeat("0", scale-len(digits)+1) + digits
		}
		whole, dec = digits[:len(digits)-scale], digits[len(digits)-scale:]
	}
	whole = strings.TrimLeft(whole, "0")
	if whole == "" {
		whole = "0"
	}
	out := whole
	if dec != "" {
		out += "." + dec
	}
	if neg && strings.Trim(out, "0.") != "" {
		out = "-" + out
	}
	return out, true
}

// roundNumeric rounds a numeric's text to an integer, half away from zero.
func roundNumeric(s string) (int64, bool) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	i, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, true
	}
	if frac != "" && frac[0] >= '5' {
		if i == math.MaxInt64 {
			return 0, true
		}
		i++
	}
	if neg {
		i = -i
	}
	return i, false
}
