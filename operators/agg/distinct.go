package agg

import (
	"encoding/binary"

	"github.com/weirdb/weir/coldata"
)

// distinctAcc is COUNT(DISTINCT x): a Go map of the distinct non-NULL
// values per group (8 bytes per group + ~40 per distinct value; strings
// are cloned).
type distinctAcc[T comparable] struct {
	get  func(*coldata.Vec) []T
	keep func(T) T
	sets []map[T]struct{}
}

func (a *distinctAcc[T]) Grow(n int)     { a.sets = grow(a.sets, n) }
func (a *distinctAcc[T]) Reset(g uint32) { a.sets[g] = nil }

func (a *distinctAcc[T]) insert(g uint32, x T) {
	m := a.sets[g]
	if m == nil {
		m = make(map[T]struct{})
		a.sets[g] = m
	}
	if _, ok := m[x]; !ok {
		if a.keep != nil {
			x = a.keep(x)
		}
		m[x] = struct{}{}
	}
}

func (a *distinctAcc[T]) Add(v *coldata.Vec, _ []int64, rows []int, groups []uint32) {
	x := a.get(v)
	nulls := v.Nulls.Any()
	for k, i := range rows {
		if nulls && v.Nulls.IsNull(i) {
			continue
		}
		a.insert(groups[k], x[i])
	}
}

func (a *distinctAcc[T]) Merge(d, s uint32) {
	if d == s {
		return
	}
	for x := range a.sets[s] {
		a.insert(d, x)
	}
}

func (a *distinctAcc[T]) Result(g uint32, out *coldata.Vec) {
	out.I64 = append(out.I64, int64(len(a.sets[g])))
}

func (a *distinctAcc[T]) Encode(buf []byte, g uint32) []byte {
	m := a.sets[g]
	buf = binary.AppendUvarint(buf, uint64(len(m)))
	for x := range m {
		buf = appendValue(buf, x)
	}
	return buf
}

func (a *distinctAcc[T]) Decode(g uint32, data []byte) ([]byte, error) {
	d := dec{b: data}
	a.sets[g] = nil
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)) {
		return nil, errCorrupt
	}
	for range n {
		x := readValue[T](&d)
		if d.err != nil {
			break
		}
		a.insert(g, x)
	}
	return d.b, d.err
}

func (a *distinctAcc[T]) GroupBytes(g uint32) int { return 8 + 40*len(a.sets[g]) }
