package watermark

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
)

// A batch without raw payloads (datagen) still gives its dead letters a
// payload (SEMANTICS.md §7): RenderRow's rendering of that row, not of
// another row of the batch.
func TestDeadLetterPayloadRendered(t *testing.T) {
	clock := &manualClock{now: time.UnixMilli(10_000)}
	dead := &collector{}
	render := func(b *coldata.Batch, i int, dst []byte) []byte {
		return fmt.Appendf(dst, "v=%d", b.Cols[0].I64[i])
	}
	a := NewAssigner(Config{TimeCol: 1, MaxFutureSkew: time.Second, Clock: clock, RenderRow: render},
		&operators.Context{Clock: clock, DeadLetters: dead, Counters: &operators.Counters{}})
	b := coldata.NewBatch(schema, 3)
	b.Source = "gen"
	b.Cols[0].I64 = append(b.Cols[0].I64, 7, 8, 9)
	b.Cols[1].I64 = append(b.Cols[1].I64, 9_000, 60_000, 9_500) // 60 s is 50 s ahead of now
	b.Offset = []int64{1, 2, 3}
	b.Len = 3
	a.Process(b)
	require.Equal(t, []string{`dead letter: p=0 offset=2 reason=future_timestamp time=10000 ` +
		`detail="event time 1970-01-01T00:01:00.000Z is more than 1s ahead of processing time 1970-01-01T00:00:10.000Z" payload="v=8"`},
		dead.lines)
	require.Equal(t, []int{0, 2}, b.Sel)
	require.Equal(t, int64(9_500), a.Watermark())
}
