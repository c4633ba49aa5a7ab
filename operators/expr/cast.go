package expr

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// Cast is CAST(X AS T). Every pair of types converts except BOOLEAN ↔
// TIMESTAMP. The choices, made explicit:
//
//   - VARCHAR → BIGINT/DOUBLE/BOOLEAN/TIMESTAMP that does not parse gives
//     NULL (TRY_CAST semantics, as Flink's TRY_CAST): a streaming query must
//     not stop on one bad value, and CAST is where users clean data.
//     Surrounding spaces are ignored. BOOLEAN accepts true/false, t/f,
//     yes/no, on/off, 1/0 (any case); TIMESTAMP accepts what ParseTimestamp
//     does: RFC 3339 and PostgreSQL's timestamptz text forms (space or T,
//     optional fraction, zone Z, +hh, +hhmm, +hh:mm or none for UTC) and
//     'YYYY-MM-DD'.
//   - DOUBLE → BIGINT rounds half away from zero (PostgreSQL); NaN, ±Inf
//     and values out of int64 range give NULL.
//   - BIGINT ↔ TIMESTAMP is epoch milliseconds; DOUBLE → TIMESTAMP rounds to
//     the millisecond.
//   - BIGINT/DOUBLE → BOOLEAN is x <> 0; BOOLEAN → number is 1 or 0.
//   - → VARCHAR: BIGINT in decimal, DOUBLE in the shortest form that reads
//     back the same (Go's 'g'), BOOLEAN as true/false, TIMESTAMP as RFC 3339
//     UTC with milliseconds (as in JSON output).
type Cast struct {
	X  Expr
	To catalog.Type
	xs *coldata.Vec
	fn func(x, out *coldata.Vec, sel []int, n int)
}

var _ Expr = (*Cast)(nil)

// CanCast reports whether CAST(from AS to) is allowed.
func CanCast(from, to catalog.Type) bool {
	if from == catalog.Unknown || from == to {
		return true
	}
	if (from == catalog.Boolean && to == catalog.Timestamp) || (from == catalog.Timestamp && to == catalog.Boolean) {
		return false
	}
	return physOf(from) != physNone && physOf(to) != physNone
}

// NewCast returns CAST(x AS to).
func NewCast(x Expr, to catalog.Type) (*Cast, error) {
	from := x.Type()
	if !CanCast(from, to) {
		return nil, fmt.Errorf("expr: cannot cast %s to %s", from, to)
	}
	c := &Cast{X: x, To: to, xs: newScratch(from)}
	c.fn = castFunc(from, to)
	return c, nil
}

// Type returns the target type.
func (c *Cast) Type() catalog.Type { return c.To }

// Eval converts the live rows.
func (c *Cast) Eval(b *coldata.Batch, out *coldata.Vec) {
	c.X.Eval(b, c.xs)
	n := b.Len
	reset(out, c.To, n)
	copyNulls(&out.Nulls, c.xs.Nulls)
	if c.fn != nil {
		c.fn(c.xs, out, b.Sel, n)
	}
}

// String returns "CAST(X AS T)".
func (c *Cast) String() string { return fmt.Sprintf("CAST(%v AS %s)", c.X, c.To) }

// castFunc returns the conversion loop; nil when only the nulls matter
// (an untyped NULL).
func castFunc(from, to catalog.Type) func(x, out *coldata.Vec, sel []int, n int) {
	if from == catalog.Unknown {
		return func(_, out *coldata.Vec, sel []int, n int) {
			each(sel, n, func(i int) { out.Nulls.Set(i) })
		}
	}
	if physOf(from) == physOf(to) { // same type, or BIGINT ↔ TIMESTAMP
		return func(x, out *coldata.Vec, sel []int, n int) {
			switch physOf(to) {
			case physI64:
				copy(out.I64, x.I64[:n])
			case physF64:
				copy(out.F64, x.F64[:n])
			case physStr:
				copy(out.Str, x.Str[:n])
			case physBool:
				copy(out.Bool, x.Bool[:n])
			}
		}
	}
	switch from {
	case catalog.Bigint, catalog.Timestamp:
		switch to {
		case catalog.Double:
			return func(x, out *coldata.Vec, sel []int, n int) {
				in, o := x.I64[:n], out.F64[:n]
				each(sel, n, func(i int) { o[i] = float64(in[i]) })
			}
		case catalog.Boolean:
			return func(x, out *coldata.Vec, sel []int, n int) {
				in, o := x.I64[:n], out.Bool[:n]
				each(sel, n, func(i int) { o[i] = in[i] != 0 })
			}
		case catalog.Varchar:
			ts := from == catalog.Timestamp
			return func(x, out *coldata.Vec, sel []int, n int) {
				in, o := x.I64[:n], out.Str[:n]
				each(sel, n, func(i int) {
					if x.Nulls.IsNull(i) {
						return
					}
					if ts {
						o[i] = FormatTimestamp(in[i])
					} else {
						o[i] = strconv.FormatInt(in[i], 10)
					}
				})
			}
		}
	case catalog.Double:
		switch to {
		case catalog.Bigint, catalog.Timestamp:
			return func(x, out *coldata.Vec, sel []int, n int) {
				in, o := x.F64[:n], out.I64[:n]
				each(sel, n, func(i int) {
					v, ok := roundToInt(in[i])
					if !ok && !x.Nulls.IsNull(i) {
						out.Nulls.Set(i)
					}
					o[i] = v
				})
			}
		case catalog.Boolean:
			return func(x, out *coldata.Vec, sel []int, n int) {
				in, o := x.F64[:n], out.Bool[:n]
				each(sel, n, func(i int) { o[i] = in[i] != 0 })
			}
		case catalog.Varchar:
			return func(x, out *coldata.Vec, sel []int, n int) {
				in, o := x.F64[:n], out.Str[:n]
				each(sel, n, func(i int) {
					if !x.Nulls.IsNull(i) {
						o[i] = strconv.FormatFloat(in[i], 'g', -1, 64)
					}
				})
			}
		}
	case catalog.Boolean:
		switch to {
		case catalog.Bigint:
			return func(x, out *coldata.Vec, sel []int, n int) {
				in, o := x.Bool[:n], out.I64[:n]
				each(sel, n, func(i int) { o[i] = int64(b2i(in[i])) })
			}
		case catalog.Double:
			return func(x, out *coldata.Vec, sel []int, n int) {
				in, o := x.Bool[:n], out.F64[:n]
				each(sel, n, func(i int) { o[i] = float64(b2i(in[i])) })
			}
		case catalog.Varchar:
			return func(x, out *coldata.Vec, sel []int, n int) {
				in, o := x.Bool[:n], out.Str[:n]
				each(sel, n, func(i int) { o[i] = strconv.FormatBool(in[i]) })
			}
		}
	case catalog.Varchar:
		return func(x, out *coldata.Vec, sel []int, n int) {
			in := x.Str[:n]
			each(sel, n, func(i int) {
				if x.Nulls.IsNull(i) {
					return
				}
				if !parseInto(out, i, strings.TrimSpace(in[i])) {
					out.Nulls.Set(i)
				}
			})
		}
	}
	return nil
}

// roundToInt rounds half away from zero; ok is false for NaN, ±Inf and
// values outside int64.
func roundToInt(f float64) (int64, bool) {
	r := math.Round(f)
	if math.IsNaN(r) || r < math.MinInt64 || r >= math.MaxInt64 {
		return 0, false
	}
	return int64(r), true
}

// parseInto parses s as out's type into row i.
func parseInto(out *coldata.Vec, i int, s string) bool {
	switch out.Type {
	case catalog.Bigint:
		v, err := strconv.ParseInt(s, 10, 64)
		out.I64[i] = v
		return err == nil
	case catalog.Double:
		v, err := strconv.ParseFloat(s, 64)
		out.F64[i] = v
		return err == nil
	case catalog.Boolean:
		v, ok := ParseBool(s)
		out.Bool[i] = v
		return ok
	case catalog.Timestamp:
		v, ok := ParseTimestamp(s)
		out.I64[i] = v
		return ok
	}
	return false
}

// ParseBool parses true/false, t/f, yes/no, on/off, 1/0 in any case.
func ParseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "t", "yes", "y", "on", "1":
		return true, true
	case "false", "f", "no", "n", "off", "0":
		return false, true
	}
	return false, false
}
