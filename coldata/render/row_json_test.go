package render

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// TestRowJSONMatchesEncodingJSON checks that every rendering is valid JSON
// that decodes to the values it came from.
func TestRowJSONMatchesEncodingJSON(t *testing.T) {
	schema := catalog.Schema{{Name: "s", Type: catalog.Varchar}, {Name: "d", Type: catalog.Double},
		{Name: "n", Type: catalog.Bigint}, {Name: `we"ird`, Type: catalog.Boolean}}
	strs := []string{"", "plain", "quote\" back\\ slash", "ctl\x00\x01\x1f\t\r\n", "é ü 日本", "bad\xffutf8", "\u2028"}
	dbls := []float64{0, -0.5, 1e-7, 123456789.125, 1e21, 1e20, -2.5e-300, math.MaxFloat64, math.SmallestNonzeroFloat64}
	for k := range strs {
		b := coldata.NewBatch(schema, 1)
		b.Cols[0].Str = append(b.Cols[0].Str, strs[k])
		b.Cols[1].F64 = append(b.Cols[1].F64, dbls[k%len(dbls)])
		b.Cols[2].I64 = append(b.Cols[2].I64, math.MinInt64+int64(k))
		b.Cols[3].Bool = append(b.Cols[3].Bool, k%2 == 0)
		b.Len = 1
		out := RowJSON(b, schema, 0, nil)
		var got map[string]any
		dec := json.NewDecoder(bytes.NewReader(out))
		dec.UseNumber()
		require.NoError(t, dec.Decode(&got), string(out))
		require.Equal(t, strings.ToValidUTF8(strs[k], "\ufffd"), got["s"])
		f, err := got["d"].(json.Number).Float64()
		require.NoError(t, err)
		require.Equal(t, dbls[k%len(dbls)], f)
		require.Equal(t, strconv.FormatInt(math.MinInt64+int64(k), 10), got["n"].(json.Number).String())
		require.Equal(t, k%2 == 0, got[`we"ird`])
	}
	for _, d := range dbls {
		want, err := json.Marshal(d)
		require.NoError(t, err)
		require.Equal(t, string(want), string(AppendDouble(nil, d)))
	}
}
