package watermark

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
)

// TestFutureTimestampDetail: a future_timestamp dead letter states the
// skew as an option writes it (1h, 90m, 90s — not Go's 1h0m0s) and both
// instants as RFC 3339 UTC with milliseconds, the processing time's
// nanoseconds cut to milliseconds as every printed timestamp is.
func TestFutureTimestampDetail(t *testing.T) {
	now := time.Date(2026, 11, 27, 21, 31, 43, 422628361, time.UTC)
	event := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	for _, tc := range []struct {
		skew time.Duration
		want string
	}{
		{time.Hour, "1h"},
		{90 * time.Minute, "90m"},
		{90 * time.Second, "90s"},
		{1500 * time.Millisecond, "1500ms"},
		{48 * time.Hour, "48h"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			clock := &manualClock{now: now}
			dead := &collector{}
			a := NewAssigner(Config{TimeCol: 1, MaxFutureSkew: tc.skew, Clock: clock},
				&operators.Context{Clock: clock, DeadLetters: dead, Counters: &operators.Counters{}})
			b := coldata.NewBatch(schema, 1)
			b.Cols[0].I64 = append(b.Cols[0].I64, 1)
			b.Cols[1].I64 = append(b.Cols[1].I64, event)
			b.Offset = []int64{1}
			b.Len = 1
			a.Process(b)
			require.Len(t, dead.lines, 1)
			require.Contains(t, dead.lines[0], `detail="event time 2030-01-01T00:00:00.000Z is more than `+tc.want+
				` ahead of processing time 2026-11-27T21:31:43.422Z"`)
		})
	}
}
