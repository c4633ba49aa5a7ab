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

// IntervalTextExpected says, in an error message, what ParseInterval reads.
const IntervalTextExpected = "a quantity and unit such as '5 minutes' or '1 hour 30 minutes', or 'HH:MM:SS'"

// ParseInterval reads the text of a string cast to INTERVAL
// ('1 hour'::INTERVAL, CAST('5 minutes' AS INTERVAL)) or added to a
// TIMESTAMP, as PostgreSQL reads interval input: "N unit" pairs ('1 hour
// 30 minutes', '500ms'), a bare number of seconds ('90'), and a clock
// 'H:MM' or 'H:MM:SS[.fff]' after any pairs ('1 day 02:00:00'). ok is
// false when the text is none of these or does not fit in 64-bit
// milliseconds.
func ParseInterval(text string) (ms int64, ok bool) {
	s := strings.TrimSpace(text)
	if isSignedNumber(s) {
		ms, fault := scaleInterval(s, 1000)
		return ms, fault == intervalOK
	}
	var clock int64
	if i := strings.LastIndexAny(s, " \t"); strings.Contains(s[i+1:], ":") {
		c, ok := parseClock(s[i+1:])
		if !ok {
			return 0, false
		}
		clock, s = c, strings.TrimSpace(s[:i+1])
		if s == "" {
			return clock, true
		}
	}
	ms, fault := parseIntervalText(s)
	if fault != intervalOK {
		return 0, false
	}
	sum := ms + clock
	if (clock > 0 && sum < ms) || (clock < 0 && sum > ms) {
		return 0, false
	}
	return sum, true
}

// parseClock reads [-]H:MM or [-]H:MM:SS[.fff] as milliseconds.
func parseClock(s string) (int64, bool) {
	neg := strings.HasPrefix(s, "-")
	parts := strings.Split(strings.TrimPrefix(s, "-"), ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	units := []int64{3_600_000, 60_000, 1000}
	var total int64
	for k, part := range parts {
		if part == "" || part[0] == '+' || part[0] == '-' || !isSignedNumber(part) ||
			(k < 2 && strings.Contains(part, ".")) || (k > 0 && len(strings.Split(part, ".")[0]) != 2) {
			return 0, false
		}
		v, fault := scaleInterval(part, units[k])
		if fault != intervalOK || (k > 0 && v >= 60*units[k]) || total+v < total {
			return 0, false
		}
		total += v
	}
	if neg {
		total = -total
	}
	return total, true
}

// intervalFieldsMsg refuses the fields of PostgreSQL's INTERVAL type in a
// cast ('1'::INTERVAL HOUR).
const intervalFieldsMsg = "INTERVAL fields in a cast are not supported; write the unit in the text: '1 hour'::INTERVAL or CAST('1 hour' AS INTERVAL)"

// isIntervalUnit reports whether t is one of the field keywords of
// PostgreSQL's INTERVAL type (INTERVAL HOUR, INTERVAL DAY TO SECOND).
func isIntervalUnit(t token) bool {
	for _, f := range []string{"YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND"} {
		if t.is(f) {
			return true
		}
	}
	return false
}

// intervalCast reads a cast to INTERVAL whose operand is toks[start:end]
// ('1 hour'::INTERVAL, CAST('1 hour' AS INTERVAL)): weir has no INTERVAL
// values, only interval constants, so the operand must be one string,
// read now. Text that is not an interval is an error at the string.
func (p *parser) intervalCast(toks []token, start, end int) (Interval, error) {
	if start < 0 || start >= end {
		return Interval{}, p.syntaxErr(toks[end], "a string such as '1 hour' to cast to INTERVAL")
	}
	v := toks[start]
	if end != start+1 || v.kind != tokString || (start > 0 && toks[start-1].is("INTERVAL")) {
		return Interval{}, p.errAt(v.start, CodeUnsupported,
			"only a string constant can be cast to INTERVAL, such as '1 hour'::INTERVAL or CAST('5 minutes' AS INTERVAL)")
	}
	ms, ok := ParseInterval(v.val)
	if !ok {
		return Interval{}, p.errAt(v.start, "22P02",
			"invalid input syntax for type INTERVAL: %s (expected %s)", p.describe(v), IntervalTextExpected)
	}
	return Interval{At: p.lines.pos(v.start), Ms: ms}, nil
}
