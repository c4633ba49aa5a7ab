package catalog

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// durationUnits maps unit words (lower case) to their length.
var durationUnits = map[string]time.Duration{
	"ms": time.Millisecond, "millisecond": time.Millisecond, "milliseconds": time.Millisecond,
	"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
	"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
}

// ParseDuration parses a duration option value (idle_timeout,
// max_future_skew, event_interval, ...): a Go duration ('5m', '300s',
// '1h30m', '500ms'), a bare number of seconds ('30', '0'), or numbers with
// unit words ('2 minutes', '1 hour 30 minutes', '1.5 hours', '5min').
// Negative values and an empty string are errors. Every option of every
// connector is read with this one function.
func ParseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("empty duration")
	}
	if f, err := strconv.ParseFloat(t, 64); err == nil {
		if f < 0 {
			return 0, fmt.Errorf("duration %q is negative", s)
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	if d, err := time.ParseDuration(t); err == nil {
		if d < 0 {
			return 0, fmt.Errorf("duration %q is negative", s)
		}
		return d, nil
	}
	fields := strings.Fields(t)
	var total time.Duration
	for len(fields) > 0 {
		num := fields[0]
		var unit string
		// "5minutes" and "5 minutes" are both accepted.
		if k := strings.IndexFunc(num, func(r rune) bool { return (r < '0' || r > '9') && r != '.' }); k > 0 {
			num, unit = num[:k], num[k:]
			fields = fields[1:]
		} else if len(fields) >= 2 {
			unit = fields[1]
			fields = fields[2:]
		} else {
			return 0, fmt.Errorf("duration %q needs a unit (ms, s, m, h, d, or words such as minutes)", s)
		}
		u, ok := durationUnits[strings.ToLower(unit)]
		if !ok {
			return 0, fmt.Errorf("unknown unit %q in duration %q", unit, s)
		}
		f, err := strconv.ParseFloat(num, 64)
		if err != nil || f < 0 {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		total += time.Duration(f * float64(u))
	}
	return total, nil
}
