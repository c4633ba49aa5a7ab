package agg

import (
	"math"
	"math/big"
	"math/bits"

	"github.com/weirdb/weir/coldata"
)

// avgIntAcc is AVG of BIGINT: an exact 128-bit sum (hi·2⁶⁴ + lo, two's
// complement) and the non-NULL count, 24 bytes per group. The sum of up to
// 2⁶³ values of at most 2⁶³ in magnitude fits, so it never wraps; the
// result is the exact quotient rounded to the nearest DOUBLE (PostgreSQL
// computes AVG(bigint) in numeric: 4611686018427387905 and
// −4611686018427387904 average 0.5, which a DOUBLE sum loses).
type avgIntAcc struct {
	hi []int64
	lo []uint64
	n  []int64
}

func (a *avgIntAcc) Grow(n int) {
	a.hi, a.lo, a.n = grow(a.hi, n), grow(a.lo, n), grow(a.n, n)
}

func (a *avgIntAcc) Reset(g uint32) { a.hi[g], a.lo[g], a.n[g] = 0, 0, 0 }

// add128 adds the 128-bit value (hi, lo) to group g's sum.
func (a *avgIntAcc) add128(g uint32, hi int64, lo uint64) {
	var c uint64
	a.lo[g], c = bits.Add64(a.lo[g], lo, 0)
	a.hi[g] += hi + int64(c)
}

func (a *avgIntAcc) Merge(d, s uint32) {
	a.add128(d, a.hi[s], a.lo[s])
	a.n[d] += a.n[s]
}

func (a *avgIntAcc) Add(v *coldata.Vec, _ []int64, rows []int, groups []uint32) {
	nulls := v.Nulls.Any()
	x := v.I64
	for k, i := range rows {
		if nulls && v.Nulls.IsNull(i) {
			continue
		}
		g := groups[k]
		a.add128(g, x[i]>>63, uint64(x[i])) // sign-extended to 128 bits
		a.n[g]++
	}
}

func (a *avgIntAcc) Result(g uint32, out *coldata.Vec) {
	n := a.n[g]
	if n == 0 {
		out.AppendNull()
		return
	}
	out.F64 = append(out.F64, quotient128(a.hi[g], a.lo[g], n))
}

// quotient128 returns (hi·2⁶⁴ + lo) / n rounded to the nearest DOUBLE
// (n > 0). When the sum and n are both exact DOUBLEs (at most 2⁵³ in
// magnitude) one IEEE division is already correctly rounded; otherwise the
// quotient is formed exactly as a rational.
func quotient128(hi int64, lo uint64, n int64) float64 {
	const exact = 1 << 53
	if s := int64(lo); hi == s>>63 && s >= -exact && s <= exact && n <= exact {
		return float64(s) / float64(n)
	}
	sum := new(big.Int).Lsh(big.NewInt(hi), 64)
	sum.Add(sum, new(big.Int).SetUint64(lo))
	q, _ := new(big.Rat).SetFrac(sum, big.NewInt(n)).Float64()
	return q
}

// avgIntMarker starts the encoding of an AVG(BIGINT) group: 8 bytes that
// read as a NaN. The older encoding (before the sum was exact) starts with
// the DOUBLE sum of the group's values, which is always finite, so a
// checkpoint written before the change still decodes (its sum, already
// rounded then, is taken as the exact integer it holds).
const avgIntMarker = 0x7ff8_a1c6_0000_0128

func (a *avgIntAcc) Encode(buf []byte, g uint32) []byte {
	buf = appendFloat(buf, math.Float64frombits(avgIntMarker))
	buf = appendValue(buf, a.hi[g])
	buf = appendValue(buf, int64(a.lo[g]))
	return appendValue(buf, a.n[g])
}

func (a *avgIntAcc) Decode(g uint32, data []byte) ([]byte, error) {
	d := dec{b: data}
	first := d.float()
	if d.err == nil && math.Float64bits(first) == avgIntMarker {
		a.hi[g] = d.varint()
		a.lo[g] = uint64(d.varint())
		a.n[g] = d.varint()
		return d.b, d.err
	}
	// The older encoding: a DOUBLE sum (an integer, or a NaN/Inf only if
	// corrupt) and the count.
	a.n[g] = d.varint()
	if d.err != nil {
		return d.b, d.err
	}
	if !(math.Abs(first) < 0x1p127) || a.n[g] < 0 { // NaN, ±Inf or out of range
		return nil, errCorrupt
	}
	a.hi[g], a.lo[g] = int128FromFloat(first)
	return d.b, nil
}

// int128FromFloat returns the integer part of the finite x, which is at
// most 2¹²⁷ in magnitude for a sum of BIGINTs, as 128-bit two's
// complement (hi, lo).
func int128FromFloat(x float64) (int64, uint64) {
	b, _ := big.NewFloat(math.Trunc(x)).Int(nil)
	neg := b.Sign() < 0
	b.Abs(b)
	lo := new(big.Int).And(b, new(big.Int).SetUint64(math.MaxUint64)).Uint64()
	hi := new(big.Int).Rsh(b, 64).Uint64()
	if neg { // two's complement of (hi, lo)
		var borrow uint64
		lo, borrow = bits.Sub64(0, lo, 0)
		hi, _ = bits.Sub64(0, hi, borrow)
	}
	return int64(hi), lo
}

func (a *avgIntAcc) GroupBytes(uint32) int { return 24 }
