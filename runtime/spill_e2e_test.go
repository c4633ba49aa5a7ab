package runtime_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/runtime"
	"github.com/weirdb/weir/sql"
	"github.com/weirdb/weir/storage"
)

// TestTinyBudgetSameResults runs windowed queries over a file of 60,000
// out-of-order events on 20,000 keys (with late and too-late events) twice
// through the engine: all state in memory, and with
// state.hot.max_size_mb = 1 so that window state spills to Pebble and is
// read back throughout. Every emitted row (early, final, late) must be the
// same, in the same order. The in-memory results are the reference; their
// correctness is what the hand-derived golden tests establish.
func TestTinyBudgetSameResults(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.jsonl")
	writeSpillEvents(t, path, 60_000, 20_000)
	source := fmt.Sprintf(`CREATE SOURCE ev (ts TIMESTAMP, user_id VARCHAR, latency_ms BIGINT, cost DOUBLE, kind VARCHAR,
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH (connector = 'file', path = '%s')`, path)
	queries := map[string]string{
		"tumble": `SELECT window_start, user_id, COUNT(*) AS n, SUM(cost) AS cost, AVG(latency_ms) AS avg_lat,
  MIN(latency_ms) AS lo, MAX(latency_ms) AS hi, PERCENTILE_CONT(latency_ms, 0.9) AS p90,
  APPROX_COUNT_DISTINCT(kind) AS kinds, LAST_VALUE(kind) AS last_kind
FROM TUMBLE(ev, ts, INTERVAL '1' MINUTE) GROUP BY window_start, window_end, user_id
EMIT LATE WITHIN INTERVAL '30' SECOND`,
		"hop": `SELECT window_start, window_end, user_id, COUNT(*) AS n, MAX(latency_ms) AS hi, STDDEV(latency_ms) AS sd
FROM HOP(ev, ts, INTERVAL '30' SECOND, INTERVAL '2' MINUTE) GROUP BY window_start, window_end, user_id
EMIT LATE WITHIN INTERVAL '20' SECOND`,
		"cumulate": `SELECT window_start, window_end, user_id, SUM(latency_ms) AS total
FROM CUMULATE(ev, ts, INTERVAL '1' MINUTE, INTERVAL '3' MINUTE) GROUP BY window_start, window_end, user_id`,
		"session": `SELECT window_start, window_end, user_id, COUNT(*) AS n, FIRST_VALUE(kind) AS first_kind, AVG(cost) AS cost
FROM SESSION(ev, ts, INTERVAL '20' SECOND, INTERVAL '2' MINUTE) GROUP BY window_start, window_end, user_id
EMIT EARLY WHEN kind = 'error', LATE WITHIN INTERVAL '30' SECOND`,
	}
	for name, q := range queries {
		t.Run(name, func(t *testing.T) {
			ref, _ := runWithBudget(t, source, q, 0, "")
			got, st := runWithBudget(t, source, q, 1, filepath.Join(t.TempDir(), "state"))
			require.Greater(t, len(ref), 1000, "the reference emitted rows")
			require.Positive(t, st.Evictions, "state spilled")
			require.Positive(t, st.WarmReads, "spilled state was read back")
			require.Equal(t, len(ref), len(got), "row count")
			for i := range ref {
				if ref[i] != got[i] {
					for j := max(0, i-3); j < min(len(ref), i+3); j++ {
						t.Logf("row %d\n  in memory: %s\n  spilling:  %s", j, ref[j], got[j])
					}
					require.Equal(t, ref[i], got[i], "row %d", i)
				}
			}
		})
	}
}

type spillStats struct{ Evictions, WarmReads int64 }

// runWithBudget runs source and query to end of input on a fresh engine,
// spilling beyond budgetMB to a store in stateDir (budgetMB 0: no store),
// and returns the rows as runQuery renders them.
func runWithBudget(t *testing.T, source, query string, budgetMB int, stateDir string) ([]string, spillStats) {
	cfg := runtime.Defaults()
	opts := runtime.Options{Config: cfg, Stderr: &testLog{t: t}}
	var st *storage.Store
	if budgetMB > 0 {
		cfg.State.Hot.MaxSizeMB = budgetMB
		opts.Config = cfg
		var err error
		st, err = storage.Open(stateDir, cfg.StorageOptions())
		require.NoError(t, err)
		defer st.Close()
		opts.Storage, opts.NoCheckpoints = st, true
	}
	eng := runtime.New(opts)
	defer eng.Close()
	stmts, err := sql.Parse(source)
	require.NoError(t, err)
	_, err = eng.Exec(context.Background(), stmts[0], nil)
	require.NoError(t, err)
	out := runQuery(t, eng, query, false)
	rows := splitLines(out)
	var stats spillStats
	if st != nil {
		stats = spillStats{st.Metrics().Evictions.Load(), st.Metrics().WarmReads.Load()}
	}
	return rows, stats
}

func splitLines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// writeSpillEvents writes n events on keys users over ten minutes of
// event time: ±3 s of disorder (inside the 5 s watermark delay), every
// 97th event 10–40 s behind (late for some windows, too late for others),
// and every 50th of kind 'error' (an EARLY WHEN trigger).
func writeSpillEvents(t *testing.T, path string, n, users int) {
	f, err := os.Create(path)
	require.NoError(t, err)
	w := bufio.NewWriter(f)
	r := rand.New(rand.NewSource(7))
	base := int64(1767225600000)
	for i := range n {
		ts := base + int64(i)*600_000/int64(n) + int64(r.Intn(6000)) - 3000
		if i%97 == 0 {
			ts -= 10_000 + int64(r.Intn(30_000))
		}
		kind := "ok"
		if i%50 == 0 {
			kind = "error"
		}
		fmt.Fprintf(w, `{"ts":%d,"user_id":"user-%05d","latency_ms":%d,"cost":%.3f,"kind":"%s"}`+"\n",
			ts, r.Intn(users), 50+r.Intn(2000), float64(r.Intn(1000))/1000, kind)
	}
	require.NoError(t, w.Flush())
	require.NoError(t, f.Close())
}
