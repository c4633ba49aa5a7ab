package pgwire

import (
	"strconv"
	"strings"
)

// This file evaluates regclass, the type of "does this table exist?"
// checks (to_regclass('v'), 'v'::regclass), and ARRAY(subquery) where its
// subquery is provably empty (psql's \du "Member of").

// regclassName resolves a relation name as PostgreSQL's regclass input
// does over weir's relations (schema public, OIDs from firstOID in name
// order). found is false for a relation that does not exist; err is a
// missing schema's error (3F000) or errCannot for a name pgwire cannot
// answer exactly (a system catalog, another database).
func (env *evalEnv) regclassName(s string) (v value, found bool, err error) {
	if env.c == nil {
		return value{}, false, errCannot
	}
	parts, ok := parseIdent(s)
	if !ok {
		return value{}, false, errCannot
	}
	name := parts[len(parts)-1]
	switch len(parts) {
	case 1:
		if len(name) >= 3 && name[:3] == "pg_" {
			// On the search path, pg_catalog comes first.
			return value{}, false, errCannot
		}
	case 2:
		switch parts[0] {
		case "public":
		case "pg_catalog", "information_schema":
			return value{}, false, errCannot
		default:
			return value{}, false, errorf(codeInvalidSchemaName, "schema %q does not exist", parts[0])
		}
	default:
		return value{}, false, errCannot
	}
	// weir's relation names are case-insensitive (and case-preserving):
	// 'upperv'::regclass is the relation created as UpperV, quoted or not.
	for i, r := range env.relations() {
		if strings.EqualFold(r.Name, name) {
			return value{t: tRegclass, i: int64(firstOID + i), s: r.Name}, true, nil
		}
	}
	return value{}, false, nil
}

// regclassIn is v::regclass: a name (or a number, read as an OID) names
// a relation, or is error 42P01 at the literal (off) as in PostgreSQL.
func (env *evalEnv) regclassIn(v value, off int) (value, error) {
	if v.null {
		return value{t: tRegclass, null: true}, nil
	}
	switch {
	case v.t == tRegclass:
		return v, nil
	case isInt(v.t) || v.t == tOID:
		return env.regclassOID(v.i)
	case v.t != tText && v.t != tUnknown:
		return value{}, errCannot
	}
	if allDigits(v.s) {
		n, err := strconv.ParseInt(v.s, 10, 64)
		if err != nil {
			return value{}, errCannot
		}
		return env.regclassOID(n)
	}
	r, found, err := env.regclassName(v.s)
	if err != nil {
		if e, ok := err.(*Error); ok {
			return value{}, env.at(off, e.Code, "%s", e.Msg)
		}
		return value{}, err
	}
	if !found {
		parts, _ := parseIdent(v.s)
		name := parts[0]
		for _, p := range parts[1:] {
			name += "." + p
		}
		return value{}, env.at(off, codeUndefinedTable, "relation %q does not exist", name)
	}
	return r, nil
}

// regclassOID is an OID as regclass: a weir relation prints as its name,
// any other OID as its number (as PostgreSQL prints an OID no relation
// has); system catalogs' OIDs (below firstOID) are not pgwire's.
func (env *evalEnv) regclassOID(n int64) (value, error) {
	if env.c == nil || n < 0 || n > 1<<32-1 {
		return value{}, errCannot
	}
	if n == 0 {
		return value{t: tRegclass, s: "-"}, nil
	}
	if n < firstOID {
		return value{}, errCannot
	}
	rels := env.relations()
	if k := n - firstOID; k < int64(len(rels)) {
		return value{t: tRegclass, i: n, s: rels[k].Name}, nil
	}
	return value{t: tRegclass, i: n, s: strconv.FormatInt(n, 10)}, nil
}

// toRegclass is to_regclass(text): the relation, or NULL when it (or its
// schema) does not exist.
func (env *evalEnv) toRegclass(arg value) (value, error) {
	if arg.null {
		return value{t: tRegclass, null: true}, nil
	}
	r, found, err := env.regclassName(arg.s)
	if err == errCannot {
		return value{}, err
	}
	if err != nil || !found {
		return value{t: tRegclass, null: true}, nil
	}
	return r, nil
}

// regclassOut casts a regclass: to oid or an integer its OID, to text its
// name.
func regclassOut(v value, tn typeName) (value, error) {
	if tn.typmod || tn.array {
		return value{}, errCannot
	}
	switch {
	case tn.label == "regclass":
		return v, nil
	case tn.t == tOID, tn.t == tInt8:
		return value{t: tn.t, i: v.i, null: v.null}, nil
	case tn.t == tInt4:
		if v.i > 1<<31-1 {
			return value{}, errorf(codeNumericOutOfRange, "integer out of range")
		}
		return value{t: tn.t, i: v.i, null: v.null}, nil
	case tn.t == tText:
		return value{t: tText, s: v.s, null: v.null}, nil
	}
	return value{}, errCannot
}

// arraySubquery is ARRAY(subquery): an empty text[] when the subquery is
// provably empty (it reads a catalog weir has nothing in, as psql's \du
// does pg_auth_members), else the subquery's one text column as an array.
func (env *evalEnv) arraySubquery(text string) (value, error) {
	if empty, ok := provablyEmpty(text); ok && empty {
		return value{t: tTextArray, arr: []string{}}, nil
	}
	res, err := env.subquery(text)
	if err != nil {
		return value{}, err
	}
	if len(res.names) != 1 {
		return value{}, errorf(codeSyntaxError, "subquery must return only one column")
	}
	out := value{t: tTextArray, arr: []string{}}
	for _, row := range res.rows {
		if row[0].null || row[0].t != tText {
			return value{}, errCannot
		}
		out.arr = append(out.arr, row[0].s)
	}
	return out, nil
}
