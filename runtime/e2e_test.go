package runtime_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/runtime"
	"github.com/weirdb/weir/sql"
)

// TestEndToEnd runs the query files in testdata/e2e. Verbs:
//
//	file name=N        the input is written to $TMP/N
//	exec               the input's statements are executed; prints "ok" or the error
//	query [rowsort]    the input SELECT runs to end of input; prints every
//	                   emitted row as "kind | col | col ...", timestamps as
//	                   HH:MM:SS[.mmm] UTC (the test files use one day), NULL as NULL
//	deadletters name=N closes the engine and prints the dead-letter file $TMP/N
//	                   as "reason line payload", sorted
//
// More verbs (counters, the manual-clock engine) are in e2e_verbs_test.go.
// $TMP in inputs is replaced by the test's temporary directory.
func TestEndToEnd(t *testing.T) {
	datadriven.Walk(t, "testdata/e2e", func(t *testing.T, path string) {
		dir := t.TempDir()
		eng := runtime.New(runtime.Options{Config: runtime.Defaults(), Stderr: &testLog{t: t}})
		defer eng.Close()
		ext := newE2EExt(t, dir)
		defer ext.close()
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			input := strings.ReplaceAll(td.Input, "$TMP", dir)
			switch td.Cmd {
			case "file":
				var name string
				td.ScanArgs(t, "name", &name)
				require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(input+"\n"), 0o644))
				return ""
			case "exec":
				stmts, err := sql.Parse(input)
				if err != nil {
					return err.Error() + "\n"
				}
				for _, s := range stmts {
					if _, err := eng.Exec(context.Background(), s, nil); err != nil {
						return err.Error() + "\n"
					}
				}
				return "ok\n"
			case "query":
				return runQuery(t, eng, input, td.HasArg("rowsort"))
			case "deadletters":
				var name string
				td.ScanArgs(t, "name", &name)
				require.NoError(t, eng.Close())
				return readDeadLetters(t, filepath.Join(dir, name))
			}
			if out, ok := ext.run(t, eng, td, input); ok {
				return out
			}
			t.Fatalf("unknown command %q", td.Cmd)
			return ""
		})
	})
}

func runQuery(t *testing.T, eng *runtime.Engine, text string, rowsort bool) string {
	stmts, err := sql.Parse(text)
	if err != nil {
		return err.Error() + "\n"
	}
	require.Len(t, stmts, 1)
	sink := &collectSink{}
	res, err := eng.Exec(context.Background(), stmts[0], func(schema catalog.Schema) (operators.Operator, error) {
		sink.schema = schema
		return sink, nil
	})
	if err != nil {
		return err.Error() + "\n"
	}
	select {
	case <-res.Query.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("query did not finish within 20s")
	}
	if err := res.Query.Err(); err != nil {
		return "query failed: " + err.Error() + "\n"
	}
	rows := sink.rows
	if rowsort {
		sort.Strings(rows)
	}
	return strings.Join(rows, "\n") + "\n"
}

// collectSink renders each emitted row as one line.
type collectSink struct {
	mu     sync.Mutex
	schema catalog.Schema
	rows   []string
}

func (c *collectSink) Open(*operators.Context) error              { return nil }
func (c *collectSink) OnWatermark(int64, operators.Emitter) error { return nil }
func (c *collectSink) Close() error                               { return nil }

func (c *collectSink) Process(b *coldata.Batch, _ operators.Emitter) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	b.ForEach(func(i int) {
		var sb strings.Builder
		if b.Emit != nil {
			sb.WriteString(b.Emit[i].String())
		} else {
			sb.WriteString("row")
		}
		for j, v := range b.Cols {
			sb.WriteString(" | ")
			sb.WriteString(renderValue(v, c.schema[j].Type, i))
		}
		c.rows = append(c.rows, sb.String())
	})
	return nil
}

func renderValue(v *coldata.Vec, t catalog.Type, i int) string {
	if v.Nulls.IsNull(i) {
		return "NULL"
	}
	switch t {
	case catalog.Bigint:
		return strconv.FormatInt(v.I64[i], 10)
	case catalog.Timestamp:
		switch v.I64[i] {
		case math.MinInt64:
			return "-inf"
		case math.MaxInt64:
			return "+inf"
		}
		ts := time.UnixMilli(v.I64[i]).UTC()
		if ts.Nanosecond() != 0 {
			return ts.Format("15:04:05.000")
		}
		return ts.Format("15:04:05")
	case catalog.Double:
		return strconv.FormatFloat(v.F64[i], 'g', 10, 64)
	case catalog.Varchar:
		return v.Str[i]
	case catalog.Boolean:
		return strconv.FormatBool(v.Bool[i])
	}
	return "?"
}

func readDeadLetters(t *testing.T, path string) string {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var d map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &d), sc.Text())
		line := d["line"]
		if line == nil {
			line = d["offset"]
		}
		lines = append(lines, fmt.Sprintf("%v %v %v", d["reason"], line, d["payload"]))
	}
	require.NoError(t, sc.Err())
	// Malformed lines are found by the source goroutine and too-late events by
	// the window operator, so the file's order is not deterministic: sort.
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}

// testLog sends the engine's diagnostics to the test log.
type testLog struct{ t *testing.T }

func (l *testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
