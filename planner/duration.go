package planner

import (
	"fmt"
	"strings"
)

// formatMs renders milliseconds compactly for EXPLAIN: 5m, 30s, 1h30m,
// 1d, 250ms.
func formatMs(ms int64) string {
	if ms == 0 {
		return "0s"
	}
	var sb strings.Builder
	u := uint64(ms) // -math.MinInt64 does not fit in int64
	if ms < 0 {
		sb.WriteByte('-')
		u = -u
	}
	for _, unit := range []struct {
		ms   uint64
		name string
	}{{86_400_000, "d"}, {3_600_000, "h"}, {60_000, "m"}, {1000, "s"}, {1, "ms"}} {
		if u >= unit.ms {
			fmt.Fprintf(&sb, "%d%s", u/unit.ms, unit.name)
			u %= unit.ms
		}
	}
	return sb.String()
}
