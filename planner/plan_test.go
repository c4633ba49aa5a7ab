package planner

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/agg"
	"github.com/weirdb/weir/operators/project"
	"github.com/weirdb/weir/operators/window"
	"github.com/weirdb/weir/sql"
)

const metricsDDL = `CREATE SOURCE metrics (
  ts TIMESTAMP, model VARCHAR, latency_ms DOUBLE, tokens BIGINT, error VARCHAR,
  WATERMARK FOR ts AS ts - INTERVAL '2' MINUTE
) WITH (connector = 'file', path = 'm.jsonl');`

func planSQL(t *testing.T, ddl, query string) *Plan {
	t.Helper()
	cat := catalog.New()
	stmts, err := sql.Parse(ddl)
	require.NoError(t, err)
	for _, s := range stmts {
		require.NoError(t, execStmt(cat, s))
	}
	stmts, err = sql.Parse(query)
	require.NoError(t, err)
	p, err := PlanQuery(cat, stmts[0].(*sql.SelectStmt).Query)
	require.NoError(t, err)
	return p
}

// TestWindowSpec checks the WindowAgg's spec field by field for the SPEC's
// example query with an emit policy.
func TestWindowSpec(t *testing.T) {
	p := planSQL(t, metricsDDL, `
SELECT window_start, window_end, model, COUNT(*) AS requests, AVG(latency_ms) AS avg_latency,
       PERCENTILE_CONT(latency_ms, 0.95) AS p95, SUM(tokens) AS tokens
FROM HOP(metrics, ts, INTERVAL '1' MINUTE, INTERVAL '5' MINUTE)
WHERE model <> 'test'
GROUP BY window_start, window_end, model
EMIT EARLY EVERY INTERVAL '30' SECOND, EARLY WHEN error IS NOT NULL, LATE WITHIN INTERVAL '2' MINUTE;`)
	require.True(t, p.Windowed)
	require.Len(t, p.Sources, 1)
	require.Equal(t, NodeSource, p.Sources[0].Kind)

	// Root: Project ← WindowAgg ← Project ← Filter ← Watermark ← Source.
	kinds := []NodeKind{}
	for n := p.Root; ; n = n.Inputs[0] {
		kinds = append(kinds, n.Kind)
		if len(n.Inputs) == 0 {
			break
		}
	}
	require.Equal(t, []NodeKind{NodeProject, NodeWindowAgg, NodeProject, NodeFilter, NodeWatermark, NodeSource}, kinds)
	wa := p.Root.Inputs[0]
	wm := wa.Inputs[0].Inputs[0].Inputs[0]
	require.Equal(t, 0, wm.TimeCol)
	require.Equal(t, int64(120_000), wm.DelayMs)

	// Pre-aggregation columns: model, latency_ms, tokens, early_when.
	pre := wa.Inputs[0]
	require.Equal(t, []string{"model", "latency_ms", "tokens", "early_when"}, pre.Schema.Names())
	require.Equal(t, &window.Spec{
		Kind: window.Hop, Size: 300_000, Slide: 60_000,
		KeyCols: []int{0},
		Aggs: []agg.Spec{
			{Func: agg.CountStar, Arg: -1, Result: catalog.Bigint},
			{Func: agg.Avg, Arg: 1, ArgType: catalog.Double, Result: catalog.Double},
			{Func: agg.PercentileCont, Arg: 1, ArgType: catalog.Double, Param: 0.95, Result: catalog.Double},
			{Func: agg.Sum, Arg: 2, ArgType: catalog.Bigint, Result: catalog.Bigint},
		},
		Trigger: window.Trigger{EarlyEveryMs: 30_000, EarlyWhenCol: 3, LatenessMs: 120_000},
	}, wa.Window)
	require.Equal(t, catalog.Schema{
		{Name: "window_start", Type: catalog.Timestamp},
		{Name: "window_end", Type: catalog.Timestamp},
		{Name: "model", Type: catalog.Varchar},
		{Name: "count(*)", Type: catalog.Bigint},
		{Name: "avg(latency_ms)", Type: catalog.Double},
		{Name: "percentile_cont(latency_ms, 0.95)", Type: catalog.Double},
		{Name: "sum(tokens)", Type: catalog.Bigint},
	}, wa.Schema)
	require.Equal(t, catalog.Schema{
		{Name: "window_start", Type: catalog.Timestamp},
		{Name: "window_end", Type: catalog.Timestamp},
		{Name: "model", Type: catalog.Varchar},
		{Name: "requests", Type: catalog.Bigint},
		{Name: "avg_latency", Type: catalog.Double},
		{Name: "p95", Type: catalog.Double},
		{Name: "tokens", Type: catalog.Bigint},
	}, p.Output)
	// No EMIT: no early firing, no lateness, no EARLY WHEN column.
	p = planSQL(t, metricsDDL, `SELECT window_start, COUNT(*) FROM TUMBLE(metrics, ts, INTERVAL '1' MINUTE) GROUP BY window_start;`)
	require.Equal(t, window.Trigger{EarlyWhenCol: -1}, p.Root.Inputs[0].Window.Trigger)
}

// TestRunPlainPlan runs the Filter and Project nodes of a plan over a batch
// with the project operators: binding, coercion and evaluation together.
func TestRunPlainPlan(t *testing.T) {
	p := planSQL(t, metricsDDL, `
SELECT model, tokens * 2 AS t2, latency_ms / tokens AS per_token,
       COALESCE(error, 'ok') AS status, ts + INTERVAL '1' SECOND AS ts1
FROM metrics
WHERE (tokens > 1 OR error IS NOT NULL) AND model NOT LIKE 'test%' AND ts >= '1970-01-01 00:00:01';`)
	require.False(t, p.Windowed)
	var chain []*Node
	for n := p.Root; n.Kind == NodeFilter || n.Kind == NodeProject; n = n.Inputs[0] {
		chain = append([]*Node{n}, chain...)
	}
	require.Len(t, chain, 2)
	ops := []operators.Operator{project.NewFilter(chain[0].Filter), project.NewProject(chain[1].Exprs)}

	in := coldata.NewBatch(p.Sources[0].Schema, 4)
	in.Reset(5)
	rows := []struct {
		ts     int64
		model  string
		lat    float64
		tokens int64
		err    any
	}{
		{2000, "gpt", 10, 4, nil},         // kept
		{3000, "test-1", 10, 4, nil},      // model LIKE test%
		{4000, "claude", 9, 0, "timeout"}, // kept: error set; 9/0 is NULL
		{5000, "gpt", 10, 1, nil},         // tokens not > 1, no error
		{500, "gpt", 10, 4, nil},          // before the timestamp literal
	}
	for i, r := range rows {
		in.Cols[0].I64[i], in.Cols[1].Str[i], in.Cols[2].F64[i], in.Cols[3].I64[i] = r.ts, r.model, r.lat, r.tokens
		if r.err == nil {
			in.Cols[4].Nulls.Set(i)
		} else {
			in.Cols[4].Str[i] = r.err.(string)
		}
	}
	var got []string
	sink := operators.EmitterFunc(func(b *coldata.Batch) error {
		b.ForEach(func(i int) {
			per := "NULL"
			if !b.Cols[2].Nulls.IsNull(i) {
				per = fmt.Sprint(b.Cols[2].F64[i])
			}
			got = append(got, fmt.Sprintf("%s %d %s %s %s", b.Cols[0].Str[i], b.Cols[1].I64[i], per,
				b.Cols[3].Str[i], time.UnixMilli(b.Cols[4].I64[i]).UTC().Format("15:04:05")))
		})
		return nil
	})
	next := operators.EmitterFunc(func(b *coldata.Batch) error { return ops[1].Process(b, sink) })
	require.NoError(t, ops[0].Process(in, next))
	require.Equal(t, []string{
		"gpt 8 2.5 ok 00:00:03",
		"claude 0 NULL timeout 00:00:05",
	}, got)
}

func TestFormatMs(t *testing.T) {
	for ms, want := range map[int64]string{
		0: "0s", 300_000: "5m", 30_000: "30s", 5_400_000: "1h30m", 86_400_000: "1d",
		250: "250ms", 1500: "1s500ms", -60_000: "-1m", math.MaxInt32: "24d20h31m23s647ms",
	} {
		require.Equal(t, want, formatMs(ms))
	}
}

func TestDidYouMean(t *testing.T) {
	names := []string{"latency_ms", "model", "tokens"}
	require.Equal(t, ` (did you mean "latency_ms"?)`, didYouMean("latncy_ms", names))
	require.Equal(t, ` (did you mean "model"?)`, didYouMean("MODLE", names))
	require.Equal(t, "", didYouMean("zzz", names))
	require.Equal(t, "", didYouMean("x", nil))
}
