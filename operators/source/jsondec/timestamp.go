package jsondec

import "errors"

var (
	errBadTimestamp = errors.New("not an RFC 3339 timestamp")
	// ErrTimestampRange is ParseRFC3339Millis's error for a well-formed
	// timestamp whose instant, in UTC, is outside the years 0001 to 9999.
	ErrTimestampRange = errors.New("outside the TIMESTAMP range (years 0001 to 9999)")
)

// ParseRFC3339Millis parses an RFC 3339 timestamp such as
// "2026-11-09T14:35:00.123+02:00" and returns epoch milliseconds in UTC.
// Fractional seconds beyond milliseconds are truncated toward the past
// (floor). 'T' may also be 't' or a space, 'Z' may be 'z'. It does not
// allocate, unlike time.Parse with a numeric offset. The instant must lie
// within MinTimestampMs to MaxTimestampMs, as an epoch-milliseconds number
// must: year 0000, or an offset that moves 9999-12-31 past midnight UTC
// ("9999-12-31T23:30:00-01:00" is 10000-01-01T00:30Z), gives
// ErrTimestampRange.
func ParseRFC3339Millis(s []byte) (int64, error) {
	// YYYY-MM-DDTHH:MM:SS = 19 bytes, then [.frac] then Z or ±HH:MM.
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' {
		return 0, errBadTimestamp
	}
	if c := s[10]; c != 'T' && c != 't' && c != ' ' {
		return 0, errBadTimestamp
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	hour, ok4 := digits(s[11:13])
	minute, ok5 := digits(s[14:16])
	sec, ok6 := digits(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return 0, errBadTimestamp
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) ||
		hour > 23 || minute > 59 || sec > 59 {
		return 0, errBadTimestamp
	}
	rest := s[19:]
	var ms int64
	if rest[0] == '.' {
		i := 1
		scale := int64(100)
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			ms += int64(rest[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == 1 {
			return 0, errBadTimestamp
		}
		rest = rest[i:]
	}
	var offsetMin int64
	switch {
	case len(rest) == 1 && (rest[0] == 'Z' || rest[0] == 'z'):
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := digits(rest[1:3])
		om, ok2 := digits(rest[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return 0, errBadTimestamp
		}
		offsetMin = oh*60 + om
		if rest[0] == '-' {
			offsetMin = -offsetMin
		}
	default:
		return 0, errBadTimestamp
	}
	days := daysFromCivil(year, month, day)
	secs := days*86400 + hour*3600 + minute*60 + sec - offsetMin*60
	t := secs*1000 + ms
	if t < MinTimestampMs || t > MaxTimestampMs {
		return 0, ErrTimestampRange
	}
	return t, nil
}

func digits(b []byte) (int64, bool) {
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func daysIn(year, month int64) int64 {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the number of days since 1970-01-01 of a proleptic
// Gregorian date (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 { // only year 0000 in January or February gets here
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}
