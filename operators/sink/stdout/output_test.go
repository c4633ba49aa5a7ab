package stdout

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators"
)

// TestOutput runs testdata/output: the sinks of several queries and
// finished results printed to one Output, in a given order (what `weir run`
// does with several SELECTs, deterministically). Directive:
//
//	output format=F    input, one line each:
//	                   qN schema name TYPE, name TYPE, ...   declare query N
//	                   qN: v | v | ... | emit                a row of query N;
//	                                                         consecutive rows of
//	                                                         one query are one batch
//	                   result: text                          a finished result's line
//	                                                         ("result:" alone: an empty one)
//	                   close qN                              query N ends
//
// Queries not closed are closed at the end, in the order declared.
func TestOutput(t *testing.T) {
	datadriven.RunTest(t, "testdata/output", func(t *testing.T, td *datadriven.TestData) string {
		require.Equal(t, "output", td.Cmd)
		var format string
		td.ScanArgs(t, "format", &format)
		var buf bytes.Buffer
		out := NewOutput(&buf)
		sinks := map[string]operators.Operator{}
		schemas := map[string]catalog.Schema{}
		closed := map[string]bool{}
		var order []string
		var pending []string // rows of the batch being gathered
		pendingQ := ""
		flush := func() {
			if pendingQ != "" {
				require.NoError(t, sinks[pendingQ].Process(parseBatch(t, schemas[pendingQ], strings.Join(pending, "\n")), nil))
			}
			pending, pendingQ = nil, ""
		}
		for _, line := range strings.Split(td.Input, "\n") {
			switch {
			case strings.HasPrefix(line, "result:"):
				flush()
				text := strings.TrimPrefix(strings.TrimPrefix(line, "result:"), " ")
				_, err := out.Write([]byte(text + "\n"))
				require.NoError(t, err)
			case strings.HasPrefix(line, "close "):
				flush()
				q := strings.TrimPrefix(line, "close ")
				require.NoError(t, sinks[q].Close())
				closed[q] = true
			case strings.Contains(line, " schema "):
				flush()
				q, cols, _ := strings.Cut(line, " schema ")
				var schema catalog.Schema
				for _, c := range strings.Split(cols, ", ") {
					f := strings.Fields(c)
					typ, ok := catalog.ParseType(f[1])
					require.True(t, ok, c)
					schema = append(schema, catalog.Column{Name: f[0], Type: typ})
				}
				var idx int
				_, err := fmt.Sscanf(q, "q%d", &idx)
				require.NoError(t, err)
				s, err := out.New(format, schema, idx)
				require.NoError(t, err)
				sinks[q], schemas[q] = s, schema
				order = append(order, q)
			default:
				q, row, ok := strings.Cut(line, ": ")
				require.True(t, ok, line)
				if q != pendingQ {
					flush()
				}
				pendingQ, pending = q, append(pending, row)
			}
		}
		flush()
		for _, q := range order {
			if !closed[q] {
				require.NoError(t, sinks[q].Close())
			}
		}
		return buf.String()
	})
}

// TestOutputWriteError: a failing writer fails the query with the OS's
// error, without an internal package prefix.
func TestOutputWriteError(t *testing.T) {
	s, err := New(failWriter{}, FormatJSONL, catalog.Schema{{Name: "n", Type: catalog.Bigint}}, 0)
	require.NoError(t, err)
	err = s.Process(parseBatch(t, catalog.Schema{{Name: "n", Type: catalog.Bigint}}, "1 | final"), nil)
	require.EqualError(t, err, "writing rows: write /dev/stdout: no space left on device")
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) {
	return 0, fmt.Errorf("write /dev/stdout: no space left on device")
}
