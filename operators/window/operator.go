package window

import (
	"fmt"
	"math"
	"time"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/agg"
)

// op is the window aggregation operator for every window kind. TUMBLE,
// HOP and CUMULATE keep accumulators per (pane, key) (a TUMBLE pane is its
// window) and merge panes into window rows when they are emitted; SESSION
// keeps accumulators per session and merges sessions that an event joins.
type op struct {
	spec Spec
	ctx  *operators.Context
	cnt  *operators.Counters

	accs   []agg.Accumulator // spec.Aggs's, then events
	args   []int             // input column of each accumulator; -1 for COUNT(*) and events
	events *eventCounter     // events per group (event_count.go)

	wm      int64 // the operator's watermark W
	nextAct int64 // the smallest W at which an advance fires or purges something

	keys *keyTable // nil until the first batch gives the key types

	// Groups: dense ids shared by every accumulator.
	groupKey []uint32 // key id per group
	gFree    []uint32

	// Pane mode (TUMBLE, HOP, CUMULATE).
	pane paneState
	// Session mode.
	sess sessionState

	// Pending late re-emissions and early-trigger bookkeeping.
	trig triggerState

	// Per-segment buffers: batch rows and their groups, added to the
	// accumulators vector-at-a-time.
	segRows   []int
	segGroups []uint32
	segBatch  *coldata.Batch

	out     *coldata.Batch
	outKeys []*coldata.Vec
	outAggs []*coldata.Vec
	emitter operators.Emitter
	dl      operators.DeadLetter

	// Warm-tier spilling under a memory budget (spill.go).
	spill spillState
}

var (
	_ operators.Operator      = (*op)(nil)
	_ operators.TimerOperator = (*op)(nil)
	_ operators.Checkpointer  = (*op)(nil)
)

// New returns a window aggregation operator for spec. It implements
// operators.Operator, operators.TimerOperator (EMIT EARLY EVERY) and
// operators.Checkpointer.
func New(spec Spec) (operators.Operator, error) {
	if err := validate(&spec); err != nil {
		return nil, err
	}
	o := &op{spec: spec, wm: math.MinInt64, nextAct: math.MaxInt64}
	o.spill.emit.copyMin = defaultEmitCopyMin
	for _, a := range spec.Aggs {
		acc, err := agg.New(a)
		if err != nil {
			return nil, fmt.Errorf("window: %w", err)
		}
		o.accs = append(o.accs, acc)
		o.args = append(o.args, a.Arg)
	}
	o.events = &eventCounter{}
	o.accs, o.args = append(o.accs, o.events), append(o.args, -1)
	if spec.Kind == Session {
		o.sess.init()
	} else {
		o.pane.init(&o.spec)
	}
	o.trig.init(&o.spec)
	return o, nil
}

func validate(s *Spec) error {
	switch s.Kind {
	case Tumble:
		if s.Size <= 0 {
			return fmt.Errorf("window: TUMBLE size must be positive, got %d ms", s.Size)
		}
	case Hop:
		if s.Size <= 0 || s.Slide <= 0 {
			return fmt.Errorf("window: HOP slide and size must be positive, got %d and %d ms", s.Slide, s.Size)
		}
	case Cumulate:
		if s.Size <= 0 || s.Slide <= 0 || s.Size%s.Slide != 0 {
			return fmt.Errorf("window: CUMULATE step must be positive and divide size, got %d and %d ms", s.Slide, s.Size)
		}
	case Session:
		if s.Gap <= 0 || s.MaxDuration < 0 {
			return fmt.Errorf("window: SESSION gap must be positive and max duration not negative, got %d and %d ms", s.Gap, s.MaxDuration)
		}
	default:
		return fmt.Errorf("window: unknown window kind %d", s.Kind)
	}
	for _, x := range []int64{s.Size, s.Slide, s.Gap, s.MaxDuration, s.Offset, -s.Offset} {
		if x > MaxIntervalMs {
			return fmt.Errorf("window: interval of %d ms exceeds the maximum %d ms", x, int64(MaxIntervalMs))
		}
	}
	if s.Trigger.LatenessMs < 0 || s.Trigger.EarlyEveryMs < 0 {
		return fmt.Errorf("window: lateness and early interval must not be negative")
	}
	for _, c := range s.KeyCols {
		if c < 0 {
			return fmt.Errorf("window: bad key column %d", c)
		}
	}
	if s.Kind == Session && len(s.KeyCols) == 0 {
		return fmt.Errorf("window: SESSION needs at least one group key")
	}
	for i := range s.Aggs {
		a := &s.Aggs[i]
		if a.Result == catalog.Unknown {
			a.Result = agg.ResultType(a.Func, a.ArgType)
		}
		if a.Func != agg.CountStar && a.Arg < 0 {
			return fmt.Errorf("window: %s needs an argument column", a.Func)
		}
	}
	return nil
}

// Open implements operators.Operator.
func (o *op) Open(ctx *operators.Context) error {
	o.ctx = ctx
	o.cnt = ctx.Counters
	if o.cnt == nil {
		o.cnt = &operators.Counters{}
	}
	if ctx.Clock != nil {
		o.trig.start(ctx.Clock.Now())
	}
	return o.openSpill()
}

// Close implements operators.Operator.
func (o *op) Close() error { return nil }

// Process implements operators.Operator: every live row is judged and
// added in order, the watermark advancing with each row's WmBefore
// (SEMANTICS.md §1).
func (o *op) Process(b *coldata.Batch, out operators.Emitter) error {
	if b.Live() == 0 {
		return nil
	}
	if err := o.checkBatch(b); err != nil {
		return err
	}
	o.emitter = out
	var err error
	if o.spec.Kind == Session {
		err = o.processSessions(b)
	} else {
		err = o.processPanes(b)
	}
	if err == nil {
		err = o.flushLate()
	}
	if err == nil {
		err = o.flushOut()
	}
	o.segBatch = nil
	if err == nil {
		err = o.maybeSpill()
	}
	return err
}

// OnWatermark implements operators.Operator.
func (o *op) OnWatermark(w int64, out operators.Emitter) error {
	o.emitter = out
	if err := o.advance(w); err != nil {
		return err
	}
	if err := o.flushOut(); err != nil {
		return err
	}
	return o.maybeSpill()
}

// OnTimer implements operators.TimerOperator: EMIT EARLY EVERY.
func (o *op) OnTimer(now time.Time, out operators.Emitter) error {
	if !o.trig.due(now) {
		return nil
	}
	o.emitter = out
	if err := o.fireEarly(); err != nil {
		return err
	}
	return o.flushOut()
}

// checkBatch validates the input layout once per batch and sets up the
// key table on the first batch.
func (o *op) checkBatch(b *coldata.Batch) error {
	if len(b.EventTime) < b.Len || len(b.WmBefore) < b.Len {
		return fmt.Errorf("window: input batch without event time or watermark")
	}
	cols := len(b.Cols)
	for _, c := range o.spec.KeyCols {
		if c >= cols {
			return fmt.Errorf("window: key column %d out of range (%d columns)", c, cols)
		}
	}
	for k, c := range o.args {
		if c >= cols {
			return fmt.Errorf("window: argument column %d of %s out of range", c, o.spec.Aggs[k].Func)
		}
		if c >= 0 {
			if at, vt := o.spec.Aggs[k].ArgType, b.Cols[c].Type; at != catalog.Unknown && at != vt {
				return fmt.Errorf("window: %s expects %s, column %d is %s", o.spec.Aggs[k].Func, at, c, vt)
			}
		}
	}
	if w := o.spec.Trigger.EarlyWhenCol; w >= 0 && (w >= cols || b.Cols[w].Type != catalog.Boolean) {
		return fmt.Errorf("window: EARLY WHEN column %d is not a BOOLEAN input column", w)
	}
	if o.keys == nil {
		types := make([]catalog.Type, len(o.spec.KeyCols))
		for k, c := range o.spec.KeyCols {
			types[k] = b.Cols[c].Type
		}
		o.setKeys(types)
	} else {
		for k, c := range o.spec.KeyCols {
			if b.Cols[c].Type != o.keys.types[k] {
				return fmt.Errorf("window: key column %d changed type to %s", c, b.Cols[c].Type)
			}
		}
	}
	return nil
}

func (o *op) setKeys(types []catalog.Type) {
	o.keys = newKeyTable(types)
	schema := make(catalog.Schema, 0, 2+len(types)+len(o.spec.Aggs))
	schema = append(schema, catalog.Column{Name: "window_start", Type: catalog.Timestamp},
		catalog.Column{Name: "window_end", Type: catalog.Timestamp})
	for k, t := range types {
		schema = append(schema, catalog.Column{Name: fmt.Sprintf("key%d", k), Type: t})
	}
	for k, a := range o.spec.Aggs {
		schema = append(schema, catalog.Column{Name: fmt.Sprintf("agg%d", k), Type: a.Result})
	}
	o.out = coldata.NewBatch(schema, 64)
	o.out.Reset(0)
	o.outKeys = o.out.Cols[2 : 2+len(types)]
	o.outAggs = o.out.Cols[2+len(types):]
}

// newGroup allocates an empty group of key k.
func (o *op) newGroup(k uint32) uint32 {
	var g uint32
	if n := len(o.gFree); n > 0 {
		g = o.gFree[n-1]
		o.gFree = o.gFree[:n-1]
		o.groupKey[g] = k
	} else {
		g = uint32(len(o.groupKey))
		o.groupKey = append(o.groupKey, k)
		for _, a := range o.accs {
			a.Grow(len(o.groupKey))
		}
		o.trig.grow(len(o.groupKey))
	}
	return g
}

// freeGroup empties group g and makes its id reusable.
func (o *op) freeGroup(g uint32) {
	for _, a := range o.accs {
		a.Reset(g)
	}
	o.trig.resetGroup(g)
	o.gFree = append(o.gFree, g)
}

// addSegment adds the buffered rows to their groups, vector-at-a-time.
func (o *op) addSegment() {
	if len(o.segRows) == 0 {
		return
	}
	b := o.segBatch
	for k, a := range o.accs {
		var v *coldata.Vec
		if c := o.args[k]; c >= 0 {
			v = b.Cols[c]
		}
		a.Add(v, b.EventTime, o.segRows, o.segGroups)
	}
	o.segRows = o.segRows[:0]
	o.segGroups = o.segGroups[:0]
}

// deadLetter reports row i of b as too late for every window.
func (o *op) tooLate(b *coldata.Batch, i int) {
	o.cnt.LateEvents.Add(1)
	o.cnt.DroppedEvents.Add(1)
	if o.ctx == nil || o.ctx.DeadLetters == nil {
		return
	}
	d := &o.dl
	*d = operators.DeadLetter{
		Source:    b.Source,
		Partition: b.Partition,
		Reason:    operators.ReasonTooLate,
		Detail:    fmt.Sprintf("event time %s is too late for every window (watermark %s)", rfc3339(b.EventTime[i]), rfc3339(o.wm)),
	}
	if i < len(b.Offset) {
		d.Offset = b.Offset[i]
	}
	if i < len(b.Raw) {
		d.Payload = b.Raw[i]
	}
	if o.ctx.Clock != nil {
		d.TimeMs = o.ctx.Clock.Now().UnixMilli()
	}
	o.ctx.DeadLetters.DeadLetter(d)
	d.Payload = nil
}

// rfc3339 renders epoch milliseconds as a too_late dead letter's detail
// shows them: RFC 3339 in UTC with exactly three decimals, as weir prints
// TIMESTAMP values and future_timestamp details (1970-01-01T00:00:00.100Z,
// never .1Z), with ±∞ spelled out.
func rfc3339(ms int64) string {
	switch ms {
	case math.MinInt64:
		return "-inf"
	case math.MaxInt64:
		return "+inf"
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

// advance moves the watermark to w (no-op when w ≤ W): pending adds and
// late rows go out first, then every window with end ≤ w fires and state
// past its lateness is purged.
func (o *op) advance(w int64) error {
	if w <= o.wm {
		return nil
	}
	o.addSegment()
	if err := o.flushLate(); err != nil {
		return err
	}
	o.wm = w
	if w < o.nextAct {
		return nil
	}
	var err error
	if o.spec.Kind == Session {
		err = o.fireSessions()
	} else {
		err = o.firePanes()
	}
	return err
}
