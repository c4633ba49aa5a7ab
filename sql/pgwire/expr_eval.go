package pgwire

import (
	"context"
	"errors"
	"math"
	"math/big"
	"regexp"
	"strings"
)

// This file evaluates the expressions expr_parse.go reads, with
// PostgreSQL's types and semantics for what it covers; anything else is
// errCannot (not pgwire's to answer), never an approximation.

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
	tRegclass                   // regclass: i holds the OID, s the name it prints as
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
	// aggs holds, in a grouped catalog query, each aggregate call's value
	// for the current group; an aggregate elsewhere is errCannot.
	aggs map[*funcExpr]value
	// depth is the subquery nesting of a catalog query (0: outermost).
	depth int
	// subs holds the statement's evaluated subqueries by text.
	subs map[string]subqueryResult
	// rels caches the engine's relations for the statement (relations).
	rels []Relation
}

// relations returns the engine's relations, fetched (and sorted) once per
// evaluation environment rather than once per regclass or pg_get_viewdef
// value.
func (env *evalEnv) relations() []Relation {
	if env.rels == nil {
		env.rels = env.c.relations(env.ctx)
	}
	return env.rels
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
		if (x.op == "~" || x.op == "!~") && namesRelname(x.l) {
			// A pattern over relation names (psql's \d NAME sends
			// c.relname OPERATOR(pg_catalog.~) '^(name)$') matches as
			// weir's catalog does: case-insensitively.
			return binaryOp(x.op+"*", l, r)
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
		if x.typ.label == "regclass" && !x.typ.array && !x.typ.typmod {
			return env.regclassIn(v, off)
		}
		return castTo(v, x.typ, off)
	case *funcExpr:
		if aggregateFuncs[x.name] && !x.noParen {
			if v, ok := env.aggs[x]; ok {
				return v, nil
			}
			return value{}, errCannot
		}
		return env.call(x)
	case *existsExpr:
		res, err := env.subquery(x.text)
		if err != nil {
			return value{}, err
		}
		return value{t: tBool, b: len(res.rows) > 0}, nil
	case *subqueryExpr:
		return env.scalarSubquery(x.text)
	case *arraySubExpr:
		return env.arraySubquery(x.text)
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
			// The right side decides nothing once the left has (JDBC's
			// getTypeInfo: t.typrelid = 0 OR (SELECT ... WHERE c.oid =
			// t.typrelid), whose subquery refers to the outer row).
			if x.op == "or" && l == triTrue {
				return triTrue, nil
			}
			if x.op == "and" && l == triFalse {
				return triFalse, nil
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
		if schemas, ok := env.searchPathSubquery(x.sub); ok {
			for _, s := range schemas {
				list = append(list, value{t: tText, s: s})
			}
		} else {
			res, err := env.subquery(x.sub)
			if err != nil {
				return cannotOr(err)
			}
			if len(res.names) != 1 {
				return triFalse, errorf(codeSyntaxError, "subquery has too many columns: IN (SELECT ...) needs exactly one")
			}
			for _, r := range res.rows {
				list = append(list, r[0])
			}
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
	// A regclass compares as its OID; with an untyped literal it would
	// read the literal as a relation name: not evaluated.
	for _, v := range []*value{&l, &r} {
		if v.t == tRegclass {
			if l.t == tUnknown || r.t == tUnknown {
				return 0, errCannot
			}
			*v = value{t: tOID, i: v.i}
		}
	}
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

// namesRelname reports whether x is the column pg_class.relname.
func namesRelname(x expr) bool {
	c, ok := x.(*colExpr)
	return ok && c.parts[len(c.parts)-1] == "relname"
}
