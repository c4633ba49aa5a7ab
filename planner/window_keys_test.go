package planner

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestKeyedPlan: every window key is in the keyed plan's output, found
// where the SELECT list passes it through and appended (hidden) otherwise;
// the plan's own columns are unchanged.
func TestKeyedPlan(t *testing.T) {
	for _, tc := range []struct {
		name    string
		query   string
		visible []string
		hidden  []string
		keys    []int // window_start, window_end, GROUP BY keys
	}{
		{"all keys shown in order (no final projection)",
			`SELECT window_start, window_end, model, COUNT(*) AS n FROM TUMBLE(metrics, ts, INTERVAL '1' MINUTE)
			 GROUP BY window_start, window_end, model`,
			[]string{"window_start", "window_end", "model", "n"}, nil, []int{0, 1, 2}},
		{"model left out",
			`SELECT window_start, SUM(tokens) AS s FROM TUMBLE(metrics, ts, INTERVAL '1' MINUTE)
			 GROUP BY window_start, model`,
			[]string{"window_start", "s"}, []string{"window_end", "model"}, []int{0, 2, 3}},
		{"window bounds left out, key renamed (still passed through)",
			`SELECT model AS m, COUNT(*) AS n FROM TUMBLE(metrics, ts, INTERVAL '1' MINUTE)
			 GROUP BY window_start, model`,
			[]string{"m", "n"}, []string{"window_start", "window_end"}, []int{2, 3, 0}},
		{"computed key and a visible name clash",
			`SELECT UPPER(model) AS model, window_end FROM TUMBLE(metrics, ts, INTERVAL '1' MINUTE)
			 GROUP BY window_end, model HAVING COUNT(*) > 1`,
			[]string{"model", "window_end"}, []string{"window_start", "_key_model"}, []int{2, 1, 3}},
		{"through a subquery's projection",
			`SELECT s FROM (SELECT window_start, error, SUM(tokens) AS s FROM TUMBLE(metrics, ts, INTERVAL '1' MINUTE)
			 GROUP BY window_start, model, error)`,
			[]string{"s"}, []string{"window_start", "window_end", "model", "error"}, []int{1, 2, 3, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := planSQL(t, metricsDDL, tc.query)
			require.Equal(t, tc.visible, p.Output.Names())
			k, keys, ok := KeyedPlan(p)
			require.True(t, ok)
			require.Equal(t, tc.visible, p.Output.Names(), "the plan is not modified")
			require.Equal(t, append(append([]string(nil), tc.visible...), tc.hidden...), k.Output.Names())
			require.Equal(t, k.Root.Schema, k.Output)
			require.Equal(t, tc.keys, keys)
			require.True(t, k.Windowed)
			require.Equal(t, p.Sources, k.Sources)
		})
	}
	_, _, ok := KeyedPlan(planSQL(t, metricsDDL, `SELECT model FROM metrics`))
	require.False(t, ok, "no window aggregation")
}

// TestPlanViews: a plan names the plain views it expanded, nested ones
// included, once each.
func TestPlanViews(t *testing.T) {
	ddl := metricsDDL + `
CREATE VIEW fast AS SELECT ts, model FROM metrics WHERE latency_ms < 100;
CREATE VIEW fast_a AS SELECT ts, model FROM fast WHERE model = 'a';`
	p := planSQL(t, ddl, `SELECT model FROM fast_a UNION ALL SELECT model FROM fast`)
	require.Equal(t, []string{"fast_a", "fast"}, p.Views)
	require.Empty(t, planSQL(t, ddl, `SELECT model FROM metrics`).Views)
}
