package datagen

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
)

var metricsSchema = catalog.Schema{
	{Name: "ts", Type: catalog.Timestamp}, {Name: "model", Type: catalog.Varchar},
	{Name: "latency_ms", Type: catalog.Double}, {Name: "cost", Type: catalog.Double},
	{Name: "tokens", Type: catalog.Bigint}, {Name: "error", Type: catalog.Varchar},
	{Name: "region", Type: catalog.Varchar}, // not generated: NULL
}

var feedbackSchema = catalog.Schema{
	{Name: "ts", Type: catalog.Timestamp}, {Name: "user_id", Type: catalog.Varchar},
	{Name: "session_id", Type: catalog.Varchar}, {Name: "model", Type: catalog.Varchar},
	{Name: "rating", Type: catalog.Bigint}, {Name: "thumbs_up", Type: catalog.Boolean},
	{Name: "comment", Type: catalog.Varchar},
}

var healthSchema = catalog.Schema{
	{Name: "ts", Type: catalog.Timestamp}, {Name: "host", Type: catalog.Varchar},
	{Name: "service", Type: catalog.Varchar}, {Name: "cpu", Type: catalog.Double},
	{Name: "memory", Type: catalog.Double}, {Name: "error_rate", Type: catalog.Double},
	{Name: "severity", Type: catalog.Varchar},
}

type manualClock struct{ now time.Time }

func (c *manualClock) Now() time.Time { return c.now }

func open(t testing.TB, schema catalog.Schema, opts catalog.Options, clock operators.Clock) *Source {
	src, err := New(&catalog.Source{Name: "gen", Schema: schema, Connector: "datagen", Options: opts})
	require.NoError(t, err)
	require.NoError(t, src.Open(&operators.Context{Clock: clock}))
	return src.(*Source)
}

// rowsOf reads to EOF and returns each row rendered as text.
func rowsOf(t *testing.T, src *Source) []string {
	var out []string
	b := coldata.NewBatch(src.Schema(), 0)
	for {
		err := src.Read(context.Background(), b)
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		require.Nil(t, b.Raw)
		require.Equal(t, "gen", b.Source)
		for i := 0; i < b.Len; i++ {
			out = append(out, render(b, i))
		}
	}
}

func render(b *coldata.Batch, i int) string {
	var buf bytes.Buffer
	for _, v := range b.Cols {
		if v.Nulls.IsNull(i) {
			buf.WriteString("NULL|")
			continue
		}
		switch v.Type {
		case catalog.Timestamp, catalog.Bigint:
			buf.WriteString(time.UnixMilli(v.I64[i]).UTC().Format(time.RFC3339Nano))
		case catalog.Double:
			buf.WriteString(time.Duration(v.F64[i] * 1e6).String())
		case catalog.Varchar:
			buf.WriteString(v.Str[i])
		case catalog.Boolean:
			if v.Bool[i] {
				buf.WriteString("t")
			}
		}
		buf.WriteByte('|')
	}
	return buf.String()
}

func TestDeterministic(t *testing.T) {
	for _, tc := range []struct {
		kind   string
		schema catalog.Schema
	}{{"llm_metrics", metricsSchema}, {"llm_feedback", feedbackSchema}, {"system_health", healthSchema}} {
		opts := func(seed string) catalog.Options {
			return catalog.Options{"kind": tc.kind, "seed": seed, "count": "5000", "max_out_of_order": "2s"}
		}
		a := rowsOf(t, open(t, tc.schema, opts("7"), nil))
		b := rowsOf(t, open(t, tc.schema, opts("7"), nil))
		c := rowsOf(t, open(t, tc.schema, opts("8"), nil))
		require.Len(t, a, 5000, tc.kind)
		require.Equal(t, a, b, tc.kind)
		require.NotEqual(t, a, c, tc.kind)
	}
}

func TestEventTimesAndOffsets(t *testing.T) {
	start := DefaultStartTime.UnixMilli()
	src := open(t, metricsSchema, catalog.Options{"kind": "llm_metrics", "count": "3000"}, nil)
	b := coldata.NewBatch(src.Schema(), 0)
	seq := int64(0)
	for {
		err := src.Read(context.Background(), b)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		for i := 0; i < b.Len; i++ {
			require.Equal(t, start+100*seq, b.Cols[0].I64[i]) // default spacing 100ms, no jitter
			seq++
			require.Equal(t, seq, b.Offset[i])
			require.True(t, b.Cols[6].Nulls.IsNull(i), "undeclared field is NULL")
		}
	}
	require.Equal(t, int64(3000), seq)

	// Jitter goes backwards by at most max_out_of_order; event_interval and
	// start_time are honoured.
	src = open(t, metricsSchema, catalog.Options{"kind": "llm_metrics", "count": "2000",
		"max_out_of_order": "5 seconds", "event_interval": "1s", "start_time": "2026-11-09T14:00:00+01:00"}, nil)
	require.NoError(t, src.Read(context.Background(), b))
	base := time.Date(2026, 11, 9, 13, 0, 0, 0, time.UTC).UnixMilli()
	outOfOrder := 0
	for i := 0; i < b.Len; i++ {
		ts := b.Cols[0].I64[i]
		require.LessOrEqual(t, ts, base+int64(i)*1000)
		require.GreaterOrEqual(t, ts, base+int64(i)*1000-5000)
		if i > 0 && ts < b.Cols[0].I64[i-1] {
			outOfOrder++
		}
	}
	require.Greater(t, outOfOrder, 100)
}

func TestDistributions(t *testing.T) {
	src := open(t, metricsSchema, catalog.Options{"kind": "llm_metrics", "count": "20000", "seed": "3"}, nil)
	b := coldata.NewBatch(src.Schema(), 0)
	errs, n := 0, 0
	latency := map[string]float64{}
	count := map[string]int{}
	for src.Read(context.Background(), b) == nil {
		for i := 0; i < b.Len; i++ {
			n++
			if !b.Cols[5].Nulls.IsNull(i) {
				errs++
				require.Contains(t, []string{"timeout", "rate_limited", "server_error"}, b.Cols[5].Str[i])
				continue
			}
			m := b.Cols[1].Str[i]
			latency[m] += b.Cols[2].F64[i]
			count[m]++
			require.Greater(t, b.Cols[4].I64[i], int64(0))
			require.Greater(t, b.Cols[3].F64[i], 0.0)
		}
	}
	require.InDelta(t, 0.03, float64(errs)/float64(n), 0.01)
	require.Len(t, count, 4)
	require.Greater(t, latency["claude-3-5-sonnet"]/float64(count["claude-3-5-sonnet"]),
		1.5*latency["llama-3-70b"]/float64(count["llama-3-70b"]))

	src = open(t, healthSchema, catalog.Options{"kind": "system_health", "count": "20000"}, nil)
	b = coldata.NewBatch(healthSchema, 0)
	sev := map[string]int{}
	for src.Read(context.Background(), b) == nil {
		for i := 0; i < b.Len; i++ {
			sev[b.Cols[6].Str[i]]++
			require.GreaterOrEqual(t, b.Cols[3].F64[i], 0.0)
			require.LessOrEqual(t, b.Cols[3].F64[i], 100.0)
		}
	}
	require.Len(t, sev, 3)
	require.Less(t, sev["critical"], sev["warning"])
	require.Less(t, sev["warning"], sev["info"])
	require.Greater(t, sev["critical"], 0)
}

// TestFeedbackSessions checks that users come back in bursts: per user,
// most consecutive events are close together, and some are more than 30
// minutes apart (a new session, usually with a new session_id).
func TestFeedbackSessions(t *testing.T) {
	src := open(t, feedbackSchema, catalog.Options{"kind": "llm_feedback", "count": "100000", "event_interval": "1s"}, nil)
	b := coldata.NewBatch(src.Schema(), 0)
	last := map[string]int64{}
	lastSession := map[string]string{}
	short, long, newSessionOnLong := 0, 0, 0
	for src.Read(context.Background(), b) == nil {
		for i := 0; i < b.Len; i++ {
			u, ts, sess := b.Cols[1].Str[i], b.Cols[0].I64[i], b.Cols[2].Str[i]
			require.Contains(t, sess, u)
			r := b.Cols[4].I64[i]
			require.True(t, r >= 1 && r <= 5)
			if prev, ok := last[u]; ok {
				if ts-prev > 30*60*1000 {
					long++
					if sess != lastSession[u] {
						newSessionOnLong++
					}
				} else {
					short++
				}
			}
			last[u], lastSession[u] = ts, sess
		}
	}
	require.Greater(t, long, 50)
	require.Greater(t, short, 10*long) // sessions average dozens of events
	// session_id is the application's label: it changes after ≥ 30 minutes
	// of silence, and usually (not always) after a 30-minute event gap.
	require.Greater(t, newSessionOnLong, long*95/100)
}

func TestCheckpointResume(t *testing.T) {
	opts := catalog.Options{"kind": "llm_feedback", "count": "5000", "max_out_of_order": "1s", "seed": "42"}
	want := rowsOf(t, open(t, feedbackSchema, opts, nil))

	src := open(t, feedbackSchema, opts, nil)
	b := coldata.NewBatch(src.Schema(), 0)
	require.NoError(t, src.Read(context.Background(), b))
	var got []string
	for i := 0; i < b.Len; i++ {
		got = append(got, render(b, i))
	}
	var snap bytes.Buffer
	require.NoError(t, src.Snapshot(&snap))

	s2, err := New(&catalog.Source{Name: "gen", Schema: feedbackSchema, Options: opts})
	require.NoError(t, err)
	require.NoError(t, s2.(operators.Checkpointer).Restore(bytes.NewReader(snap.Bytes())))
	require.NoError(t, s2.Open(&operators.Context{}))
	got = append(got, rowsOf(t, s2.(*Source))...)
	require.Equal(t, want, got)
	require.Error(t, s2.(operators.Checkpointer).Restore(bytes.NewReader([]byte{1, 2})))
}

func TestRate(t *testing.T) {
	clock := &manualClock{now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	src := open(t, metricsSchema, catalog.Options{"kind": "llm_metrics", "rate": "10"}, clock)
	var waited []time.Duration
	src.wait = func(_ context.Context, d time.Duration) error { waited = append(waited, d); return nil }
	b := coldata.NewBatch(src.Schema(), 0)
	ctx := context.Background()

	require.NoError(t, src.Read(ctx, b))
	require.Equal(t, 0, b.Len) // nothing due at t=0: wait ≤ 100ms, empty batch
	require.Equal(t, []time.Duration{100 * time.Millisecond}, waited)

	clock.now = clock.now.Add(250 * time.Millisecond)
	require.NoError(t, src.Read(ctx, b))
	require.Equal(t, 2, b.Len)
	// Unbounded without start_time: event time starts at the clock's time
	// at Open and advances 1/rate = 100ms per event.
	require.Equal(t, time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC).UnixMilli(), b.Cols[0].I64[0])
	require.Equal(t, b.Cols[0].I64[0]+100, b.Cols[0].I64[1])

	require.NoError(t, src.Read(ctx, b))
	require.Equal(t, 0, b.Len)
	require.Equal(t, 50*time.Millisecond, waited[1]) // the third event is due at 300ms

	clock.now = clock.now.Add(time.Hour)
	require.NoError(t, src.Read(ctx, b))
	require.Equal(t, coldata.DefaultBatchSize, b.Len) // catching up, one batch at a time
}

func TestNewErrors(t *testing.T) {
	for _, tc := range []struct {
		schema catalog.Schema
		opts   catalog.Options
		want   string
	}{
		{metricsSchema, catalog.Options{"kind": "nexmark"}, `option kind must be one of`},
		{catalog.Schema{{Name: "tokens", Type: catalog.Varchar}}, catalog.Options{"kind": "llm_metrics"},
			`source "gen": column "tokens" must be BIGINT for kind llm_metrics, declared VARCHAR`},
		{metricsSchema, catalog.Options{"kind": "llm_metrics", "rate": "fast"}, "option rate"},
		{metricsSchema, catalog.Options{"kind": "llm_metrics", "count": "-1"}, "option count"},
		{metricsSchema, catalog.Options{"kind": "llm_metrics", "seed": "x"}, "option seed"},
		{metricsSchema, catalog.Options{"kind": "llm_metrics", "start_time": "yesterday"}, "option start_time"},
		{metricsSchema, catalog.Options{"kind": "llm_metrics", "max_out_of_order": "a while"}, "max_out_of_order"},
	} {
		_, err := New(&catalog.Source{Name: "gen", Schema: tc.schema, Options: tc.opts})
		require.ErrorContains(t, err, tc.want)
	}
	src := open(t, metricsSchema, catalog.Options{"kind": "llm_metrics", "count": "0"}, nil)
	require.ErrorIs(t, src.Read(context.Background(), coldata.NewBatch(metricsSchema, 0)), io.EOF)
}

func BenchmarkRead(b *testing.B) {
	for _, tc := range []struct {
		kind   string
		schema catalog.Schema
	}{{"llm_metrics", metricsSchema}, {"llm_feedback", feedbackSchema}, {"system_health", healthSchema},
		{"bid", bidSchema}, {"auction", auctionSchema}, {"person", personSchema}} {
		b.Run(tc.kind, func(b *testing.B) {
			src := open(b, tc.schema, catalog.Options{"kind": tc.kind, "rate": "0", "max_out_of_order": "1s"}, nil)
			batch := coldata.NewBatch(tc.schema, coldata.DefaultBatchSize)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := src.Read(context.Background(), batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)*coldata.DefaultBatchSize/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// An endless generator without rate is paced at 1000 events/s from the
// clock's time, so event time follows processing time instead of running
// ahead of it (where every event would be a future_timestamp dead letter).
func TestUnboundedDefaultsToPaced(t *testing.T) {
	start := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	clock := &manualClock{now: start}
	src := open(t, metricsSchema, catalog.Options{"kind": "llm_metrics"}, clock)
	src.wait = func(context.Context, time.Duration) error { return nil }
	b := coldata.NewBatch(src.Schema(), 0)
	clock.now = start.Add(10 * time.Millisecond)
	require.NoError(t, src.Read(context.Background(), b))
	// By processing time t the generator has emitted floor(t · rate) events
	// (as TestRate: 2 at 250 ms for rate 10): 10 by 10 ms, 1 ms apart in event
	// time from the clock's time at Open.
	require.Equal(t, 10, b.Len)
	require.Equal(t, start.UnixMilli(), b.Cols[0].I64[0])
	require.Equal(t, start.UnixMilli()+9, b.Cols[0].I64[9])

	// rate = '0' asks for as fast as possible: no pacing.
	fast := open(t, metricsSchema, catalog.Options{"kind": "llm_metrics", "rate": "0"}, &manualClock{now: start})
	require.NoError(t, fast.Read(context.Background(), b))
	require.Equal(t, coldata.DefaultBatchSize, b.Len)
}
