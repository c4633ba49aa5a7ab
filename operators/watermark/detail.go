package watermark

import (
	"strconv"
	"time"
)

// timeLayout is how dead-letter details print an instant: RFC 3339 in UTC
// with milliseconds, as weir prints TIMESTAMP values everywhere
// (render.TimestampLayout; event times have millisecond precision).
const timeLayout = "2006-01-02T15:04:05.000Z"

// formatSkew prints a max_future_skew in the largest unit that states it
// exactly, the way it is written in an option: 1h, 90m, 30s, 1500ms (Go's
// time.Duration.String would print 1h0m0s). A skew with a fraction of a
// millisecond, which the check ignores anyway, prints as Go prints it.
func formatSkew(d time.Duration) string {
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}, {time.Millisecond, "ms"}} {
		if d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + u.name
		}
	}
	return d.String()
}
