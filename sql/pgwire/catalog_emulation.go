package pgwire

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// This file answers the pg_catalog and information_schema queries psql's
// `\d` family and Grafana send, from the Engine's Cataloger. A SELECT over
// one of the relations catalog_tables.go emulates (pg_database,
// pg_namespace, pg_class, information_schema.tables, .columns, ...) is
// evaluated by catalog_eval.go. psql's joins over pg_class and its queries
// over pg_attribute are recognised by their shape: the candidates (all
// relations, or one relation's columns) are filtered and ordered by the
// query's own WHERE and ORDER BY (catalog_shapes.go), and each SELECT item
// is its evaluated value or else filled by what it names (attname,
// format_type, relkind, ...). A query that reads a relation that
// holds nothing for weir (pg_inherits, pg_policy, ...) in a way that must
// return no rows returns none. Any other catalog query is refused (0A000).

var (
	catalogTableRe = regexp.MustCompile(`^(pg_catalog\..*|information_schema\..*|pg_(class|namespace|type|attribute|attrdef|database|settings|roles|user|authid|auth_members|proc|tables|views|matviews|index|indexes|description|shdescription|am|policy|inherits|statistic_ext|publication|extension|constraint|collation|rewrite|trigger|tablespace|enum|range|sequence|sequences|operator|opclass|foreign_table|foreign_server|event_trigger|stat_activity|stat_user_tables|locks|available_extensions|timezone_names))$`)
	attrelidRe     = regexp.MustCompile(`(?i)\ba\.attrelid\s*=\s*'?(\d+)'?`)
	oidEqRe        = regexp.MustCompile(`(?i)\bc\.oid\s*=\s*'?(\d+)'?`)
	relnameRe      = regexp.MustCompile(`(?i)\brelname\s+operator\s*\(\s*pg_catalog\.~\s*\)\s*'((?:[^']|'')*)'`)
	relkindInRe    = regexp.MustCompile(`(?i)\brelkind\s+in\s*\(([^)]*)\)`)
	wordRe         = regexp.MustCompile(`[a-z_][a-z0-9_]*`)
	// gdescRe is psql's \gdesc: the columns' names and types, from a
	// VALUES list of names and type OIDs, through format_type.
	gdescRe = regexp.MustCompile(`^SELECT name AS "Column", pg_catalog\.format_type\(tp, tpm\) AS "Type"\s+FROM \(VALUES \(`)
)

// looksLikeCatalogQuery reports whether stmt reads Postgres system catalogs:
// whether its FROM clause (or a JOIN) names a pg_catalog or
// information_schema relation. Names in string literals, comments or the
// SELECT list do not count.
func looksLikeCatalogQuery(stmt string) bool {
	if gdescRe.MatchString(stmt) {
		return true
	}
	for _, rel := range fromRelations(stmt) {
		if catalogTableRe.MatchString(rel) {
			return true
		}
	}
	return false
}

// relkind is the pg_class relkind pgwire reports for a relation kind.
func relkind(k RelationKind) string {
	switch k {
	case RelView:
		return "m"
	case RelSystemView, RelPlainView:
		return "v"
	}
	return "r"
}

func relkindName(k RelationKind) string {
	switch k {
	case RelView:
		return "materialized view"
	case RelSystemView, RelPlainView:
		return "view"
	}
	return "table"
}

func tableType(k RelationKind) string {
	if k == RelSource {
		return "BASE TABLE"
	}
	return "VIEW"
}

// firstOID is the OID of the first relation (sorted by name); Postgres
// starts user OIDs there too.
const firstOID = 16384

// itemRule fills a SELECT item that names word.
type itemRule struct {
	word string
	val  func(r *Relation, col int) *string
}

func constVal(s string) func(*Relation, int) *string {
	return func(*Relation, int) *string { return sp(s) }
}

var nullVal = func(*Relation, int) *string { return nil }

func (c *conn) relations(ctx context.Context) []Relation {
	cat, ok := c.srv.eng.(Cataloger)
	if !ok {
		return nil
	}
	rels := append([]Relation(nil), cat.Relations(ctx)...)
	sort.SliceStable(rels, func(i, j int) bool { return rels[i].Name < rels[j].Name })
	return rels
}

// catalogQuery answers a catalog query.
func (c *conn) catalogQuery(ctx context.Context, stmt string) (Result, error) {
	if res, ok := jdbcTypeCache(stmt); ok {
		return res, nil
	}
	stmt = rewriteAttnumRowNumber(stmt)
	s, parsed := parseSelect(stmt)
	if parsed && len(s.from) <= 1 {
		res, err := c.evalCatalog(ctx, s, 0, nil)
		// psql's \d name columns query over pg_attribute alone has
		// subqueries that refer to it: its shape below answers it.
		shaped := err != nil && len(s.from) == 1 && strings.TrimPrefix(s.from[0].name, "pg_catalog.") == "pg_attribute"
		if !errors.Is(err, errNotCatalog) && !shaped {
			if err != nil {
				return nil, err
			}
			return res.result(), nil
		}
	}
	lower := strings.ToLower(stmt)
	items := selectItems(stmt)
	rels := c.relations(ctx)
	byOID := func(m []string) *Relation {
		if m == nil {
			return nil
		}
		n, err := strconv.Atoi(m[1])
		if err != nil || n < firstOID || n-firstOID >= len(rels) {
			return nil
		}
		return &rels[n-firstOID]
	}
	// The shapes below are psql's queries over pg_class (the relation its
	// FROM names first) and pg_attribute; \dT's query over pg_type also
	// reads pg_class, in a subquery, and lists no relation.
	if empty, ok := provablyEmpty(stmt); ok && empty {
		return fill(items, nil, nil), nil
	}
	main := mainRelation(stmt)
	fromClass := main == "pg_catalog.pg_class" && strings.Contains(lower, "pg_catalog.pg_class c")
	user := c.sess.User()
	switch {
	case main == "pg_catalog.pg_attribute" && strings.Contains(lower, "pg_catalog.pg_attribute a") && attrelidRe.MatchString(stmt):
		// psql \d name: the columns.
		r := byOID(attrelidRe.FindStringSubmatch(stmt))
		var targets []target
		if r != nil {
			for i := range r.Columns {
				targets = append(targets, target{r, i})
			}
		}
		return c.fillShape(ctx, stmt, s, parsed, items, targets, attributeRules, rels, true)
	case fromClass && oidEqRe.MatchString(stmt) && strings.Contains(lower, "relkind"):
		// psql \d name: the relation's flags.
		var targets []target
		if r := byOID(oidEqRe.FindStringSubmatch(stmt)); r != nil {
			targets = append(targets, target{r, -1})
		}
		return c.fillShape(ctx, stmt, s, parsed, items, targets, relInfoRules, rels, false)
	case fromClass && strings.Contains(lower, `as "name"`):
		// psql \d, \dt, \dv, \dm: the list of relations.
		targets := filterRelations(rels, stmt)
		return c.fillShape(ctx, stmt, s, parsed, items, targets, listRules(user), rels, false)
	case fromClass && relnameRe.MatchString(stmt):
		// psql \d name: look the name up.
		targets := filterRelations(rels, stmt)
		return c.fillShape(ctx, stmt, s, parsed, items, targets, lookupRules(rels), rels, false)
	case psqlUserObjects[strings.TrimPrefix(main, "pg_catalog.")] && psqlUserObjectsRe.MatchString(stmt) && !selectHasAggregate(stmt):
		// psql \dT, \df, \do, ...: the user-defined types, functions,
		// operators, ... outside pg_catalog and information_schema; weir
		// has none.
		return fill(items, nil, nil), nil
	}
	if parsed && c.userFunctionsEmpty(ctx, s) {
		return fill(items, nil, nil), nil
	}
	if parsed && len(s.from) > 1 {
		// A join none of psql's shapes is: evaluated (catalog_join.go).
		res, err := c.evalCatalog(ctx, s, 0, nil)
		if !errors.Is(err, errNotCatalog) {
			if err != nil {
				return nil, err
			}
			return res.result(), nil
		}
	}
	return nil, c.refuseCatalogQuery(ctx, stmt, s, parsed)
}

// psqlUserObjects are the catalogs of objects a user may define that weir
// has no user-defined ones of; psqlUserObjectsRe recognises psql's
// listings of those outside pg_catalog and information_schema.
var (
	psqlUserObjects = map[string]bool{
		"pg_type": true, "pg_proc": true, "pg_operator": true, "pg_collation": true,
		"pg_conversion": true, "pg_opclass": true, "pg_opfamily": true, "pg_aggregate": true,
		"pg_ts_config": true, "pg_ts_dict": true, "pg_ts_parser": true, "pg_ts_template": true,
	}
	psqlUserObjectsRe = regexp.MustCompile(`(?is)\bwhere\b.*\bn\.nspname\s*<>\s*'pg_catalog'\s+and\s+n\.nspname\s*<>\s*'information_schema'`)
)

// refuseCatalogQuery is the error for a catalog query the emulation does
// not evaluate: it names the relation and why.
func (c *conn) refuseCatalogQuery(ctx context.Context, stmt string, s *selectStmt, parsed bool) error {
	env := &evalEnv{c: c, ctx: ctx}
	var emulated, other []string
	for _, rel := range append([]string{mainRelation(stmt)}, fromRelations(stmt)...) {
		if rel == "" || slices.Contains(emulated, rel) || slices.Contains(other, rel) {
			continue
		}
		if c.catalogTable(ctx, rel) != nil {
			emulated = append(emulated, rel)
		} else if catalogTableRe.MatchString(rel) {
			other = append(other, rel)
		}
	}
	switch {
	case len(other) > 0:
		return refuse(env, -1, "%s is not emulated by weir's Postgres endpoint", other[0])
	case parsed && len(s.from) > 1 && len(emulated) > 0:
		return refuse(env, -1, "a join of the emulated catalog relation %s with a relation that is not one is not evaluated", emulated[0])
	}
	return refuse(env, -1, "this query over %s is not evaluated by weir's catalog emulation (UNION, window functions, RIGHT and FULL joins, DISTINCT ON and aggregates with DISTINCT or FILTER are not)", strings.Join(emulated, ", "))
}

// fillShape fills a psql shape's rows, filtered and ordered by the
// query's own WHERE and ORDER BY (shapeTargets), each item the value of
// its expression where pgwire evaluates it, else the shape's rule.
//
// When the query parses, the candidates are every relation of rels (every
// column, perColumn) and its WHERE alone decides: targets, which the
// shape picked by matching the text, are only for psql's unparsed query.
func (c *conn) fillShape(ctx context.Context, stmt string, s *selectStmt, parsed bool, items []string, targets []target, rules []itemRule, rels []Relation, perColumn bool) (Result, error) {
	if parsed {
		targets = nil
		for i := range rels {
			if !perColumn {
				targets = append(targets, target{&rels[i], -1})
				continue
			}
			for j := range rels[i].Columns {
				targets = append(targets, target{&rels[i], j})
			}
		}
	}
	targets, evalItem, err := c.shapeTargets(ctx, stmt, s, parsed, targets, rules)
	if err != nil {
		return nil, err
	}
	res := fill(items, targets, rules)
	if evalItem == nil || len(items) != len(s.items) {
		return res, nil
	}
	// An item the query's own expression evaluates is that value; the
	// shape's rule fills the others (sizes, access methods, ...).
	for i, t := range targets {
		for j := range items {
			v, ok := evalItem(j, t)
			if !ok {
				continue
			}
			if text, isText := textOut(v); isText && !v.null {
				res.rows[i][j] = Value{S: text}
			} else if v.null {
				res.rows[i][j] = Value{Null: true}
			}
		}
	}
	return res, nil
}

// target is one output row: a relation, and a column index for per-column
// queries (-1 otherwise).
type target struct {
	rel *Relation
	col int
}

func filterRelations(rels []Relation, stmt string) []target {
	var kinds map[string]bool
	if m := relkindInRe.FindStringSubmatch(stmt); m != nil {
		kinds = map[string]bool{}
		for _, q := range strings.Split(m[1], ",") {
			kinds[strings.Trim(strings.TrimSpace(q), "'")] = true
		}
	}
	var name *regexp.Regexp
	if m := relnameRe.FindStringSubmatch(stmt); m != nil {
		// weir's relation names are case-insensitive.
		re, err := regexp.Compile("(?i)" + strings.ReplaceAll(m[1], "''", "'"))
		if err != nil {
			return nil
		}
		name = re
	}
	var out []target
	for i := range rels {
		r := &rels[i]
		if kinds != nil && !kinds[relkind(r.Kind)] {
			continue
		}
		if name != nil && !name.MatchString(r.Name) {
			continue
		}
		out = append(out, target{r, -1})
	}
	return out
}

// fill builds the result: one row per target, one text column per item,
// named as Postgres would name it.
func fill(items []string, targets []target, rules []itemRule) *staticResult {
	names := make([]string, len(items))
	pick := make([]func(*Relation, int) *string, len(items))
	for i, item := range items {
		names[i] = itemName(item)
		if strings.EqualFold(strings.TrimSpace(item), "null") {
			names[i] = "?column?" // as PostgreSQL names SELECT NULL
		}
		pick[i] = ruleFor(item, rules)
	}
	rows := make([][]*string, len(targets))
	for i, t := range targets {
		row := make([]*string, len(items))
		for j := range items {
			row[j] = pick[j](t.rel, t.col)
		}
		rows[i] = row
	}
	return textRows(names, rows)
}

// ruleFor picks the rule for an item: by its alias first, then by the first
// rule whose word the item mentions; a bare literal is its own value. An
// item no rule fills is NULL (unknownItems refuses it where rows are
// filled).
func ruleFor(item string, rules []itemRule) func(*Relation, int) *string {
	f, _ := ruleOf(item, rules)
	return f
}

// ruleOf is ruleFor; ok is false when no rule fills the item.
func ruleOf(item string, rules []itemRule) (func(*Relation, int) *string, bool) {
	expr, alias, aliased := splitAlias(item)
	if !aliased {
		expr = item
	}
	if aliased {
		for _, r := range rules {
			if strings.EqualFold(r.word, alias) {
				return r.val, true
			}
		}
	}
	e := strings.TrimSpace(expr)
	if len(e) >= 2 && e[0] == '\'' && skipLiteral(e, 0) == len(e) {
		return constVal(strings.ReplaceAll(e[1:len(e)-1], "''", "'")), true
	}
	switch strings.ToLower(e) {
	case "false":
		return constVal("f"), true
	case "true":
		return constVal("t"), true
	}
	words := map[string]bool{}
	for _, w := range wordRe.FindAllString(strings.ToLower(e), -1) {
		words[w] = true
	}
	for _, r := range rules {
		if words[strings.ToLower(r.word)] {
			return r.val, true
		}
	}
	return nullVal, false
}

func relName(r *Relation, _ int) *string { return sp(r.Name) }
func colName(r *Relation, i int) *string { return sp(r.Columns[i].Name) }
func colType(r *Relation, i int) *string { return sp(pgTypeName(r.Columns[i].Type)) }

// lookupRules fill psql's name lookup: the OID is firstOID plus the
// relation's index in rels (sorted by name).
func lookupRules(rels []Relation) []itemRule {
	return []itemRule{
		{"nspname", constVal("public")},
		{"relname", relName},
		{"oid", func(r *Relation, _ int) *string {
			for i := range rels {
				if &rels[i] == r {
					return sp(strconv.Itoa(firstOID + i))
				}
			}
			return nil
		}},
	}
}

var relInfoRules = []itemRule{
	// psql's \sv name: the schema, name, kind and definition.
	{"pg_get_viewdef", func(r *Relation, _ int) *string {
		if v := viewDefinition(*r); !v.null {
			return sp(v.s)
		}
		return nil
	}},
	{"nspname", constVal("public")},
	{"relname", relName},
	{"checkoption", nullVal},
	{"reloftype", constVal("")},
	{"relchecks", constVal("0")},
	{"relkind", func(r *Relation, _ int) *string { return sp(relkind(r.Kind)) }},
	{"relhasindex", constVal("f")},
	{"relhasrules", constVal("f")},
	{"relhastriggers", constVal("f")},
	{"relrowsecurity", constVal("f")},
	{"relforcerowsecurity", constVal("f")},
	{"relhasoids", constVal("f")},
	{"relispartition", constVal("f")},
	{"reltablespace", constVal("0")},
	{"relpersistence", constVal("p")},
	{"relreplident", constVal("d")},
	{"amname", nullVal},
	{"reloptions", nullVal}, // weir relations have no storage options
}

var attributeRules = []itemRule{
	{"pg_get_expr", nullVal},
	{"collname", nullVal},
	{"attcollation", nullVal},
	{"col_description", nullVal},
	{"attname", colName},
	{"format_type", colType},
	{"attnotnull", constVal("f")},
	{"attidentity", constVal("")},
	{"attgenerated", constVal("")},
	{"attstorage", func(r *Relation, i int) *string {
		if typeOID(r.Columns[i].Type) == oidText {
			return sp("x") // extended, as PostgreSQL stores text
		}
		return sp("p")
	}},
	{"attstattarget", nullVal}, // psql 15 asks for NULL in place of the default -1
	{"attcompression", constVal("")},
	{"attnum", func(_ *Relation, i int) *string { return sp(strconv.Itoa(i + 1)) }},
}

func listRules(owner string) []itemRule {
	return []itemRule{
		{"Schema", constVal("public")},
		{"Name", relName},
		{"Type", func(r *Relation, _ int) *string { return sp(relkindName(r.Kind)) }},
		{"Owner", constVal(owner)},
		{"Persistence", constVal("permanent")},
		{"Access method", nullVal},
		{"Size", constVal("0 bytes")},
		{"Description", nullVal},
		// \dp: relations have default privileges (relacl NULL), no
		// column privileges and no policies.
		{"Access privileges", nullVal},
		{"Column privileges", constVal("")},
		{"Policies", constVal("")},
	}
}
