package runtime

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/weirdb/weir/operators/watermark"
)

// HeldBackReporter finds sources whose watermark one partition has held
// back for long, for the line `weir run` prints on stderr (issue 4: "a line
// on stderr when a source's watermark is held back by one partition for
// long"). A partition holds its source back when it is active, its
// watermark is the source's minimum, and some other active partition's
// watermark is ahead of it by more than the source's WATERMARK delay. Each
// such episode is reported once, when it has lasted After of processing
// time; it starts over once the partition stops holding the source back.
//
// Report is meant to be called periodically (e.g. from the progress loop,
// every second) from one goroutine.
type HeldBackReporter struct {
	After time.Duration

	since    map[heldBackKey]time.Time // when each current episode was first seen
	reported map[heldBackKey]bool
}

type heldBackKey struct {
	query, source string
	partition     int32
}

// DefaultHeldBackAfter is how long a partition may hold its source back
// before `weir run` says so.
const DefaultHeldBackAfter = time.Minute

// NewHeldBackReporter returns a reporter that reports episodes longer than
// after.
func NewHeldBackReporter(after time.Duration) *HeldBackReporter {
	return &HeldBackReporter{After: after, since: map[heldBackKey]time.Time{}, reported: map[heldBackKey]bool{}}
}

// Report looks at the partition watermarks of qs at processing time now and
// writes one line to w for each partition that has held its source back for
// at least After and was not reported yet in this episode. It returns the
// number of lines written.
func (r *HeldBackReporter) Report(w io.Writer, now time.Time, qs []*Query) int {
	seen := map[heldBackKey]bool{}
	lines := 0
	for _, q := range qs {
		if q.State() != "running" {
			continue
		}
		wms := q.Watermarks()
		for _, src := range slices.Sorted(maps.Keys(wms)) {
			parts := wms[src]
			delay := q.sourceDelayMs(src)
			for _, h := range heldBack(parts, delay) {
				k := heldBackKey{q.ID, src, h.holder.Partition}
				seen[k] = true
				start, ok := r.since[k]
				if !ok {
					r.since[k] = now
					start = now
				}
				if r.reported[k] || now.Sub(start) < r.After {
					continue
				}
				r.reported[k] = true
				lines++
				fmt.Fprintf(w, "weir: query %s: source %s: partition %d has held the watermark at %s for %s while %s ahead (up to %s); "+
					"it is lagging or quiet (idle_timeout leaves quiet partitions out)\n",
					q.ID, src, h.holder.Partition, fmtTime(h.holder.Watermark), now.Sub(start).Round(time.Second),
					partitionList(h.ahead), fmtTime(h.maxAhead))
			}
		}
	}
	for k := range r.since {
		if !seen[k] {
			delete(r.since, k)
			delete(r.reported, k)
		}
	}
	return lines
}

// heldBackBy is one partition holding its source back.
type heldBackBy struct {
	holder   watermark.PartitionStatus
	ahead    []int32 // active partitions ahead of it by more than the delay
	maxAhead int64   // the highest watermark among them
}

// heldBack lists the partitions that hold their source back: active, at the
// minimum watermark, with another active partition ahead by more than
// delayMs.
func heldBack(parts []watermark.PartitionStatus, delayMs int64) []heldBackBy {
	var out []heldBackBy
	for _, p := range parts {
		if !p.Holding {
			continue
		}
		h := heldBackBy{holder: p, maxAhead: math.MinInt64}
		for _, o := range parts {
			if o.Partition == p.Partition || o.Idle || o.Ended || o.Watermark == math.MinInt64 {
				continue
			}
			if p.Watermark == math.MinInt64 || o.Watermark-p.Watermark > delayMs {
				h.ahead = append(h.ahead, o.Partition)
				h.maxAhead = max(h.maxAhead, o.Watermark)
			}
		}
		if len(h.ahead) > 0 {
			out = append(out, h)
		}
	}
	return out
}

// sourceDelayMs returns the WATERMARK delay of the query's source name.
func (q *Query) sourceDelayMs(name string) int64 {
	if q.Plan == nil {
		return 0
	}
	for _, n := range q.Plan.Sources {
		if n.Source != nil && strings.EqualFold(n.Source.Name, name) && n.Source.Watermark != nil {
			return n.Source.Watermark.DelayMs
		}
	}
	return 0
}

func partitionList(ps []int32) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = fmt.Sprint(p)
	}
	if len(ps) == 1 {
		return "partition " + s[0] + " is"
	}
	return "partitions " + strings.Join(s, ", ") + " are"
}
