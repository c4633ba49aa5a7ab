package runtime

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators"
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

// SourceWatermarks is what the watermark report (SHOW WATERMARKS) says
// about one source of a query: its watermark and each of its partitions.
type SourceWatermarks struct {
	Source string
	// Watermark is the source watermark (epoch ms; math.MinInt64 is −∞,
	// math.MaxInt64 +∞ at end of input). With idle_advance and every
	// partition idle it is the one that follows processing time, while the
	// partitions' own watermarks stay where their last events left them.
	Watermark int64
	// IdleAdvance is the source's idle_advance option.
	IdleAdvance bool
	Partitions  []PartitionWatermark
}

// PartitionWatermark is one partition's line of the watermark report.
type PartitionWatermark struct {
	watermark.PartitionStatus
	// Note says in words what the partition does to the source watermark:
	// "no events yet", "holds the source watermark back", "idle", ...
	Note string
}

// WatermarkColumns are the columns of SHOW WATERMARKS, one row per query,
// source and partition (WatermarkRows).
var WatermarkColumns = []string{"query", "source", "partition", "watermark", "max_event_time",
	"idle", "ended", "holds_back", "source_watermark", "note"}

// WatermarkRows renders the watermark report of qs as the rows of SHOW
// WATERMARKS (WatermarkColumns), timestamps in RFC 3339 UTC and ±inf
// spelled out. now is processing time (the engine's clock).
func WatermarkRows(qs []*Query, now time.Time) [][]string {
	var rows [][]string
	for _, q := range qs {
		for _, s := range q.WatermarkReport(now) {
			for _, p := range s.Partitions {
				rows = append(rows, []string{q.ID, s.Source, fmt.Sprint(p.Partition), fmtTime(p.Watermark),
					fmtTime(p.MaxEventTime), fmt.Sprint(p.Idle), fmt.Sprint(p.Ended), fmt.Sprint(p.Holding),
					fmtTime(s.Watermark), p.Note})
			}
		}
	}
	return rows
}

// WatermarkReport lists the query's sources that have event time, ordered
// by name, with their watermark and partitions, at processing time now.
//
// A source's partitions are listed as soon as the query has started: until
// its goroutine publishes the first status, a partitioned source (Kafka)
// lists the partitions it found at Open, each with no event yet (W_p =
// −∞), which is where they start. A file or datagen source is listed from
// its first batch.
//
// The source watermark of a query with one source is the one its operators
// have received. With several sources (UNION ALL) the operators only see
// their minimum, so each source's is derived from its partitions: the
// minimum W_p over active ones, or with idle_advance and every partition
// idle, now − delay; never below the query's watermark.
func (q *Query) WatermarkReport(now time.Time) []SourceWatermarks {
	var out []SourceWatermarks
	for _, in := range q.inputs {
		parts := in.publishedStatus()
		if parts == nil {
			parts = in.initialStatus(q.Started)
		}
		if parts == nil {
			continue
		}
		delay := q.sourceDelayMs(in.def.Name)
		advance := idleAdvance(in.def)
		var wm int64
		if len(q.inputs) == 1 {
			wm = q.Watermark()
		} else {
			wm = sourceWatermark(parts, advance, delay, now, q.Watermark())
		}
		s := SourceWatermarks{Source: in.def.Name, Watermark: wm, IdleAdvance: advance,
			Partitions: make([]PartitionWatermark, len(parts))}
		allIdle := allIdle(parts)
		stopped := q.stopped()
		for i, p := range parts {
			note := partitionNote(p, allIdle, advance)
			if stopped && !p.Ended {
				// A cancelled or failed query holds nothing back any more:
				// its watermarks are where it stopped.
				p.Holding = false
				note = "the query has stopped; watermarks as it left them"
			}
			s.Partitions[i] = PartitionWatermark{PartitionStatus: p, Note: note}
		}
		out = append(out, s)
	}
	slices.SortStableFunc(out, func(a, b SourceWatermarks) int { return strings.Compare(a.Source, b.Source) })
	return out
}

// publishedStatus is the partition status the input's goroutine last
// published (nil before the first).
func (in *input) publishedStatus() []watermark.PartitionStatus {
	in.statusMu.Lock()
	defer in.statusMu.Unlock()
	return slices.Clone(in.status) // the source goroutine rewrites it in place
}

// initialStatus is the status of a partitioned source's partitions before
// its goroutine has published any: every partition known at Open, with no
// event yet, holding the source watermark at −∞. Nil for a source without
// event time or without partitions known in advance.
func (in *input) initialStatus(started time.Time) []watermark.PartitionStatus {
	ps, ok := in.src.(operators.PartitionedSource)
	if in.asg == nil || !ok {
		return nil
	}
	ids := ps.Partitions() // fixed at Open, before the goroutines start
	if len(ids) == 0 {
		return nil
	}
	out := make([]watermark.PartitionStatus, len(ids))
	for i, id := range ids {
		out[i] = watermark.PartitionStatus{Partition: id, Watermark: math.MinInt64, MaxEventTime: math.MinInt64,
			LastEvent: started, Holding: true}
	}
	return out
}

// idleAdvance reads a source's idle_advance option (false when absent or
// unreadable: the planner has checked it).
func idleAdvance(def *catalog.Source) bool {
	v, ok := def.Options.Get("idle_advance")
	if !ok {
		return false
	}
	b, err := watermark.ParseIdleAdvance(v)
	return err == nil && b
}

// allIdle reports whether every partition that has not ended is idle (and
// there is one).
func allIdle(parts []watermark.PartitionStatus) bool {
	idle := false
	for _, p := range parts {
		switch {
		case p.Ended:
		case p.Idle:
			idle = true
		default:
			return false
		}
	}
	return idle
}

// sourceWatermark derives a source's watermark from its partitions
// (SEMANTICS.md §1), never below lower: the minimum W_p over active
// partitions; with every partition idle, now − delay under idle_advance and
// lower otherwise (the watermark holds); +∞ once every partition has ended.
func sourceWatermark(parts []watermark.PartitionStatus, advance bool, delayMs int64, now time.Time, lower int64) int64 {
	lo, active, ended := int64(math.MaxInt64), false, true
	for _, p := range parts {
		if !p.Ended {
			ended = false
		}
		if !p.Idle && !p.Ended {
			lo, active = min(lo, p.Watermark), true
		}
	}
	switch {
	case active:
		return max(lo, lower)
	case ended:
		return math.MaxInt64
	case advance:
		return max(now.UnixMilli()-delayMs, lower)
	}
	return lower
}

// partitionNote says what partition p does to its source's watermark.
func partitionNote(p watermark.PartitionStatus, allIdle, advance bool) string {
	switch {
	case p.Ended:
		return "ended"
	case p.Idle && allIdle && advance:
		return "idle; every partition is idle, so the source watermark follows processing time minus the delay (idle_advance)"
	case p.Idle && allIdle:
		return "idle; every partition is idle, so the source watermark holds (idle_advance is off)"
	case p.Idle:
		return "idle: left out of the source watermark until its next event"
	case p.Watermark == math.MinInt64 && p.Holding:
		return "no events yet: holds the source watermark at -inf"
	case p.Watermark == math.MinInt64:
		return "no events yet"
	case p.Holding:
		return "holds the source watermark back"
	}
	return "active"
}
