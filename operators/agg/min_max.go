package agg

import (
	"cmp"

	"github.com/weirdb/weir/coldata"
)

// minMaxAcc is MIN or MAX of an ordered type: the value plus a has-value
// flag per group (9 bytes for BIGINT/DOUBLE/TIMESTAMP, 17 + the string's
// bytes for VARCHAR; a kept string is cloned so the batch can be reused).
type minMaxAcc[T cmp.Ordered] struct {
	max bool
	get func(*coldata.Vec) []T
	put func(*coldata.Vec, T)
	// keep copies a value that outlives the batch (strings.Clone), or nil.
	keep func(T) T
	v    []T
	has  []bool
}

func (a *minMaxAcc[T]) Grow(n int) { a.v = grow(a.v, n); a.has = grow(a.has, n) }
func (a *minMaxAcc[T]) Reset(g uint32) {
	var z T
	a.v[g], a.has[g] = z, false
}

func (a *minMaxAcc[T]) better(x, cur T) bool {
	if a.max {
		return x > cur
	}
	return x < cur
}

func (a *minMaxAcc[T]) set(g uint32, x T) {
	if a.keep != nil {
		x = a.keep(x)
	}
	a.v[g], a.has[g] = x, true
}

func (a *minMaxAcc[T]) Add(v *coldata.Vec, _ []int64, rows []int, groups []uint32) {
	x := a.get(v)
	nulls := v.Nulls.Any()
	for k, i := range rows {
		if nulls && v.Nulls.IsNull(i) {
			continue
		}
		g := groups[k]
		if !a.has[g] || a.better(x[i], a.v[g]) {
			a.set(g, x[i])
		}
	}
}

func (a *minMaxAcc[T]) Merge(d, s uint32) {
	if a.has[s] && (!a.has[d] || a.better(a.v[s], a.v[d])) {
		a.v[d], a.has[d] = a.v[s], true
	}
}

func (a *minMaxAcc[T]) Result(g uint32, out *coldata.Vec) {
	if !a.has[g] {
		out.AppendNull()
		return
	}
	a.put(out, a.v[g])
}

func (a *minMaxAcc[T]) Encode(buf []byte, g uint32) []byte {
	buf = appendBool(buf, a.has[g])
	if a.has[g] {
		buf = appendValue(buf, a.v[g])
	}
	return buf
}

func (a *minMaxAcc[T]) Decode(g uint32, data []byte) ([]byte, error) {
	d := dec{b: data}
	a.Reset(g)
	if d.bytes1() != 0 {
		a.v[g], a.has[g] = readValue[T](&d), true
	}
	return d.b, d.err
}

func (a *minMaxAcc[T]) GroupBytes(g uint32) int {
	if s, ok := any(a.v[g]).(string); ok {
		return 17 + len(s)
	}
	return 9
}
