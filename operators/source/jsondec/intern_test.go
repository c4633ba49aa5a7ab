package jsondec

import (
	"fmt"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// TestInternValuesStay decodes a column whose values come and go (a few
// repeated ones among many new ones, short and long, some escaped) from
// one reused input buffer, keeping every decoded string, and checks at the
// end that each kept string still reads as its event said: block bytes
// handed out are never written again, neither by later values, nor by the
// table being cleared, nor by the input buffer's reuse.
func TestInternValuesStay(t *testing.T) {
	schema := catalog.Schema{{Name: "ts", Type: catalog.Bigint}, {Name: "u", Type: catalog.Varchar}}
	d := New(schema, -1)
	value := func(i int) string {
		switch {
		case i%5 == 0:
			return fmt.Sprintf("hot-%d", i%3) // repeated
		case i%97 == 0:
			return fmt.Sprintf("long-%d-%0200d", i, i) // past maxInternLen
		case i%13 == 0:
			return fmt.Sprintf("esc\t%d\u00e9", i) // decoded through d.decoded
		}
		return fmt.Sprintf("u-%07d", i)
	}
	const n = 3 * bypassValues // fills, bypasses and fills the table again
	var kept []string
	b := coldata.NewBatch(schema, coldata.DefaultBatchSize)
	var in []byte
	for i := range n {
		if i%coldata.DefaultBatchSize == 0 {
			for _, s := range b.Cols[1].Str[:b.Len] {
				kept = append(kept, s)
			}
			b.Reset(0)
		}
		in = fmt.Appendf(in[:0], `{"ts":%d,"u":%q}`, i, value(i))
		require.NoError(t, d.Append(b, in, 0))
		for j := range in {
			in[j] = 'x' // the decoder must not keep the input's bytes
		}
	}
	kept = append(kept, b.Cols[1].Str[:b.Len]...)
	require.Len(t, kept, n)
	for i, s := range kept {
		if s != value(i) {
			t.Fatalf("value %d reads %q, want %q", i, s, value(i))
		}
	}
	// Repeated values are shared while the table holds them.
	var x interner
	a, c := x.get([]byte("model-a")), x.get([]byte("model-a"))
	require.Equal(t, unsafe.StringData(a), unsafe.StringData(c))
}

// TestInternAllocations checks the allocations of a column of new values
// (one per block of strBlockSize bytes, not one per value) and of a
// low-cardinality column (none once its values are known), bypass and
// table clearing included.
func TestInternAllocations(t *testing.T) {
	vals := make([][]byte, 100_000)
	for i := range vals {
		vals[i] = fmt.Appendf(nil, "u-%06d", (i*7919)%len(vals))
	}
	var in interner
	for _, v := range vals { // warm up: the table's room, the first generation
		in.get(v)
	}
	i := 0
	perValue := testing.AllocsPerRun(10, func() {
		for range 10_000 {
			in.get(vals[i%len(vals)])
			i++
		}
	}) / 10_000
	// 8-byte values: 256 a block, so 1/256 allocations per value.
	require.LessOrEqual(t, perValue, 1.0/200, "allocations per new value")
	require.Greater(t, perValue, 0.0, "new values take blocks")

	var low interner
	models := [][]byte{[]byte("gpt-4o"), []byte("claude-3-5-sonnet"), []byte("llama-3-70b")}
	for _, m := range models {
		low.get(m)
	}
	require.Zero(t, testing.AllocsPerRun(100, func() {
		for j := range 1000 {
			low.get(models[j%len(models)])
		}
	}))
	require.Zero(t, low.bypass, "a low-cardinality column is always interned")
}
