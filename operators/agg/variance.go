package agg

import (
	"math"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// varianceAcc is the sample VARIANCE or STDDEV (PostgreSQL's variance and
// stddev): Welford's running count, mean and sum of squared deviations,
// merged with Chan et al.'s parallel formula; 24 bytes per group. NULL for
// fewer than two values.
type varianceAcc struct {
	stddev bool
	n      []int64
	mean   []float64
	m2     []float64
}

func (a *varianceAcc) Grow(n int) {
	a.n, a.mean, a.m2 = grow(a.n, n), grow(a.mean, n), grow(a.m2, n)
}

func (a *varianceAcc) Reset(g uint32) { a.n[g], a.mean[g], a.m2[g] = 0, 0, 0 }

func (a *varianceAcc) add(g uint32, x float64) {
	a.n[g]++
	n := float64(a.n[g])
	d := x - a.mean[g]
	if math.IsInf(d, 0) && !math.IsInf(x, 0) && !math.IsInf(a.mean[g], 0) {
		// x and the mean are finite but further apart than the largest
		// DOUBLE (1e308 after -1e308): the deviation overflows, and so
		// does the true sum of squares (d² > max), which is +Inf; the mean
		// is updated without forming d.
		a.mean[g] += x/n - a.mean[g]/n
		a.m2[g] = math.Inf(1)
		return
	}
	a.mean[g] += d / n
	a.m2[g] += d * (x - a.mean[g])
}

func (a *varianceAcc) Add(v *coldata.Vec, _ []int64, rows []int, groups []uint32) {
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
		a.add(groups[k], x)
	}
}

func (a *varianceAcc) Merge(d, s uint32) {
	ns := a.n[s]
	if ns == 0 {
		return
	}
	nd := a.n[d]
	if nd == 0 {
		a.n[d], a.mean[d], a.m2[d] = ns, a.mean[s], a.m2[s]
		return
	}
	n := nd + ns
	delta := a.mean[s] - a.mean[d]
	if math.IsInf(delta, 0) && !math.IsInf(a.mean[s], 0) && !math.IsInf(a.mean[d], 0) {
		// As in add: the means are too far apart for their difference.
		f := float64(ns) / float64(n)
		a.mean[d] += a.mean[s]*f - a.mean[d]*f
		a.m2[d] = math.Inf(1)
		a.n[d] = n
		return
	}
	a.mean[d] += delta * float64(ns) / float64(n)
	a.m2[d] += a.m2[s] + delta*delta*float64(nd)*float64(ns)/float64(n)
	a.n[d] = n
}

func (a *varianceAcc) Result(g uint32, out *coldata.Vec) {
	if a.n[g] < 2 {
		out.AppendNull()
		return
	}
	r := a.m2[g] / float64(a.n[g]-1)
	if a.stddev {
		r = math.Sqrt(r)
	}
	out.F64 = append(out.F64, r)
}

func (a *varianceAcc) Encode(buf []byte, g uint32) []byte {
	buf = appendValue(buf, a.n[g])
	return appendFloat(appendFloat(buf, a.mean[g]), a.m2[g])
}

func (a *varianceAcc) Decode(g uint32, data []byte) ([]byte, error) {
	d := dec{b: data}
	a.n[g] = d.varint()
	a.mean[g] = d.float()
	a.m2[g] = d.float()
	return d.b, d.err
}

func (a *varianceAcc) GroupBytes(uint32) int { return 24 }
