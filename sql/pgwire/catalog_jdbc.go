package pgwire

import (
	"context"
	"strconv"
	"strings"
)

// This file answers the two catalog queries of JDBC's DatabaseMetaData
// that the join evaluation (catalog_join.go) does not: its listings of
// functions and procedures over pg_proc, and the driver's type cache query
// over pg_type.

// systemSchemas are the schemas PostgreSQL's own functions live in; weir
// defines none of its own.
var systemSchemas = []string{"pg_catalog", "information_schema"}

// userFunctionsEmpty reports whether s lists functions (pg_proc joined
// with pg_namespace on pronamespace) only outside pg_catalog and
// information_schema: the WHERE, by what it says of the namespace alone,
// rules both out. Such a listing has no rows, as weir has no functions of
// its own (JDBC's getFunctions and getProcedures with a schema pattern).
func (c *conn) userFunctionsEmpty(ctx context.Context, s *selectStmt) bool {
	if s.where == nil || s.having != nil || len(s.groupBy) > 0 {
		return false
	}
	proc, ns := "", ""
	for i, f := range s.from {
		name := strings.TrimPrefix(f.name, "pg_catalog.")
		alias := f.alias
		if alias == "" {
			alias = name
		}
		if i > 0 && f.join != "," && f.join != "join" && f.join != "left" {
			return false // a RIGHT or FULL join could keep rows
		}
		switch {
		case name == "pg_proc" && (i == 0 || f.join != "left"):
			proc = alias
		case name == "pg_namespace" && ns == "" && (i == 0 || f.join != "left"):
			ns = alias
		}
	}
	if proc == "" || ns == "" {
		return false
	}
	conj := conjuncts(s.where)
	for _, f := range s.from {
		if f.on != nil {
			conj = append(conj, conjuncts(f.on)...)
		}
	}
	joined := false
	var nsOnly []expr
	for _, x := range conj {
		if isColEq(x, proc, "pronamespace", ns, "oid") {
			joined = true
			continue
		}
		only := true
		walk(x, func(e expr) bool {
			switch e := e.(type) {
			case *colExpr:
				if len(e.parts) != 2 || e.parts[0] != ns {
					only = false
				}
			case *subqueryExpr, *existsExpr, *arraySubExpr:
				only = false
			case *inExpr:
				if e.sub != "" {
					only = false
				}
			}
			return only
		})
		if only {
			nsOnly = append(nsOnly, x)
		}
	}
	if !joined || len(nsOnly) == 0 || selectHasAggregateExpr(s) {
		return false
	}
	nsTable := c.catalogTable(ctx, "pg_namespace")
	env := &evalEnv{c: c, ctx: ctx}
	for _, schema := range systemSchemas {
		var row []value
		for _, r := range nsTable.rows {
			if r[1].s == schema {
				row = r
			}
		}
		env.row = func(parts []string) (value, bool) {
			if i := nsTable.col(parts[len(parts)-1]); i >= 0 {
				return row[i], true
			}
			return value{}, false
		}
		excluded := false
		for _, x := range nsOnly {
			if tr, err := env.truth(x); err == nil && (tr == triFalse || tr == triNull) {
				excluded = true
				break
			}
		}
		if !excluded {
			return false
		}
	}
	return true
}

// conjuncts splits x at its top-level ANDs.
func conjuncts(x expr) []expr {
	if b, ok := x.(*binExpr); ok && b.op == "and" {
		return append(conjuncts(b.l), conjuncts(b.r)...)
	}
	return []expr{x}
}

// selectHasAggregateExpr reports whether s's SELECT list calls an
// aggregate (outside subqueries).
func selectHasAggregateExpr(s *selectStmt) bool {
	found := false
	for _, it := range s.items {
		walk(it.x, func(x expr) bool {
			if _, ok := isAggregate(x); ok {
				found = true
			}
			return !found
		})
	}
	return found
}

// jdbcTypeCacheQuery is the query pgjdbc's TypeInfoCache sends to learn
// every type (DatabaseMetaData.getTypeInfo), its whitespace collapsed:
// whether each is an array, its typtype, name and OID, ordered by the
// position of its schema in the search path and then by OID, descending.
const jdbcTypeCacheQuery = `SELECT typinput='pg_catalog.array_in'::regproc as is_array, typtype, typname, pg_type.oid FROM pg_catalog.pg_type LEFT JOIN (select ns.oid as nspoid, ns.nspname, r.r from pg_namespace as ns join ( select s.r, (current_schemas(false))[s.r] as nspname from generate_series(1, array_upper(current_schemas(false), 1)) as s(r) ) as r using ( nspname ) ) as sp ON sp.nspoid = typnamespace ORDER BY sp.r, pg_type.oid DESC`

// jdbcTypeInfoQuery is DatabaseMetaData.getTypeInfo's query, its
// whitespace collapsed: every type's name and OID.
const jdbcTypeInfoQuery = `SELECT t.typname,t.oid FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON (t.typnamespace = n.oid) WHERE n.nspname != 'pg_toast' AND (t.typrelid = 0 OR (SELECT c.relkind = 'c' FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid))`

// jdbcTypeCache answers jdbcTypeCacheQuery: weir's types are base types
// (not arrays) in pg_catalog, which current_schemas(false) does not list,
// so they sort by OID, descending.
// jdbcTypeInfoQuery is answered with the same types' names and OIDs, in
// OID order: weir offers those types and no other.
func jdbcTypeCache(stmt string) (Result, bool) {
	switch strings.Join(strings.Fields(stmt), " ") {
	case jdbcTypeInfoQuery:
		var rows [][]*string
		for _, t := range weirTypes {
			rows = append(rows, []*string{sp(t.name), sp(strconv.FormatInt(t.oid, 10))})
		}
		return textRows([]string{"typname", "oid"}, rows), true
	case jdbcTypeCacheQuery:
	default:
		return nil, false
	}
	var rows [][]*string
	for i := len(weirTypes) - 1; i >= 0; i-- {
		t := weirTypes[i]
		rows = append(rows, []*string{sp("f"), sp("b"), sp(t.name), sp(strconv.FormatInt(t.oid, 10))})
	}
	return textRows([]string{"is_array", "typtype", "typname", "oid"}, rows), true
}
