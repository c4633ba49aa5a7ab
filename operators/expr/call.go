package expr

import (
	"fmt"
	"strings"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// Call is a scalar function call (the functions of ScalarFuncs). NULL
// arguments give NULL unless the function says otherwise (CONCAT and
// CONCAT_WS skip NULLs; GREATEST and LEAST ignore them as in PostgreSQL).
// The arguments are evaluated into scratch vectors, then one typed loop
// computes the batch.
type Call struct {
	Name string // upper-case SQL name
	Args []Expr
	T    catalog.Type
	args []*coldata.Vec
	fn   loopFunc
	// propagate: the output is NULL wherever an argument is NULL (set
	// before fn runs).
	propagate bool
}

var _ Expr = (*Call)(nil)

// loopFunc computes a call over the live rows (sel, or 0..n-1 when sel is
// nil) of its evaluated arguments. out was reset to n rows; with
// propagation, rows with a NULL argument are already NULL in out (the loop
// may still compute them, from unspecified values, but must not panic).
type loopFunc func(args []*coldata.Vec, out *coldata.Vec, sel []int, n int)

// FuncSig says how the planner must type a call: the argument types that
// NewCall accepts for the given argument types (after implicit casts), and
// the result type.
type FuncSig struct {
	Args   []catalog.Type
	Result catalog.Type
}

// ArgError is an error about one argument of a call (0-based Arg): its
// type, or a constant value the function cannot take. The planner
// positions it at that argument. Code is the SQLSTATE: 42804 for a type,
// 22011 or 22023 for a value.
type ArgError struct {
	Arg  int
	Code string
	Msg  string
}

// Error returns the message with the package prefix.
func (e *ArgError) Error() string { return "expr: " + e.Msg }

// SQLSTATE codes of ArgError.
const (
	CodeDatatypeMismatch = "42804"
	CodeInvalidParameter = "22023"
	CodeSubstringError   = "22011"
)

func argTypeErr(arg int, format string, args ...any) *ArgError {
	return &ArgError{Arg: arg, Code: CodeDatatypeMismatch, Msg: fmt.Sprintf(format, args...)}
}

// ErrUnknownFunc is returned by Signature for a name it does not know.
var ErrUnknownFunc = fmt.Errorf("expr: unknown function")

// Signature resolves the signature of function name (upper-case) for
// arguments of the given types: the types the arguments must be cast to,
// and the result type. It reports ErrUnknownFunc for an unknown function,
// an error containing " takes " for a wrong argument count, and an
// *ArgError for an argument of the wrong type.
func Signature(name string, in []catalog.Type) (FuncSig, error) {
	def, ok := scalarFuncs[name]
	if !ok {
		return FuncSig{}, ErrUnknownFunc
	}
	if len(in) < def.min || (def.max >= 0 && len(in) > def.max) {
		return FuncSig{}, arityErr(name, def.min, def.max, len(in))
	}
	return def.sig(name, in)
}

func arityErr(name string, lo, hi, got int) error {
	switch {
	case lo == hi:
		return fmt.Errorf("expr: %s takes %d argument%s, got %d", name, lo, plural(lo), got)
	case hi < 0:
		return fmt.Errorf("expr: %s takes at least %d argument%s, got %d", name, lo, plural(lo), got)
	}
	return fmt.Errorf("expr: %s takes %d to %d arguments, got %d", name, lo, hi, got)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// CommonType returns the type values of the given types meet at: equal
// types, BIGINT with DOUBLE gives DOUBLE, UNKNOWN (NULL) joins anything.
// An error says which types cannot be combined. All UNKNOWN gives UNKNOWN.
func CommonType(ts ...catalog.Type) (catalog.Type, error) {
	res := catalog.Unknown
	for _, t := range ts {
		switch {
		case t == catalog.Unknown || t == res:
		case res == catalog.Unknown:
			res = t
		case res.Numeric() && t.Numeric():
			res = catalog.Double
		default:
			return catalog.Unknown, fmt.Errorf("types %s and %s cannot be matched", res, t)
		}
	}
	return res, nil
}

// NewCall returns the call name(args...). The argument types must be
// exactly those Signature gives (the planner casts them first). A constant
// argument the function can never accept (a negative SUBSTRING count, a
// SPLIT_PART field 0) is an *ArgError.
func NewCall(name string, args []Expr) (*Call, error) {
	in := make([]catalog.Type, len(args))
	for i, a := range args {
		in[i] = a.Type()
	}
	sig, err := Signature(name, in)
	if err != nil {
		return nil, err
	}
	for i, a := range args {
		if t := a.Type(); t != sig.Args[i] && t != catalog.Unknown {
			return nil, argTypeErr(i, "%s argument %d is %s, expected %s", name, i+1, t, sig.Args[i])
		}
	}
	def := scalarFuncs[name]
	if def.check != nil {
		if err := def.check(args); err != nil {
			return nil, err
		}
	}
	c := &Call{Name: name, Args: args, T: sig.Result, propagate: !def.handlesNulls}
	for i := range args {
		c.args = append(c.args, newScratch(sig.Args[i]))
	}
	if def.build != nil {
		if c.fn, err = def.build(name, sig, args); err != nil {
			return nil, err
		}
	} else {
		c.fn = def.loop(name, sig)
	}
	return c, nil
}

// Type returns the result type.
func (c *Call) Type() catalog.Type { return c.T }

// Eval computes the call over the live rows.
func (c *Call) Eval(b *coldata.Batch, out *coldata.Vec) {
	for i, a := range c.Args {
		a.Eval(b, c.args[i])
	}
	n := b.Len
	reset(out, c.T, n)
	if c.propagate {
		for _, a := range c.args {
			unionNulls(&out.Nulls, out.Nulls, a.Nulls)
		}
		for _, a := range c.Args {
			if a.Type() == catalog.Unknown {
				each(b.Sel, n, func(i int) { out.Nulls.Set(i) })
				return
			}
		}
	}
	c.fn(c.args, out, b.Sel, n)
}

// String returns "NAME(args...)".
func (c *Call) String() string {
	switch c.Name {
	case "||", "~", "~*", "!~", "!~*":
		return "(" + fmt.Sprint(c.Args[0]) + " " + c.Name + " " + fmt.Sprint(c.Args[1]) + ")"
	case "POSITION":
		return "POSITION(" + fmt.Sprint(c.Args[0]) + " IN " + fmt.Sprint(c.Args[1]) + ")"
	}
	return callString(c.Name, c.Args)
}

// concat joins the non-NULL arguments (NULLs are skipped, as PostgreSQL's
// concat; the || operator is the NULL-propagating form).
func concat(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
	o := out.Str[:n]
	each(sel, n, func(i int) { o[i] = joinRow(args, i, "") })
}

// concatWS joins the non-NULL arguments after the first with the first as
// separator; a NULL separator gives NULL (PostgreSQL's concat_ws).
func concatWS(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
	o, sep := out.Str[:n], args[0]
	each(sel, n, func(i int) {
		if sep.Type != catalog.Varchar || sep.Nulls.IsNull(i) {
			out.Nulls.Set(i)
			return
		}
		o[i] = joinRow(args[1:], i, sep.Str[i])
	})
}

// joinRow joins row i of the non-NULL VARCHAR vectors with sep. A single
// non-NULL value is returned as is (no copy).
func joinRow(args []*coldata.Vec, i int, sep string) string {
	size, parts, last := 0, 0, ""
	for _, a := range args {
		if a.Type == catalog.Varchar && !a.Nulls.IsNull(i) {
			size += len(a.Str[i])
			parts++
			last = a.Str[i]
		}
	}
	if parts <= 1 {
		return last
	}
	var sb strings.Builder
	sb.Grow(size + (parts-1)*len(sep))
	first := true
	for _, a := range args {
		if a.Type == catalog.Varchar && !a.Nulls.IsNull(i) {
			if !first {
				sb.WriteString(sep)
			}
			sb.WriteString(a.Str[i])
			first = false
		}
	}
	return sb.String()
}
