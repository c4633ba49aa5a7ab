package agg

import (
	"encoding/binary"
	"math"
	"slices"

	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/DataDog/sketches-go/ddsketch/store"
	"github.com/axiomhq/hyperloglog"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// sketchRelativeAccuracy is APPROX_PERCENTILE's relative accuracy.
const sketchRelativeAccuracy = 0.01

// exactValues is how many values a group of APPROX_PERCENTILE keeps
// exactly before it moves them into a sketch: up to this many, the result
// is PERCENTILE_CONT's, whatever the signs of the values. 128 float64s
// (1 KiB) is about what one sketch takes.
const exactValues = 128

// rawMarker starts the encoding of a group that holds exact values. A
// DDSketch encoding never starts with it (it would be a negative-value
// store with sub-flag 63, which does not exist).
const rawMarker = 0xFF

// sketchAcc is APPROX_PERCENTILE(x, q). A group keeps its first
// exactValues non-NULL values exactly (raw), then one DDSketch (relative
// accuracy 1%) holding all of them (sk); at most one of the two is in use.
type sketchAcc struct {
	q   float64
	raw [][]float64
	sk  []*ddsketch.DDSketch
}

func (a *sketchAcc) Grow(n int) { a.sk, a.raw = grow(a.sk, n), grow(a.raw, n) }

func (a *sketchAcc) Reset(g uint32) { a.sk[g], a.raw[g] = nil, a.raw[g][:0] }

func (a *sketchAcc) sketch(g uint32) *ddsketch.DDSketch {
	s := a.sk[g]
	if s == nil {
		s, _ = ddsketch.NewDefaultDDSketch(sketchRelativeAccuracy) // valid accuracy: no error
		a.sk[g] = s
	}
	return s
}

// sketchMax is the largest magnitude the sketch's mapping can index
// (about 1.26e308): Add refuses larger values, so they are clamped to it.
var sketchMax = func() float64 {
	s, _ := ddsketch.NewDefaultDDSketch(sketchRelativeAccuracy)
	return s.IndexMapping.MaxIndexableValue()
}()

// addToSketch adds x to s, clamping a magnitude beyond sketchMax to it
// (docs/windows.md); values below the smallest indexable magnitude count
// as zeros, which Add does itself.
func addToSketch(s *ddsketch.DDSketch, x float64) {
	x = max(-sketchMax, min(sketchMax, x))
	if err := s.Add(x); err != nil {
		panic("agg: APPROX_PERCENTILE sketch refused a clamped finite value: " + err.Error())
	}
}

// add adds one finite value to group g.
func (a *sketchAcc) add(g uint32, x float64) {
	if s := a.sk[g]; s != nil {
		addToSketch(s, x)
		return
	}
	a.raw[g] = append(a.raw[g], x)
	if len(a.raw[g]) > exactValues {
		a.toSketch(g)
	}
}

// toSketch moves group g's exact values into its sketch.
func (a *sketchAcc) toSketch(g uint32) {
	s := a.sketch(g)
	for _, x := range a.raw[g] {
		addToSketch(s, x)
	}
	a.raw[g] = nil
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
		a.add(groups[k], x)
	}
}

func (a *sketchAcc) Merge(d, s uint32) {
	if d == s {
		return
	}
	if a.sk[s] != nil {
		if a.sk[d] == nil {
			a.toSketch(d)
		}
		_ = a.sk[d].MergeWith(a.sk[s]) // same mapping: no error
		return
	}
	for _, x := range a.raw[s] {
		a.add(d, x)
	}
}

func (a *sketchAcc) Result(g uint32, out *coldata.Vec) {
	if s := a.sk[g]; s != nil && !s.IsEmpty() {
		out.F64 = append(out.F64, interpolatedQuantile(s, a.q))
		return
	}
	vs := a.raw[g]
	if len(vs) == 0 {
		out.AppendNull()
		return
	}
	slices.Sort(vs) // order within a group is irrelevant to the state
	out.F64 = append(out.F64, percentileCont(vs, a.q))
}

// interpolatedQuantile answers APPROX_PERCENTILE the way PERCENTILE_CONT
// does: at rank q·(n−1) it interpolates linearly between the values at the
// two neighbouring ranks, each read from the sketch (within 1% of the true
// order statistic). DDSketch's own GetValueAtQuantile returns the value at
// one rank, which for few values can be far from the interpolation (20 for
// 10, 20, 30, 40 at q = 0.5, where PERCENTILE_CONT gives 25). The error is
// at most 1% of (1−f)·|x_lo| + f·|x_hi|: within 1% of PERCENTILE_CONT when
// the two order statistics have one sign, not when they straddle zero
// (docs/windows.md).
func interpolatedQuantile(s *ddsketch.DDSketch, q float64) float64 {
	n := s.GetCount()
	rank := q * (n - 1)
	lo := math.Floor(rank)
	frac := rank - lo
	xlo := valueAtIndex(s, lo)
	if frac == 0 {
		return xlo
	}
	return xlo + frac*(valueAtIndex(s, lo+1)-xlo)
}

// valueAtIndex returns the sketch's value for the 0-based order statistic
// idx of the sketch's values (ascending). It reads the stores directly
// rather than through GetValueAtQuantile: a store's KeyAtRank(r) is the
// first bin whose cumulative count exceeds r, so the integer rank r picks
// the (r+1)-th smallest magnitude. The negative store holds magnitudes, so
// order statistic idx < negatives is the store's rank negatives−1−idx
// counted from the smallest magnitude; going through a quantile (as
// GetValueAtQuantile does, with the same rank mirrored) would need a
// half-step that moves in opposite directions for the two signs, which is
// how a +½ once landed one order statistic too close to zero for negative
// values.
func valueAtIndex(s *ddsketch.DDSketch, idx float64) float64 {
	neg := s.GetNegativeValueStore()
	nneg := neg.TotalCount()
	if idx < nneg {
		return -s.Value(neg.KeyAtRank(nneg - 1 - idx))
	}
	zeros := s.GetZeroCount()
	if idx < nneg+zeros {
		return 0
	}
	return s.Value(s.GetPositiveValueStore().KeyAtRank(idx - nneg - zeros))
}

func (a *sketchAcc) Encode(buf []byte, g uint32) []byte {
	s := a.sk[g]
	if s == nil {
		vs := a.raw[g]
		if len(vs) == 0 {
			return appendBytes(buf, nil)
		}
		enc := make([]byte, 1, 1+8*len(vs))
		enc[0] = rawMarker
		for _, x := range vs {
			enc = binary.LittleEndian.AppendUint64(enc, math.Float64bits(x))
		}
		return appendBytes(buf, enc)
	}
	var enc []byte
	s.Encode(&enc, false)
	return appendBytes(buf, enc)
}

func (a *sketchAcc) Decode(g uint32, data []byte) ([]byte, error) {
	d := dec{b: data}
	enc := d.bytes()
	a.sk[g], a.raw[g] = nil, a.raw[g][:0]
	if d.err != nil || len(enc) == 0 {
		return d.b, d.err
	}
	if enc[0] == rawMarker {
		if (len(enc)-1)%8 != 0 || len(enc)-1 > 8*exactValues {
			return nil, errCorrupt
		}
		for i := 1; i < len(enc); i += 8 {
			a.raw[g] = append(a.raw[g], math.Float64frombits(binary.LittleEndian.Uint64(enc[i:])))
		}
		return d.b, nil
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
		return 8 + 24 + 8*cap(a.raw[g])
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
