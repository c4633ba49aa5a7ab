package planner

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/expr"
	"github.com/weirdb/weir/operators/project"
	"github.com/weirdb/weir/sql"
)

// evalQuery runs the datadriven command eval: a non-windowed query (its
// first lines, up to the ';') planned against the file's catalog, then
// fed the source rows that follow, one JSON object a line (keys are
// column names; absent keys and null are NULL; a TIMESTAMP is RFC 3339
// text or epoch milliseconds). The rows are run in one batch through the
// plan's Filter and Project nodes, with a selection vector that skips a
// row so that every loop sees one (the skipped row is a NULL-heavy decoy).
// The output is the output schema, then one line per result row: values
// separated by " | ", strings quoted, NULL as NULL.
func evalQuery(t *testing.T, cat *catalog.Catalog, d *datadriven.TestData) string {
	t.Helper()
	var query, rows []string
	for _, line := range strings.Split(d.Input, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "{") {
			rows = append(rows, line)
		} else {
			query = append(query, line)
		}
	}
	stmts, err := sql.Parse(strings.Join(query, "\n"))
	if err != nil {
		return "parse error: " + fmtErr(err)
	}
	p, err := PlanQuery(cat, queryOf(t, stmts[0]))
	if err != nil {
		return fmtErr(err)
	}
	require.False(t, p.Windowed, "%s: eval runs non-windowed queries", d.Pos)
	var chain []*Node
	n := p.Root
	for ; n.Kind == NodeFilter || n.Kind == NodeProject; n = n.Inputs[0] {
		chain = append([]*Node{n}, chain...)
	}
	for n.Kind != NodeSource {
		n = n.Inputs[0]
	}
	in := batchFromJSON(t, n.Schema, rows)
	var got []string
	var emit operators.Emitter = operators.EmitterFunc(func(b *coldata.Batch) error {
		b.ForEach(func(i int) {
			vals := make([]string, len(b.Cols))
			for c, v := range b.Cols {
				vals[c] = formatValue(v, i)
			}
			got = append(got, strings.Join(vals, " | "))
		})
		return nil
	})
	for k := len(chain) - 1; k >= 0; k-- {
		var op operators.Operator
		if chain[k].Kind == NodeFilter {
			op = project.NewFilter(chain[k].Filter)
		} else {
			op = project.NewProject(chain[k].Exprs)
		}
		next := emit
		emit = operators.EmitterFunc(func(b *coldata.Batch) error { return op.Process(b, next) })
	}
	require.NoError(t, emit.Emit(in))
	var cols []string
	for _, c := range p.Output {
		cols = append(cols, c.Name+" "+c.Type.String())
	}
	return strings.Join(append([]string{strings.Join(cols, ", ")}, got...), "\n") + "\n"
}

// batchFromJSON builds a batch of schema from JSON rows, plus a decoy row
// of NULLs at index 0 that the selection vector skips.
func batchFromJSON(t *testing.T, schema catalog.Schema, rows []string) *coldata.Batch {
	t.Helper()
	b := coldata.NewBatch(schema, len(rows)+1)
	b.Reset(len(rows) + 1)
	for c := range schema {
		b.Cols[c].Nulls.Set(0)
	}
	b.Sel = make([]int, 0, len(rows))
	for r, line := range rows {
		i := r + 1
		b.Sel = append(b.Sel, i)
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		var m map[string]any
		require.NoError(t, dec.Decode(&m), line)
		for c, col := range schema {
			v, ok := lookupKey(m, col.Name)
			if !ok || v == nil {
				b.Cols[c].Nulls.Set(i)
				continue
			}
			setValue(t, b.Cols[c], i, v)
		}
	}
	return b
}

func lookupKey(m map[string]any, name string) (any, bool) {
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

func setValue(t *testing.T, v *coldata.Vec, i int, x any) {
	t.Helper()
	var err error
	switch v.Type {
	case catalog.Bigint:
		v.I64[i], err = x.(json.Number).Int64()
	case catalog.Double:
		v.F64[i], err = x.(json.Number).Float64()
	case catalog.Varchar:
		v.Str[i] = x.(string)
	case catalog.Boolean:
		v.Bool[i] = x.(bool)
	case catalog.Timestamp:
		switch ts := x.(type) {
		case string:
			ms, ok := expr.ParseTimestamp(ts)
			require.True(t, ok, "timestamp %q", ts)
			v.I64[i] = ms
		case json.Number:
			v.I64[i], err = ts.Int64()
		}
	}
	require.NoError(t, err)
}

// formatValue renders row i of v for a golden file.
func formatValue(v *coldata.Vec, i int) string {
	if v.Nulls.IsNull(i) {
		return "NULL"
	}
	switch v.Type {
	case catalog.Bigint:
		return strconv.FormatInt(v.I64[i], 10)
	case catalog.Double:
		// Plain digits as psql shows a double (982355920, 28.5), exponents
		// only for very large or small magnitudes.
		f := v.F64[i]
		if a := math.Abs(f); a != 0 && (a >= 1e15 || a < 1e-4) {
			return strconv.FormatFloat(f, 'g', -1, 64)
		}
		return strconv.FormatFloat(f, 'f', -1, 64)
	case catalog.Varchar:
		return "'" + strings.ReplaceAll(v.Str[i], "'", "''") + "'"
	case catalog.Boolean:
		return strconv.FormatBool(v.Bool[i])
	case catalog.Timestamp:
		return expr.FormatTimestamp(v.I64[i])
	}
	return fmt.Sprintf("?%v", v.Type)
}
