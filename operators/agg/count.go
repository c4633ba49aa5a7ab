package agg

import "github.com/weirdb/weir/coldata"

// countAcc is COUNT(*) (star) or COUNT(x): 8 bytes per group.
type countAcc struct {
	star bool
	n    []int64
}

func (a *countAcc) Grow(n int)        { a.n = grow(a.n, n) }
func (a *countAcc) Reset(g uint32)    { a.n[g] = 0 }
func (a *countAcc) Merge(d, s uint32) { a.n[d] += a.n[s] }
func (a *countAcc) Result(g uint32, out *coldata.Vec) {
	out.I64 = append(out.I64, a.n[g])
}

func (a *countAcc) Add(v *coldata.Vec, _ []int64, rows []int, groups []uint32) {
	n := a.n
	if a.star || !v.Nulls.Any() {
		for _, g := range groups {
			n[g]++
		}
		return
	}
	for k, i := range rows {
		if !v.Nulls.IsNull(i) {
			n[groups[k]]++
		}
	}
}

func (a *countAcc) Encode(buf []byte, g uint32) []byte {
	return appendValue(buf, a.n[g])
}

func (a *countAcc) Decode(g uint32, data []byte) ([]byte, error) {
	d := dec{b: data}
	a.n[g] = d.varint()
	return d.b, d.err
}

func (a *countAcc) GroupBytes(uint32) int { return 8 }
