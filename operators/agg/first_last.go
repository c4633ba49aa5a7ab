package agg

import (
	"github.com/weirdb/weir/coldata"
)

// firstLastAcc is FIRST_VALUE or LAST_VALUE by event time: the value, its
// event time and a has-value flag per group. Ties on event time go to the
// first (FIRST_VALUE) or last (LAST_VALUE) row in arrival order; on Merge,
// the destination counts as having arrived first.
type firstLastAcc[T comparable] struct {
	last bool
	get  func(*coldata.Vec) []T
	put  func(*coldata.Vec, T)
	// keep copies a value that outlives the batch (strings.Clone), or nil.
	keep func(T) T
	v    []T
	t    []int64
	has  []bool
}

func (a *firstLastAcc[T]) Grow(n int) {
	a.v, a.t, a.has = grow(a.v, n), grow(a.t, n), grow(a.has, n)
}

func (a *firstLastAcc[T]) Reset(g uint32) {
	var z T
	a.v[g], a.t[g], a.has[g] = z, 0, false
}

// wins reports whether a value at time t arriving after the current one
// replaces it.
func (a *firstLastAcc[T]) wins(g uint32, t int64) bool {
	if !a.has[g] {
		return true
	}
	if a.last {
		return t >= a.t[g]
	}
	return t < a.t[g]
}

func (a *firstLastAcc[T]) set(g uint32, x T, t int64) {
	if a.keep != nil {
		x = a.keep(x)
	}
	a.v[g], a.t[g], a.has[g] = x, t, true
}

func (a *firstLastAcc[T]) Add(v *coldata.Vec, ts []int64, rows []int, groups []uint32) {
	x := a.get(v)
	nulls := v.Nulls.Any()
	for k, i := range rows {
		if nulls && v.Nulls.IsNull(i) {
			continue
		}
		if g := groups[k]; a.wins(g, ts[i]) {
			a.set(g, x[i], ts[i])
		}
	}
}

func (a *firstLastAcc[T]) Merge(d, s uint32) {
	if a.has[s] && a.wins(d, a.t[s]) {
		a.v[d], a.t[d], a.has[d] = a.v[s], a.t[s], true
	}
}

func (a *firstLastAcc[T]) Result(g uint32, out *coldata.Vec) {
	if !a.has[g] {
		out.AppendNull()
		return
	}
	a.put(out, a.v[g])
}

func (a *firstLastAcc[T]) Encode(buf []byte, g uint32) []byte {
	buf = appendBool(buf, a.has[g])
	if a.has[g] {
		buf = appendValue(appendValue(buf, a.t[g]), a.v[g])
	}
	return buf
}

func (a *firstLastAcc[T]) Decode(g uint32, data []byte) ([]byte, error) {
	d := dec{b: data}
	a.Reset(g)
	if d.bytes1() != 0 {
		a.t[g] = d.varint()
		a.v[g] = readValue[T](&d)
		a.has[g] = true
	}
	return d.b, d.err
}

func (a *firstLastAcc[T]) GroupBytes(g uint32) int {
	if s, ok := any(a.v[g]).(string); ok {
		return 25 + len(s)
	}
	return 17
}
