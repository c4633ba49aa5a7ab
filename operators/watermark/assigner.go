// Package watermark holds the per-source watermark assigner: it stamps each
// input row with its event time and the source watermark as it stood just
// before the row, tracking one watermark per source partition, idle
// partitions and future-dated events (SEMANTICS.md §1 and §7).
package watermark

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
)

// DefaultMaxFutureSkew is the max_future_skew of a source that does not set
// one (SEMANTICS.md §7). ConfigFromSource applies it; a Config built by hand
// gets what it says (0 disables the check).
const DefaultMaxFutureSkew = time.Hour

// Config configures an Assigner.
type Config struct {
	// TimeCol is the event-time column (TIMESTAMP, never NULL in rows that
	// reach the assigner: the decoder dead-letters those).
	TimeCol int
	// DelayMs is the bounded out-of-orderness: W_p = M_p − DelayMs.
	DelayMs int64
	// IdleTimeout marks a partition idle after this much processing time
	// without an event; 0 means never.
	IdleTimeout time.Duration
	// IdleAdvance lets the watermark follow now − DelayMs while every
	// partition that has not ended is idle.
	IdleAdvance bool
	// MaxFutureSkew dead-letters (reason future_timestamp) events later than
	// now + MaxFutureSkew; 0 disables the check.
	MaxFutureSkew time.Duration
	// Clock is processing time; nil means the wall clock.
	Clock operators.Clock
	// Partitions lists the partitions known at start; each holds the source
	// watermark at −∞ until its first event (or until it is idle). Nil:
	// partitions are discovered as their batches arrive.
	Partitions []int32
	// RenderRow, when set, renders row i of b as the dead-letter payload of
	// a batch without Raw payloads (datagen); e.g. render.RowJSON (coldata/render).
	RenderRow func(b *coldata.Batch, i int, dst []byte) []byte
}

// partition is the watermark state of one source partition.
type partition struct {
	id        int32
	maxTime   int64 // M_p; math.MinInt64 before the first event
	wm        int64 // W_p = M_p − delay; math.MinInt64 before the first event
	lastEvent time.Time
	idle      bool
	ended     bool
}

func (p *partition) active() bool { return !p.idle && !p.ended }

// Assigner computes a source's watermark from its partitions' event times.
//
// The source watermark is the minimum of W_p over active partitions (neither
// idle nor ended), and never moves backwards. While no partition is active
// it holds, unless IdleAdvance is set and some partition is idle, in which
// case it follows now − delay. Only well-formed, accepted events move M_p or
// make an idle partition active again; a future-dated event does neither.
// When every partition has ended the assigner holds its watermark: setting
// it to +∞ at end of input (io.EOF) is the runtime's job.
//
// An Assigner is used from one goroutine (the source's), except Watermark
// and Status, which are also meant to be called from that goroutine; wrap
// them if another goroutine needs them.
type Assigner struct {
	cfg   Config
	ctx   *operators.Context
	clock operators.Clock
	parts []*partition // sorted by id
	wm    int64        // the source watermark
	dead  []byte       // scratch for rendered dead-letter payloads
}

// NewAssigner returns an assigner whose known partitions start now (per
// cfg.Clock) for idle detection. ctx supplies the dead-letter sink and
// counters; it may be nil (dead letters are then only dropped from Sel).
func NewAssigner(cfg Config, ctx *operators.Context) *Assigner {
	a := &Assigner{cfg: cfg, ctx: ctx, clock: cfg.Clock, wm: math.MinInt64}
	if a.clock == nil {
		a.clock = operators.SystemClock{}
	}
	now := a.clock.Now()
	for _, id := range cfg.Partitions {
		a.partition(id, now)
	}
	return a
}

// partition returns partition id's state, creating it (active, W_p = −∞,
// last event = now) when it is new.
func (a *Assigner) partition(id int32, now time.Time) *partition {
	i, found := slices.BinarySearchFunc(a.parts, id, func(p *partition, id int32) int {
		switch {
		case p.id < id:
			return -1
		case p.id > id:
			return 1
		}
		return 0
	})
	if found {
		return a.parts[i]
	}
	p := &partition{id: id, maxTime: math.MinInt64, wm: math.MinInt64, lastEvent: now}
	a.parts = slices.Insert(a.parts, i, p)
	return p
}

// Watermark returns the current source watermark; math.MinInt64 is −∞.
func (a *Assigner) Watermark() int64 { return a.wm }

// Process sets b.EventTime (from column TimeCol, for every row) and
// b.WmBefore (for every live row: the source watermark just before the row)
// for a batch of partition b.Partition, advancing M_p and the source
// watermark row by row. Rows dated more than MaxFutureSkew ahead of now are
// dead-lettered (reason future_timestamp) and removed from b.Sel without
// moving M_p; so are rows whose event time is NULL (reason malformed), which
// a well-behaved source never delivers. Idle partitions are detected first,
// as by Tick.
func (a *Assigner) Process(b *coldata.Batch) {
	now := a.clock.Now()
	a.checkIdle(now)
	b.EventTime = resize(b.EventTime, b.Len)
	b.WmBefore = resize(b.WmBefore, b.Len)
	if b.Len == 0 {
		return
	}
	p := a.partition(b.Partition, now)
	col := b.Cols[a.cfg.TimeCol]
	copy(b.EventTime, col.I64[:b.Len])
	limit := int64(math.MaxInt64)
	if a.cfg.MaxFutureSkew > 0 {
		limit = now.UnixMilli() + a.cfg.MaxFutureSkew.Milliseconds()
	}
	hasNulls := col.Nulls.Any()
	removed := false
	accepted := false
	step := func(i int) bool {
		b.WmBefore[i] = a.wm
		if hasNulls && col.Nulls.IsNull(i) {
			a.deadLetter(b, i, operators.ReasonMalformed, "NULL event time", now)
			return false
		}
		t := b.EventTime[i]
		if t > limit {
			a.deadLetter(b, i, operators.ReasonFutureTimestamp,
				fmt.Sprintf("event time %s is more than %s ahead of processing time %s",
					time.UnixMilli(t).UTC().Format(timeLayout), formatSkew(a.cfg.MaxFutureSkew), now.UTC().Format(timeLayout)), now)
			return false
		}
		if !accepted {
			accepted = true
			p.lastEvent = now
			if p.idle {
				p.idle = false
				a.recompute(now)
			}
		}
		if t > p.maxTime {
			p.maxTime = t
			if p.active() {
				old := p.wm
				p.wm = sub(t, a.cfg.DelayMs)
				if old <= a.wm { // p may have been the partition holding W back
					a.recompute(now)
				}
			} else {
				p.wm = sub(t, a.cfg.DelayMs)
			}
		}
		return true
	}
	if b.Sel != nil {
		n := 0
		for _, i := range b.Sel {
			if step(i) {
				b.Sel[n] = i
				n++
			}
		}
		b.Sel = b.Sel[:n]
		return
	}
	var sel []int
	for i := 0; i < b.Len; i++ {
		if step(i) {
			if removed {
				sel = append(sel, i)
			}
			continue
		}
		if !removed {
			removed = true
			sel = make([]int, i, b.Len)
			for j := range sel {
				sel[j] = j
			}
		}
	}
	if removed {
		b.Sel = sel
	}
}

// Tick runs idle detection at processing time now and, with IdleAdvance,
// lets the watermark follow now − delay while every partition is idle.
func (a *Assigner) Tick(now time.Time) {
	a.checkIdle(now)
	a.recompute(now)
}

// PartitionEnded marks partition p finished: it no longer holds the source
// watermark back.
func (a *Assigner) PartitionEnded(p int32) {
	now := a.clock.Now()
	a.partition(p, now).ended = true
	a.recompute(now)
}

// checkIdle marks partitions idle after IdleTimeout without an event. The
// partitions past their deadline are taken in the order of those deadlines
// (last event + IdleTimeout), the source watermark recomputed after each, so
// that it ends where it would be had each gone idle at its own deadline, even
// when several deadlines passed since the last check (a backlog read within
// one tick). Partitions with the same deadline go idle lowest W_p first: the
// last of them to go holds the watermark at its own W_p until it is idle too.
// With every partition idle the watermark then holds where it is.
func (a *Assigner) checkIdle(now time.Time) {
	if a.cfg.IdleTimeout <= 0 {
		return
	}
	var due []*partition
	for _, p := range a.parts {
		if p.active() && now.Sub(p.lastEvent) >= a.cfg.IdleTimeout {
			due = append(due, p)
		}
	}
	if len(due) == 0 {
		return
	}
	slices.SortStableFunc(due, func(x, y *partition) int {
		if c := x.lastEvent.Compare(y.lastEvent); c != 0 {
			return c
		}
		switch {
		case x.wm < y.wm:
			return -1
		case x.wm > y.wm:
			return 1
		}
		return 0
	})
	for _, p := range due {
		p.idle = true
		a.recompute(p.lastEvent.Add(a.cfg.IdleTimeout))
	}
	a.recompute(now)
}

// recompute sets the source watermark from the active partitions, never
// moving it backwards.
func (a *Assigner) recompute(now time.Time) {
	lo, any, idle := int64(math.MaxInt64), false, false
	for _, p := range a.parts {
		if p.idle && !p.ended {
			idle = true
		}
		if !p.active() {
			continue
		}
		any = true
		lo = min(lo, p.wm)
	}
	switch {
	case any:
		a.wm = max(a.wm, lo)
	case idle && a.cfg.IdleAdvance:
		a.wm = max(a.wm, sub(now.UnixMilli(), a.cfg.DelayMs))
	}
}

// minActive returns the minimum W_p over active partitions and whether one
// exists.
func (a *Assigner) minActive() (int64, bool) {
	lo, any := int64(math.MaxInt64), false
	for _, p := range a.parts {
		if p.active() {
			lo, any = min(lo, p.wm), true
		}
	}
	return lo, any
}

func (a *Assigner) deadLetter(b *coldata.Batch, i int, reason, detail string, now time.Time) {
	if a.ctx == nil {
		return
	}
	if a.ctx.Counters != nil {
		a.ctx.Counters.DeadLetters.Add(1)
	}
	if a.ctx.DeadLetters == nil {
		return
	}
	d := operators.DeadLetter{
		Source:    b.Source,
		Partition: b.Partition,
		Reason:    reason,
		Detail:    detail,
		TimeMs:    now.UnixMilli(),
	}
	if i < len(b.Offset) {
		d.Offset = b.Offset[i]
	}
	switch {
	case i < len(b.Raw):
		d.Payload = b.Raw[i]
	case a.cfg.RenderRow != nil:
		a.dead = a.cfg.RenderRow(b, i, a.dead[:0])
		d.Payload = a.dead
	}
	a.ctx.DeadLetters.DeadLetter(&d)
}

// sub returns t − d, saturating at −∞ (math.MinInt64).
func sub(t, d int64) int64 {
	if t == math.MinInt64 || (d > 0 && t < math.MinInt64+d) {
		return math.MinInt64
	}
	return t - d
}

func resize(s []int64, n int) []int64 {
	if cap(s) < n {
		return make([]int64, n)
	}
	return s[:n]
}
