package expr

import (
	"fmt"
	"strings"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// Call is a scalar function call (math and string basics, GREATEST,
// LEAST). NULL arguments give NULL unless the function says otherwise
// (CONCAT skips NULLs; GREATEST and LEAST ignore them as in PostgreSQL).
// The arguments are evaluated into scratch vectors, then one typed loop
// computes the batch.
type Call struct {
	Name string // upper-case SQL name
	Args []Expr
	T    catalog.Type
	args []*coldata.Vec
	fn   func(args []*coldata.Vec, out *coldata.Vec, sel []int, n int)
	// propagate: the output is NULL wherever an argument is NULL (set
	// before fn runs).
	propagate bool
}

var _ Expr = (*Call)(nil)

// FuncSig says how the planner must type a call: the argument types that
// NewCall accepts for the given argument types (after implicit casts), and
// the result type.
type FuncSig struct {
	Args   []catalog.Type
	Result catalog.Type
}

// ScalarFuncs lists the scalar function names NewCall knows.
var ScalarFuncs = []string{
	"ABS", "CEIL", "CEILING", "CHAR_LENGTH", "CONCAT", "EXP", "FLOOR", "GREATEST",
	"LEAST", "LENGTH", "LN", "LOG10", "LOWER", "POW", "POWER", "ROUND", "SQRT", "UPPER",
}

// Signature resolves the signature of function name (upper-case) for
// arguments of the given types: the types the arguments must be cast to,
// and the result type. It reports an error for an unknown function
// (errUnknownFunc), a wrong argument count or types.
func Signature(name string, in []catalog.Type) (FuncSig, error) {
	arity := func(lo, hi int) error {
		if len(in) < lo || (hi >= 0 && len(in) > hi) {
			switch {
			case lo == hi:
				return fmt.Errorf("expr: %s takes %d argument%s, got %d", name, lo, plural(lo), len(in))
			case hi < 0:
				return fmt.Errorf("expr: %s takes at least %d argument%s, got %d", name, lo, plural(lo), len(in))
			default:
				return fmt.Errorf("expr: %s takes %d to %d arguments, got %d", name, lo, hi, len(in))
			}
		}
		return nil
	}
	numeric := func(i int) error {
		if t := in[i]; !t.Numeric() && t != catalog.Unknown {
			return fmt.Errorf("expr: %s needs a numeric argument, not %s", name, t)
		}
		return nil
	}
	switch name {
	case "ABS", "FLOOR", "CEIL", "CEILING":
		if err := arity(1, 1); err != nil {
			return FuncSig{}, err
		}
		if err := numeric(0); err != nil {
			return FuncSig{}, err
		}
		t := in[0]
		if t == catalog.Unknown {
			t = catalog.Double
		}
		return FuncSig{Args: []catalog.Type{t}, Result: t}, nil
	case "ROUND":
		if err := arity(1, 2); err != nil {
			return FuncSig{}, err
		}
		if err := numeric(0); err != nil {
			return FuncSig{}, err
		}
		t := in[0]
		if t == catalog.Unknown {
			t = catalog.Double
		}
		if len(in) == 2 {
			if in[1] != catalog.Bigint && in[1] != catalog.Unknown {
				return FuncSig{}, fmt.Errorf("expr: ROUND digits must be BIGINT, not %s", in[1])
			}
			return FuncSig{Args: []catalog.Type{t, catalog.Bigint}, Result: t}, nil
		}
		return FuncSig{Args: []catalog.Type{t}, Result: t}, nil
	case "SQRT", "LN", "LOG10", "EXP":
		if err := arity(1, 1); err != nil {
			return FuncSig{}, err
		}
		if err := numeric(0); err != nil {
			return FuncSig{}, err
		}
		return FuncSig{Args: []catalog.Type{catalog.Double}, Result: catalog.Double}, nil
	case "POWER", "POW":
		if err := arity(2, 2); err != nil {
			return FuncSig{}, err
		}
		if err := numeric(0); err != nil {
			return FuncSig{}, err
		}
		if err := numeric(1); err != nil {
			return FuncSig{}, err
		}
		return FuncSig{Args: []catalog.Type{catalog.Double, catalog.Double}, Result: catalog.Double}, nil
	case "LOWER", "UPPER", "LENGTH", "CHAR_LENGTH":
		if err := arity(1, 1); err != nil {
			return FuncSig{}, err
		}
		if t := in[0]; t != catalog.Varchar && t != catalog.Unknown {
			return FuncSig{}, fmt.Errorf("expr: %s needs a VARCHAR argument, not %s", name, t)
		}
		res := catalog.Varchar
		if name == "LENGTH" || name == "CHAR_LENGTH" {
			res = catalog.Bigint
		}
		return FuncSig{Args: []catalog.Type{catalog.Varchar}, Result: res}, nil
	case "CONCAT":
		if err := arity(1, -1); err != nil {
			return FuncSig{}, err
		}
		args := make([]catalog.Type, len(in))
		for i := range args {
			args[i] = catalog.Varchar // everything converts to VARCHAR
		}
		return FuncSig{Args: args, Result: catalog.Varchar}, nil
	case "GREATEST", "LEAST":
		if err := arity(1, -1); err != nil {
			return FuncSig{}, err
		}
		t, err := CommonType(in...)
		if err != nil {
			return FuncSig{}, fmt.Errorf("expr: %s: %w", name, err)
		}
		if t == catalog.Boolean {
			return FuncSig{}, fmt.Errorf("expr: %s does not take BOOLEAN arguments", name)
		}
		args := make([]catalog.Type, len(in))
		for i := range args {
			args[i] = t
		}
		return FuncSig{Args: args, Result: t}, nil
	}
	return FuncSig{}, ErrUnknownFunc
}

// ErrUnknownFunc is returned by Signature for a name it does not know.
var ErrUnknownFunc = fmt.Errorf("expr: unknown function")

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
// exactly those Signature gives (the planner casts them first).
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
			return nil, fmt.Errorf("expr: %s argument %d is %s, expected %s", name, i+1, t, sig.Args[i])
		}
	}
	c := &Call{Name: name, Args: args, T: sig.Result, propagate: true}
	for i := range args {
		c.args = append(c.args, newScratch(sig.Args[i]))
	}
	switch name {
	case "ABS", "FLOOR", "CEIL", "CEILING", "ROUND", "SQRT", "LN", "LOG10", "EXP", "POWER", "POW":
		c.fn = mathFunc(name, sig.Result)
	case "LOWER", "UPPER", "LENGTH", "CHAR_LENGTH":
		c.fn = stringFunc(name)
	case "CONCAT":
		c.propagate = false
		c.fn = concat
	case "GREATEST", "LEAST":
		c.propagate = false
		c.fn = extremum(name == "GREATEST", sig.Result)
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
	if c.Name == "||" {
		return "(" + fmt.Sprint(c.Args[0]) + " || " + fmt.Sprint(c.Args[1]) + ")"
	}
	return callString(c.Name, c.Args)
}

// concat joins the non-NULL arguments (NULLs are skipped, as PostgreSQL's
// concat; the || operator is the NULL-propagating form).
func concat(args []*coldata.Vec, out *coldata.Vec, sel []int, n int) {
	o := out.Str[:n]
	each(sel, n, func(i int) {
		size := 0
		for _, a := range args {
			if a.Type == catalog.Varchar && !a.Nulls.IsNull(i) {
				size += len(a.Str[i])
			}
		}
		var sb strings.Builder
		sb.Grow(size)
		for _, a := range args {
			if a.Type == catalog.Varchar && !a.Nulls.IsNull(i) {
				sb.WriteString(a.Str[i])
			}
		}
		o[i] = sb.String()
	})
}
