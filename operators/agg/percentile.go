package agg

import (
	"encoding/binary"
	"math"
	"slices"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// percentileAcc is the exact PERCENTILE_CONT(x, q), equal to PostgreSQL's
// percentile_cont(q) WITHIN GROUP (ORDER BY x): it keeps every non-NULL
// value (24 bytes per group + 8 per value) and interpolates linearly
// between the sorted values at ranks floor and ceil of q·(n−1).
type percentileAcc struct {
	q    float64
	vals [][]float64
}

func (a *percentileAcc) Grow(n int)     { a.vals = grow(a.vals, n) }
func (a *percentileAcc) Reset(g uint32) { a.vals[g] = nil }

func (a *percentileAcc) Add(v *coldata.Vec, _ []int64, rows []int, groups []uint32) {
	nulls := v.Nulls.Any()
	isDouble := v.Type == catalog.Double
	for k, i := range rows {
		if nulls && v.Nulls.IsNull(i) {
			continue
		}
		var x float64
		if isDouble {
			x = v.F64[i]
		} else {
			x = float64(v.I64[i])
		}
		g := groups[k]
		a.vals[g] = append(a.vals[g], x)
	}
}

func (a *percentileAcc) Merge(d, s uint32) {
	if d != s {
		a.vals[d] = append(a.vals[d], a.vals[s]...)
	}
}

func (a *percentileAcc) Result(g uint32, out *coldata.Vec) {
	vs := a.vals[g]
	if len(vs) == 0 {
		out.AppendNull()
		return
	}
	slices.Sort(vs) // order within a group is irrelevant to the state
	out.F64 = append(out.F64, percentileCont(vs, a.q))
}

// percentileCont returns the q-th continuous percentile of sorted, a
// non-empty ascending slice, as PostgreSQL's percentile_cont.
func percentileCont(sorted []float64, q float64) float64 {
	rank := q * float64(len(sorted)-1)
	lo := math.Floor(rank)
	hi := math.Ceil(rank)
	lv := sorted[int(lo)]
	if lo == hi {
		return lv
	}
	return lv + (rank-lo)*(sorted[int(hi)]-lv)
}

func (a *percentileAcc) Encode(buf []byte, g uint32) []byte {
	vs := a.vals[g]
	buf = binary.AppendUvarint(buf, uint64(len(vs)))
	for _, x := range vs {
		buf = appendFloat(buf, x)
	}
	return buf
}

func (a *percentileAcc) Decode(g uint32, data []byte) ([]byte, error) {
	d := dec{b: data}
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b))/8 {
		return nil, errCorrupt
	}
	var vs []float64
	if n > 0 {
		vs = make([]float64, 0, n)
	}
	for range n {
		vs = append(vs, d.float())
	}
	a.vals[g] = vs
	return d.b, d.err
}

func (a *percentileAcc) GroupBytes(g uint32) int { return 24 + 8*cap(a.vals[g]) }
