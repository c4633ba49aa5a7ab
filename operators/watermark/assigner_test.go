package watermark

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
)

type manualClock struct{ now time.Time }

func (c *manualClock) Now() time.Time { return c.now }

type collector struct{ lines []string }

func (c *collector) DeadLetter(d *operators.DeadLetter) {
	c.lines = append(c.lines, fmt.Sprintf("dead letter: p=%d offset=%d reason=%s time=%d detail=%q payload=%q",
		d.Partition, d.Offset, d.Reason, d.TimeMs, d.Detail, d.Payload))
}

var schema = catalog.Schema{{Name: "v", Type: catalog.Bigint}, {Name: "ts", Type: catalog.Timestamp}}

func fmtWm(w int64) string {
	switch w {
	case math.MinInt64:
		return "-inf"
	case math.MaxInt64:
		return "+inf"
	}
	return strconv.FormatInt(w, 10)
}

func scanMs(t *testing.T, td *datadriven.TestData, key string) time.Time {
	var ms int64
	td.ScanArgs(t, key, &ms)
	return time.UnixMilli(ms)
}

// TestAssigner runs testdata/*. Times are milliseconds; "now" is the manual
// processing-time clock. Directives:
//
//	new delay=MS [idle=DUR] [skew=DUR] [partitions=0,1] [idle-advance] now=MS
//	process p=P now=MS [sel=i,j]   input: one event time per line ("null" for NULL)
//	tick now=MS
//	ended p=P
//	status
func TestAssigner(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		var (
			a     *Assigner
			clock = &manualClock{}
			dead  = &collector{}
			cnt   = &operators.Counters{}
		)
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			switch td.Cmd {
			case "new":
				cfg := Config{TimeCol: 1, Clock: clock}
				td.ScanArgs(t, "delay", &cfg.DelayMs)
				clock.now = scanMs(t, td, "now")
				var err error
				if td.HasArg("idle") {
					var s string
					td.ScanArgs(t, "idle", &s)
					cfg.IdleTimeout, err = time.ParseDuration(s)
					require.NoError(t, err)
				}
				if td.HasArg("skew") {
					var s string
					td.ScanArgs(t, "skew", &s)
					cfg.MaxFutureSkew, err = time.ParseDuration(s)
					require.NoError(t, err)
				}
				if td.HasArg("partitions") {
					var ps []string
					td.ScanArgs(t, "partitions", &ps)
					for _, p := range ps {
						n, err := strconv.Atoi(p)
						require.NoError(t, err)
						cfg.Partitions = append(cfg.Partitions, int32(n))
					}
				}
				cfg.IdleAdvance = td.HasArg("idle-advance")
				dead.lines = nil
				a = NewAssigner(cfg, &operators.Context{Clock: clock, DeadLetters: dead, Counters: cnt})
				return "wm=" + fmtWm(a.Watermark())
			case "process":
				var p int
				td.ScanArgs(t, "p", &p)
				clock.now = scanMs(t, td, "now")
				b := coldata.NewBatch(schema, 0)
				b.Source = "src"
				b.Partition = int32(p)
				for i, line := range strings.Split(strings.TrimSpace(td.Input), "\n") {
					b.Cols[0].I64 = append(b.Cols[0].I64, int64(i))
					if line == "null" {
						b.Cols[1].AppendNull()
					} else {
						v, err := strconv.ParseInt(line, 10, 64)
						require.NoError(t, err)
						b.Cols[1].I64 = append(b.Cols[1].I64, v)
					}
					b.Offset = append(b.Offset, int64(100+i))
					b.Raw = append(b.Raw, []byte("raw "+line))
					b.Len++
				}
				if td.HasArg("sel") {
					var sel []string
					td.ScanArgs(t, "sel", &sel)
					b.Sel = []int{}
					for _, s := range sel {
						n, err := strconv.Atoi(s)
						require.NoError(t, err)
						b.Sel = append(b.Sel, n)
					}
				}
				live := append([]int(nil), b.Sel...)
				if b.Sel == nil {
					for i := 0; i < b.Len; i++ {
						live = append(live, i)
					}
				}
				dead.lines = nil
				a.Process(b)
				require.Len(t, b.EventTime, b.Len)
				require.Len(t, b.WmBefore, b.Len)
				var out strings.Builder
				for _, i := range live {
					fmt.Fprintf(&out, "row %d: t=%d wm_before=%s\n", i, b.EventTime[i], fmtWm(b.WmBefore[i]))
				}
				for _, l := range dead.lines {
					out.WriteString(l + "\n")
				}
				if b.Sel != nil {
					fmt.Fprintf(&out, "sel=%v\n", b.Sel)
				}
				out.WriteString("wm=" + fmtWm(a.Watermark()))
				return out.String()
			case "tick":
				a.Tick(scanMs(t, td, "now"))
				return "wm=" + fmtWm(a.Watermark())
			case "ended":
				var p int
				td.ScanArgs(t, "p", &p)
				a.PartitionEnded(int32(p))
				return "wm=" + fmtWm(a.Watermark())
			case "status":
				var out strings.Builder
				for _, s := range a.Status() {
					state := "active"
					if s.Idle {
						state = "idle"
					}
					if s.Ended {
						state = "ended"
					}
					fmt.Fprintf(&out, "p=%d wm=%s max=%s %s last_event=%d", s.Partition, fmtWm(s.Watermark),
						fmtWm(s.MaxEventTime), state, s.LastEvent.UnixMilli())
					if s.Holding {
						out.WriteString(" holding")
					}
					out.WriteString("\n")
				}
				fmt.Fprintf(&out, "dead letters counted: %d", cnt.DeadLetters.Load())
				return out.String()
			}
			t.Fatalf("unknown directive %q", td.Cmd)
			return ""
		})
	})
}

func TestConfigFromSource(t *testing.T) {
	def := &catalog.Source{Name: "m", Schema: schema, Watermark: &catalog.Watermark{Column: "TS", DelayMs: 2000},
		Options: catalog.Options{"idle_timeout": "5 minutes", "idle_advance": "true"}}
	cfg, err := ConfigFromSource(def, 0, nil)
	require.NoError(t, err)
	require.Equal(t, 1, cfg.TimeCol)
	require.Equal(t, int64(2000), cfg.DelayMs)
	require.Equal(t, 5*time.Minute, cfg.IdleTimeout)
	require.True(t, cfg.IdleAdvance)
	require.Equal(t, time.Hour, cfg.MaxFutureSkew)

	def.Options = catalog.Options{"max_future_skew": "0"}
	cfg, err = ConfigFromSource(def, 300*time.Second, nil)
	require.NoError(t, err)
	require.Equal(t, time.Duration(0), cfg.MaxFutureSkew)
	require.Equal(t, 300*time.Second, cfg.IdleTimeout)

	for _, bad := range []catalog.Options{{"idle_timeout": "soon"}, {"idle_advance": "maybe"}, {"max_future_skew": "-1s"}} {
		def.Options = bad
		_, err = ConfigFromSource(def, 0, nil)
		require.Error(t, err)
		require.NotContains(t, err.Error(), "watermark:")
	}
	// idle_advance takes what CREATE SOURCE accepts for a boolean option.
	for v, want := range map[string]bool{"true": true, "TRUE": true, " yes ": true, "on": true, "1": true, "t": true,
		"false": false, "False": false, "no": false, "off": false, "0": false, "f": false} {
		def.Options = catalog.Options{"idle_advance": v}
		cfg, err = ConfigFromSource(def, 0, nil)
		require.NoError(t, err, "%q", v)
		require.Equal(t, want, cfg.IdleAdvance, "%q", v)
	}
	def.Options = catalog.Options{"idle_advance": "maybe"}
	_, err = ConfigFromSource(def, 0, nil)
	require.EqualError(t, err, "option idle_advance = 'maybe': expected true or false")
	def.Watermark.Column = "v"
	_, err = ConfigFromSource(def, 0, nil)
	require.ErrorContains(t, err, "expected TIMESTAMP")
	def.Watermark = nil
	_, err = ConfigFromSource(def, 0, nil)
	require.ErrorContains(t, err, "no WATERMARK")

}

// BenchmarkProcess measures one partition of 2048-row batches.
func BenchmarkProcess(b *testing.B) {
	clock := &manualClock{now: time.UnixMilli(1 << 40)}
	a := NewAssigner(Config{TimeCol: 1, DelayMs: 1000, MaxFutureSkew: time.Hour, Clock: clock, Partitions: []int32{0, 1, 2}},
		&operators.Context{Counters: &operators.Counters{}})
	batch := coldata.NewBatch(schema, coldata.DefaultBatchSize)
	batch.Reset(coldata.DefaultBatchSize)
	for i := range batch.Cols[1].I64 {
		batch.Cols[1].I64[i] = int64(i*10 - (i%7)*25)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		batch.Partition = int32(i % 3)
		a.Process(batch)
	}
	b.ReportMetric(float64(b.N)*coldata.DefaultBatchSize/b.Elapsed().Seconds(), "events/s")
}
