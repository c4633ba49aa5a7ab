package expr

import (
	"fmt"
	"sort"

	"github.com/weirdb/weir/catalog"
)

// funcDef is one scalar function of Call: how many arguments it takes,
// how its arguments are typed, and its batch loop.
type funcDef struct {
	min, max int // argument count; max < 0: no limit
	sig      func(name string, in []catalog.Type) (FuncSig, error)
	loop     func(name string, sig FuncSig) loopFunc
	// build, when set, makes the loop instead of loop, from the call's
	// arguments: it can prepare constant ones (compile a pattern) and
	// reject them.
	build func(name string, sig FuncSig, args []Expr) (loopFunc, error)
	// check rejects constant arguments the function can never take.
	check func(args []Expr) error
	// handlesNulls: the loop looks at NULL arguments itself (no
	// propagation).
	handlesNulls bool
}

// scalarFuncs holds every function NewCall knows, by upper-case name.
var scalarFuncs = map[string]*funcDef{}

// ScalarFuncs lists the scalar function names NewCall knows, sorted.
var ScalarFuncs []string

// paramKind is what an argument position accepts.
type paramKind uint8

const (
	pSame    paramKind = iota // a number; the result has its type (UNKNOWN: DOUBLE)
	pDouble                   // a number, cast to DOUBLE
	pBigint                   // BIGINT only
	pVarchar                  // VARCHAR only
	pText                     // anything, cast to VARCHAR
)

// param is one argument position: its kind and its name in messages ("" for
// a function's only or main argument: "LOWER needs a VARCHAR argument").
type param struct {
	name string
	kind paramKind
}

func init() {
	same := param{"", pSame}
	dbl := param{"", pDouble}
	str := param{"", pVarchar}
	digits := param{"digits", pBigint}
	math := func(name string, sig FuncSig) loopFunc { return mathFunc(name, sig.Result) }
	for _, n := range []string{"ABS", "FLOOR", "CEIL", "CEILING", "SIGN"} {
		reg(n, &funcDef{min: 1, max: 1, sig: sigOf(catalog.Unknown, same), loop: math})
	}
	reg("ROUND", &funcDef{min: 1, max: 2, sig: sigOf(catalog.Unknown, same, digits), loop: math})
	reg("TRUNC", &funcDef{min: 1, max: 2, sig: sigOf(catalog.Unknown, same, digits), loop: math})
	for _, n := range []string{"SQRT", "LN", "LOG10", "EXP"} {
		reg(n, &funcDef{min: 1, max: 1, sig: sigOf(catalog.Double, dbl), loop: math})
	}
	for _, n := range []string{"POWER", "POW"} {
		reg(n, &funcDef{min: 2, max: 2, sig: sigOf(catalog.Double, dbl, dbl), loop: math})
	}
	reg("LOG", &funcDef{min: 1, max: 2, sig: sigOf(catalog.Double, dbl, param{"argument", pDouble}), loop: math})

	str1 := func(name string, sig FuncSig) loopFunc { return stringFunc(name) }
	for _, n := range []string{"LOWER", "UPPER"} {
		reg(n, &funcDef{min: 1, max: 1, sig: sigOf(catalog.Varchar, str), loop: str1})
	}
	for _, n := range []string{"LENGTH", "CHAR_LENGTH", "CHARACTER_LENGTH", "OCTET_LENGTH"} {
		reg(n, &funcDef{min: 1, max: 1, sig: sigOf(catalog.Bigint, str), loop: str1})
	}
	for _, n := range []string{"SUBSTRING", "SUBSTR"} {
		reg(n, &funcDef{min: 2, max: 3, sig: sigOf(catalog.Varchar, str, param{"start", pBigint}, param{"count", pBigint}),
			loop: str1, check: checkSubstring})
	}
	for _, n := range []string{"BTRIM", "LTRIM", "RTRIM"} {
		reg(n, &funcDef{min: 1, max: 2, sig: sigOf(catalog.Varchar, str, param{"characters", pVarchar}), loop: str1})
	}
	reg("REPLACE", &funcDef{min: 3, max: 3, sig: sigOf(catalog.Varchar, str, param{"search string", pVarchar}, param{"replacement", pVarchar}), loop: str1})
	reg("POSITION", &funcDef{min: 2, max: 2, sig: sigOf(catalog.Bigint, param{"substring", pVarchar}, param{"string", pVarchar}), loop: str1})
	reg("STRPOS", &funcDef{min: 2, max: 2, sig: sigOf(catalog.Bigint, str, param{"substring", pVarchar}), loop: str1})
	for _, n := range []string{"LEFT", "RIGHT"} {
		reg(n, &funcDef{min: 2, max: 2, sig: sigOf(catalog.Varchar, str, param{"count", pBigint}), loop: str1})
	}
	reg("STARTS_WITH", &funcDef{min: 2, max: 2, sig: sigOf(catalog.Boolean, str, param{"prefix", pVarchar}), loop: str1})
	reg("SPLIT_PART", &funcDef{min: 3, max: 3, sig: sigOf(catalog.Varchar, str, param{"delimiter", pVarchar}, param{"field", pBigint}),
		loop: str1, check: checkSplitPart})
	reg("CONCAT", &funcDef{min: 1, max: -1, sig: sigOf(catalog.Varchar, param{"", pText}), handlesNulls: true,
		loop: func(string, FuncSig) loopFunc { return concat }})
	reg("CONCAT_WS", &funcDef{min: 1, max: -1, sig: sigOf(catalog.Varchar, param{"separator", pVarchar}, param{"", pText}), handlesNulls: true,
		loop: func(string, FuncSig) loopFunc { return concatWS }})

	reg("TO_TIMESTAMP", &funcDef{min: 1, max: 1, sig: sigOf(catalog.Timestamp, dbl), loop: func(string, FuncSig) loopFunc { return toTimestamp }})

	pattern, flags := param{"pattern", pVarchar}, param{"flags", pVarchar}
	reg("REGEXP_LIKE", &funcDef{min: 2, max: 3, sig: sigOf(catalog.Boolean, str, pattern, flags), build: buildRegex})
	reg("REGEXP_REPLACE", &funcDef{min: 3, max: 4, sig: sigOf(catalog.Varchar, str, pattern, param{"replacement", pVarchar}, flags), build: buildRegex})
	reg("REGEXP_COUNT", &funcDef{min: 2, max: 2, sig: sigOf(catalog.Bigint, str, pattern), build: buildRegex})

	for _, n := range []string{"GREATEST", "LEAST"} {
		reg(n, &funcDef{min: 1, max: -1, sig: extremumSig, handlesNulls: true,
			loop: func(name string, sig FuncSig) loopFunc { return extremum(name == "GREATEST", sig.Result) }})
	}
	for n := range scalarFuncs {
		ScalarFuncs = append(ScalarFuncs, n)
	}
	sort.Strings(ScalarFuncs)
}

func reg(name string, d *funcDef) { scalarFuncs[name] = d }

// sigOf returns a signature function for the given parameters; the last
// one repeats for variadic functions. A result of catalog.Unknown means the
// type of the first (pSame) argument.
func sigOf(result catalog.Type, params ...param) func(string, []catalog.Type) (FuncSig, error) {
	return func(name string, in []catalog.Type) (FuncSig, error) {
		sig := FuncSig{Args: make([]catalog.Type, len(in)), Result: result}
		for i, t := range in {
			p := params[min(i, len(params)-1)]
			var want string
			switch p.kind {
			case pSame:
				if !t.Numeric() && t != catalog.Unknown {
					want = "numeric"
					break
				}
				if t == catalog.Unknown {
					t = catalog.Double
				}
				sig.Args[i] = t
				if result == catalog.Unknown && i == 0 {
					sig.Result = t
				}
			case pDouble:
				if !t.Numeric() && t != catalog.Unknown {
					want = "numeric"
				}
				sig.Args[i] = catalog.Double
			case pBigint:
				if t != catalog.Bigint && t != catalog.Unknown {
					want = "BIGINT"
				}
				sig.Args[i] = catalog.Bigint
			case pVarchar:
				if t != catalog.Varchar && t != catalog.Unknown {
					want = "VARCHAR"
				}
				sig.Args[i] = catalog.Varchar
			case pText:
				sig.Args[i] = catalog.Varchar // everything converts to VARCHAR
			}
			if want == "" {
				continue
			}
			if p.name == "" {
				return FuncSig{}, argTypeErr(i, "%s needs a %s argument, not %s", name, want, t)
			}
			return FuncSig{}, argTypeErr(i, "%s %s must be %s, not %s", name, p.name, want, t)
		}
		return sig, nil
	}
}

// extremumSig types GREATEST and LEAST: every argument goes to the common
// type, which must not be BOOLEAN.
func extremumSig(name string, in []catalog.Type) (FuncSig, error) {
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

// checkSubstring rejects a constant negative count, as PostgreSQL does
// (a computed one gives NULL on its row).
func checkSubstring(args []Expr) error {
	if len(args) == 3 {
		if c, ok := args[2].(*Const); ok && !c.Null && c.T == catalog.Bigint && c.I < 0 {
			return &ArgError{Arg: 2, Code: CodeSubstringError, Msg: "negative substring length not allowed"}
		}
	}
	return nil
}

// checkSplitPart rejects a constant field 0 (a computed one gives NULL on
// its row).
func checkSplitPart(args []Expr) error {
	if c, ok := args[2].(*Const); ok && !c.Null && c.T == catalog.Bigint && c.I == 0 {
		return &ArgError{Arg: 2, Code: CodeInvalidParameter, Msg: "SPLIT_PART field position must not be zero"}
	}
	return nil
}
