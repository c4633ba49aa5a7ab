package sql

import (
	"math/big"
	"strings"
)

// intervalUnits maps unit names (lower case, with plurals and common
// abbreviations) to milliseconds.
var intervalUnits = map[string]int64{
	"millisecond": 1, "milliseconds": 1, "ms": 1, "msec": 1, "msecs": 1,
	"second": 1000, "seconds": 1000, "s": 1000, "sec": 1000, "secs": 1000,
	"minute": 60_000, "minutes": 60_000, "m": 60_000, "min": 60_000, "mins": 60_000,
	"hour": 3_600_000, "hours": 3_600_000, "h": 3_600_000, "hr": 3_600_000, "hrs": 3_600_000,
	"day": 86_400_000, "days": 86_400_000, "d": 86_400_000,
}

const intervalExpected = "an interval such as INTERVAL '5' MINUTE"

// interval parses INTERVAL '5' MINUTE, INTERVAL '5 minutes' (also
// '1 hour 30 minutes') or INTERVAL 5 MINUTE at the current token.
func (p *parser) interval() (Interval, error) {
	kw := p.peek()
	if !kw.is("INTERVAL") {
		return Interval{}, p.syntaxErr(kw, intervalExpected)
	}
	p.i++
	at := p.lines.pos(kw.start)
	v := p.next()
	switch v.kind {
	case tokNumber:
		ms, err := p.intervalUnit(v, v.val)
		return Interval{At: at, Ms: ms}, err
	case tokString:
		text := strings.TrimSpace(v.val)
		if isSignedNumber(text) {
			ms, err := p.intervalUnit(v, text)
			return Interval{At: at, Ms: ms}, err
		}
		ms, fault := parseIntervalText(text)
		switch fault {
		case intervalBad:
			return Interval{}, p.syntaxErr(v, intervalExpected)
		case intervalRange:
			return Interval{}, p.rangeErr(v, "")
		}
		return Interval{At: at, Ms: ms}, nil
	}
	return Interval{}, p.syntaxErr(v, intervalExpected)
}

// intervalUnit reads the unit keyword after the quantity num (from token v).
func (p *parser) intervalUnit(v token, num string) (int64, error) {
	u := p.peek()
	unit, ok := int64(0), false
	if u.kind == tokIdent {
		unit, ok = intervalUnits[strings.ToLower(u.val)]
	}
	if !ok {
		return 0, p.syntaxErr(u, "an interval unit (MILLISECOND, SECOND, MINUTE, HOUR or DAY)")
	}
	p.i++
	ms, fault := scaleInterval(num, unit)
	switch fault {
	case intervalRange:
		return 0, p.rangeErr(v, " "+strings.ToUpper(u.val))
	case intervalBad:
		return 0, p.errAt(v.start, CodeSyntax, "expected a whole number of milliseconds in %s, found %s", intervalExpected, p.describe(v))
	}
	return ms, nil
}

// parseIntervalText parses Postgres-style text: one or more "N unit" pairs
// ("5 minutes", "1 hour 30 minutes", "500ms").
func parseIntervalText(s string) (int64, intervalFault) {
	var total int64
	fields := splitIntervalText(s)
	if len(fields) == 0 || len(fields)%2 != 0 {
		return 0, intervalBad
	}
	for i := 0; i < len(fields); i += 2 {
		unit, ok := intervalUnits[strings.ToLower(fields[i+1])]
		if !ok || !isSignedNumber(fields[i]) {
			return 0, intervalBad
		}
		ms, fault := scaleInterval(fields[i], unit)
		if fault != intervalOK {
			return 0, fault
		}
		sum := total + ms
		if (ms > 0 && sum < total) || (ms < 0 && sum > total) {
			return 0, intervalRange
		}
		total = sum
	}
	return total, intervalOK
}

// splitIntervalText splits "1 hour 30min" into ["1" "hour" "30" "min"].
func splitIntervalText(s string) []string {
	var out []string
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case isDigit(c) || c == '.' || c == '-' || c == '+':
			j := i + 1
			for j < len(s) && (isDigit(s[j]) || s[j] == '.') {
				j++
			}
			out = append(out, s[i:j])
			i = j
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' && !isDigit(s[j]) {
				j++
			}
			out = append(out, s[i:j])
			i = j
		}
	}
	return out
}

// isSignedNumber reports whether s is [+-]digits[.digits].
func isSignedNumber(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	if s == "" || s == "." {
		return false
	}
	dot := false
	for i := 0; i < len(s); i++ {
		switch {
		case isDigit(s[i]):
		case s[i] == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return true
}

// intervalFault is why an interval's text gives no value.
type intervalFault int

const (
	intervalOK    intervalFault = iota
	intervalBad                 // not a number of units, or not a whole number of milliseconds
	intervalRange               // more milliseconds than an int64 holds
)

// scaleInterval computes num × unit exactly; it fails unless the result is
// a whole number of milliseconds that fits in an int64.
func scaleInterval(num string, unit int64) (int64, intervalFault) {
	r, ok := new(big.Rat).SetString(strings.TrimPrefix(num, "+"))
	if !ok {
		return 0, intervalBad
	}
	r.Mul(r, new(big.Rat).SetInt64(unit))
	switch {
	case !r.IsInt():
		return 0, intervalBad
	case !r.Num().IsInt64():
		return 0, intervalRange
	}
	return r.Num().Int64(), intervalOK
}

// rangeErr reports an interval too large for weir's 64-bit milliseconds,
// at its text v (unit: the unit keyword after it, if any), with
// PostgreSQL's SQLSTATE.
func (p *parser) rangeErr(v token, unit string) *Error {
	return p.errAt(v.start, "22015", "interval out of range: %s%s does not fit in 64-bit milliseconds (about ±292 million years)", p.describe(v), unit)
}
