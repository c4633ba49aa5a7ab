package pgwire

import (
	"context"
	"errors"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// sqlType is the PostgreSQL type of a value pgwire evaluates.
type sqlType uint8

const (
	tUnknown     sqlType = iota // an untyped literal ('abc', NULL), typed by its use
	tInt2                       // smallint
	tInt4                       // integer
	tInt8                       // bigint
	tFloat8                     // double precision
	tFloat4                     // real: not evaluated
	tNumeric                    // numeric: s holds its text
	tText                       // text, varchar, name
	tBool                       // boolean
	tOID                        // oid
	tTimestamptz                // timestamp with time zone: i holds Unix ms
	tTextArray                  // text[]
	tOther                      // anything else: not evaluated
)

// value is one evaluated value.
type value struct {
	t    sqlType
	null bool
	i    int64
	f    float64
	s    string
	b    bool
	arr  []string
}

// errCannot says pgwire cannot evaluate an expression exactly as
// PostgreSQL would: a constant SELECT then goes to the engine, a catalog
// predicate keeps the row.
var errCannot = errors.New("cannot evaluate")

// evalEnv evaluates expressions for a session; row (optional) resolves
// column references of a catalog row.
type evalEnv struct {
	c   *conn
	ctx context.Context
	row func(parts []string) (value, bool)
}

func isInt(t sqlType) bool { return t == tInt2 || t == tInt4 || t == tInt8 }

func isNum(t sqlType) bool { return isInt(t) || t == tFloat8 || t == tNumeric }

func (env *evalEnv) eval(e expr) (value, error) {
	switch x := e.(type) {
	case *litExpr:
		if x.v.t == tOther {
			return value{}, errCannot
		}
		return x.v, nil
	case *colExpr:
		if env.row != nil {
			if v, ok := env.row(x.parts); ok {
				return v, nil
			}
		}
		return value{}, errCannot
	case *unaryExpr:
		if x.op == "not" {
			return env.boolOf(e)
		}
		v, err := env.eval(x.x)
		if err != nil {
			return v, err
		}
		return negate(v)
	case *binExpr:
		switch x.op {
		case "and", "or":
			return env.boolOf(e)
		}
		l, err := env.eval(x.l)
		if err != nil {
			return l, err
		}
		r, err := env.eval(x.r)
		if err != nil {
			return r, err
		}
		return binaryOp(x.op, l, r)
	case *castExpr:
		v, err := env.eval(x.x)
		if err != nil {
			return v, err
		}
		off := x.off
		if lit, ok := x.x.(*litExpr); ok {
			off = lit.off
		}
		return castTo(v, x.typ, off)
	case *funcExpr:
		return env.call(x)
	case *caseExpr:
		return env.evalCase(x)
	case *inExpr, *isExpr, *distinctExpr, *betweenExpr, *likeExpr:
		return env.boolOf(e)
	case *indexExpr:
		a, err := env.eval(x.x)
		if err != nil {
			return a, err
		}
		i, err := env.eval(x.i)
		if err != nil {
			return i, err
		}
		if a.t != tTextArray && !(a.t == tUnknown && a.null) || !isInt(i.t) && i.t != tUnknown {
			return value{}, errCannot
		}
		if a.null || i.null {
			return value{t: tText, null: true}, nil
		}
		if i.t == tUnknown {
			if i, err = castTo(i, typeOf[tInt4], -1); err != nil {
				return i, err
			}
		}
		if i.i < 1 || i.i > int64(len(a.arr)) {
			return value{t: tText, null: true}, nil
		}
		return value{t: tText, s: a.arr[i.i-1]}, nil
	case *arrayExpr:
		out := value{t: tTextArray}
		for _, el := range x.elems {
			v, err := env.eval(el)
			if err != nil {
				return v, err
			}
			if v.null || v.t != tText && v.t != tUnknown {
				return value{}, errCannot
			}
			out.arr = append(out.arr, v.s)
		}
		return out, nil
	}
	return value{}, errCannot
}

// tri is the truth of a predicate: true, false, NULL, or cannot-evaluate.
type tri uint8

const (
	triFalse tri = iota
	triTrue
	triNull
	triCannot
)

// truth evaluates a predicate. A catalog query keeps the rows whose WHERE is
// true or cannot be evaluated (so an unknown predicate filters nothing).
func (env *evalEnv) truth(e expr) (tri, error) {
	switch x := e.(type) {
	case *binExpr:
		if x.op == "and" || x.op == "or" {
			l, err := env.truth(x.l)
			if err != nil {
				return l, err
			}
			r, err := env.truth(x.r)
			if err != nil {
				return r, err
			}
			if x.op == "and" {
				switch {
				case l == triFalse || r == triFalse:
					return triFalse, nil
				case l == triCannot || r == triCannot:
					return triCannot, nil
				case l == triNull || r == triNull:
					return triNull, nil
				}
				return triTrue, nil
			}
			switch {
			case l == triTrue || r == triTrue:
				return triTrue, nil
			case l == triCannot || r == triCannot:
				return triCannot, nil
			case l == triNull || r == triNull:
				return triNull, nil
			}
			return triFalse, nil
		}
	case *unaryExpr:
		if x.op == "not" {
			t, err := env.truth(x.x)
			switch t {
			case triTrue:
				t = triFalse
			case triFalse:
				t = triTrue
			}
			return t, err
		}
	case *inExpr:
		return env.in(x)
	case *isExpr:
		v, err := env.eval(x.x)
		if err != nil {
			return cannotOr(err)
		}
		var r bool
		switch x.what {
		case "null":
			r = v.null
		case "true", "false":
			if !v.null && v.t != tBool {
				return triCannot, nil
			}
			r = !v.null && v.b == (x.what == "true")
		}
		return triOf(r != x.not), nil
	case *distinctExpr:
		l, err := env.eval(x.l)
		if err != nil {
			return cannotOr(err)
		}
		r, err := env.eval(x.r)
		if err != nil {
			return cannotOr(err)
		}
		var same bool
		switch {
		case l.null || r.null:
			same = l.null && r.null
		default:
			c, err := compare(l, r)
			if err != nil {
				return cannotOr(err)
			}
			same = c == 0
		}
		return triOf(same == x.not), nil
	case *betweenExpr:
		ge := &binExpr{op: ">=", l: x.x, r: x.lo}
		le := &binExpr{op: "<=", l: x.x, r: x.hi}
		t, err := env.truth(&binExpr{op: "and", l: ge, r: le})
		if x.not {
			t, err = env.truth(&unaryExpr{op: "not", x: &binExpr{op: "and", l: ge, r: le}})
		}
		return t, err
	case *likeExpr:
		v, err := env.eval(x.x)
		if err != nil {
			return cannotOr(err)
		}
		p, err := env.eval(x.pat)
		if err != nil {
			return cannotOr(err)
		}
		if !isTextual(v) || !isTextual(p) {
			return triCannot, nil
		}
		if v.null || p.null {
			return triNull, nil
		}
		re, ok := likeRegexp(p.s, x.ilike)
		if !ok {
			return triCannot, nil
		}
		return triOf(re.MatchString(v.s) != x.not), nil
	}
	v, err := env.eval(e)
	if err != nil {
		return cannotOr(err)
	}
	switch {
	case v.null:
		return triNull, nil
	case v.t == tBool:
		return triOf(v.b), nil
	case v.t == tUnknown:
		b, err := parseBool(v.s, -1)
		if err != nil {
			return triFalse, err
		}
		return triOf(b), nil
	}
	return triCannot, nil
}

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

func cannotOr(err error) (tri, error) {
	if errors.Is(err, errCannot) {
		return triCannot, nil
	}
	return triFalse, err
}

// boolOf evaluates a predicate as a value; cannot-evaluate is errCannot.
func (env *evalEnv) boolOf(e expr) (value, error) {
	t, err := env.truth(e)
	if err != nil {
		return value{}, err
	}
	switch t {
	case triCannot:
		return value{}, errCannot
	case triNull:
		return value{t: tBool, null: true}, nil
	}
	return value{t: tBool, b: t == triTrue}, nil
}

func (env *evalEnv) in(x *inExpr) (tri, error) {
	v, err := env.eval(x.x)
	if err != nil {
		return cannotOr(err)
	}
	var list []value
	if x.sub != "" {
		schemas, ok := env.searchPathSubquery(x.sub)
		if !ok {
			return triCannot, nil
		}
		for _, s := range schemas {
			list = append(list, value{t: tText, s: s})
		}
	} else {
		for _, e := range x.list {
			l, err := env.eval(e)
			if err != nil {
				return cannotOr(err)
			}
			list = append(list, l)
		}
	}
	if v.null {
		return triNull, nil
	}
	res := triFalse
	for _, l := range list {
		if l.null {
			res = triNull
			continue
		}
		c, err := compare(v, l)
		if err != nil {
			return cannotOr(err)
		}
		if c == 0 {
			res = triTrue
			break
		}
	}
	if x.not {
		switch res {
		case triTrue:
			res = triFalse
		case triFalse:
			res = triTrue
		}
	}
	return res, nil
}

// searchPathSubquery recognises the subquery Grafana uses to list the
// schemas of the search_path (a generate_series over
// string_to_array(current_setting('search_path'), ',')) and returns them,
// "$user" replaced by the session's user.
func (env *evalEnv) searchPathSubquery(sub string) ([]string, bool) {
	l := strings.ToLower(strings.Join(strings.Fields(sub), ""))
	if !strings.Contains(l, "current_setting('search_path')") || !strings.Contains(l, "string_to_array") {
		return nil, false
	}
	return env.searchPath(), true
}

// searchPath returns the session's search_path schemas, "$user" replaced
// by the user name.
func (env *evalEnv) searchPath() []string {
	sp, _ := env.c.sess.Setting("search_path")
	var out []string
	for _, s := range strings.Split(sp, ",") {
		s = strings.TrimSpace(s)
		if s == `"$user"` || s == "$user" {
			s = env.c.sess.User()
		}
		out = append(out, unquoteIdent(s))
	}
	return out
}

func isTextual(v value) bool { return v.t == tText || v.t == tUnknown }

// likeRegexp turns a LIKE pattern (backslash escapes) into a regexp.
func likeRegexp(p string, ilike bool) (*regexp.Regexp, bool) {
	var b strings.Builder
	b.WriteString("(?s)")
	if ilike {
		b.WriteString("(?i)")
	}
	b.WriteByte('^')
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteByte('.')
		case '\\':
			if i+1 >= len(p) {
				return nil, false
			}
			i++
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		default:
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		}
	}
	b.WriteByte('$')
	re, err := regexp.Compile(b.String())
	return re, err == nil
}

func (env *evalEnv) evalCase(x *caseExpr) (value, error) {
	var operand value
	if x.operand != nil {
		v, err := env.eval(x.operand)
		if err != nil {
			return v, err
		}
		operand = v
	}
	var res *value
	for i, w := range x.whens {
		var hit bool
		if x.operand != nil {
			wv, err := env.eval(w)
			if err != nil {
				return wv, err
			}
			if !operand.null && !wv.null {
				c, err := compare(operand, wv)
				if err != nil {
					return value{}, err
				}
				hit = c == 0
			}
		} else {
			t, err := env.truth(w)
			if err != nil {
				return value{}, err
			}
			if t == triCannot {
				return value{}, errCannot
			}
			hit = t == triTrue
		}
		if hit {
			v, err := env.eval(x.thens[i])
			if err != nil {
				return v, err
			}
			res = &v
			break
		}
	}
	if res == nil {
		if x.els == nil {
			return value{t: tUnknown, null: true}, nil
		}
		v, err := env.eval(x.els)
		if err != nil {
			return v, err
		}
		res = &v
	}
	if res.t == tUnknown && !res.null {
		res.t = tText
	}
	return *res, nil
}

func negate(v value) (value, error) {
	switch {
	case isInt(v.t):
		if v.null {
			return v, nil
		}
		return intResult(v.t, -v.i, v.i == math.MinInt64)
	case v.t == tFloat8:
		v.f = -v.f
		return v, nil
	case v.t == tNumeric:
		if v.null {
			return v, nil
		}
		switch {
		case strings.HasPrefix(v.s, "-"):
			v.s = v.s[1:]
		case strings.Trim(v.s, "0.") != "":
			v.s = "-" + v.s
		}
		return v, nil
	}
	return value{}, errCannot
}

// intResult checks that r fits t.
func intResult(t sqlType, r int64, overflow bool) (value, error) {
	switch {
	case t == tInt2 && (overflow || r < math.MinInt16 || r > math.MaxInt16):
		return value{}, errorf(codeNumericOutOfRange, "smallint out of range")
	case t == tInt4 && (overflow || r < math.MinInt32 || r > math.MaxInt32):
		return value{}, errorf(codeNumericOutOfRange, "integer out of range")
	case overflow:
		return value{}, errorf(codeNumericOutOfRange, "bigint out of range")
	}
	return value{t: t, i: r}, nil
}

// unify gives an untyped literal the type of the other operand, as
// PostgreSQL resolves operators; two untyped literals are text.
func unify(l, r value) (value, value, error) {
	var err error
	switch {
	case l.t == tUnknown && r.t == tUnknown:
		l.t, r.t = tText, tText
	case l.t == tUnknown:
		l, err = coerceUnknown(l, r.t)
	case r.t == tUnknown:
		r, err = coerceUnknown(r, l.t)
	}
	return l, r, err
}

func coerceUnknown(v value, t sqlType) (value, error) {
	if v.null {
		return value{t: t, null: true}, nil
	}
	tn, ok := typeOf[t]
	if !ok {
		return value{}, errCannot
	}
	return castTo(v, tn, -1)
}

// typeOf is the cast target of each type pgwire evaluates.
var typeOf = map[sqlType]typeName{
	tInt2: typeNames["int2"], tInt4: typeNames["int4"], tInt8: typeNames["int8"],
	tFloat8: typeNames["float8"], tNumeric: typeNames["numeric"], tText: typeNames["text"],
	tBool: typeNames["bool"], tOID: typeNames["oid"],
}

func binaryOp(op string, l, r value) (value, error) {
	switch op {
	case "||":
		return concatOp(l, r)
	case "=", "<>", "<", ">", "<=", ">=":
		if l.null || r.null {
			if l.t == tOther || r.t == tOther {
				return value{}, errCannot
			}
			return value{t: tBool, null: true}, nil
		}
		c, err := compare(l, r)
		if err != nil {
			return value{}, err
		}
		var b bool
		switch op {
		case "=":
			b = c == 0
		case "<>":
			b = c != 0
		case "<":
			b = c < 0
		case ">":
			b = c > 0
		case "<=":
			b = c <= 0
		case ">=":
			b = c >= 0
		}
		return value{t: tBool, b: b}, nil
	case "~", "!~", "~*", "!~*":
		if !isTextual(l) || !isTextual(r) {
			return value{}, errCannot
		}
		if l.null || r.null {
			return value{t: tBool, null: true}, nil
		}
		pat := r.s
		if strings.HasSuffix(op, "*") {
			pat = "(?i)" + pat
		}
		re, err := regexp.Compile(pat)
		if err != nil {
			return value{}, errCannot
		}
		return value{t: tBool, b: re.MatchString(l.s) != strings.HasPrefix(op, "!")}, nil
	case "+", "-", "*", "/", "%":
		return arith(op, l, r)
	}
	return value{}, errCannot
}

func arith(op string, l, r value) (value, error) {
	if l.t == tUnknown && r.t == tUnknown {
		return value{}, errCannot // operator is not unique
	}
	l, r, err := unify(l, r)
	if err != nil {
		return value{}, err
	}
	if !isNum(l.t) || !isNum(r.t) || l.t == tNumeric || r.t == tNumeric {
		return value{}, errCannot
	}
	if isInt(l.t) && isInt(r.t) {
		t := max(l.t, r.t)
		if l.null || r.null {
			return value{t: t, null: true}, nil
		}
		a, b := l.i, r.i
		switch op {
		case "+":
			s := a + b
			return intResult(t, s, (a > 0 && b > 0 && s < 0) || (a < 0 && b < 0 && s >= 0))
		case "-":
			s := a - b
			return intResult(t, s, (a >= 0 && b < 0 && s < 0) || (a < 0 && b > 0 && s >= 0))
		case "*":
			if a == 0 || b == 0 {
				return value{t: t}, nil
			}
			s := a * b
			return intResult(t, s, s/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64))
		case "/":
			if b == 0 {
				return value{}, errorf(codeDivisionByZero, "division by zero")
			}
			return intResult(t, a/b, a == math.MinInt64 && b == -1)
		case "%":
			if b == 0 {
				return value{}, errorf(codeDivisionByZero, "division by zero")
			}
			if b == -1 {
				return value{t: t}, nil
			}
			return value{t: t, i: a % b}, nil
		}
	}
	if op == "%" {
		return value{}, errCannot
	}
	if l.null || r.null {
		return value{t: tFloat8, null: true}, nil
	}
	a, b := floatOf(l), floatOf(r)
	var f float64
	switch op {
	case "+":
		f = a + b
	case "-":
		f = a - b
	case "*":
		f = a * b
		if f == 0 && a != 0 && b != 0 {
			return value{}, errorf(codeNumericOutOfRange, "value out of range: underflow")
		}
	case "/":
		if b == 0 {
			return value{}, errorf(codeDivisionByZero, "division by zero")
		}
		f = a / b
		if f == 0 && a != 0 && !math.IsInf(b, 0) {
			return value{}, errorf(codeNumericOutOfRange, "value out of range: underflow")
		}
	}
	if math.IsInf(f, 0) && !math.IsInf(a, 0) && !math.IsInf(b, 0) {
		return value{}, errorf(codeNumericOutOfRange, "value out of range: overflow")
	}
	return value{t: tFloat8, f: f}, nil
}

func floatOf(v value) float64 {
	if isInt(v.t) {
		return float64(v.i)
	}
	return v.f
}

// compare orders two non-NULL values of comparable types.
func compare(l, r value) (int, error) {
	l, r, err := unify(l, r)
	if err != nil {
		return 0, err
	}
	switch {
	case l.t == tText && r.t == tText:
		return strings.Compare(l.s, r.s), nil
	case l.t == tBool && r.t == tBool:
		switch {
		case l.b == r.b:
			return 0, nil
		case r.b:
			return -1, nil
		}
		return 1, nil
	case (isInt(l.t) || l.t == tOID) && (isInt(r.t) || r.t == tOID):
		return cmpInt(l.i, r.i), nil
	case isNum(l.t) && isNum(r.t):
		if l.t == tNumeric || r.t == tNumeric {
			a, ok1 := ratOf(l)
			b, ok2 := ratOf(r)
			if !ok1 || !ok2 {
				return 0, errCannot
			}
			return a.Cmp(b), nil
		}
		a, b := floatOf(l), floatOf(r)
		switch {
		case a < b:
			return -1, nil
		case a > b:
			return 1, nil
		case a == b:
			return 0, nil
		}
		// NaN sorts above everything, as in PostgreSQL.
		return cmpInt(boolInt(math.IsNaN(a)), boolInt(math.IsNaN(b))), nil
	case l.t == tTimestamptz && r.t == tTimestamptz:
		return cmpInt(l.i, r.i), nil
	}
	return 0, errCannot
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func ratOf(v value) (*big.Rat, bool) {
	switch {
	case isInt(v.t):
		return new(big.Rat).SetInt64(v.i), true
	case v.t == tNumeric:
		return new(big.Rat).SetString(v.s)
	case v.t == tFloat8:
		if math.IsNaN(v.f) || math.IsInf(v.f, 0) {
			return nil, false
		}
		return new(big.Rat).SetFloat64(v.f), true
	}
	return nil, false
}

// concatOp is text || text, or || between text and any other scalar (its
// output form), as PostgreSQL's anytextcat.
func concatOp(l, r value) (value, error) {
	if !isTextual(l) && !isTextual(r) || l.t == tTextArray || r.t == tTextArray || l.t == tOther || r.t == tOther {
		return value{}, errCannot
	}
	if l.null || r.null {
		return value{t: tText, null: true}, nil
	}
	ls, ok1 := textOut(l)
	rs, ok2 := textOut(r)
	if !ok1 || !ok2 {
		return value{}, errCannot
	}
	return value{t: tText, s: ls + rs}, nil
}

// textOut is a value's text output form (PostgreSQL's output function).
func textOut(v value) (string, bool) {
	switch v.t {
	case tText, tUnknown, tNumeric:
		return v.s, true
	case tInt2, tInt4, tInt8, tOID:
		return strconv.FormatInt(v.i, 10), true
	case tFloat8:
		return string(appendFloatText(nil, v.f)), true
	case tBool:
		if v.b {
			return "t", true
		}
		return "f", true
	case tTimestamptz:
		return string(appendTimestampText(nil, v.i)), true
	case tTextArray:
		return arrayText(v.arr), true
	}
	return "", false
}

// arrayText is a text[]'s output form: {a,b,"c d"}.
func arrayText(arr []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, s := range arr {
		if i > 0 {
			b.WriteByte(',')
		}
		if s == "" || strings.EqualFold(s, "null") || strings.ContainsAny(s, "{},\"\\ \t\n\r\v\f") {
			b.WriteByte('"')
			for j := 0; j < len(s); j++ {
				if s[j] == '"' || s[j] == '\\' {
					b.WriteByte('\\')
				}
				b.WriteByte(s[j])
			}
			b.WriteByte('"')
			continue
		}
		b.WriteString(s)
	}
	b.WriteByte('}')
	return b.String()
}

// typeLabel is the name PostgreSQL uses for a type in input errors.
func typeLabel(t sqlType) string {
	switch t {
	case tInt2:
		return "smallint"
	case tInt4:
		return "integer"
	case tInt8:
		return "bigint"
	case tFloat8:
		return "double precision"
	case tNumeric:
		return "numeric"
	case tBool:
		return "boolean"
	case tOID:
		return "oid"
	}
	return "text"
}

// castTo converts v to type tn as PostgreSQL's cast would; off is the
// offset of the literal for input syntax errors (-1: none).
func castTo(v value, tn typeName, off int) (value, error) {
	if tn.typmod || tn.array || tn.t == tOther || tn.t == tFloat4 || tn.t == tUnknown || v.t == tOther || v.t == tFloat4 {
		return value{}, errCannot
	}
	t := tn.t
	if v.null {
		if v.t == tTextArray && t != tTextArray {
			return value{}, errCannot
		}
		return value{t: t, null: true}, nil
	}
	if v.t == tUnknown || v.t == tText {
		return parseInput(v.s, t, off)
	}
	switch t {
	case tText:
		switch v.t {
		case tBool:
			return value{t: tText, s: strconv.FormatBool(v.b)}, nil
		case tTextArray, tTimestamptz:
			return value{}, errCannot
		}
		s, ok := textOut(v)
		if !ok {
			return value{}, errCannot
		}
		return value{t: tText, s: s}, nil
	case tInt2, tInt4, tInt8:
		switch {
		case isInt(v.t), v.t == tOID && t != tInt2:
			return intResult(t, v.i, false)
		case v.t == tFloat8:
			f := math.RoundToEven(v.f)
			if math.IsNaN(f) || f < -9.223372036854775808e18 || f >= 9.223372036854775808e18 {
				return intResult(t, 0, true)
			}
			return intResult(t, int64(f), false)
		case v.t == tNumeric:
			i, overflow := roundNumeric(v.s)
			return intResult(t, i, overflow)
		case v.t == tBool && t == tInt4:
			return value{t: tInt4, i: boolInt(v.b)}, nil
		}
	case tFloat8:
		switch {
		case isInt(v.t):
			return value{t: tFloat8, f: float64(v.i)}, nil
		case v.t == tFloat8:
			return v, nil
		case v.t == tNumeric:
			f, err := strconv.ParseFloat(v.s, 64)
			if err != nil {
				return value{}, errCannot
			}
			return value{t: tFloat8, f: f}, nil
		}
	case tNumeric:
		switch {
		case isInt(v.t):
			return value{t: tNumeric, s: strconv.FormatInt(v.i, 10)}, nil
		case v.t == tNumeric:
			return v, nil
		}
	case tBool:
		switch v.t {
		case tBool:
			return v, nil
		case tInt4:
			return value{t: tBool, b: v.i != 0}, nil
		}
	case tOID:
		if isInt(v.t) && t != tInt2 && v.t != tInt2 || v.t == tOID {
			if v.i < math.MinInt32 || v.i > math.MaxUint32 {
				return value{}, errorf(codeNumericOutOfRange, "OID out of range")
			}
			if v.i < 0 {
				v.i += 1 << 32
			}
			return value{t: tOID, i: v.i}, nil
		}
	case tTextArray:
	}
	return value{}, errCannot
}

// parseInput reads text as type t (the type's input function).
func parseInput(s string, t sqlType, off int) (value, error) {
	syntax := func() (value, error) {
		return value{}, posErrorf(off, codeInvalidTextRepresentation, "invalid input syntax for type %s: %q", typeLabel(t), s)
	}
	trimmed := strings.TrimSpace(s)
	switch t {
	case tText:
		return value{t: tText, s: s}, nil
	case tInt2, tInt4, tInt8, tOID:
		d := strings.TrimPrefix(strings.TrimPrefix(trimmed, "-"), "+")
		if !allDigits(d) {
			return syntax()
		}
		i, err := strconv.ParseInt(trimmed, 10, 64)
		lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
		switch t {
		case tInt2:
			lo, hi = math.MinInt16, math.MaxInt16
		case tInt4:
			lo, hi = math.MinInt32, math.MaxInt32
		case tOID:
			lo, hi = math.MinInt32, math.MaxUint32
		}
		if err != nil || i < lo || i > hi {
			return value{}, posErrorf(off, codeNumericOutOfRange, "value %q is out of range for type %s", s, typeLabel(t))
		}
		if t == tOID && i < 0 {
			i += 1 << 32
		}
		return value{t: t, i: i}, nil
	case tFloat8:
		if trimmed == "" || strings.ContainsAny(trimmed, "_xXpP") {
			return syntax()
		}
		f, err := strconv.ParseFloat(trimmed, 64)
		if err != nil {
			var ne *strconv.NumError
			if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
				return value{}, posErrorf(off, codeNumericOutOfRange, "%q is out of range for type double precision", trimmed)
			}
			return syntax()
		}
		return value{t: tFloat8, f: f}, nil
	case tNumeric:
		n, ok := parseNumeric(trimmed)
		if !ok {
			if strings.EqualFold(trimmed, "nan") {
				return value{}, errCannot
			}
			return syntax()
		}
		return value{t: tNumeric, s: n}, nil
	case tBool:
		b, err := parseBool(s, off)
		if err != nil {
			return value{}, err
		}
		return value{t: tBool, b: b}, nil
	}
	return value{}, errCannot
}

// parseBool reads a boolean as PostgreSQL's boolin: a unique prefix of
// true, false, yes, no, or on, off, 1, 0, any case, white space around.
func parseBool(s string, off int) (bool, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	switch {
	case l == "":
	case strings.HasPrefix("true", l), strings.HasPrefix("yes", l), l == "on", l == "1":
		return true, nil
	case strings.HasPrefix("false", l), strings.HasPrefix("no", l), len(l) >= 2 && strings.HasPrefix("off", l), l == "0":
		return false, nil
	}
	return false, posErrorf(off, codeInvalidTextRepresentation, "invalid input syntax for type boolean: %q", s)
}

// parseNumeric reads a numeric literal ([+-]digits[.digits][e[+-]digits])
// and returns PostgreSQL's output form of it: plain digits, with as many
// decimals as the literal had after its point less its exponent.
func parseNumeric(s string) (string, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	mant, exp := s, 0
	if k := strings.IndexAny(s, "eE"); k >= 0 {
		mant = s[:k]
		e, err := strconv.Atoi(strings.TrimPrefix(s[k+1:], "+"))
		if err != nil || e > 1000 || e < -1000 {
			return "", false
		}
		exp = e
	}
	intPart, frac := mant, ""
	if k := strings.IndexByte(mant, '.'); k >= 0 {
		intPart, frac = mant[:k], mant[k+1:]
	}
	if intPart == "" && frac == "" || intPart != "" && !allDigits(intPart) || frac != "" && !allDigits(frac) {
		return "", false
	}
	digits := intPart + frac
	shift := exp - len(frac)
	var whole, dec string
	if shift >= 0 {
		whole = digits + strings.Repeat("0", shift)
	} else {
		scale := -shift
		if len(digits) <= scale {
			digits = strings.Repeat("0", scale-len(digits)+1) + digits
		}
		whole, dec = digits[:len(digits)-scale], digits[len(digits)-scale:]
	}
	whole = strings.TrimLeft(whole, "0")
	if whole == "" {
		whole = "0"
	}
	out := whole
	if dec != "" {
		out += "." + dec
	}
	if neg && strings.Trim(out, "0.") != "" {
		out = "-" + out
	}
	return out, true
}

// roundNumeric rounds a numeric's text to an integer, half away from zero.
func roundNumeric(s string) (int64, bool) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	i, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, true
	}
	if frac != "" && frac[0] >= '5' {
		if i == math.MaxInt64 {
			return 0, true
		}
		i++
	}
	if neg {
		i = -i
	}
	return i, false
}

// call evaluates a function pgwire knows.
func (env *evalEnv) call(f *funcExpr) (value, error) {
	args := make([]value, len(f.args))
	for i, a := range f.args {
		v, err := env.eval(a)
		if err != nil {
			return v, err
		}
		args[i] = v
	}
	c := env.c
	text := func(s string) (value, error) { return value{t: tText, s: s}, nil }
	nargs := func(n ...int) bool {
		for _, k := range n {
			if len(args) == k {
				return !f.star
			}
		}
		return false
	}
	switch f.name {
	case "version":
		if nargs(0) {
			return text(c.versionString())
		}
	case "current_database", "current_catalog":
		if nargs(0) {
			return text(c.sess.Database())
		}
	case "current_schema":
		if nargs(0) {
			return text("public")
		}
	case "current_user", "session_user", "user", "current_role":
		if f.noParen {
			return text(c.sess.User())
		}
	case "pg_backend_pid":
		if nargs(0) {
			return value{t: tInt4, i: int64(c.sess.ID())}, nil
		}
	case "now", "transaction_timestamp", "statement_timestamp", "clock_timestamp", "current_timestamp":
		if nargs(0) {
			return value{t: tTimestamptz, i: time.Now().UnixMilli()}, nil
		}
	case "pg_is_in_recovery":
		if nargs(0) {
			return value{t: tBool}, nil
		}
	case "current_setting":
		if nargs(1, 2) {
			return env.currentSetting(args)
		}
	case "pg_get_viewdef":
		if nargs(1, 2) {
			return env.viewDef(args[0])
		}
	case "pg_get_userbyid":
		if nargs(1) {
			if args[0].null {
				return value{t: tText, null: true}, nil
			}
			return text(c.sess.User())
		}
	case "pg_encoding_to_char":
		if nargs(1) && isInt(args[0].t) {
			if args[0].null {
				return value{t: tText, null: true}, nil
			}
			if args[0].i == encodingUTF8 {
				return text("UTF8")
			}
			return text("")
		}
	case "quote_ident", "lower", "upper", "btrim", "trim":
		if nargs(1) && isTextual(args[0]) {
			if args[0].null {
				return value{t: tText, null: true}, nil
			}
			return text(stringFunc(f.name, args[0].s))
		}
	case "length", "char_length":
		if nargs(1) && isTextual(args[0]) {
			if args[0].null {
				return value{t: tInt4, null: true}, nil
			}
			return value{t: tInt4, i: int64(len([]rune(args[0].s)))}, nil
		}
	case "parse_ident":
		if nargs(1, 2) && isTextual(args[0]) {
			if args[0].null {
				return value{t: tTextArray, null: true}, nil
			}
			parts, ok := parseIdent(args[0].s)
			if !ok {
				return value{}, errCannot
			}
			return value{t: tTextArray, arr: parts}, nil
		}
	case "array_length", "array_upper", "array_lower":
		if nargs(2) && (args[0].t == tTextArray || args[0].null) {
			if args[0].null || args[1].null || len(args[0].arr) == 0 {
				return value{t: tInt4, null: true}, nil
			}
			d, err := castTo(args[1], typeOf[tInt4], -1)
			if err != nil {
				return d, err
			}
			if d.i != 1 {
				return value{t: tInt4, null: true}, nil
			}
			if f.name == "array_lower" {
				return value{t: tInt4, i: 1}, nil
			}
			return value{t: tInt4, i: int64(len(args[0].arr))}, nil
		}
	case "array_to_string":
		if nargs(2, 3) && (args[0].t == tTextArray || args[0].null) && isTextual(args[1]) {
			if args[0].null || args[1].null {
				return value{t: tText, null: true}, nil
			}
			return text(strings.Join(args[0].arr, args[1].s))
		}
	case "coalesce":
		if len(args) > 0 {
			return coalesce(args)
		}
	case "nullif":
		if nargs(2) {
			if args[0].null || args[1].null {
				return args[0], nil
			}
			cmp, err := compare(args[0], args[1])
			if err != nil {
				return value{}, err
			}
			if cmp == 0 {
				return value{t: args[0].t, null: true}, nil
			}
			return args[0], nil
		}
	case "concat":
		var b strings.Builder
		for _, a := range args {
			if a.null {
				continue
			}
			if a.t == tOther {
				return value{}, errCannot
			}
			s, ok := textOut(a)
			if !ok {
				return value{}, errCannot
			}
			b.WriteString(s)
		}
		return text(b.String())
	case "pg_table_is_visible", "pg_type_is_visible":
		if nargs(1) {
			return value{t: tBool, b: true, null: args[0].null}, nil
		}
	case "obj_description", "col_description", "shobj_description":
		if nargs(1, 2) {
			return value{t: tText, null: true}, nil
		}
	case "format_type":
		if nargs(2) && (isInt(args[0].t) || args[0].t == tOID || args[0].null) {
			if args[0].null {
				return value{t: tText, null: true}, nil
			}
			return text(formatTypeOID(args[0].i))
		}
	}
	return value{}, errCannot
}

// encodingUTF8 is UTF8's number in pg_database.encoding.
const encodingUTF8 = 6

func (env *evalEnv) currentSetting(args []value) (value, error) {
	name := args[0]
	if !isTextual(name) {
		return value{}, errCannot
	}
	missingOK := false
	if len(args) == 2 {
		m, err := castTo(args[1], typeOf[tBool], -1)
		if err != nil {
			return m, err
		}
		if m.null {
			return value{t: tText, null: true}, nil
		}
		missingOK = m.b
	}
	if name.null {
		return value{t: tText, null: true}, nil
	}
	v, ok := env.c.sess.Setting(strings.ToLower(name.s))
	if !ok {
		if missingOK {
			return value{t: tText, null: true}, nil
		}
		return value{}, errorf(codeUndefinedObject, "unrecognized configuration parameter %q", name.s)
	}
	return value{t: tText, s: v}, nil
}

// viewDef is pg_get_viewdef: the query of the view with that OID (or,
// given text, that name), NULL when there is none.
func (env *evalEnv) viewDef(arg value) (value, error) {
	null := value{t: tText, null: true}
	if arg.null {
		return null, nil
	}
	rels := env.c.relations(env.ctx)
	var r *Relation
	switch {
	case isTextual(arg):
		name := arg.s
		if parts, ok := parseIdent(arg.s); ok {
			if len(parts) == 2 && parts[0] == "public" {
				parts = parts[1:]
			}
			if len(parts) != 1 {
				return null, nil
			}
			name = parts[0]
		}
		for i := range rels {
			if rels[i].Name == name {
				r = &rels[i]
			}
		}
	case isInt(arg.t) || arg.t == tOID:
		if n := arg.i - firstOID; n >= 0 && n < int64(len(rels)) {
			r = &rels[n]
		}
	default:
		return value{}, errCannot
	}
	if r == nil || r.Kind == RelSource || r.Definition == "" {
		return null, nil
	}
	def := strings.TrimSpace(r.Definition)
	if !strings.HasSuffix(def, ";") {
		def += ";"
	}
	return value{t: tText, s: def}, nil
}

func coalesce(args []value) (value, error) {
	t := tUnknown
	for _, a := range args {
		switch {
		case a.t == tUnknown:
		case t == tUnknown:
			t = a.t
		case isInt(t) && isInt(a.t):
			t = max(t, a.t)
		case t != a.t:
			return value{}, errCannot
		}
	}
	if t == tUnknown {
		t = tText
	}
	for _, a := range args {
		if a.null {
			continue
		}
		if a.t == tUnknown {
			return coerceUnknown(a, t)
		}
		if isInt(a.t) {
			a.t = t
		}
		return a, nil
	}
	return value{t: t, null: true}, nil
}

func stringFunc(name, s string) string {
	switch name {
	case "quote_ident":
		return quoteIdent(s)
	case "lower", "upper":
		b := []byte(s)
		for i, c := range b {
			if name == "lower" && c >= 'A' && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			} else if name == "upper" && c >= 'a' && c <= 'z' {
				b[i] = c - ('a' - 'A')
			}
		}
		return string(b)
	}
	return strings.Trim(s, " ")
}

// quoteIdent quotes a name as PostgreSQL's quote_ident: unless it is a
// lower-case identifier that is not a reserved keyword.
func quoteIdent(s string) string {
	safe := s != "" && (s[0] >= 'a' && s[0] <= 'z' || s[0] == '_')
	for i := 0; safe && i < len(s); i++ {
		c := s[i]
		safe = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
	}
	if safe && !pgKeywords[s] {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// pgKeywords are PostgreSQL's keywords that quote_ident quotes (all but
// the unreserved ones).
var pgKeywords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`all analyse analyze and any array as asc asymmetric both case cast
	check collate column constraint create current_catalog current_date current_role current_time
	current_timestamp current_user default deferrable desc distinct do else end except false fetch
	for foreign from grant group having in initially intersect into lateral leading limit localtime
	localtimestamp not null offset on only or order placing primary references returning select
	session_user some symmetric table then to trailing true union unique user using variadic when
	where window with authorization binary collation concurrently cross current_schema freeze full
	ilike inner is isnull join left like natural notnull outer overlaps right similar tablesample
	verbose between bigint bit boolean char character coalesce dec decimal exists extract float
	greatest grouping inout int integer interval json json_array json_arrayagg json_object
	json_objectagg least national nchar none normalize nullif numeric out overlay position
	precision real row setof smallint substring time timestamp treat trim values varchar
	xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot
	xmlserialize xmltable`) {
		m[w] = true
	}
	return m
}()

// parseIdent splits a qualified name as PostgreSQL's parse_ident: parts
// separated by dots, unquoted parts lower-cased.
func parseIdent(s string) ([]string, bool) {
	var out []string
	i := 0
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			return nil, false
		}
		if s[i] == '"' {
			j := skipQuoted(s, i+1, '"', false)
			if j > len(s) || s[j-1] != '"' || j == i+2 {
				return nil, false
			}
			out = append(out, strings.ReplaceAll(s[i+1:j-1], `""`, `"`))
			i = j
		} else {
			j := i
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			if j == i {
				return nil, false
			}
			out = append(out, strings.ToLower(s[i:j]))
			i = j
		}
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i == len(s) {
			return out, true
		}
		if s[i] != '.' {
			return nil, false
		}
		i++
	}
}

// formatTypeOID is format_type for the type OIDs pgwire knows.
func formatTypeOID(oid int64) string {
	switch oid {
	case oidBool:
		return "boolean"
	case oidInt8:
		return "bigint"
	case oidInt2:
		return "smallint"
	case oidInt4:
		return "integer"
	case oidText:
		return "text"
	case oidFloat4:
		return "real"
	case oidFloat8:
		return "double precision"
	case oidVarchar:
		return "character varying"
	case oidTimestamp:
		return "timestamp without time zone"
	case oidTimestamptz:
		return "timestamp with time zone"
	case oidName:
		return "name"
	case oidOID:
		return "oid"
	case oidNumeric:
		return "numeric"
	}
	return "???"
}

// columnName is the name PostgreSQL gives a SELECT item without an alias
// (FigureColname): a column's name, a function's, a cast's type when the
// operand has none, "case", or "?column?".
func columnName(e expr) string {
	name, _ := figureColname(e)
	if name == "" {
		return "?column?"
	}
	return name
}

func figureColname(e expr) (string, int) {
	switch x := e.(type) {
	case *colExpr:
		return x.parts[len(x.parts)-1], 2
	case *funcExpr:
		return x.name, 2
	case *castExpr:
		name, strength := figureColname(x.x)
		if strength <= 1 {
			return x.typ.label, 1
		}
		return name, strength
	case *indexExpr:
		return figureColname(x.x)
	case *caseExpr:
		if x.els != nil {
			if name, strength := figureColname(x.els); strength > 1 {
				return name, strength
			}
		}
		return "case", 1
	case *arrayExpr:
		return "array", 2
	}
	return "", 0
}
