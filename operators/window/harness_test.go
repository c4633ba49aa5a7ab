package window

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/agg"
	"github.com/weirdb/weir/storage"
)

// The test input schema: every test batch has these columns.
var testSchema = catalog.Schema{
	{Name: "key", Type: catalog.Varchar},
	{Name: "v", Type: catalog.Double},
	{Name: "n", Type: catalog.Bigint},
	{Name: "s", Type: catalog.Varchar},
	{Name: "flag", Type: catalog.Boolean},
	{Name: "key2", Type: catalog.Bigint},
}

func colIndex(name string) int {
	for i, c := range testSchema {
		if c.Name == name {
			return i
		}
	}
	return -1
}

type manualClock struct{ now time.Time }

func (c *manualClock) Now() time.Time { return c.now }

type captureDL struct{ got []string }

func (c *captureDL) DeadLetter(d *operators.DeadLetter) {
	c.got = append(c.got, fmt.Sprintf("%s source=%s partition=%d offset=%d payload=%s",
		d.Reason, d.Source, d.Partition, d.Offset, d.Payload))
}

// harness drives one operator: it plays the watermark assigner (WmBefore
// = max event time seen − delay, unless a row gives wm=) and prints what
// the operator emits.
type harness struct {
	spec   Spec
	op     operators.Operator
	ctx    *operators.Context
	clock  *manualClock
	dl     *captureDL
	delay  int64
	maxT   int64
	offset int64
	out    strings.Builder
	tier   *storage.Tier // non-nil: run with spilling (spill_test.go)
	setup  func(o *op)   // non-nil: called on each new operator before Open
	rows   int64         // rows the operator emitted, for counters' rows_out
}

// parseTime reads HH:MM:SS[.mmm], "-inf" or "+inf" as ms since midnight.
func parseTime(s string) (int64, error) {
	switch s {
	case "-inf":
		return math.MinInt64, nil
	case "+inf":
		return math.MaxInt64, nil
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var h, m int64
	var sec float64
	if _, err := fmt.Sscanf(s, "%d:%d:%g", &h, &m, &sec); err != nil {
		return 0, fmt.Errorf("bad time %q: %v", s, err)
	}
	t := (h*3600+m*60)*1000 + int64(math.Round(sec*1000))
	if neg {
		t = -t
	}
	return t, nil
}

func fmtTime(t int64) string {
	switch t {
	case math.MinInt64:
		return "-inf"
	case math.MaxInt64:
		return "+inf"
	}
	sign := ""
	if t < 0 {
		sign, t = "-", -t
	}
	s := fmt.Sprintf("%s%02d:%02d:%02d", sign, t/3600000, t/60000%60, t/1000%60)
	if ms := t % 1000; ms != 0 {
		s += fmt.Sprintf(".%03d", ms)
	}
	return s
}

// parseDur reads 5m, 30s, 1h, 500ms or 0.
func parseDur(s string) (int64, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	return d.Milliseconds(), nil
}

func parseAggs(s string) ([]agg.Spec, error) {
	var out []agg.Spec
	for _, item := range splitTop(s) {
		name, arg, _ := strings.Cut(strings.TrimSuffix(item, ")"), "(")
		var param float64
		if a, p, ok := strings.Cut(arg, ";"); ok {
			arg = a
			var err error
			if param, err = strconv.ParseFloat(p, 64); err != nil {
				return nil, err
			}
		}
		fn, ok := map[string]agg.Func{
			"count_star": agg.CountStar, "count": agg.Count, "count_distinct": agg.CountDistinct,
			"sum": agg.Sum, "avg": agg.Avg, "min": agg.Min, "max": agg.Max,
			"stddev": agg.Stddev, "variance": agg.Variance, "pct": agg.PercentileCont,
			"approx_pct": agg.ApproxPercentile, "approx_distinct": agg.ApproxCountDistinct,
			"first": agg.FirstValue, "last": agg.LastValue,
		}[name]
		if !ok {
			return nil, fmt.Errorf("unknown aggregate %q", name)
		}
		sp := agg.Spec{Func: fn, Arg: -1, Param: param}
		if fn != agg.CountStar {
			sp.Arg = colIndex(arg)
			if sp.Arg < 0 {
				return nil, fmt.Errorf("unknown column %q", arg)
			}
			sp.ArgType = testSchema[sp.Arg].Type
		}
		sp.Result = agg.ResultType(fn, sp.ArgType)
		out = append(out, sp)
	}
	return out, nil
}

func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

func newHarness(args []datadriven.CmdArg, tier *storage.Tier, setup func(o *op)) (*harness, error) {
	h := &harness{maxT: math.MinInt64, tier: tier, setup: setup}
	sp := Spec{Trigger: Trigger{EarlyWhenCol: -1}}
	for _, a := range args {
		v := strings.Join(a.Vals, ",")
		var err error
		switch a.Key {
		case "kind":
			sp.Kind = map[string]Kind{"tumble": Tumble, "hop": Hop, "cumulate": Cumulate, "session": Session}[v]
		case "size":
			sp.Size, err = parseDur(v)
		case "slide", "step":
			sp.Slide, err = parseDur(v)
		case "offset":
			sp.Offset, err = parseDur(v)
		case "gap":
			sp.Gap, err = parseDur(v)
		case "max":
			sp.MaxDuration, err = parseDur(v)
		case "lateness":
			sp.Trigger.LatenessMs, err = parseDur(v)
		case "early_every":
			sp.Trigger.EarlyEveryMs, err = parseDur(v)
		case "early_when":
			sp.Trigger.EarlyWhenCol = colIndex(v)
		case "delay":
			h.delay, err = parseDur(v)
		case "keys":
			for _, k := range a.Vals {
				sp.KeyCols = append(sp.KeyCols, colIndex(k))
			}
		case "aggs":
			sp.Aggs, err = parseAggs(v)
		default:
			err = fmt.Errorf("unknown spec argument %q", a.Key)
		}
		if err != nil {
			return nil, err
		}
	}
	h.spec = sp
	return h, h.open()
}

func (h *harness) open() error {
	o, err := New(h.spec)
	if err != nil {
		return err
	}
	h.op = o
	if h.setup != nil {
		h.setup(o.(*op))
	}
	if h.tier != nil {
		o.(StateSpiller).SetStateTier(h.tier)
	}
	if h.clock == nil {
		h.clock = &manualClock{now: time.Unix(1_700_000_000, 0)}
		h.dl = &captureDL{}
		h.ctx = &operators.Context{Clock: h.clock, DeadLetters: h.dl, Counters: &operators.Counters{}}
	}
	return o.Open(h.ctx)
}

func (h *harness) emitter() operators.Emitter {
	return operators.EmitterFunc(func(b *coldata.Batch) error {
		h.rows += int64(b.Len)
		for r := 0; r < b.Len; r++ {
			h.out.WriteString(formatRow(b, r))
			h.out.WriteByte('\n')
		}
		return nil
	})
}

func formatRow(b *coldata.Batch, r int) string {
	var sb strings.Builder
	sb.WriteString(b.Emit[r].String())
	for _, v := range b.Cols {
		sb.WriteByte(' ')
		if v.Nulls.IsNull(r) {
			sb.WriteString("NULL")
			continue
		}
		switch v.Type {
		case catalog.Timestamp:
			sb.WriteString(fmtTime(v.I64[r]))
		case catalog.Bigint:
			sb.WriteString(strconv.FormatInt(v.I64[r], 10))
		case catalog.Double:
			sb.WriteString(strconv.FormatFloat(v.F64[r], 'g', 10, 64))
		case catalog.Varchar:
			sb.WriteString(v.Str[r])
		case catalog.Boolean:
			sb.WriteString(strconv.FormatBool(v.Bool[r]))
		}
	}
	return sb.String()
}

// parseBatch reads one row per line: ts=HH:MM:SS and column=value pairs
// (absent or "null" → NULL), optionally wm=HH:MM:SS|-inf to set WmBefore.
func (h *harness) parseBatch(input string) (*coldata.Batch, error) {
	b := coldata.NewBatch(testSchema, 0)
	b.Source, b.Partition = "src", 0
	for _, line := range strings.Split(strings.TrimSpace(input), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		vals := map[string]string{}
		for _, f := range strings.Fields(line) {
			k, v, _ := strings.Cut(f, "=")
			vals[k] = v
		}
		ts, err := parseTime(vals["ts"])
		if err != nil {
			return nil, err
		}
		wb := int64(math.MinInt64)
		if h.maxT != math.MinInt64 {
			wb = h.maxT - h.delay
		}
		if w, ok := vals["wm"]; ok {
			if wb, err = parseTime(w); err != nil {
				return nil, err
			}
		}
		h.maxT = max(h.maxT, ts)
		for c, col := range testSchema {
			v, ok := vals[col.Name]
			vec := b.Cols[c]
			if !ok || v == "null" {
				vec.AppendNull()
				continue
			}
			switch col.Type {
			case catalog.Varchar:
				vec.Str = append(vec.Str, v)
			case catalog.Double:
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return nil, err
				}
				vec.F64 = append(vec.F64, f)
			case catalog.Bigint:
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return nil, err
				}
				vec.I64 = append(vec.I64, n)
			case catalog.Boolean:
				vec.Bool = append(vec.Bool, v == "true")
			}
		}
		b.EventTime = append(b.EventTime, ts)
		b.WmBefore = append(b.WmBefore, wb)
		h.offset++
		b.Offset = append(b.Offset, h.offset)
		b.Raw = append(b.Raw, []byte(line))
		b.Len++
	}
	return b, nil
}

func (h *harness) run(t *testing.T, d *datadriven.TestData) string {
	h.out.Reset()
	var err error
	switch d.Cmd {
	case "batch":
		var b *coldata.Batch
		if b, err = h.parseBatch(d.Input); err == nil {
			err = h.op.Process(b, h.emitter())
		}
	case "watermark":
		var w int64
		var s string
		d.ScanArgs(t, "t", &s)
		if w, err = parseTime(s); err == nil {
			err = h.op.OnWatermark(w, h.emitter())
		}
	case "timer":
		var s string
		d.ScanArgs(t, "advance", &s)
		var ms int64
		if ms, err = parseDur(s); err == nil {
			h.clock.now = h.clock.now.Add(time.Duration(ms) * time.Millisecond)
			err = h.op.(operators.TimerOperator).OnTimer(h.clock.now, h.emitter())
		}
	case "deadletters":
		for _, s := range h.dl.got {
			h.out.WriteString(s + "\n")
		}
		h.dl.got = nil
	case "counters":
		c := h.ctx.Counters
		fmt.Fprintf(&h.out, "late=%d dropped=%d created=%d completed=%d pruned=%d rows_out=%d\n",
			c.LateEvents.Load(), c.DroppedEvents.Load(), c.WindowsCreated.Load(),
			c.WindowsCompleted.Load(), c.WindowsPruned.Load(), h.rows)
	case "restart":
		// Snapshot, then continue with a fresh operator restored from it.
		var buf bytes.Buffer
		if err = h.op.(operators.Checkpointer).Snapshot(&buf); err == nil {
			if err = h.open(); err == nil {
				err = h.op.(operators.Checkpointer).Restore(&buf)
			}
		}
		fmt.Fprintf(&h.out, "restored\n")
	default:
		t.Fatalf("unknown command %q", d.Cmd)
	}
	if err != nil {
		fmt.Fprintf(&h.out, "error: %v\n", err)
	}
	if h.out.Len() == 0 {
		return "(nothing)\n"
	}
	return h.out.String()
}

func TestDataDriven(t *testing.T) { runDataDriven(t, nil) }

// runDataDriven runs the golden files, with every operator spilling to
// tier when it is not nil.
func runDataDriven(t *testing.T, tier *storage.Tier) { runDataDrivenIn(t, "testdata", tier) }

// runDataDrivenIn runs the golden files under dir.
func runDataDrivenIn(t *testing.T, dir string, tier *storage.Tier) {
	runDataDrivenWith(t, dir, tier, nil)
}

// runDataDrivenWith runs the golden files under dir, calling setup (when
// not nil) on every operator the harness makes, before it is opened.
func runDataDrivenWith(t *testing.T, dir string, tier *storage.Tier, setup func(o *op)) {
	datadriven.Walk(t, dir, func(t *testing.T, path string) {
		var h *harness
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			if d.Cmd == "spec" {
				var err error
				h, err = newHarness(d.CmdArgs, tier, setup)
				if err != nil {
					return fmt.Sprintf("error: %v\n", err)
				}
				return "ok\n"
			}
			return h.run(t, d)
		})
	})
}
