package agg

import (
	"math"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// varianceAcc is the sample VARIANCE or STDDEV (PostgreSQL's variance and
// stddev), 32 bytes per group. It runs PostgreSQL's own float8 scheme
// (Youngs–Cramer: count N, sum Sx, and Sxx += (N·x − Sx)² / (N·(N−1)),
// merged as float8_combine does) on the deviations x − K from a shift K,
// the group's first value: values that sit close together far from zero
// (1000000000003, 1000000000002, 1000000000002) then have small, exactly
// representable deviations, and the variance is PostgreSQL's 1/3 instead
// of the 0.33334 a running mean rounded at 10¹² gave. For BIGINT, K is
// kept as an integer and x − K formed in integer arithmetic, so the
// deviations are exact even past 2⁵³. A merge re-bases the source group
// onto the destination's K. NULL for fewer than two values.
//
// Sxx doubles as a flag: NaN once an input is NaN or ±Infinity (as in
// PostgreSQL), +Infinity once finite inputs overflow (values further apart
// than the largest DOUBLE, whose true variance overflows too, where
// PostgreSQL raises an error); both stick.
type varianceAcc struct {
	stddev bool
	isInt  bool     // BIGINT argument: k holds int64 bits, else float64 bits
	n      []int64  // non-NULL count
	k      []uint64 // the shift K
	sx     []float64
	sxx    []float64
}

func (a *varianceAcc) Grow(n int) {
	a.n, a.k, a.sx, a.sxx = grow(a.n, n), grow(a.k, n), grow(a.sx, n), grow(a.sxx, n)
}

func (a *varianceAcc) Reset(g uint32) { a.n[g], a.k[g], a.sx[g], a.sxx[g] = 0, 0, 0, 0 }

// stuck reports whether sxx is NaN or +Infinity, which no input changes.
func stuck(sxx float64) bool { return sxx != sxx || math.IsInf(sxx, 1) }

// intDiff returns x − y as a DOUBLE, exact for a difference of at most 2⁵³
// and rounded once otherwise (also when it overflows int64).
func intDiff(x, y int64) float64 {
	d := x - y
	if (x^y)&(x^d) < 0 { // signed overflow
		return float64(x) - float64(y)
	}
	return float64(d)
}

// kDiff returns K of group s minus K of group d.
func (a *varianceAcc) kDiff(s, d uint32) float64 {
	if a.isInt {
		return intDiff(int64(a.k[s]), int64(a.k[d]))
	}
	return math.Float64frombits(a.k[s]) - math.Float64frombits(a.k[d])
}

// addDev adds one value, given as its finite deviation dev from group g's
// K (already set), to the group's sums.
func (a *varianceAcc) addDev(g uint32, dev float64) {
	a.n[g]++
	sxx := a.sxx[g]
	if !(sxx <= math.MaxFloat64) { // stuck: NaN or +Infinity
		return
	}
	n := float64(a.n[g])
	sx := a.sx[g] + dev
	a.sx[g] = sx
	tmp := dev*n - sx
	if n > 1 {
		inc := tmp * tmp / (n * (n - 1))
		if inc > math.MaxFloat64 { // tmp² overflows; the increment may not
			inc = (tmp / n) * (tmp / (n - 1))
		}
		sxx += inc
		if sx-sx != 0 || sxx > math.MaxFloat64 { // finite inputs overflowed
			sxx = math.Inf(1)
		}
		a.sxx[g] = sxx
	}
}

// addNonFinite records, for group g, a DOUBLE input x whose deviation from
// K is not finite: x is NaN or ±Infinity (the variance is NaN), or x and K
// are further apart than the largest DOUBLE (+Infinity, unless NaN).
func (a *varianceAcc) addNonFinite(g uint32, x float64) {
	a.n[g]++
	switch {
	case x-x != 0:
		a.sxx[g] = math.NaN()
	case !stuck(a.sxx[g]):
		a.sxx[g] = math.Inf(1)
	}
}

func (a *varianceAcc) Add(v *coldata.Vec, _ []int64, rows []int, groups []uint32) {
	nulls := v.Nulls.Any()
	if a.isInt {
		for k, i := range rows {
			if nulls && v.Nulls.IsNull(i) {
				continue
			}
			g, x := groups[k], v.I64[i]
			if a.n[g] == 0 {
				a.k[g] = uint64(x)
			}
			a.addDev(g, intDiff(x, int64(a.k[g])))
		}
		return
	}
	for k, i := range rows {
		if nulls && v.Nulls.IsNull(i) {
			continue
		}
		g, x := groups[k], v.F64[i]
		if a.n[g] == 0 {
			a.k[g] = math.Float64bits(x)
		}
		if dev := x - math.Float64frombits(a.k[g]); dev-dev == 0 {
			a.addDev(g, dev)
		} else { // NaN or ±Infinity
			a.addNonFinite(g, x)
		}
	}
}

func (a *varianceAcc) Merge(d, s uint32) {
	ns, nd := a.n[s], a.n[d]
	if ns == 0 || d == s {
		return
	}
	if nd == 0 {
		a.n[d], a.k[d], a.sx[d], a.sxx[d] = ns, a.k[s], a.sx[s], a.sxx[s]
		return
	}
	a.n[d] = nd + ns
	switch {
	case math.IsNaN(a.sxx[d]) || math.IsNaN(a.sxx[s]):
		a.sxx[d] = math.NaN()
		return
	case stuck(a.sxx[d]) || stuck(a.sxx[s]):
		a.sxx[d] = math.Inf(1)
		return
	}
	n1, n2 := float64(nd), float64(ns)
	n := n1 + n2
	kd := a.kDiff(s, d)
	// mean(d) − mean(s) = (K_d + Sx_d/n1) − (K_s + Sx_s/n2).
	tmp := (a.sx[d]/n1 - a.sx[s]/n2) - kd
	inc := n1 * n2 * tmp * tmp / n
	if math.IsInf(inc, 0) {
		inc = tmp * (n1 / n * n2) * tmp
	}
	sxx := a.sxx[d] + a.sxx[s] + inc
	sx := a.sx[d] + a.sx[s] + n2*kd // s re-based onto K_d
	if math.IsInf(kd, 0) || math.IsInf(sx, 0) || !(sxx <= math.MaxFloat64) {
		sxx = math.Inf(1)
	}
	a.sx[d], a.sxx[d] = sx, sxx
}

func (a *varianceAcc) Result(g uint32, out *coldata.Vec) {
	if a.n[g] < 2 {
		out.AppendNull()
		return
	}
	r := a.sxx[g] / float64(a.n[g]-1)
	if a.stddev {
		r = math.Sqrt(r)
	}
	out.F64 = append(out.F64, r)
}

// Encode writes −1 − N (a negative varint, which tells this encoding from
// the older Welford one that started with N ≥ 0), K's 8 bytes, Sx and Sxx.
func (a *varianceAcc) Encode(buf []byte, g uint32) []byte {
	buf = appendValue(buf, -1-a.n[g])
	buf = appendFloat(buf, math.Float64frombits(a.k[g]))
	return appendFloat(appendFloat(buf, a.sx[g]), a.sxx[g])
}

// Decode reads Encode's format, and also the older Welford one (N, mean,
// M2), which it converts: K is the mean (truncated to an integer for
// BIGINT), Sx = N·(mean − K), Sxx = M2.
func (a *varianceAcc) Decode(g uint32, data []byte) ([]byte, error) {
	d := dec{b: data}
	v := d.varint()
	if v < 0 {
		a.n[g] = -1 - v
		a.k[g] = math.Float64bits(d.float())
		a.sx[g] = d.float()
		a.sxx[g] = d.float()
		return d.b, d.err
	}
	mean, m2 := d.float(), d.float()
	if d.err != nil {
		return d.b, d.err
	}
	a.n[g], a.sxx[g], a.sx[g] = v, m2, 0
	switch {
	case math.IsNaN(mean) || math.IsInf(mean, 0):
		a.k[g], a.sxx[g] = 0, math.NaN()
	case a.isInt:
		k := int64(0)
		if math.Abs(mean) < 0x1p63 {
			k = int64(mean)
		}
		a.k[g] = uint64(k)
		a.sx[g] = float64(v) * (mean - float64(k))
	default:
		a.k[g] = math.Float64bits(mean)
	}
	return d.b, nil
}

func (a *varianceAcc) GroupBytes(uint32) int { return 32 }

// newVarianceAcc returns VARIANCE (or STDDEV) of an argument of type t.
func newVarianceAcc(stddev bool, t catalog.Type) *varianceAcc {
	return &varianceAcc{stddev: stddev, isInt: t == catalog.Bigint}
}
