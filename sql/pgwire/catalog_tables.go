package pgwire

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/weirdb/weir/catalog"
)

// This file emulates whole catalog relations that clients query with
// ordinary SQL (information_schema.tables and .columns for Grafana's
// pickers, pg_database for psql's \l, pg_namespace for \dn, ...): a query
// whose FROM names one of them is evaluated over its rows. WHERE, ORDER BY,
// DISTINCT, LIMIT and OFFSET apply; a predicate pgwire cannot evaluate
// (a function it does not know, a joined relation's column) keeps the row,
// and such a SELECT item is NULL. Every output column is text.

// catalogTable is an emulated catalog relation: its column names and rows
// (each value typed as PostgreSQL types the column).
type catalogTable struct {
	cols []string
	rows [][]value
}

func (t *catalogTable) col(name string) int {
	for i, c := range t.cols {
		if c == name {
			return i
		}
	}
	return -1
}

// schema OIDs, as in PostgreSQL.
const (
	oidPgCatalog         = 11
	oidPublic            = 2200
	oidInformationSchema = 13000
)

func txt(s string) value { return value{t: tText, s: s} }

func nullText() value { return value{t: tText, null: true} }

func num(i int64) value { return value{t: tInt4, i: i} }

func boolean(b bool) value { return value{t: tBool, b: b} }

// colSpec splits a list of column names.
func colSpec(spec string) []string { return strings.Fields(spec) }

// catalogTable returns the emulated relation name (as written in FROM,
// lower-cased), or nil.
func (c *conn) catalogTable(ctx context.Context, name string) *catalogTable {
	name = strings.TrimPrefix(name, "pg_catalog.")
	db := c.sess.Database()
	user := c.sess.User()
	switch name {
	case "information_schema.tables":
		t := &catalogTable{cols: colSpec(`table_catalog table_schema table_name table_type
			self_referencing_column_name reference_generation user_defined_type_catalog
			user_defined_type_schema user_defined_type_name is_insertable_into is_typed commit_action`)}
		for _, r := range c.relations(ctx) {
			t.rows = append(t.rows, []value{txt(db), txt("public"), txt(r.Name), txt(tableType(r.Kind)),
				nullText(), nullText(), nullText(), nullText(), nullText(), txt("NO"), txt("NO"), nullText()})
		}
		return t
	case "information_schema.views":
		t := &catalogTable{cols: colSpec(`table_catalog table_schema table_name view_definition check_option
			is_updatable is_insertable_into is_trigger_updatable is_trigger_deletable is_trigger_insertable_into`)}
		for _, r := range c.relations(ctx) {
			if r.Kind == RelSource {
				continue
			}
			def := viewDefinition(r)
			t.rows = append(t.rows, []value{txt(db), txt("public"), txt(r.Name), def, txt("NONE"),
				txt("NO"), txt("NO"), txt("NO"), txt("NO"), txt("NO")})
		}
		return t
	case "information_schema.columns":
		t := &catalogTable{cols: colSpec(`table_catalog table_schema table_name column_name ordinal_position
			column_default is_nullable data_type character_maximum_length numeric_precision
			numeric_precision_radix numeric_scale datetime_precision udt_catalog udt_schema
			udt_name dtd_identifier is_updatable`)}
		for _, r := range c.relations(ctx) {
			for i, col := range r.Columns {
				prec, radix, scale, dtPrec := value{t: tInt4, null: true}, value{t: tInt4, null: true}, value{t: tInt4, null: true}, value{t: tInt4, null: true}
				switch typeOID(col.Type) {
				case oidInt8:
					prec, radix, scale = num(64), num(2), num(0)
				case oidFloat8:
					prec, radix = num(53), num(2)
				case oidTimestamptz:
					dtPrec = num(3)
				}
				t.rows = append(t.rows, []value{txt(db), txt("public"), txt(r.Name), txt(col.Name),
					num(int64(i + 1)), nullText(), txt("YES"), txt(pgTypeName(col.Type)), value{t: tInt4, null: true},
					prec, radix, scale, dtPrec, txt(db), txt("pg_catalog"), txt(udtName(col.Type)),
					txt(strconv.Itoa(i + 1)), txt("NO")})
			}
		}
		return t
	case "information_schema.schemata":
		t := &catalogTable{cols: colSpec(`catalog_name schema_name schema_owner default_character_set_catalog
			default_character_set_schema default_character_set_name sql_path`)}
		for _, s := range []string{"information_schema", "pg_catalog", "public"} {
			t.rows = append(t.rows, []value{txt(db), txt(s), txt(user), nullText(), nullText(), nullText(), nullText()})
		}
		return t
	case "pg_namespace":
		t := &catalogTable{cols: colSpec(`oid nspname nspowner nspacl`)}
		for _, n := range []struct {
			oid  int64
			name string
		}{{oidPgCatalog, "pg_catalog"}, {oidPublic, "public"}, {oidInformationSchema, "information_schema"}} {
			t.rows = append(t.rows, []value{{t: tOID, i: n.oid}, txt(n.name), {t: tOID, i: 10}, nullText()})
		}
		return t
	case "pg_database":
		t := &catalogTable{cols: colSpec(`oid datname datdba encoding datlocprovider datistemplate
			datallowconn datconnlimit dattablespace datcollate datctype daticulocale
			datcollversion datacl`)}
		names := []string{"weir"}
		if db != "weir" {
			names = append(names, db)
			sort.Strings(names)
		}
		for i, n := range names {
			t.rows = append(t.rows, []value{{t: tOID, i: int64(16300 + i)}, txt(n), {t: tOID, i: 10}, num(encodingUTF8),
				txt("c"), boolean(false), boolean(true), num(-1), {t: tOID, i: 1663}, txt("C"), txt("C"),
				nullText(), nullText(), nullText()})
		}
		return t
	case "pg_tables", "pg_views", "pg_matviews":
		var t *catalogTable
		switch name {
		case "pg_tables":
			t = &catalogTable{cols: colSpec(`schemaname tablename tableowner tablespace hasindexes hasrules hastriggers rowsecurity`)}
		case "pg_views":
			t = &catalogTable{cols: colSpec(`schemaname viewname viewowner definition`)}
		default:
			t = &catalogTable{cols: colSpec(`schemaname matviewname matviewowner tablespace hasindexes ispopulated definition`)}
		}
		for _, r := range c.relations(ctx) {
			def := viewDefinition(r)
			switch {
			case name == "pg_tables" && r.Kind == RelSource:
				t.rows = append(t.rows, []value{txt("public"), txt(r.Name), txt(user), nullText(), boolean(false), boolean(false), boolean(false), boolean(false)})
			case name == "pg_views" && (r.Kind == RelSystemView || r.Kind == RelPlainView):
				t.rows = append(t.rows, []value{txt("public"), txt(r.Name), txt(user), def})
			case name == "pg_matviews" && r.Kind == RelView:
				t.rows = append(t.rows, []value{txt("public"), txt(r.Name), txt(user), nullText(), boolean(false), boolean(true), def})
			}
		}
		return t
	case "pg_extension":
		return &catalogTable{cols: colSpec(`oid extname extowner extnamespace extrelocatable extversion extconfig extcondition`)}
	case "pg_settings":
		t := &catalogTable{cols: colSpec(`name setting unit category short_desc extra_desc context vartype source min_val max_val enumvals boot_val reset_val`)}
		for _, kv := range c.sess.allSettings() {
			boot := nullText()
			if v, ok := c.srv.defaults[kv[0]]; ok {
				boot = txt(v)
			}
			reset := nullText()
			if v, ok := c.defaults[kv[0]]; ok {
				reset = txt(v)
			}
			t.rows = append(t.rows, []value{txt(kv[0]), txt(kv[1]), nullText(), txt(""), txt(""), nullText(),
				txt("user"), txt("string"), txt("session"), nullText(), nullText(), nullText(), boot, reset})
		}
		return t
	}
	return nil
}

// udtName is information_schema's udt_name of a column type.
func udtName(t catalog.Type) string {
	switch typeOID(t) {
	case oidInt8:
		return "int8"
	case oidFloat8:
		return "float8"
	case oidBool:
		return "bool"
	case oidTimestamptz:
		return "timestamptz"
	}
	return "text"
}

// tableQuery evaluates s over the emulated relation t.
func (c *conn) tableQuery(ctx context.Context, s *selectStmt, t *catalogTable) (*staticResult, error) {
	main := s.from[0]
	alias := main.alias
	if alias == "" {
		alias = main.name[strings.LastIndexByte(main.name, '.')+1:]
	}
	var rowVals []value
	env := &evalEnv{c: c, ctx: ctx, row: func(parts []string) (value, bool) {
		switch {
		case len(parts) == 2 && parts[0] != alias, len(parts) == 3 && parts[0]+"."+parts[1] != main.name, len(parts) > 3:
			return value{}, false
		}
		i := t.col(parts[len(parts)-1])
		if i < 0 {
			return value{}, false
		}
		return rowVals[i], true
	}}
	// The output columns: * expands to the relation's columns.
	type outCol struct {
		name string
		x    expr
		col  int // for *: the column index
	}
	var outs []outCol
	for _, it := range s.items {
		if it.isStar {
			if it.star != "" && it.star != alias {
				if len(s.from) == 1 {
					return nil, errorf(codeUndefinedTable, "missing FROM-clause entry for table %q", it.star)
				}
				continue
			}
			for i, col := range t.cols {
				outs = append(outs, outCol{name: col, col: i})
			}
			continue
		}
		name := columnName(it.x)
		if it.aliased {
			name = it.alias
		}
		outs = append(outs, outCol{name: name, x: it.x, col: -1})
	}
	names := make([]string, len(outs))
	for i, o := range outs {
		names[i] = o.name
	}
	type outRow struct {
		vals []value
		keys []value
		ok   []bool // whether each key could be evaluated
	}
	var rows []outRow
	for _, r := range t.rows {
		rowVals = r
		if s.where != nil {
			tr, err := env.truth(s.where)
			if err != nil {
				return nil, err
			}
			if tr == triFalse || tr == triNull {
				continue
			}
		}
		or := outRow{vals: make([]value, len(outs))}
		for i, o := range outs {
			if o.x == nil {
				or.vals[i] = r[o.col]
				continue
			}
			v, err := env.eval(o.x)
			if errors.Is(err, errCannot) {
				v = nullText()
			} else if err != nil {
				return nil, err
			}
			or.vals[i] = v
		}
		for _, k := range s.orderBy {
			v, ok, err := orderValue(env, k.x, names, or.vals)
			if err != nil {
				return nil, err
			}
			or.keys = append(or.keys, v)
			or.ok = append(or.ok, ok)
		}
		rows = append(rows, or)
	}
	if s.distinct {
		seen := map[string]bool{}
		kept := rows[:0]
		for _, r := range rows {
			var b strings.Builder
			for _, v := range r.vals {
				s, _ := textOut(v)
				b.WriteString(strconv.FormatBool(v.null) + strconv.Itoa(len(s)) + ":" + s)
			}
			if !seen[b.String()] {
				seen[b.String()] = true
				kept = append(kept, r)
			}
		}
		rows = kept
	}
	if len(s.orderBy) > 0 {
		sort.SliceStable(rows, func(i, j int) bool {
			for k, key := range s.orderBy {
				if !rows[i].ok[k] || !rows[j].ok[k] {
					continue
				}
				a, b := rows[i].keys[k], rows[j].keys[k]
				var cmp int
				switch {
				case a.null && b.null:
				case a.null || b.null:
					// NULLs sort last ascending, first descending, unless
					// NULLS FIRST / LAST says otherwise.
					first := key.desc
					if key.nullsSet {
						first = key.nullsFirst
					}
					if a.null == first {
						return true
					}
					return false
				default:
					c, err := compare(a, b)
					if err != nil {
						continue
					}
					cmp = c
				}
				if cmp != 0 {
					return cmp < 0 != key.desc
				}
			}
			return false
		})
	}
	offset, limit := 0, -1
	for _, l := range []struct {
		x   expr
		dst *int
	}{{s.offset, &offset}, {s.limit, &limit}} {
		if l.x == nil {
			continue
		}
		v, err := env.eval(l.x)
		if err == nil {
			v, err = castTo(v, typeOf[tInt8], -1)
		}
		if err != nil || v.null || v.i < 0 {
			if errors.Is(err, errCannot) || err == nil {
				continue
			}
			return nil, err
		}
		*l.dst = int(min(v.i, int64(len(rows))))
	}
	rows = rows[min(offset, len(rows)):]
	if limit >= 0 && limit < len(rows) {
		rows = rows[:limit]
	}
	text := make([][]*string, len(rows))
	for i, r := range rows {
		text[i] = make([]*string, len(outs))
		for j, v := range r.vals {
			if s, ok := textOut(v); ok && !v.null {
				text[i][j] = sp(s)
			}
		}
	}
	return textRows(names, text), nil
}

// orderValue evaluates an ORDER BY key: an output position, an output
// column's name, or an expression over the row. ok is false when it cannot
// be evaluated (the key is then ignored).
func orderValue(env *evalEnv, x expr, names []string, vals []value) (value, bool, error) {
	if lit, isLit := x.(*litExpr); isLit && isInt(lit.v.t) {
		if lit.v.i < 1 || int(lit.v.i) > len(vals) {
			return value{}, false, errorf(codeInvalidColumnReference, "ORDER BY position %d is not in select list", lit.v.i)
		}
		return vals[lit.v.i-1], true, nil
	}
	if col, isCol := x.(*colExpr); isCol && len(col.parts) == 1 {
		for i, n := range names {
			if n == col.parts[0] {
				return vals[i], true, nil
			}
		}
	}
	v, err := env.eval(x)
	if errors.Is(err, errCannot) {
		return value{}, false, nil
	}
	return v, err == nil, err
}
