package planner

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

// ParseDuration parses an option value such as '5m', '300s', '1h30m',
// '500ms', '2 minutes', '1 hour 30 minutes' or '1.5 hours'. A bare number
// without a unit, a negative value and an empty string are errors.
func ParseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("planner: empty duration")
	}
	if d, err := time.ParseDuration(t); err == nil {
		if d < 0 {
			return 0, fmt.Errorf("planner: duration %q is negative", s)
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
			return 0, fmt.Errorf("planner: duration %q needs a unit (ms, s, m, h, d, or words such as minutes)", s)
		}
		u, ok := durationUnits[strings.ToLower(unit)]
		if !ok {
			return 0, fmt.Errorf("planner: unknown unit %q in duration %q", unit, s)
		}
		f, err := strconv.ParseFloat(num, 64)
		if err != nil || f < 0 {
			return 0, fmt.Errorf("planner: invalid duration %q", s)
		}
		total += time.Duration(f * float64(u))
	}
	return total, nil
}

// formatMs renders milliseconds compactly for EXPLAIN: 5m, 30s, 1h30m,
// 1d, 250ms.
func formatMs(ms int64) string {
	if ms == 0 {
		return "0s"
	}
	neg := ms < 0
	if neg {
		ms = -ms
	}
	var sb strings.Builder
	if neg {
		sb.WriteByte('-')
	}
	for _, u := range []struct {
		ms   int64
		name string
	}{{86_400_000, "d"}, {3_600_000, "h"}, {60_000, "m"}, {1000, "s"}, {1, "ms"}} {
		if ms >= u.ms {
			fmt.Fprintf(&sb, "%d%s", ms/u.ms, u.name)
			ms %= u.ms
		}
	}
	return sb.String()
}
