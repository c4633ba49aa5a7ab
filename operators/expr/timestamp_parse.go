package expr

import "time"

// timestampLayouts[sep][zone][clock] is the layout of a date-time with
// separator sep (0: space, 1: T), zone form zone (0: none, 1: ±hh or Z,
// 2: ±hhmm, 3: ±hh:mm) and time of day clock (0: HH:MM:SS[.fff…],
// 1: HH:MM).
var timestampLayouts = func() (l [2][4][2]string) {
	for s, sep := range []string{" ", "T"} {
		for z, zone := range []string{"", "Z07", "Z0700", "Z07:00"} {
			for c, clock := range []string{"15:04:05.999999999", "15:04"} {
				l[s][z][c] = "2006-01-02" + sep + clock + zone
			}
		}
	}
	return l
}()

// ParseTimestamp parses a timestamp's text into epoch milliseconds (the
// fraction below a millisecond is truncated). It accepts 'YYYY-MM-DD' and
// 'YYYY-MM-DD<sep>HH:MM[:SS[.fff…]][zone]' where sep is a space or T (so
// RFC 3339 and PostgreSQL's timestamptz output, e.g. '2026-01-01
// 10:01:00+00' as psql prints it) and zone is Z, ±hh, ±hhmm, ±hh:mm or
// absent (UTC). The layout is chosen from the text's shape, so at most two
// parses are tried.
func ParseTimestamp(s string) (int64, bool) {
	if len(s) == len("2006-01-02") {
		t, err := time.Parse("2006-01-02", s)
		return t.UnixMilli(), err == nil
	}
	if len(s) < len("2006-01-02 15:04") {
		return 0, false
	}
	sep := 0
	switch s[10] {
	case ' ':
	case 'T':
		sep = 1
	default:
		return 0, false
	}
	zone, ok := zoneForm(s)
	if !ok {
		return 0, false
	}
	for _, layout := range timestampLayouts[sep][zone] {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMilli(), true
		}
	}
	return 0, false
}

// zoneForm returns the zone form of a date-time's text (the index into
// timestampLayouts): its time of day holds no sign, so the last + or -
// after the date starts the offset.
func zoneForm(s string) (int, bool) {
	if s[len(s)-1] == 'Z' {
		return 1, true
	}
	for i := len(s) - 1; i > 10; i-- {
		if s[i] != '+' && s[i] != '-' {
			continue
		}
		switch len(s) - i {
		case len("+07"):
			return 1, true
		case len("+0700"):
			return 2, true
		case len("+07:00"):
			return 3, true
		}
		return 0, false
	}
	return 0, true
}
