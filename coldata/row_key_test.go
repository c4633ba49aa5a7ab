package coldata

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
)

// Rows get equal keys exactly when their key values are equal; NULL is its
// own value (distinct from "" and 0) and equal to other NULLs.
func TestAppendRowKey(t *testing.T) {
	s := NewVec(catalog.Varchar, 4)
	s.Str = append(s.Str, "a", "", "", "a")
	s.Nulls.Set(2) // row 2: NULL
	n := NewVec(catalog.Bigint, 4)
	n.I64 = append(n.I64, 1, 0, 0, 1)
	n.Nulls.Set(1) // row 1: NULL
	cols := []*Vec{s, n}
	key := func(i int) string { return string(AppendRowKey(nil, cols, []int{0, 1}, i)) }
	require.Equal(t, key(0), key(3))    // ("a", 1) twice
	require.NotEqual(t, key(1), key(2)) // ("", NULL) vs (NULL, 0)
	require.NotEqual(t, key(0), key(1))
	// A string that contains what would be the next column's bytes cannot
	// collide with a shorter string followed by that column: lengths prefix.
	a := NewVec(catalog.Varchar, 2)
	a.Str = append(a.Str, "x\x01", "x")
	b := NewVec(catalog.Varchar, 2)
	b.Str = append(b.Str, "", "\x01")
	two := []*Vec{a, b}
	require.NotEqual(t, string(AppendRowKey(nil, two, []int{0, 1}, 0)), string(AppendRowKey(nil, two, []int{0, 1}, 1)))
}

// -0 and 0 are one grouping key, and so are all NaNs; other values differ.
func TestFloatKeyBits(t *testing.T) {
	negZero := math.Copysign(0, -1)
	require.Equal(t, FloatKeyBits(0), FloatKeyBits(negZero))
	require.Equal(t, FloatKeyBits(math.NaN()), FloatKeyBits(math.Float64frombits(0x7ff8000000000abc)))
	require.NotEqual(t, FloatKeyBits(0), FloatKeyBits(math.SmallestNonzeroFloat64))
	require.NotEqual(t, FloatKeyBits(1), FloatKeyBits(-1))
	v := NewVec(catalog.Double, 2)
	v.F64 = append(v.F64, 0, negZero)
	cols := []*Vec{v}
	require.Equal(t, string(AppendRowKey(nil, cols, []int{0}, 0)), string(AppendRowKey(nil, cols, []int{0}, 1)))
}
