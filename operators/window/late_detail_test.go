package window

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// A too_late dead letter's detail prints instants as every other weir
// timestamp is printed: RFC 3339, UTC, exactly three decimals (audit
// finding: a watermark of 100 ms printed as 1970-01-01T00:00:00.1Z).
// 1794218700000 ms is 2026-11-09T10:05:00Z (20766 days · 86400 s + 36300 s).
func TestLateDetailTimestamps(t *testing.T) {
	require.Equal(t, "1970-01-01T00:00:00.100Z", rfc3339(100))
	require.Equal(t, "1970-01-01T00:00:00.000Z", rfc3339(0))
	require.Equal(t, "1969-12-31T23:59:59.999Z", rfc3339(-1))
	require.Equal(t, "2026-11-09T10:05:00.000Z", rfc3339(1794218700000))
	require.Equal(t, "2026-11-09T10:05:00.120Z", rfc3339(1794218700120))
	require.Equal(t, "-inf", rfc3339(math.MinInt64))
	require.Equal(t, "+inf", rfc3339(math.MaxInt64))
}
