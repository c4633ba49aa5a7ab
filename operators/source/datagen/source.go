// Package datagen is the generator source connector: deterministic,
// seedable streams of synthetic events (llm_metrics, llm_feedback,
// system_health, and Nexmark's person, auction and bid) generated straight
// into column vectors.
package datagen

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/source/jsondec"
)

// DefaultStartTime is the first event time of a bounded (count) generator
// without start_time, so that bounded runs are reproducible.
var DefaultStartTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

const (
	defaultEventInterval = 100 * time.Millisecond
	// defaultUnboundedRate paces a generator without count or rate
	// (events per second of processing time; event time follows the clock).
	defaultUnboundedRate = 1000
	// maxWait bounds how long Read waits for the rate limiter before it
	// returns an empty batch.
	maxWait = 100 * time.Millisecond
)

// Source generates events of one kind. The declared columns whose names
// match the kind's fields (case-insensitively) are filled, and must have the
// field's type; other declared columns are NULL. All rows are partition 0,
// Batch.Offset is the 1-based sequence number, and Batch.Raw stays nil (dead
// letters render the row with render.RowJSON (coldata/render)).
//
// Options: kind (required), seed (int, default 1; same seed → identical
// events), rate (events per second of processing time via the Context's
// Clock; 0 or absent = as fast as possible), count (bounded: io.EOF after
// that many events), max_out_of_order (interval: event times jitter
// backwards by up to this), start_time (RFC 3339; default DefaultStartTime
// when count is set, the clock's time at Open otherwise), event_interval
// (event-time spacing; default 1/rate when rate > 0, else 100ms).
//
// Event k (0-based) has event time start + g·event_interval − jitter_k,
// where g is its position in the kind's event sequence: k itself, except
// for the Nexmark kinds, whose three kinds share Nexmark's sequence
// (nexmark.go). There rate and event_interval count the events of all three
// kinds (as Nexmark's event rate does), so that sources of different kinds
// with the same options share one timeline, while count counts the kind's
// own events.
// Source implements operators.Checkpointer (sequence number, start time and
// PRNG state).
type Source struct {
	name     string
	kind     string
	spec     *kindSpec
	schema   catalog.Schema
	colOf    []int // field index → schema column, or -1
	unmapped []int // schema columns no field fills (always NULL)

	seed       uint64
	rate       float64
	count      int64 // 0: unbounded
	maxOOO     int64 // ms
	intervalMs float64
	startMs    int64
	startSet   bool

	pcg *rand.PCG
	rng *rand.Rand
	seq int64 // events generated so far

	clock     operators.Clock
	paceStart time.Time
	paceBase  int64 // seq at paceStart
	wait      func(ctx context.Context, d time.Duration) error

	feedback feedbackState

	// Nexmark kinds: the strings, and the PRNG reseeded for each event.
	nx     *nexmarkTables
	evPCG  *rand.PCG
	evRand *rand.Rand
}

var (
	_ operators.Source       = (*Source)(nil)
	_ operators.Checkpointer = (*Source)(nil)
)

// New returns the generator declared by def (connector 'datagen').
func New(def *catalog.Source) (operators.Source, error) {
	s := &Source{name: def.Name, schema: def.Schema, seed: 1, wait: sleepCtx}
	errf := func(format string, args ...any) error {
		return fmt.Errorf("source %q: "+format, append([]any{def.Name}, args...)...)
	}
	kind, _ := def.Options.Get("kind")
	spec, ok := kinds[kind]
	if !ok {
		return nil, errf("option kind must be one of %s, got %q", strings.Join(kindNames, ", "), kind)
	}
	fields := spec.fields
	s.kind, s.spec = kind, spec
	s.colOf = make([]int, len(fields))
	for f := range s.colOf {
		s.colOf[f] = -1
	}
	for c, col := range def.Schema {
		found := false
		for f, fd := range fields {
			if strings.EqualFold(fd.name, col.Name) {
				if col.Type != fd.typ {
					return nil, errf("column %q must be %s for kind %s, declared %s", col.Name, fd.typ, kind, col.Type)
				}
				if s.colOf[f] < 0 {
					s.colOf[f] = c
					found = true
				}
			}
		}
		if !found {
			s.unmapped = append(s.unmapped, c)
		}
	}
	if v, ok := def.Options.Get("seed"); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, errf("option seed must be an integer, got %q", v)
		}
		s.seed = uint64(n)
	}
	rateSet := false
	if v, ok := def.Options.Get("rate"); ok {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, errf("option rate must be a number of events per second ≥ 0, got %q", v)
		}
		s.rate = f
		rateSet = true
	}
	if v, ok := def.Options.Get("count"); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, errf("option count must be an integer ≥ 0, got %q", v)
		}
		s.count = n
		if n == 0 {
			s.count = -1 // bounded and empty
		}
	}
	if v, ok := def.Options.Get("max_out_of_order"); ok {
		d, err := catalog.ParseDuration(v)
		if err != nil {
			return nil, errf("option max_out_of_order: %v", err)
		}
		s.maxOOO = d.Milliseconds()
	}
	if !rateSet && s.count == 0 {
		// An endless generator stamps events from the wall clock on; unpaced
		// it would run hours ahead of it within seconds and every event would
		// be a future_timestamp dead letter (SEMANTICS.md §7). Like Flink's
		// datagen (rows-per-second), it is paced unless told otherwise.
		s.rate = defaultUnboundedRate
	}
	s.intervalMs = float64(defaultEventInterval.Milliseconds())
	if s.rate > 0 {
		s.intervalMs = 1000 / s.rate
	}
	if v, ok := def.Options.Get("event_interval"); ok {
		d, err := catalog.ParseDuration(v)
		if err != nil {
			return nil, errf("option event_interval: %v", err)
		}
		s.intervalMs = float64(d) / float64(time.Millisecond)
	}
	if v, ok := def.Options.Get("start_time"); ok {
		ms, err := jsondec.ParseRFC3339Millis([]byte(v))
		if err != nil {
			return nil, errf("option start_time must be an RFC 3339 timestamp, got %q", v)
		}
		s.startMs, s.startSet = ms, true
	} else if s.count != 0 {
		s.startMs, s.startSet = DefaultStartTime.UnixMilli(), true
	}
	s.pcg = rand.NewPCG(s.seed, s.seed^0x9e3779b97f4a7c15)
	s.rng = rand.New(s.pcg)
	if spec.period > 1 {
		s.nx = nexmarkOnce()
		s.evPCG = rand.NewPCG(0, 0)
		s.evRand = rand.New(s.evPCG)
	}
	return s, nil
}

// Schema returns the declared columns.
func (s *Source) Schema() catalog.Schema { return s.schema }

// Open starts the pacing clock and, without start_time or count, takes the
// clock's current time as the first event time.
func (s *Source) Open(ctx *operators.Context) error {
	s.clock = operators.SystemClock{}
	if ctx != nil && ctx.Clock != nil {
		s.clock = ctx.Clock
	}
	now := s.clock.Now()
	if !s.startSet {
		s.startMs, s.startSet = now.UnixMilli(), true
	}
	s.paceStart, s.paceBase = now, s.seq
	return nil
}

// Close does nothing.
func (s *Source) Close() error { return nil }

// Read fills b with the next events: up to coldata.DefaultBatchSize, fewer
// when the rate limit or count says so (possibly none, after waiting at most
// 100ms for the next event to be due). It returns io.EOF after count events.
func (s *Source) Read(ctx context.Context, b *coldata.Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n := int64(coldata.DefaultBatchSize)
	if s.count != 0 {
		left := max(s.count, 0) - s.seq
		if left <= 0 {
			return io.EOF
		}
		n = min(n, left)
	}
	if s.rate > 0 {
		// The rate paces positions of the event sequence: by elapsed, those
		// below base + ⌊elapsed·rate⌋ are due.
		elapsed := s.clock.Now().Sub(s.paceStart).Seconds()
		base := s.spec.pos(s.paceBase)
		due := s.spec.countBefore(base+int64(elapsed*s.rate)) - s.seq
		if due <= 0 {
			next := time.Duration(float64(s.spec.pos(s.seq)-base+1)/s.rate*float64(time.Second)) - time.Duration(elapsed*float64(time.Second))
			b.Reset(0)
			b.Source, b.Partition = s.name, 0
			return s.wait(ctx, min(max(next, 0), maxWait))
		}
		n = min(n, due)
	}
	s.fill(b, int(n))
	return nil
}

// fill generates n events into b.
func (s *Source) fill(b *coldata.Batch, n int) {
	fitColumns(b, s.schema)
	b.Reset(n)
	b.Source, b.Partition = s.name, 0
	for _, c := range s.unmapped {
		setAllNull(&b.Cols[c].Nulls, n)
	}
	b.Offset = b.Offset[:0]
	for i := 0; i < n; i++ {
		g := s.spec.pos(s.seq)
		at := s.startMs + int64(float64(g)*s.intervalMs)
		ts := at
		if s.maxOOO > 0 {
			ts -= s.rng.Int64N(s.maxOOO + 1)
		}
		if c := s.colOf[s.spec.ts]; c >= 0 {
			b.Cols[c].I64[i] = ts
		}
		switch s.kind {
		case "llm_metrics":
			s.llmMetrics(b, i)
		case "llm_feedback":
			s.llmFeedback(b, i, ts)
		case "system_health":
			s.systemHealth(b, i)
		case "person":
			s.person(b, i, g)
		case "auction":
			s.auction(b, i, g, at)
		case "bid":
			s.bid(b, i, g)
		}
		s.seq++
		b.Offset = append(b.Offset, s.seq)
	}
}

// fitColumns gives b one vector per schema column, of the column's type,
// replacing b.Cols when it does not match.
func fitColumns(b *coldata.Batch, schema catalog.Schema) {
	ok := len(b.Cols) == len(schema)
	for i := 0; ok && i < len(schema); i++ {
		ok = b.Cols[i] != nil && b.Cols[i].Type == schema[i].Type
	}
	if !ok {
		b.Cols = coldata.NewBatch(schema, coldata.DefaultBatchSize).Cols
	}
}

func setAllNull(n *coldata.Nulls, rows int) {
	words := (rows + 63) / 64
	*n = (*n)[:0]
	for w := 0; w < words; w++ {
		*n = append(*n, math.MaxUint64)
	}
	if r := rows % 64; r != 0 {
		(*n)[words-1] = 1<<uint(r) - 1
	}
}

// sleepCtx waits for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
