package file

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
)

func TestAppendsJSONLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	require.NoError(t, os.WriteFile(path, []byte("existing\n"), 0o644))
	schema := catalog.Schema{{Name: "window_end", Type: catalog.Timestamp}, {Name: "model", Type: catalog.Varchar},
		{Name: "n", Type: catalog.Bigint}}
	def := &catalog.Sink{Name: "out", Connector: "file", Options: catalog.Options{"path": path}}
	s, err := New(def, schema)
	require.NoError(t, err)
	require.NoError(t, s.Open(&operators.Context{}))

	b := coldata.NewBatch(schema, 3)
	b.Cols[0].I64 = append(b.Cols[0].I64, 1762699200000, 1762699200000, 1762699500000)
	b.Cols[1].Str = append(b.Cols[1].Str, "gpt-4o", "filtered", "")
	b.Cols[1].Nulls.Set(2)
	b.Cols[2].I64 = append(b.Cols[2].I64, 3, 4, 5)
	b.Emit = []coldata.EmitKind{coldata.EmitFinal, coldata.EmitFinal, coldata.EmitLate}
	b.Len = 3
	b.Sel = []int{0, 2}
	require.NoError(t, s.Process(b, nil))
	// Flushed per batch: visible before Close.
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	// 1762699200000 ms = 2025-11-09T14:40:00Z; +300000 ms = 14:45.
	want := "existing\n" +
		`{"window_end":"2025-11-09T14:40:00.000Z","model":"gpt-4o","n":3,"_emit":"final"}` + "\n" +
		`{"window_end":"2025-11-09T14:45:00.000Z","model":null,"n":5,"_emit":"late"}` + "\n"
	require.Equal(t, want, string(got))
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())

	_, err = New(&catalog.Sink{Name: "x", Options: catalog.Options{}}, schema)
	require.ErrorContains(t, err, `file sink "x": option path is required`)
	bad, err := New(&catalog.Sink{Name: "x", Options: catalog.Options{"path": filepath.Join(path, "nope")}}, schema)
	require.NoError(t, err)
	require.Error(t, bad.Open(&operators.Context{}))
}
