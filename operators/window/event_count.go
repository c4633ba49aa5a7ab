package window

import (
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators/agg"
)

// eventCounter counts the events added to each group, for the
// weir_window_event_count histogram. It rides along as the last
// accumulator of o.accs, so group growth, reuse, pane merges and session
// merges keep it up to date without hooks of their own; it has no output
// column and encodes nothing, so snapshots and spilled groups keep their
// format. Consequently a group read back from the warm tier or restored
// from a checkpoint counts only the events added since: the histogram is
// exact while state stays in memory and a lower bound otherwise.
type eventCounter struct {
	n []uint32
}

var _ agg.Accumulator = (*eventCounter)(nil)

func (c *eventCounter) Grow(n int) {
	if n > len(c.n) {
		c.n = append(c.n, make([]uint32, n-len(c.n))...)
	}
}

func (c *eventCounter) Reset(g uint32)    { c.n[g] = 0 }
func (c *eventCounter) Merge(d, s uint32) { c.n[d] += c.n[s] }

func (c *eventCounter) Add(_ *coldata.Vec, _ []int64, _ []int, groups []uint32) {
	n := c.n
	for _, g := range groups {
		n[g]++
	}
}

// Result appends nothing: the counter has no output column.
func (c *eventCounter) Result(uint32, *coldata.Vec) {}

// Encode appends nothing (see the type's comment).
func (c *eventCounter) Encode(buf []byte, _ uint32) []byte { return buf }

// Decode starts the group from zero and consumes nothing.
func (c *eventCounter) Decode(g uint32, data []byte) ([]byte, error) {
	c.n[g] = 0
	return data, nil
}

func (c *eventCounter) GroupBytes(uint32) int { return 4 }

// observeFinal records the event count of group g as its window fires.
func (o *op) observeFinal(g uint32) {
	o.cnt.WindowEventCount.Observe(int64(o.events.n[g]))
}
