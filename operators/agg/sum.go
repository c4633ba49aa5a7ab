package agg

import (
	"github.com/weirdb/weir/coldata"
)

// sumIntAcc is SUM of BIGINT: 16 bytes per group (sum, non-NULL count).
// Overflow wraps, as Go integer arithmetic.
type sumIntAcc struct {
	s, n []int64
}

func (a *sumIntAcc) Grow(n int)     { a.s = grow(a.s, n); a.n = grow(a.n, n) }
func (a *sumIntAcc) Reset(g uint32) { a.s[g], a.n[g] = 0, 0 }
func (a *sumIntAcc) Merge(d, s uint32) {
	a.s[d] += a.s[s]
	a.n[d] += a.n[s]
}

func (a *sumIntAcc) Add(v *coldata.Vec, _ []int64, rows []int, groups []uint32) {
	s, n, x := a.s, a.n, v.I64
	if !v.Nulls.Any() {
		for k, i := range rows {
			g := groups[k]
			s[g] += x[i]
			n[g]++
		}
		return
	}
	for k, i := range rows {
		if !v.Nulls.IsNull(i) {
			g := groups[k]
			s[g] += x[i]
			n[g]++
		}
	}
}

func (a *sumIntAcc) Result(g uint32, out *coldata.Vec) {
	if a.n[g] == 0 {
		out.AppendNull()
		return
	}
	out.I64 = append(out.I64, a.s[g])
}

func (a *sumIntAcc) Encode(buf []byte, g uint32) []byte {
	return appendValue(appendValue(buf, a.s[g]), a.n[g])
}

func (a *sumIntAcc) Decode(g uint32, data []byte) ([]byte, error) {
	d := dec{b: data}
	a.s[g] = d.varint()
	a.n[g] = d.varint()
	return d.b, d.err
}

func (a *sumIntAcc) GroupBytes(uint32) int { return 16 }

// sumFloatAcc is SUM of DOUBLE, or AVG (avg) of DOUBLE: 16
// bytes per group (sum, non-NULL count).
type sumFloatAcc struct {
	avg bool
	s   []float64
	n   []int64
}

func (a *sumFloatAcc) Grow(n int)     { a.s = grow(a.s, n); a.n = grow(a.n, n) }
func (a *sumFloatAcc) Reset(g uint32) { a.s[g], a.n[g] = 0, 0 }
func (a *sumFloatAcc) Merge(d, s uint32) {
	a.s[d] += a.s[s]
	a.n[d] += a.n[s]
}

func (a *sumFloatAcc) Add(v *coldata.Vec, _ []int64, rows []int, groups []uint32) {
	s, n, x := a.s, a.n, v.F64
	nulls := v.Nulls.Any()
	for k, i := range rows {
		if nulls && v.Nulls.IsNull(i) {
			continue
		}
		g := groups[k]
		s[g] += x[i]
		n[g]++
	}
}

func (a *sumFloatAcc) Result(g uint32, out *coldata.Vec) {
	if a.n[g] == 0 {
		out.AppendNull()
		return
	}
	if a.avg {
		out.F64 = append(out.F64, a.s[g]/float64(a.n[g]))
		return
	}
	out.F64 = append(out.F64, a.s[g])
}

func (a *sumFloatAcc) Encode(buf []byte, g uint32) []byte {
	return appendValue(appendFloat(buf, a.s[g]), a.n[g])
}

func (a *sumFloatAcc) Decode(g uint32, data []byte) ([]byte, error) {
	d := dec{b: data}
	a.s[g] = d.float()
	a.n[g] = d.varint()
	return d.b, d.err
}

func (a *sumFloatAcc) GroupBytes(uint32) int { return 16 }
