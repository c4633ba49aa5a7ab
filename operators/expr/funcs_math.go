package expr

import (
	"math"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// mathFunc returns the loop of a math function. Results outside the
// function's domain (SQRT of a negative, LN/LOG10/LOG of a non-positive, a
// LOG base of 1, a NaN or infinite POWER or EXP) are NULL rather than
// errors. ABS of the smallest BIGINT wraps (stays negative). ROUND rounds
// half away from zero; ROUND(x, d) keeps d decimal digits (d < 0 rounds to
// tens, hundreds...). TRUNC(x [, d]) cuts toward zero the same way. FLOOR,
// CEIL, ROUND and TRUNC of a BIGINT return it unchanged (ROUND and TRUNC
// with d < 0 round or cut it). SIGN is -1, 0 or 1 in the argument's type.
// LOG(x) is the base-10 logarithm and LOG(b, x) the base-b one, as in
// PostgreSQL.
func mathFunc(name string, t catalog.Type) loopFunc {
	if t == catalog.Bigint {
		switch name {
		case "SIGN":
			return func(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
				x, o := args[0].I64[:n], out.I64[:n]
				each(sel, n, func(i int) {
					switch v := x[i]; {
					case v > 0:
						o[i] = 1
					case v < 0:
						o[i] = -1
					default:
						o[i] = 0
					}
				})
			}
		case "TRUNC":
			return func(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
				x, o := args[0].I64[:n], out.I64[:n]
				var d []int64
				if len(args) > 1 {
					d = args[1].I64[:n]
				}
				each(sel, n, func(i int) {
					o[i] = x[i]
					if d != nil && d[i] < 0 {
						o[i] = truncInt(x[i], -d[i])
					}
				})
			}
		case "ABS":
			return func(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
				x, o := args[0].I64[:n], out.I64[:n]
				each(sel, n, func(i int) {
					if v := x[i]; v < 0 {
						o[i] = -v
					} else {
						o[i] = v
					}
				})
			}
		case "ROUND":
			return func(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
				x, o := args[0].I64[:n], out.I64[:n]
				var d []int64
				if len(args) > 1 {
					d = args[1].I64[:n]
				}
				each(sel, n, func(i int) {
					o[i] = x[i]
					if d != nil && d[i] < 0 {
						p := math.Pow(10, float64(-d[i]))
						r, ok := roundToInt(math.Round(float64(x[i])/p) * p)
						if !ok {
							out.Nulls.Set(i)
						}
						o[i] = r
					}
				})
			}
		default: // FLOOR, CEIL
			return func(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
				copy(out.I64[:n], args[0].I64[:n])
			}
		}
	}
	var f func(float64) float64
	switch name {
	case "ABS":
		f = math.Abs
	case "FLOOR":
		f = math.Floor
	case "CEIL", "CEILING":
		f = math.Ceil
	case "SQRT":
		f = math.Sqrt
	case "LN":
		f = math.Log
	case "LOG10":
		f = math.Log10
	case "EXP":
		f = math.Exp
	case "SIGN":
		f = func(v float64) float64 {
			switch {
			case v > 0:
				return 1
			case v < 0:
				return -1
			}
			return v // 0, -0 or NaN
		}
	case "ROUND", "TRUNC":
		whole, digits := math.Round, roundDigits
		if name == "TRUNC" {
			whole, digits = math.Trunc, truncDigits
		}
		return func(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
			x, o := args[0].F64[:n], out.F64[:n]
			if len(args) == 1 {
				each(sel, n, func(i int) { o[i] = whole(x[i]) })
				return
			}
			d := args[1].I64[:n]
			each(sel, n, func(i int) { o[i] = digits(x[i], d[i]) })
		}
	case "LOG":
		return func(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
			if len(args) == 1 {
				x, o := args[0].F64[:n], out.F64[:n]
				each(sel, n, func(i int) { o[i] = domain(out, i, math.Log10(x[i])) })
				return
			}
			b, x, o := args[0].F64[:n], args[1].F64[:n], out.F64[:n]
			each(sel, n, func(i int) { o[i] = domain(out, i, logBase(b[i], x[i])) })
		}
	case "POWER", "POW":
		return func(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
			x, y, o := args[0].F64[:n], args[1].F64[:n], out.F64[:n]
			each(sel, n, func(i int) { o[i] = domain(out, i, math.Pow(x[i], y[i])) })
		}
	}
	return func(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
		x, o := args[0].F64[:n], out.F64[:n]
		each(sel, n, func(i int) { o[i] = domain(out, i, f(x[i])) })
	}
}

// domain marks row i NULL when v is NaN or infinite (a domain error) and
// returns v, or 0 for such a row.
func domain(out *coldata.Vec, i int, v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		out.Nulls.Set(i)
		return 0
	}
	return v
}

// logBase is the base-b logarithm of x: NaN (a NULL) outside the domain
// (x or b not positive, b = 1). Bases 2 and 10 use the exact functions.
func logBase(b, x float64) float64 {
	if b <= 0 || b == 1 || x <= 0 {
		return math.NaN()
	}
	switch b {
	case 10:
		return math.Log10(x)
	case 2:
		return math.Log2(x)
	}
	return math.Log(x) / math.Log(b)
}

// truncInt cuts x toward zero to a multiple of 10^k (k > 0).
func truncInt(x, k int64) int64 {
	if k > 18 {
		return 0
	}
	p := int64(1)
	for range k {
		p *= 10
	}
	return x / p * p
}

// truncDigits cuts x toward zero to d decimal digits. x·10^d is first
// snapped to the nearest integer when it lies within a few units in the
// last place of it, so that TRUNC(0.29, 2) is 0.29 (0.29·100 is
// 28.999999999999996 in binary floating point) as with PostgreSQL's exact
// NUMERIC.
func truncDigits(x float64, d int64) float64 {
	if d > 15 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	if d < -18 {
		return 0
	}
	p := math.Pow(10, float64(d))
	v := x * p
	r := math.Round(v)
	if ulp := math.Nextafter(math.Abs(v), math.Inf(1)) - math.Abs(v); math.Abs(v-r) <= 4*ulp {
		return r / p
	}
	return math.Trunc(v) / p
}

// roundDigits rounds x half away from zero to d decimal digits.
func roundDigits(x float64, d int64) float64 {
	if d > 15 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	if d < -18 {
		return 0
	}
	p := math.Pow(10, float64(d))
	return math.Round(x*p) / p
}

// extremum returns the GREATEST (or LEAST) loop over arguments of type t,
// ignoring NULL arguments; the result is NULL only when all are NULL.
func extremum(greatest bool, t catalog.Type) loopFunc {
	return func(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
		each(sel, n, func(i int) {
			found := false
			for _, a := range args {
				if a.Type != t || a.Nulls.IsNull(i) {
					continue // untyped NULL or a NULL value
				}
				switch physOf(t) {
				case physI64:
					if v := a.I64[i]; !found || (v > out.I64[i]) == greatest && v != out.I64[i] {
						out.I64[i] = v
					}
				case physF64:
					if v := a.F64[i]; !found || (v > out.F64[i]) == greatest && v != out.F64[i] {
						out.F64[i] = v
					}
				case physStr:
					if v := a.Str[i]; !found || (v > out.Str[i]) == greatest && v != out.Str[i] {
						out.Str[i] = v
					}
				}
				found = true
			}
			if !found {
				out.Nulls.Set(i)
			}
		})
	}
}
