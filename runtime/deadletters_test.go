package runtime_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/runtime"
	"github.com/weirdb/weir/sql"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestDeadLettersWithoutDestinationAreAllReported: a source without a
// dead-letter destination has its dead letters counted and logged
// (rate-limited) on stderr — all of them by the time the engine closes, not
// just the first (SEMANTICS.md §7: never silently lost from the metrics).
func TestDeadLettersWithoutDestinationAreAllReported(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "d.jsonl")
	// Lines 2–5 are malformed (bad JSON, wrong type, no ts, NULL ts); line 7
	// is too late: W = 10:05 − 1 min = 10:04 after line 6 closes [10:00,10:01).
	require.NoError(t, os.WriteFile(path, []byte(`{"ts":"2026-11-09T10:00:00Z","v":1}
not json
{"ts":"2026-11-09T10:00:01Z","v":"x"}
{"v":3}
{"ts":null,"v":4}
{"ts":"2026-11-09T10:05:00Z","v":5}
{"ts":"2026-11-09T10:00:30Z","v":6}
`), 0o644))
	stmts, err := sql.Parse(fmt.Sprintf(`CREATE SOURCE d (ts TIMESTAMP, v BIGINT, WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE)
  WITH (connector = 'file', path = '%s');
SELECT window_start, COUNT(*) AS n FROM TUMBLE(d, ts, INTERVAL '1' MINUTE) GROUP BY window_start;`, path))
	require.NoError(t, err)
	var stderr lockedBuffer
	eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &stderr})
	var q *runtime.Query
	for _, s := range stmts {
		res, err := eng.Exec(context.Background(), s, func(catalog.Schema) (operators.Operator, error) { return &countSink{}, nil })
		require.NoError(t, err)
		q = res.Query
	}
	select {
	case <-q.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("query did not finish within 20s")
	}
	require.NoError(t, q.Err())
	require.NoError(t, eng.Close())
	counts := map[string]int{}
	for _, m := range regexp.MustCompile(`d (malformed|too_late)=(\d+)`).FindAllStringSubmatch(stderr.String(), -1) {
		n, _ := strconv.Atoi(m[2])
		counts[m[1]] += n
	}
	require.Equal(t, map[string]int{"malformed": 4, "too_late": 1}, counts, stderr.String())
}
