// Package window holds the window aggregation operator: window assignment
// (TUMBLE, HOP via panes, CUMULATE, SESSION), per-(window, key) accumulators,
// firing on the watermark, triggers and lateness (SEMANTICS.md §2–§4).
package window

import "github.com/weirdb/weir/operators/agg"

// Kind is a window type.
type Kind uint8

// Window kinds.
const (
	Tumble Kind = iota
	Hop
	Cumulate
	Session
)

// Spec configures a window aggregation. The planner fills it.
//
// Input batches carry EventTime and WmBefore (set by the watermark
// assigner) and the columns named by KeyCols, the aggregates' Arg and
// EarlyWhenCol. Output batches have the layout
//
//	[window_start TIMESTAMP, window_end TIMESTAMP, keys..., aggregates...]
//
// with Batch.Emit set per row.
type Spec struct {
	Kind Kind
	// All in milliseconds. TUMBLE: Size, Offset. HOP: Slide, Size.
	// CUMULATE: Slide (the step), Size. SESSION: Gap, MaxDuration (0 = none).
	Size, Slide, Offset, Gap, MaxDuration int64

	KeyCols []int
	Aggs    []agg.Spec
	Trigger Trigger
}

// MaxIntervalMs is the longest window size, slide, step, offset, gap or
// max duration: the span of the TIMESTAMP range, 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999Z (jsondec.MinTimestampMs to MaxTimestampMs),
// 3,652,059 days. A longer window cannot lie inside that range — its
// start or its end is outside it for every event — and below it window
// bounds computed from in-range event times stay far from int64
// overflow (they never wrap).
const MaxIntervalMs = 315_537_897_600_000

// Trigger is the EMIT policy (SEMANTICS.md §3–§4).
type Trigger struct {
	EarlyEveryMs int64 // 0: no periodic early firing
	EarlyWhenCol int   // input BOOLEAN column for EARLY WHEN; -1 for none
	LatenessMs   int64 // allowed lateness L; 0 when absent
}
