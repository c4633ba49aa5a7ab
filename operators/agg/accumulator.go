package agg

import (
	"fmt"
	"strings"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// Accumulator holds the state of one aggregate for many groups at once,
// stored column-wise in slices indexed by a dense group id (never one heap
// object per group for the fixed-size aggregates). The window operator owns
// the group ids: it grows the accumulator, reuses purged ids after Reset,
// and merges groups for panes (HOP, CUMULATE) and sessions.
//
// Memory per group, besides the operator's own bookkeeping:
//
//	aggregate               bytes per group
//	COUNT(*), COUNT(x)      8
//	SUM, AVG of DOUBLE      16 (sum + count of non-NULL inputs)
//	AVG of BIGINT           24 (exact 128-bit sum + count)
//	MIN, MAX                9 for BIGINT/DOUBLE/TIMESTAMP; 17 + string bytes for VARCHAR
//	STDDEV, VARIANCE        32 (count, shift, shifted sum, Sxx)
//	FIRST_VALUE, LAST_VALUE 17 (+8 for VARCHAR, + string bytes)
//	PERCENTILE_CONT         24 + 8 per non-NULL input (exact: keeps every value)
//	COUNT(DISTINCT x)       8 + ~40 per distinct value (a Go map per group)
//	APPROX_PERCENTILE       8 + DDSketch (≈ 0.5–2 KiB for typical latencies at 1%)
//	APPROX_COUNT_DISTINCT   8 + HyperLogLog p=14 (sparse: a few bytes per value, dense: 16 KiB)
//
// Accumulators are not safe for concurrent use.
type Accumulator interface {
	// Grow makes group ids [0, n) addressable; new groups are empty.
	Grow(n int)
	// Reset empties group g so that its id can be reused.
	Reset(g uint32)
	// Add adds row rows[k] of v to group groups[k] for every k. v is nil
	// for COUNT(*). ts holds the event time of every row of the batch
	// (indexed like v); only FIRST_VALUE and LAST_VALUE read it. NULL
	// inputs are ignored.
	Add(v *coldata.Vec, ts []int64, rows []int, groups []uint32)
	// Merge adds the state of group src into group dst (src is unchanged).
	Merge(dst, src uint32)
	// Result appends group g's result to out (a vector of the Spec's
	// Result type): NULL when the group saw no non-NULL input, except
	// COUNT which gives 0.
	Result(g uint32, out *coldata.Vec)
	// Encode appends group g's state to buf.
	Encode(buf []byte, g uint32) []byte
	// Decode replaces group g's state by the one encoded at the start of
	// data and returns the rest of data.
	Decode(g uint32, data []byte) ([]byte, error)
	// GroupBytes estimates the memory held by group g's state.
	GroupBytes(g uint32) int
}

// New returns an empty accumulator for spec, or an error when the function
// does not apply to the argument type.
func New(spec Spec) (Accumulator, error) {
	t := spec.ArgType
	unsupported := func() (Accumulator, error) {
		return nil, fmt.Errorf("agg: %s of %s is not supported", spec.Func, t)
	}
	switch spec.Func {
	case CountStar:
		return &countAcc{star: true}, nil
	case Count:
		return &countAcc{}, nil
	case CountDistinct:
		switch t {
		case catalog.Bigint, catalog.Timestamp:
			return &distinctAcc[int64]{get: i64s}, nil
		case catalog.Double:
			return &distinctAcc[float64]{get: f64s}, nil
		case catalog.Varchar:
			return &distinctAcc[string]{get: strs, keep: strings.Clone}, nil
		case catalog.Boolean:
			return &distinctAcc[bool]{get: bools}, nil
		}
		return unsupported()
	case Sum:
		switch t {
		case catalog.Bigint:
			return &sumIntAcc{}, nil
		case catalog.Double:
			return &sumFloatAcc{}, nil
		}
		return unsupported()
	case Avg:
		if !t.Numeric() {
			return unsupported()
		}
		if t == catalog.Bigint {
			return &avgIntAcc{}, nil
		}
		return &sumFloatAcc{avg: true}, nil
	case Min, Max:
		isMax := spec.Func == Max
		switch t {
		case catalog.Bigint, catalog.Timestamp:
			return &minMaxAcc[int64]{max: isMax, get: i64s, put: putI64}, nil
		case catalog.Double:
			return &minMaxAcc[float64]{max: isMax, get: f64s, put: putF64}, nil
		case catalog.Varchar:
			return &minMaxAcc[string]{max: isMax, get: strs, put: putStr, keep: strings.Clone}, nil
		}
		return unsupported()
	case Stddev, Variance:
		if !t.Numeric() {
			return unsupported()
		}
		return newVarianceAcc(spec.Func == Stddev, t), nil
	case PercentileCont, ApproxPercentile:
		if !t.Numeric() {
			return unsupported()
		}
		if !(spec.Param >= 0 && spec.Param <= 1) {
			return nil, fmt.Errorf("agg: %s: fraction %v is not between 0 and 1", spec.Func, spec.Param)
		}
		if spec.Func == PercentileCont {
			return &percentileAcc{q: spec.Param}, nil
		}
		return &sketchAcc{q: spec.Param}, nil
	case ApproxCountDistinct:
		if t == catalog.Unknown {
			return unsupported()
		}
		return &hllAcc{}, nil
	case FirstValue, LastValue:
		last := spec.Func == LastValue
		switch t {
		case catalog.Bigint, catalog.Timestamp:
			return &firstLastAcc[int64]{last: last, get: i64s, put: putI64}, nil
		case catalog.Double:
			return &firstLastAcc[float64]{last: last, get: f64s, put: putF64}, nil
		case catalog.Varchar:
			return &firstLastAcc[string]{last: last, get: strs, put: putStr, keep: strings.Clone}, nil
		case catalog.Boolean:
			return &firstLastAcc[bool]{last: last, get: bools, put: putBool}, nil
		}
		return unsupported()
	}
	return nil, fmt.Errorf("agg: unknown function %d", spec.Func)
}

func i64s(v *coldata.Vec) []int64      { return v.I64 }
func f64s(v *coldata.Vec) []float64    { return v.F64 }
func strs(v *coldata.Vec) []string     { return v.Str }
func bools(v *coldata.Vec) []bool      { return v.Bool }
func putI64(out *coldata.Vec, x int64) { out.I64 = append(out.I64, x) }
func putF64(out *coldata.Vec, x float64) {
	out.F64 = append(out.F64, x)
}
func putStr(out *coldata.Vec, x string) { out.Str = append(out.Str, x) }
func putBool(out *coldata.Vec, x bool)  { out.Bool = append(out.Bool, x) }

// numeric reads row i of a BIGINT, TIMESTAMP or DOUBLE vector as float64.
func numeric(v *coldata.Vec, i int) float64 {
	if v.Type == catalog.Double {
		return v.F64[i]
	}
	return float64(v.I64[i])
}

// grow extends s to n elements, zero-filled.
func grow[T any](s []T, n int) []T {
	if n <= len(s) {
		return s
	}
	if n <= cap(s) {
		old := len(s)
		s = s[:n]
		clear(s[old:])
		return s
	}
	ns := make([]T, n, max(n, 2*cap(s)))
	copy(ns, s)
	return ns
}
