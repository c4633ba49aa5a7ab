package expr

import "github.com/weirdb/weir/coldata"

// This file holds the small vector helpers every node uses: null-bitmap
// unions and copies, selection handling and typed row copies.

// unionNulls sets dst to a | b, reusing dst's capacity.
func unionNulls(dst *coldata.Nulls, a, b coldata.Nulls) {
	n := max(len(a), len(b))
	d := (*dst)[:0]
	for i := 0; i < n; i++ {
		var w uint64
		if i < len(a) {
			w = a[i]
		}
		if i < len(b) {
			w |= b[i]
		}
		d = append(d, w)
	}
	*dst = d
}

// copyNulls sets dst to a copy of src, reusing dst's capacity.
func copyNulls(dst *coldata.Nulls, src coldata.Nulls) {
	*dst = append((*dst)[:0], src...)
}

// allRows returns buf filled with 0..n-1, growing it when needed. The result
// is never nil, so it can stand for "no live rows" when n is 0.
func allRows(buf []int, n int) []int {
	if cap(buf) < n || buf == nil {
		buf = make([]int, n, max(n, 1))
	}
	buf = buf[:n]
	for i := range buf {
		buf[i] = i
	}
	return buf
}

// liveRows returns the live rows of b as an explicit selection in buf.
func liveRows(b *coldata.Batch, buf []int) []int {
	if b.Sel == nil {
		return allRows(buf, b.Len)
	}
	return append(emptySel(buf, len(b.Sel)), b.Sel...)
}

// emptySel returns a non-nil, empty slice with room for n indexes.
func emptySel(buf []int, n int) []int {
	if buf == nil || cap(buf) < n {
		return make([]int, 0, max(n, 1))
	}
	return buf[:0]
}

// copyRows copies the rows listed in sel from src into dst (same type, both
// at least as long as the largest index), values and nulls.
func copyRows(dst, src *coldata.Vec, sel []int) {
	switch physOf(dst.Type) {
	case physI64:
		for _, i := range sel {
			dst.I64[i] = src.I64[i]
		}
	case physF64:
		for _, i := range sel {
			dst.F64[i] = src.F64[i]
		}
	case physStr:
		for _, i := range sel {
			dst.Str[i] = src.Str[i]
		}
	case physBool:
		for _, i := range sel {
			dst.Bool[i] = src.Bool[i]
		}
	}
	if src.Nulls.Any() {
		for _, i := range sel {
			if src.Nulls.IsNull(i) {
				dst.Nulls.Set(i)
			} else {
				dst.Nulls.Unset(i)
			}
		}
	} else {
		for _, i := range sel {
			dst.Nulls.Unset(i)
		}
	}
}

// setNullRows marks the rows of sel NULL in v.
func setNullRows(v *coldata.Vec, sel []int) {
	for _, i := range sel {
		v.Nulls.Set(i)
	}
}
