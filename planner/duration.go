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
