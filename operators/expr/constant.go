package expr

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// Const is a constant of any type, or a typed NULL.
type Const struct {
	T    catalog.Type
	Null bool
	I    int64 // BIGINT, TIMESTAMP (epoch ms)
	F    float64
	S    string
	B    bool

	// The vector last filled and how many rows of it hold the constant:
	// refilling is skipped while the same vector is passed again.
	last   *coldata.Vec
	filled int
}

var _ Expr = (*Const)(nil)

// ConstInt returns a BIGINT constant.
func ConstInt(v int64) *Const { return &Const{T: catalog.Bigint, I: v} }

// ConstFloat returns a DOUBLE constant.
func ConstFloat(v float64) *Const { return &Const{T: catalog.Double, F: v} }

// ConstString returns a VARCHAR constant.
func ConstString(v string) *Const { return &Const{T: catalog.Varchar, S: v} }

// ConstBool returns a BOOLEAN constant.
func ConstBool(v bool) *Const { return &Const{T: catalog.Boolean, B: v} }

// ConstTimestamp returns a TIMESTAMP constant (epoch milliseconds).
func ConstTimestamp(ms int64) *Const { return &Const{T: catalog.Timestamp, I: ms} }

// ConstNull returns a NULL of type t (catalog.Unknown for an untyped NULL).
func ConstNull(t catalog.Type) *Const { return &Const{T: t, Null: true} }

// Type returns the constant's type.
func (c *Const) Type() catalog.Type { return c.T }

// Eval fills out with the constant.
func (c *Const) Eval(b *coldata.Batch, out *coldata.Vec) {
	n := b.Len
	if c.last == out && n <= c.filled && out.Type == c.T {
		out.Reset(n, n) // values of the first c.filled rows are still ours
	} else {
		reset(out, c.T, n)
		if !c.Null {
			switch physOf(c.T) {
			case physI64:
				for i := range out.I64 {
					out.I64[i] = c.I
				}
			case physF64:
				for i := range out.F64 {
					out.F64[i] = c.F
				}
			case physStr:
				for i := range out.Str {
					out.Str[i] = c.S
				}
			case physBool:
				for i := range out.Bool {
					out.Bool[i] = c.B
				}
			}
		}
		c.last, c.filled = out, n
	}
	if c.Null {
		for w := 0; w < (n+63)/64; w++ {
			out.Nulls = append(out.Nulls, math.MaxUint64)
		}
	}
}

// String returns the constant as a SQL literal.
func (c *Const) String() string {
	if c.Null {
		return "NULL"
	}
	switch c.T {
	case catalog.Bigint:
		return strconv.FormatInt(c.I, 10)
	case catalog.Double:
		s := strconv.FormatFloat(c.F, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEIN") {
			s += ".0"
		}
		return s
	case catalog.Varchar:
		return "'" + strings.ReplaceAll(c.S, "'", "''") + "'"
	case catalog.Boolean:
		if c.B {
			return "TRUE"
		}
		return "FALSE"
	case catalog.Timestamp:
		return "TIMESTAMP '" + FormatTimestamp(c.I) + "'"
	}
	return "NULL"
}

// FormatTimestamp formats epoch milliseconds as RFC 3339 in UTC with
// millisecond precision, e.g. 2026-11-09T14:35:00.000Z.
func FormatTimestamp(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z07:00")
}
