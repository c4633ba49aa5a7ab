package agg

import (
	"math"

	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/DataDog/sketches-go/ddsketch/store"
	"github.com/axiomhq/hyperloglog"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// sketchRelativeAccuracy is APPROX_PERCENTILE's relative accuracy.
const sketchRelativeAccuracy = 0.01

// sketchAcc is APPROX_PERCENTILE(x, q): one DDSketch (relative accuracy
// 1%) per group, created at the group's first non-NULL value.
type sketchAcc struct {
	q  float64
	sk []*ddsketch.DDSketch
}

func (a *sketchAcc) Grow(n int)     { a.sk = grow(a.sk, n) }
func (a *sketchAcc) Reset(g uint32) { a.sk[g] = nil }

func (a *sketchAcc) sketch(g uint32) *ddsketch.DDSketch {
	s := a.sk[g]
	if s == nil {
		s, _ = ddsketch.NewDefaultDDSketch(sketchRelativeAccuracy) // valid accuracy: no error
		a.sk[g] = s
	}
	return s
}

func (a *sketchAcc) Add(v *coldata.Vec, _ []int64, rows []int, groups []uint32) {
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
		if math.IsNaN(x) || math.IsInf(x, 0) {
			continue // DDSketch cannot hold them
		}
		_ = a.sketch(groups[k]).Add(x) // finite values are always accepted
	}
}

func (a *sketchAcc) Merge(d, s uint32) {
	if d == s || a.sk[s] == nil {
		return
	}
	_ = a.sketch(d).MergeWith(a.sk[s]) // same mapping: no error
}

func (a *sketchAcc) Result(g uint32, out *coldata.Vec) {
	s := a.sk[g]
	if s == nil || s.IsEmpty() {
		out.AppendNull()
		return
	}
	out.F64 = append(out.F64, interpolatedQuantile(s, a.q))
}

// interpolatedQuantile answers APPROX_PERCENTILE the way PERCENTILE_CONT
// does: at rank q·(n−1) it interpolates linearly between the values at the
// two neighbouring ranks, each read from the sketch (within 1% of the true
// order statistic). DDSketch's own GetValueAtQuantile returns the value at
// one rank, which for few values can be far from the interpolation (20 for
// 10, 20, 30, 40 at q = 0.5, where PERCENTILE_CONT gives 25). For values of
// one sign the result is within 1% of PERCENTILE_CONT (SEMANTICS.md §5).
func interpolatedQuantile(s *ddsketch.DDSketch, q float64) float64 {
	n := s.GetCount()
	rank := q * (n - 1)
	lo := math.Floor(rank)
	frac := rank - lo
	xlo := valueAtIndex(s, lo, n)
	if frac == 0 {
		return xlo
	}
	return xlo + frac*(valueAtIndex(s, lo+1, n)-xlo)
}

// valueAtIndex returns the sketch's value for the 0-based order statistic
// idx of n values. The sketch picks the first value whose cumulative count
// exceeds the rank, so asking for idx + ½ lands on idx without rounding
// trouble.
func valueAtIndex(s *ddsketch.DDSketch, idx, n float64) float64 {
	q := 1.0
	if idx < n-1 {
		q = (idx + 0.5) / (n - 1)
	}
	x, err := s.GetValueAtQuantile(q)
	if err != nil { // q is in [0, 1] and the sketch is not empty
		return math.NaN()
	}
	return x
}

func (a *sketchAcc) Encode(buf []byte, g uint32) []byte {
	s := a.sk[g]
	if s == nil {
		return appendBytes(buf, nil)
	}
	var enc []byte
	s.Encode(&enc, false)
	return appendBytes(buf, enc)
}

func (a *sketchAcc) Decode(g uint32, data []byte) ([]byte, error) {
	d := dec{b: data}
	enc := d.bytes()
	a.sk[g] = nil
	if d.err != nil || len(enc) == 0 {
		return d.b, d.err
	}
	s, err := ddsketch.DecodeDDSketch(enc, store.DefaultProvider, nil)
	if err != nil {
		return nil, errCorrupt
	}
	a.sk[g] = s
	return d.b, nil
}

func (a *sketchAcc) GroupBytes(g uint32) int {
	s := a.sk[g]
	if s == nil {
		return 8
	}
	var enc []byte
	s.Encode(&enc, true)
	return 8 + 2*len(enc) // the in-memory stores are sparser than the encoding
}

// hllAcc is APPROX_COUNT_DISTINCT(x): one HyperLogLog sketch (precision
// 14, sparse while small) per group. Values are hashed with a stable hash
// so that restored state keeps counting the same values once.
type hllAcc struct {
	sk []*hyperloglog.Sketch
}

func (a *hllAcc) Grow(n int)     { a.sk = grow(a.sk, n) }
func (a *hllAcc) Reset(g uint32) { a.sk[g] = nil }

func (a *hllAcc) sketch(g uint32) *hyperloglog.Sketch {
	s := a.sk[g]
	if s == nil {
		s = hyperloglog.New14()
		a.sk[g] = s
	}
	return s
}

func (a *hllAcc) Add(v *coldata.Vec, _ []int64, rows []int, groups []uint32) {
	nulls := v.Nulls.Any()
	for k, i := range rows {
		if nulls && v.Nulls.IsNull(i) {
			continue
		}
		a.sketch(groups[k]).InsertHash(hashValue(v, i))
	}
}

// hashValue is a stable 64-bit hash of row i of v (FNV-1a with a
// murmur3 finalizer).
func hashValue(v *coldata.Vec, i int) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	switch v.Type {
	case catalog.Varchar:
		s := v.Str[i]
		for j := 0; j < len(s); j++ {
			h = (h ^ uint64(s[j])) * prime
		}
	case catalog.Double:
		h = (h ^ coldata.FloatKeyBits(v.F64[i])) * prime
	case catalog.Boolean:
		if v.Bool[i] {
			h = (h ^ 1) * prime
		}
	default:
		h = (h ^ uint64(v.I64[i])) * prime
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

func (a *hllAcc) Merge(d, s uint32) {
	if d == s || a.sk[s] == nil {
		return
	}
	_ = a.sketch(d).Merge(a.sk[s]) // same precision: no error
}

func (a *hllAcc) Result(g uint32, out *coldata.Vec) {
	var n uint64
	if s := a.sk[g]; s != nil {
		n = s.Estimate()
	}
	out.I64 = append(out.I64, int64(n))
}

func (a *hllAcc) Encode(buf []byte, g uint32) []byte {
	s := a.sk[g]
	if s == nil {
		return appendBytes(buf, nil)
	}
	enc, _ := s.MarshalBinary() // never fails
	return appendBytes(buf, enc)
}

func (a *hllAcc) Decode(g uint32, data []byte) ([]byte, error) {
	d := dec{b: data}
	enc := d.bytes()
	a.sk[g] = nil
	if d.err != nil || len(enc) == 0 {
		return d.b, d.err
	}
	s := hyperloglog.New14()
	if err := s.UnmarshalBinary(enc); err != nil {
		return nil, errCorrupt
	}
	a.sk[g] = s
	return d.b, nil
}

func (a *hllAcc) GroupBytes(g uint32) int {
	s := a.sk[g]
	if s == nil {
		return 8
	}
	enc, _ := s.MarshalBinary()
	return 8 + len(enc)
}
