package pgwire

import (
	"strings"
	"time"
)

// This file is the functions pgwire evaluates, and the names PostgreSQL
// gives SELECT items.

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
	case "pg_cancel_backend", "pg_terminate_backend":
		if nargs(1) {
			return env.signalBackend(f.name == "pg_terminate_backend", args[0])
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
	case "pg_get_expr":
		// A default or index predicate of a relation weir has none of:
		// only NULL (a LEFT JOINed pg_attrdef's missing row) is evaluated.
		if nargs(2, 3) && args[0].null {
			return value{t: tText, null: true}, nil
		}
	case "to_regclass":
		if nargs(1) && isTextual(args[0]) {
			return env.toRegclass(args[0])
		}
	case "pg_tablespace_location":
		if nargs(1) && (isInt(args[0].t) || args[0].t == tOID || args[0].null) {
			// pg_default and pg_global live in the data directory: ''.
			if args[0].null {
				return value{t: tText, null: true}, nil
			}
			if args[0].i == oidPgDefault || args[0].i == oidPgGlobal {
				return text("")
			}
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
	rels := env.relations()
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
	if r == nil || r.Kind == RelSource {
		return null, nil
	}
	return viewDefinition(*r), nil
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
	case "lower":
		return strings.ToLower(s) // Unicode, as the engine's lower and PostgreSQL's in a UTF-8 database
	case "upper":
		return strings.ToUpper(s)
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
			// The closing quote: a quote not doubled. Unterminated or
			// empty ("") is invalid.
			j, closed := i+1, false
			for j < len(s) {
				if s[j] == '"' {
					if j+1 < len(s) && s[j+1] == '"' {
						j += 2
						continue
					}
					closed = true
					break
				}
				j++
			}
			if !closed || j == i+1 {
				return nil, false
			}
			out = append(out, strings.ReplaceAll(s[i+1:j], `""`, `"`))
			i = j + 1
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
	case *existsExpr:
		return "exists", 2
	case *arraySubExpr:
		return "array", 2
	case *subqueryExpr:
		// A scalar subquery is named as its one column is.
		if s, ok := parseSelect(x.text); ok && len(s.items) == 1 && !s.items[0].isStar {
			if s.items[0].aliased {
				return s.items[0].alias, 2
			}
			return figureColname(s.items[0].x)
		}
	}
	return "", 0
}
