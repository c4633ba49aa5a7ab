package stdout

import (
	"bytes"
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

// TestSink runs testdata/sink. Directives:
//
//	schema                       input: "name TYPE" per line
//	write format=F [query=N]     input: rows "v | v | ... | emit", batches
//	                             separated by a line "--"; emit "-" = none,
//	                             and a batch whose rows all say "-" has Emit nil
//	table                        input: rows "v | v | ..." of a finished
//	                             result, printed by AppendTable
//
// Values: NULL; TIMESTAMP in RFC 3339; VARCHAR bare or Go-quoted; DOUBLE
// also NaN, +Inf, -Inf.
func TestSink(t *testing.T) {
	var schema catalog.Schema
	datadriven.RunTest(t, "testdata/sink", func(t *testing.T, td *datadriven.TestData) string {
		switch td.Cmd {
		case "schema":
			schema = nil
			for _, line := range strings.Split(td.Input, "\n") {
				f := strings.Fields(line)
				typ, ok := catalog.ParseType(f[1])
				require.True(t, ok)
				schema = append(schema, catalog.Column{Name: f[0], Type: typ})
			}
			return "ok"
		case "write":
			var format string
			query := 0
			td.ScanArgs(t, "format", &format)
			if td.HasArg("query") {
				td.ScanArgs(t, "query", &query)
			}
			var out bytes.Buffer
			s, err := New(&out, format, schema, query)
			require.NoError(t, err)
			require.NoError(t, s.Open(&operators.Context{}))
			for _, chunk := range strings.Split(td.Input, "\n--\n") {
				require.NoError(t, s.Process(parseBatch(t, schema, chunk), nil))
			}
			require.NoError(t, s.OnWatermark(math.MaxInt64, nil))
			require.NoError(t, s.Close())
			return out.String()
		case "table":
			// A finished result as the runtime gives it: text cells, with
			// NULL marked (its text is ""). Numbers are right-aligned.
			var rows [][]string
			var nulls [][]bool
			for _, line := range strings.Split(td.Input, "\n") {
				if td.Input == "" {
					break // no rows
				}
				f := strings.Split(line, " | ")
				require.Len(t, f, len(schema), line)
				row, null := make([]string, len(f)), make([]bool, len(f))
				for i, s := range f {
					switch {
					case s == "NULL":
						null[i] = true
					case strings.HasPrefix(s, `"`):
						var err error
						row[i], err = strconv.Unquote(s)
						require.NoError(t, err)
					default:
						row[i] = s
					}
				}
				rows, nulls = append(rows, row), append(nulls, null)
			}
			right := make([]bool, len(schema))
			for i, c := range schema {
				right[i] = c.Type.Numeric()
			}
			return string(AppendTable(nil, schema.Names(), right, rows, nulls))
		}
		t.Fatalf("unknown directive %q", td.Cmd)
		return ""
	})
}

func parseBatch(t *testing.T, schema catalog.Schema, chunk string) *coldata.Batch {
	b := coldata.NewBatch(schema, 0)
	anyEmit := false
	for _, line := range strings.Split(chunk, "\n") {
		f := strings.Split(line, " | ")
		require.Len(t, f, len(schema)+1, line)
		for c, col := range schema {
			v, s := b.Cols[c], f[c]
			if s == "NULL" {
				v.AppendNull()
				continue
			}
			switch col.Type {
			case catalog.Timestamp:
				ts, err := time.Parse(time.RFC3339Nano, s)
				require.NoError(t, err)
				v.I64 = append(v.I64, ts.UnixMilli())
			case catalog.Bigint:
				n, err := strconv.ParseInt(s, 10, 64)
				require.NoError(t, err)
				v.I64 = append(v.I64, n)
			case catalog.Double:
				x, err := strconv.ParseFloat(s, 64)
				require.NoError(t, err)
				v.F64 = append(v.F64, x)
			case catalog.Boolean:
				v.Bool = append(v.Bool, s == "true")
			case catalog.Varchar:
				if strings.HasPrefix(s, `"`) {
					var err error
					s, err = strconv.Unquote(s)
					require.NoError(t, err)
				}
				v.Str = append(v.Str, s)
			}
		}
		kind := map[string]coldata.EmitKind{"-": coldata.EmitNone, "early": coldata.EmitEarly,
			"final": coldata.EmitFinal, "late": coldata.EmitLate}[f[len(schema)]]
		anyEmit = anyEmit || kind != coldata.EmitNone
		b.Emit = append(b.Emit, kind)
		b.Len++
	}
	if !anyEmit {
		b.Emit = nil
	}
	return b
}

func TestUnknownFormat(t *testing.T) {
	_, err := New(&bytes.Buffer{}, "xml", nil, 0)
	require.EqualError(t, err, `unknown format "xml" (want table, jsonl or csv)`)
}

// BenchmarkJSONL measures jsonl rendering of window result rows.
func BenchmarkJSONL(b *testing.B) {
	schema := catalog.Schema{{Name: "window_start", Type: catalog.Timestamp}, {Name: "window_end", Type: catalog.Timestamp},
		{Name: "model", Type: catalog.Varchar}, {Name: "requests", Type: catalog.Bigint}, {Name: "avg_latency", Type: catalog.Double}}
	batch := coldata.NewBatch(schema, 1024)
	for i := 0; i < 1024; i++ {
		batch.Cols[0].I64 = append(batch.Cols[0].I64, 1762698900000+int64(i)*300000)
		batch.Cols[1].I64 = append(batch.Cols[1].I64, 1762699200000+int64(i)*300000)
		batch.Cols[2].Str = append(batch.Cols[2].Str, "claude-3-5-sonnet")
		batch.Cols[3].I64 = append(batch.Cols[3].I64, int64(i))
		batch.Cols[4].F64 = append(batch.Cols[4].F64, float64(i)/3)
		batch.Emit = append(batch.Emit, coldata.EmitFinal)
	}
	batch.Len = 1024
	s, err := New(discard{}, "jsonl", schema, 1)
	require.NoError(b, err)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Process(batch, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*1024/b.Elapsed().Seconds(), "rows/s")
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
