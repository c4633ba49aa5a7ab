package pgwire

import (
	"context"
	"strconv"
	"strings"
)

// This file infers the types of a prepared statement's parameters, which
// Describe sends in ParameterDescription, as PostgreSQL does where the
// statement makes a parameter's type clear:
//
//   - a type given in Parse (OID ≠ 0) is kept;
//   - $1::T and CAST($1 AS T): T;
//   - LIMIT $1, OFFSET $1, FETCH FIRST $1 ROWS: int8;
//   - a comparison (= <> != < <= > >=) or arithmetic (+ - * / %) with a
//     typed other side — a column of the relations in FROM, a literal
//     (an integer is int8, weir's integer type; a decimal float8; TRUE
//     or FALSE bool), or a cast — takes that side's type; so does col
//     BETWEEN $1 AND $2, col IN ($1, $2), col IS [NOT] DISTINCT FROM $1;
//     + and - beside a timestamp are left unknown (the other side may be an
//     interval), as PostgreSQL leaves them ambiguous;
//   - LIKE and ILIKE $1: text;
//   - anything else is unknown, which ParameterDescription reports as text
//     (25), as PostgreSQL reports a parameter used where nothing types it.
//
// An inferred type also decides how a parameter is bound (bindParams): an
// int8 parameter must be an integer, a text one is always quoted.

// Postgres type OIDs of cast targets pgwire names in ParameterDescription
// (beyond those params.go knows).
const (
	oidBytea    = 17
	oidJSON     = 114
	oidInterval = 1186
	oidUUID     = 2950
	oidJSONB    = 3802
)

// castOIDs maps a cast's type label (typeName.label) to its OID.
var castOIDs = map[string]uint32{
	"int2": oidInt2, "int4": oidInt4, "int8": oidInt8, "float4": oidFloat4, "float8": oidFloat8,
	"numeric": oidNumeric, "text": oidText, "varchar": oidVarchar, "bpchar": oidBpchar, "name": oidName,
	"bool": oidBool, "oid": oidOID, "timestamptz": oidTimestamptz, "timestamp": oidTimestamp,
	"date": oidDate, "interval": oidInterval, "json": oidJSON, "jsonb": oidJSONB, "uuid": oidUUID,
	"bytea": oidBytea,
}

// windowColumns are the columns a window TVF in FROM adds.
var windowColumns = []string{"window_start", "window_end", "window_time"}

// inferParamTypes returns the OID of each of n parameters of stmt: the
// declared one when not 0, else the type the statement gives it, else 0
// (unknown). rels are the engine's relations (nil without a Cataloger).
func inferParamTypes(stmt string, n int, declared []uint32, rels []Relation) []uint32 {
	oids := make([]uint32, n)
	copy(oids, declared)
	if n == 0 {
		return oids
	}
	toks, ok := lex(stmt)
	if !ok {
		return oids
	}
	inf := &inferrer{toks: toks, cols: fromColumns(toks, rels)}
	for i, t := range toks {
		if t.kind != tkParam {
			continue
		}
		k, err := strconv.Atoi(t.s[1:])
		if err != nil || k < 1 || k > n || oids[k-1] != 0 {
			continue
		}
		oids[k-1] = inf.paramType(i)
	}
	return oids
}

// relationsOf returns the engine's relations, or nil without a Cataloger.
func (c *conn) relationsOf(ctx context.Context) []Relation {
	cat, ok := c.srv.eng.(Cataloger)
	if !ok {
		return nil
	}
	return cat.Relations(ctx)
}

// fromColumns collects the column types of the relations named after FROM
// and JOIN (a window TVF's input and its window columns included). A name
// two relations give different types is left out.
func fromColumns(toks []token, rels []Relation) map[string]uint32 {
	cols := map[string]uint32{}
	clash := map[string]bool{}
	add := func(name string, oid uint32) {
		if old, ok := cols[name]; ok && old != oid {
			clash[name] = true
		}
		cols[name] = oid
	}
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].kind != tkIdent || toks[i].s != "from" && toks[i].s != "join" {
			continue
		}
		j := i + 1
		tvf := false
		if isName(toks[j]) && j+1 < len(toks) && isOpTok(toks[j+1], "(") {
			tvf, j = true, j+2 // TUMBLE(m, ...)
		}
		j = skipSchema(toks, j)
		if !isName(toks[j]) {
			continue
		}
		rel := findRelation(rels, toks[j].s)
		if rel == nil {
			continue
		}
		for _, c := range rel.Columns {
			add(strings.ToLower(c.Name), typeOID(c.Type))
		}
		if tvf {
			for _, w := range windowColumns {
				add(w, oidTimestamptz)
			}
		}
	}
	for name := range clash {
		delete(cols, name)
	}
	return cols
}

// skipSchema steps over "public." before a relation name.
func skipSchema(toks []token, j int) int {
	if j+2 < len(toks) && isName(toks[j]) && toks[j].s == "public" && isOpTok(toks[j+1], ".") && isName(toks[j+2]) {
		return j + 2
	}
	return j
}

// findRelation returns the relation named name (case-insensitively), or nil.
func findRelation(rels []Relation, name string) *Relation {
	for i := range rels {
		if strings.EqualFold(rels[i].Name, name) {
			return &rels[i]
		}
	}
	return nil
}

func isName(t token) bool { return t.kind == tkIdent || t.kind == tkQIdent }

func isOpTok(t token, op string) bool { return t.kind == tkOp && t.s == op }

func isKwTok(t token, words ...string) bool {
	if t.kind != tkIdent {
		return false
	}
	for _, w := range words {
		if t.s == w {
			return true
		}
	}
	return false
}

// comparisonOps and arithmeticOps are the binary operators whose other
// side types a parameter.
var (
	comparisonOps = map[string]bool{"=": true, "<>": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true}
	arithmeticOps = map[string]bool{"+": true, "-": true, "*": true, "/": true, "%": true}
)

type inferrer struct {
	toks []token
	cols map[string]uint32
}

func (f *inferrer) at(i int) token {
	if i < 0 {
		return token{kind: tkEOF}
	}
	if i >= len(f.toks) {
		return f.toks[len(f.toks)-1]
	}
	return f.toks[i]
}

// paramType is the type of the parameter at token i, or 0.
func (f *inferrer) paramType(i int) uint32 {
	// $1::T
	if isOpTok(f.at(i+1), "::") {
		return f.castType(i + 2)
	}
	prev := f.at(i - 1)
	// CAST($1 AS T)
	if isOpTok(prev, "(") && isKwTok(f.at(i-2), "cast") && isKwTok(f.at(i+1), "as") {
		return f.castType(i + 2)
	}
	var t uint32
	switch {
	case isKwTok(prev, "limit", "offset"),
		isKwTok(prev, "first", "next") && isKwTok(f.at(i-2), "fetch"):
		return oidInt8
	case isKwTok(prev, "like", "ilike"):
		return oidText
	case prev.kind == tkOp && (comparisonOps[prev.s] || arithmeticOps[prev.s]):
		t = f.operatorType(prev.s, f.leftOperand(i-2))
	case isKwTok(prev, "between"):
		t = f.leftOperand(i - 2 - f.notBefore(i-1))
	case isKwTok(prev, "and") && isKwTok(f.at(i-3), "between"):
		t = f.leftOperand(i - 4 - f.notBefore(i-3))
	case isKwTok(prev, "from") && isKwTok(f.at(i-2), "distinct") && isKwTok(f.at(i-3), "is", "not"):
		j := i - 3
		if isKwTok(f.at(j), "not") {
			j--
		}
		t = f.leftOperand(j - 1)
	default:
		t = f.inListType(i)
	}
	if t != 0 {
		return t
	}
	// $1 op operand
	if next := f.at(i + 1); next.kind == tkOp && (comparisonOps[next.s] || arithmeticOps[next.s]) {
		return f.operatorType(next.s, f.rightOperand(i+2))
	}
	return 0
}

// notBefore is 1 when token i is preceded by NOT (x NOT BETWEEN ...).
func (f *inferrer) notBefore(i int) int {
	if isKwTok(f.at(i-1), "not") {
		return 1
	}
	return 0
}

// operatorType is a parameter's type beside operator op whose other side
// has type other: + and - beside a timestamp stay unknown.
func (f *inferrer) operatorType(op string, other uint32) uint32 {
	if (op == "+" || op == "-") && (other == oidTimestamptz || other == oidTimestamp || other == oidDate) {
		return 0
	}
	return other
}

// leftOperand types the operand ending at token j: a column, a literal or
// a cast.
func (f *inferrer) leftOperand(j int) uint32 {
	t := f.at(j)
	switch {
	case isName(t) && isOpTok(f.at(j-1), "::"):
		return f.castType(j)
	case isName(t) && !isOpTok(f.at(j+1), "("):
		return f.columnType(t)
	case t.kind == tkOp && t.s == ")":
		return f.castEndingAt(j)
	}
	return literalType(t)
}

// rightOperand types the operand starting at token j.
func (f *inferrer) rightOperand(j int) uint32 {
	t := f.at(j)
	// A qualified column (v.col) ends later than it starts.
	end := j
	for isName(f.at(end)) && isOpTok(f.at(end+1), ".") && isName(f.at(end+2)) {
		end += 2
	}
	if isOpTok(f.at(end+1), "::") {
		return f.castType(end + 2)
	}
	switch {
	case isName(t) && isOpTok(f.at(end+1), "("):
		return 0
	case isName(t):
		return f.columnType(f.at(end))
	case isOpTok(t, "-") && f.at(j+1).kind == tkNum:
		return literalType(f.at(j + 1))
	}
	return literalType(t)
}

// castEndingAt types CAST(x AS T) ending with the ')' at token j, or 0.
func (f *inferrer) castEndingAt(j int) uint32 {
	depth := 0
	for k := j; k >= 0; k-- {
		t := f.at(k)
		switch {
		case isOpTok(t, ")"):
			depth++
		case isOpTok(t, "("):
			depth--
			if depth == 0 {
				if !isKwTok(f.at(k-1), "cast") {
					return 0
				}
				for a := k + 1; a < j; a++ {
					if isKwTok(f.at(a), "as") {
						return f.castType(a + 1)
					}
				}
				return 0
			}
		}
	}
	return 0
}

// castType is the OID of the type name starting at token j, or 0.
func (f *inferrer) castType(j int) uint32 {
	p := &parser{toks: f.toks, i: j, ok: true}
	tn, ok := p.typeName()
	if !ok || tn.array {
		return 0
	}
	return castOIDs[tn.label]
}

// columnType is the type of the column named by t (its last part), or 0.
func (f *inferrer) columnType(t token) uint32 {
	name := t.s
	if t.kind == tkQIdent {
		name = strings.ToLower(name)
	}
	switch name {
	case "true", "false":
		if t.kind == tkIdent {
			return oidBool
		}
	case "null":
		if t.kind == tkIdent {
			return 0
		}
	}
	return f.cols[name]
}

// literalType types a literal token: an integer int8, a decimal float8;
// strings are unknown, as in PostgreSQL.
func literalType(t token) uint32 {
	if t.kind != tkNum {
		return 0
	}
	if allDigits(t.s) {
		return oidInt8
	}
	return oidFloat8
}

// inListType types a parameter in x IN (..., $n, ...) from x.
func (f *inferrer) inListType(i int) uint32 {
	for k := i - 1; k >= 0; k-- {
		t := f.at(k)
		switch {
		case isOpTok(t, "(") && isKwTok(f.at(k-1), "in"):
			j := k - 2
			if isKwTok(f.at(j), "not") {
				j--
			}
			return f.leftOperand(j)
		case isOpTok(t, ","), t.kind == tkParam, t.kind == tkNum, t.kind == tkStr:
			continue
		}
		return 0
	}
	return 0
}
