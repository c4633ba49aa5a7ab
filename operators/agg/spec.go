// Package agg holds weir's aggregate functions as mergeable accumulators:
// add, merge, result, encode/decode — what panes, sessions and spilling
// all need.
package agg

import "github.com/weirdb/weir/catalog"

// Func is an aggregate function.
type Func uint8

// The aggregate functions.
const (
	CountStar Func = iota
	Count
	CountDistinct
	Sum
	Avg
	Min
	Max
	Stddev              // sample
	Variance            // sample
	PercentileCont      // exact, as PostgreSQL's percentile_cont
	ApproxPercentile    // DDSketch, relative error ≤ 1%
	ApproxCountDistinct // HyperLogLog
	FirstValue          // by event time
	LastValue           // by event time
)

var funcNames = [...]string{
	CountStar: "COUNT(*)", Count: "COUNT", CountDistinct: "COUNT(DISTINCT)",
	Sum: "SUM", Avg: "AVG", Min: "MIN", Max: "MAX", Stddev: "STDDEV",
	Variance: "VARIANCE", PercentileCont: "PERCENTILE_CONT",
	ApproxPercentile: "APPROX_PERCENTILE", ApproxCountDistinct: "APPROX_COUNT_DISTINCT",
	FirstValue: "FIRST_VALUE", LastValue: "LAST_VALUE",
}

// String returns the SQL name.
func (f Func) String() string { return funcNames[f] }

// Spec describes one aggregate of a window aggregation.
type Spec struct {
	Func Func
	// Arg is the input column index of the argument, -1 for COUNT(*).
	Arg     int
	ArgType catalog.Type
	// Param is q for PERCENTILE_CONT and APPROX_PERCENTILE.
	Param float64
	// Result is the output type (SEMANTICS.md §5: SUM of BIGINT is BIGINT,
	// AVG/STDDEV/VARIANCE/percentiles DOUBLE, COUNT BIGINT, MIN/MAX/FIRST/LAST
	// the argument's type).
	Result catalog.Type
}

// ResultType returns the output type of f applied to an argument of type arg.
func ResultType(f Func, arg catalog.Type) catalog.Type {
	switch f {
	case CountStar, Count, CountDistinct, ApproxCountDistinct:
		return catalog.Bigint
	case Sum:
		if arg == catalog.Bigint {
			return catalog.Bigint
		}
		return catalog.Double
	case Avg, Stddev, Variance, PercentileCont, ApproxPercentile:
		return catalog.Double
	default: // Min, Max, FirstValue, LastValue
		return arg
	}
}
