// Package coldata holds weir's columnar batches: typed vectors with null
// bitmaps, an event-time vector and a selection vector, modelled on
// CockroachDB's coldata. It is the vocabulary every operator speaks and
// imports only catalog.
package coldata

import "github.com/weirdb/weir/catalog"

// Vec is one typed column. Exactly one of the value slices is used, chosen
// by Type: I64 for BIGINT and TIMESTAMP (epoch milliseconds), F64 for
// DOUBLE, Str for VARCHAR, Bool for BOOLEAN. Values of NULL rows are
// unspecified (zero by convention). Len of the used slice equals the batch
// length.
type Vec struct {
	Type  catalog.Type
	I64   []int64
	F64   []float64
	Str   []string
	Bool  []bool
	Nulls Nulls
}

// NewVec returns an empty vector of type t with room for capacity rows.
func NewVec(t catalog.Type, capacity int) *Vec {
	v := &Vec{Type: t}
	v.Reset(0, capacity)
	return v
}

// Reset sets the vector's length to n rows (values zeroed only when the
// slice grows) and clears the null bitmap. capacity is a hint.
func (v *Vec) Reset(n, capacity int) {
	if capacity < n {
		capacity = n
	}
	switch v.Type {
	case catalog.Bigint, catalog.Timestamp:
		v.I64 = growI64(v.I64, n, capacity)
	case catalog.Double:
		v.F64 = growF64(v.F64, n, capacity)
	case catalog.Varchar:
		if cap(v.Str) < n {
			v.Str = make([]string, n, capacity)
		} else {
			v.Str = v.Str[:n]
		}
	case catalog.Boolean:
		if cap(v.Bool) < n {
			v.Bool = make([]bool, n, capacity)
		} else {
			v.Bool = v.Bool[:n]
		}
	}
	v.Nulls.Clear()
}

// Len returns the number of rows.
func (v *Vec) Len() int {
	switch v.Type {
	case catalog.Bigint, catalog.Timestamp:
		return len(v.I64)
	case catalog.Double:
		return len(v.F64)
	case catalog.Varchar:
		return len(v.Str)
	case catalog.Boolean:
		return len(v.Bool)
	}
	return 0
}

// AppendNull appends a NULL row.
func (v *Vec) AppendNull() {
	n := v.Len()
	switch v.Type {
	case catalog.Bigint, catalog.Timestamp:
		v.I64 = append(v.I64, 0)
	case catalog.Double:
		v.F64 = append(v.F64, 0)
	case catalog.Varchar:
		v.Str = append(v.Str, "")
	case catalog.Boolean:
		v.Bool = append(v.Bool, false)
	}
	v.Nulls.Set(n)
}

// CopyRow appends row i of src (same type) to v.
func (v *Vec) CopyRow(src *Vec, i int) {
	if src.Nulls.IsNull(i) {
		v.AppendNull()
		return
	}
	switch v.Type {
	case catalog.Bigint, catalog.Timestamp:
		v.I64 = append(v.I64, src.I64[i])
	case catalog.Double:
		v.F64 = append(v.F64, src.F64[i])
	case catalog.Varchar:
		v.Str = append(v.Str, src.Str[i])
	case catalog.Boolean:
		v.Bool = append(v.Bool, src.Bool[i])
	}
}

func growI64(s []int64, n, c int) []int64 {
	if cap(s) < n {
		return make([]int64, n, c)
	}
	return s[:n]
}

func growF64(s []float64, n, c int) []float64 {
	if cap(s) < n {
		return make([]float64, n, c)
	}
	return s[:n]
}
