package pgwire

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/weirdb/weir/catalog"
)

// This file emulates whole catalog relations that clients query with
// ordinary SQL (information_schema.tables and .columns for Grafana's
// pickers, pg_database for psql's \l, pg_namespace for \dn, ...): a query
// whose FROM names one of them is evaluated over its rows. WHERE, ORDER BY,
// DISTINCT, LIMIT and OFFSET apply, and so do GROUP BY, HAVING and
// aggregates (catalog_eval.go); what cannot be evaluated is an error, never
// a guessed value. count() columns are bigint, every other column text.

// catalogTable is an emulated catalog relation: its column names and rows
// (each value typed as PostgreSQL types the column).
type catalogTable struct {
	cols []string
	rows [][]value
	// anyCols: an always-empty relation whose columns are not listed; any
	// column name resolves (to NULL).
	anyCols bool
}

// emptyCatalogs are the catalogs that hold nothing for weir's relations
// (no inheritance, policies, extended statistics, publications, triggers,
// sequences, ...): a query over one is evaluated over no rows.
var emptyCatalogs = map[string]bool{
	"pg_inherits": true, "pg_policy": true, "pg_statistic_ext": true, "pg_publication": true,
	"pg_publication_rel": true, "pg_publication_namespace": true, "pg_trigger": true,
	"pg_event_trigger": true, "pg_foreign_table": true, "pg_foreign_server": true,
	"pg_foreign_data_wrapper": true, "pg_sequence": true, "pg_sequences": true,
	"pg_partitioned_table": true, "pg_subscription": true, "pg_enum": true,
	"pg_auth_members":    true, // no role is a member of another
	"pg_db_role_setting": true, // no role has settings of its own
	"pg_extension":       true, // its own catalogTable, but empty too
	"pg_description":     true, // no comments
	"pg_attrdef":         true, // no column defaults
	"pg_index":           true, // no indexes
	"pg_constraint":      true, // no keys or checks
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

// tablespace OIDs, as in PostgreSQL.
const (
	oidPgDefault = 1663
	oidPgGlobal  = 1664
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
	case "pg_class":
		t := &catalogTable{cols: colSpec(`oid relname relnamespace reltype reloftype relowner relam
			relfilenode reltablespace relpages relallvisible reltoastrelid relhasindex relisshared
			relpersistence relkind relnatts relchecks relhasrules relhastriggers relhassubclass
			relrowsecurity relforcerowsecurity relispopulated relreplident relispartition relacl
			reloptions`)}
		for i, r := range c.relations(ctx) {
			// PostgreSQL gives tables and materialized views replica
			// identity default, views nothing.
			replident := "d"
			if r.Kind == RelSystemView || r.Kind == RelPlainView {
				replident = "n"
			}
			t.rows = append(t.rows, []value{{t: tOID, i: int64(firstOID + i)}, txt(r.Name), {t: tOID, i: oidPublic},
				{t: tOID}, {t: tOID}, {t: tOID, i: 10}, {t: tOID}, {t: tOID}, {t: tOID}, num(0), num(0), {t: tOID},
				boolean(false), boolean(false), txt("p"), txt(relkind(r.Kind)), {t: tInt2, i: int64(len(r.Columns))},
				{t: tInt2}, boolean(false), boolean(false), boolean(false), boolean(false), boolean(false),
				boolean(true), txt(replident), boolean(false),
				{t: tTextArray, null: true}, // default privileges, as \dp shows them
				{t: tTextArray, null: true}})
		}
		return t
	case "pg_attribute":
		return c.attributeTable(ctx)
	case "pg_roles":
		return c.rolesTable()
	case "pg_tablespace":
		t := &catalogTable{cols: colSpec(`oid spcname spcowner spcacl spcoptions`)}
		t.rows = [][]value{
			{{t: tOID, i: oidPgDefault}, txt("pg_default"), {t: tOID, i: 10}, nullText(), {t: tTextArray, null: true}},
			{{t: tOID, i: oidPgGlobal}, txt("pg_global"), {t: tOID, i: 10}, nullText(), {t: tTextArray, null: true}},
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
		// PostgreSQL's compiled-in limit on index keys, which JDBC's
		// getImportedKeys and getExportedKeys read; weir has no indexes.
		if !slices.ContainsFunc(t.rows, func(r []value) bool { return r[0].s == "max_index_keys" }) {
			t.rows = append(t.rows, []value{txt("max_index_keys"), txt("32"), nullText(), txt("Preset Options"),
				txt("Shows the maximum number of index keys."), nullText(), txt("internal"), txt("integer"),
				txt("default"), txt("32"), txt("32"), nullText(), txt("32"), txt("32")})
		}
		return t
	}
	if emptyCatalogs[name] {
		return &catalogTable{anyCols: true}
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

// rolesTable is pg_roles: the users configured for SCRAM-SHA-256 and the
// session's user (under trust auth a loopback client may connect as any
// name), in name order. The session's user has OID 10, as the owner
// every other emulated catalog names; the configured users have OIDs from
// firstRoleOID in name order. No role is a superuser (the session reports
// is_superuser off) or has any other attribute: every role can log in,
// inherits, and has no connection limit, expiry or settings.
func (c *conn) rolesTable() *catalogTable {
	t := &catalogTable{cols: colSpec(`rolname rolsuper rolinherit rolcreaterole rolcreatedb
		rolcanlogin rolreplication rolconnlimit rolpassword rolvaliduntil rolbypassrls rolconfig oid`)}
	user := c.sess.User()
	var names []string
	for _, u := range c.srv.cfg.Users {
		if !slices.Contains(names, u.Name) {
			names = append(names, u.Name)
		}
	}
	sort.Strings(names)
	oids := map[string]int64{}
	for i, n := range names {
		oids[n] = int64(firstRoleOID + i)
	}
	if !slices.Contains(names, user) {
		names = append(names, user)
		sort.Strings(names)
	}
	oids[user] = 10
	for _, n := range names {
		t.rows = append(t.rows, []value{txt(n), boolean(false), boolean(true), boolean(false), boolean(false),
			boolean(true), boolean(false), num(-1), txt("********"), {t: tTimestamptz, null: true},
			boolean(false), {t: tTextArray, null: true}, {t: tOID, i: oids[n]}})
	}
	return t
}

// firstRoleOID is the OID of the first configured user (by name) other
// than the session's.
const firstRoleOID = 16200

// attributeTable is pg_attribute: each relation's columns, numbered from
// 1 in order (no system columns, none dropped).
func (c *conn) attributeTable(ctx context.Context) *catalogTable {
	t := &catalogTable{cols: colSpec(`attrelid attname atttypid attstattarget attlen attnum attndims
		attcacheoff atttypmod attbyval attalign attstorage attcompression attnotnull atthasdef
		atthasmissing attidentity attgenerated attisdropped attislocal attinhcount attcollation
		attacl attoptions attfdwoptions`)}
	for i, r := range c.relations(ctx) {
		for j, col := range r.Columns {
			ty := pgTypeOf(typeOID(col.Type))
			t.rows = append(t.rows, []value{{t: tOID, i: int64(firstOID + i)}, txt(col.Name),
				{t: tOID, i: ty.oid}, num(-1), {t: tInt2, i: ty.len}, {t: tInt2, i: int64(j + 1)}, num(0),
				num(-1), num(-1), boolean(ty.byval), txt(ty.align), txt(ty.storage), txt(""), boolean(false),
				boolean(false), boolean(false), txt(""), txt(""), boolean(false), boolean(true), num(0),
				{t: tOID, i: ty.collation}, {t: tTextArray, null: true}, {t: tTextArray, null: true},
				{t: tTextArray, null: true}})
		}
	}
	return t
}

// pgType is a pg_type row of a type weir's columns have.
type pgType struct {
	oid       int64
	name      string
	len       int64
	byval     bool
	category  string
	preferred bool
	align     string
	storage   string
	array     int64
	collation int64
}

// weirTypes are the types of weir's columns (BOOLEAN, BIGINT, DOUBLE,
// VARCHAR, TIMESTAMP), as PostgreSQL's pg_type has them.
var weirTypes = []pgType{
	{oidBool, "bool", 1, true, "B", true, "c", "p", 1000, 0},
	{oidInt8, "int8", 8, true, "N", false, "d", "p", 1016, 0},
	{oidText, "text", -1, false, "S", true, "i", "x", 1009, 100},
	{oidFloat8, "float8", 8, true, "N", true, "d", "p", 1022, 0},
	{oidTimestamptz, "timestamptz", 8, true, "D", true, "d", "p", 1185, 0},
}

func pgTypeOf(oid uint32) pgType {
	for _, t := range weirTypes {
		if t.oid == int64(oid) {
			return t
		}
	}
	return weirTypes[2]
}

// typeTable is pg_type's rows for the types of weir's columns, in OID
// order. It is read only joined to another relation (fromSource), as
// JDBC's getColumns joins pg_attribute to it: alone it would miss
// PostgreSQL's other built-in types.
func typeTable() *catalogTable {
	t := &catalogTable{cols: colSpec(`oid typname typnamespace typowner typlen typbyval typtype
		typcategory typispreferred typisdefined typdelim typrelid typelem typarray typnotnull
		typbasetype typtypmod typndims typcollation typdefault typacl`)}
	for _, ty := range weirTypes {
		t.rows = append(t.rows, []value{{t: tOID, i: ty.oid}, txt(ty.name), {t: tOID, i: oidPgCatalog},
			{t: tOID, i: 10}, {t: tInt2, i: ty.len}, boolean(ty.byval), txt("b"), txt(ty.category),
			boolean(ty.preferred), boolean(true), txt(","), {t: tOID}, {t: tOID}, {t: tOID, i: ty.array},
			boolean(false), {t: tOID}, num(-1), num(0), {t: tOID, i: ty.collation}, nullText(),
			{t: tTextArray, null: true}})
	}
	return t
}
