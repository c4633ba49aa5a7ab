package kafka

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/coldata/render"
)

func TestAppendJSONString(t *testing.T) {
	for in, want := range map[string]string{
		"":              `""`,
		"plain":         `"plain"`,
		`q"b\`:          `"q\"b\\"`,
		"a\nb\tc\rd":    `"a\nb\tc\rd"`,
		"\x01\x1f":      `"\u0001\u001f"`,
		"héllo 世界":      `"héllo 世界"`,
		"bad\xffutf8":   `"bad\ufffdutf8"`,
		"</script>&amp": `"</script>&amp"`,
	} {
		got := string(render.AppendJSONString(nil, in))
		require.Equal(t, want, got, "%q", in)
		var back string
		require.NoError(t, json.Unmarshal([]byte(got), &back))
	}
}

func TestAppendJSONFloatMatchesEncodingJSON(t *testing.T) {
	for _, f := range []float64{0, 1, -1, 0.1, 120.5, 1e-7, 1.5e-6, 1e-6, 123456789012, 1e20, 1e21, 2.5e300, -3e-300, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		want, err := json.Marshal(f)
		require.NoError(t, err)
		require.Equal(t, string(want), string(render.AppendDouble(nil, f)), "%v", f)
	}
	// NaN and ±Inf have no JSON number form: the value encoder writes them
	// as strings, as PostgreSQL's to_json does (null would read as SQL NULL).
	nan := coldata.NewVec(catalog.Double, 2)
	nan.F64 = append(nan.F64, math.NaN(), math.Inf(-1))
	require.Equal(t, `"NaN"`, string(render.AppendJSONValue(nil, nan, 0)))
	require.Equal(t, `"-Infinity"`, string(render.AppendJSONValue(nil, nan, 1)))
}

func TestAppendJSONValueTypes(t *testing.T) {
	ts := coldata.NewVec(catalog.Timestamp, 2)
	ts.I64 = append(ts.I64, 0, -1)
	require.Equal(t, `"1970-01-01T00:00:00.000Z"`, string(render.AppendJSONValue(nil, ts, 0)))
	require.Equal(t, `"1969-12-31T23:59:59.999Z"`, string(render.AppendJSONValue(nil, ts, 1)))
	bv := coldata.NewVec(catalog.Boolean, 2)
	bv.Bool = append(bv.Bool, true)
	bv.AppendNull()
	require.Equal(t, `true`, string(render.AppendJSONValue(nil, bv, 0)))
	require.Equal(t, `null`, string(render.AppendJSONValue(nil, bv, 1)))
	iv := coldata.NewVec(catalog.Bigint, 1)
	iv.I64 = append(iv.I64, math.MinInt64)
	require.Equal(t, `-9223372036854775808`, string(render.AppendJSONValue(nil, iv, 0)))
}

func BenchmarkSinkEncode(b *testing.B) {
	s, err := NewWithConfig(&catalog.Sink{Name: "out", Options: catalog.Options{"topic": "t", "brokers": "b:1"}}, resultSchema, Config{})
	require.NoError(b, err)
	var rs []result
	for i := range 1024 {
		rs = append(rs, result{w0, w1, "model-" + string(rune('a'+i%26)), int64(i), float64(i) / 3, false, coldata.EmitFinal})
	}
	batch := resultBatch(rs...)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s.buf = s.buf[:0]
		for i := 0; i < batch.Len; i++ {
			s.buf = s.appendKey(s.buf, batch, i)
			s.buf = s.appendValue(s.buf, batch, i)
		}
	}
	b.ReportMetric(float64(b.N*batch.Len)/b.Elapsed().Seconds(), "rows/s")
}
