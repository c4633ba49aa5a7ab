package postgres

import (
	"fmt"
	"hash/fnv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/weirdb/weir/catalog"
)

// pgType maps a weir type to the column type of the sink table:
// BIGINT → bigint, DOUBLE → double precision, VARCHAR → text,
// BOOLEAN → boolean, TIMESTAMP → timestamptz.
func pgType(t catalog.Type) (string, error) {
	switch t {
	case catalog.Bigint:
		return "bigint", nil
	case catalog.Double:
		return "double precision", nil
	case catalog.Varchar:
		return "text", nil
	case catalog.Boolean:
		return "boolean", nil
	case catalog.Timestamp:
		return "timestamptz", nil
	}
	return "", fmt.Errorf("column type %s has no PostgreSQL mapping", t)
}

// quote quotes a (possibly schema-qualified "schema.table") identifier.
func quote(name string) string {
	parts := strings.Split(name, ".")
	return pgx.Identifier(parts).Sanitize()
}

// ident quotes one identifier.
func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

// CheckpointTable is the table that records, per sink, the id of the
// last checkpoint whose rows were committed, in the same transaction as
// those rows.
const CheckpointTable = "weir_sink_checkpoints"

// DDL returns the statements that create the sink's table, its upsert
// index and the checkpoint table if absent:
//
//	CREATE TABLE IF NOT EXISTS <table> (<column> <type>, ..., _emit text);
//	CREATE UNIQUE INDEX IF NOT EXISTS <table>_weir_upsert
//	    ON <table> (<conflict columns>) NULLS NOT DISTINCT;
//	CREATE TABLE IF NOT EXISTS weir_sink_checkpoints
//	    (sink text PRIMARY KEY, checkpoint_id bigint NOT NULL);
//
// The conflict columns are window_start and window_end (when the schema
// has them) and the group keys. A primary key cannot hold the NULL group
// key that SQL GROUP BY produces, so the upsert target is a unique index
// with NULLS NOT DISTINCT (PostgreSQL 15 or later): a NULL key is one
// group, as in weir's results. With no conflict column there is no index
// and rows are appended.
func (s *Sink) DDL() []string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s (", quote(s.table))
	for _, c := range s.schema {
		t, _ := pgType(c.Type)
		fmt.Fprintf(&b, "%s %s, ", ident(c.Name), t)
	}
	b.WriteString("_emit text)")
	out := []string{b.String()}
	if len(s.conflict) > 0 {
		cols := make([]string, len(s.conflict))
		for i, c := range s.conflict {
			cols[i] = ident(s.schema[c].Name)
		}
		out = append(out, fmt.Sprintf("CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (%s) NULLS NOT DISTINCT",
			ident(indexName(s.table)), quote(s.table), strings.Join(cols, ", ")))
	}
	out = append(out, "CREATE TABLE IF NOT EXISTS "+CheckpointTable+" (sink text PRIMARY KEY, checkpoint_id bigint NOT NULL)")
	return out
}

// maxIdentLen is PostgreSQL's identifier length (NAMEDATALEN − 1 bytes);
// longer names are truncated.
const maxIdentLen = 63

// indexName is the name of the upsert index of table: <table>_weir_upsert
// (the table without its schema). When that is longer than PostgreSQL
// keeps, the table part is cut and a hash of the whole name added, so
// that the truncated name is neither the table's own (CREATE INDEX IF NOT
// EXISTS would then silently create nothing) nor another table's index.
func indexName(table string) string {
	if i := strings.LastIndexByte(table, '.'); i >= 0 {
		table = table[i+1:]
	}
	const suffix = "_weir_upsert"
	if len(table)+len(suffix) <= maxIdentLen {
		return table + suffix
	}
	h := fnv.New32a()
	h.Write([]byte(table))
	tag := fmt.Sprintf("_%08x", h.Sum32())
	cut := maxIdentLen - len(suffix) - len(tag)
	for cut > 0 && !utf8.RuneStart(table[cut]) {
		cut--
	}
	return table[:cut] + tag + suffix
}

// upsertSQL builds the statement that inserts the rows given as one array
// parameter per column:
//
//	INSERT INTO t (c1, ..., _emit) SELECT * FROM unnest($1::bigint[], ...)
//	ON CONFLICT (window_start, window_end, keys...) DO UPDATE SET c = EXCLUDED.c, ...
func (s *Sink) upsertSQL() string {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (", quote(s.table))
	for _, c := range s.schema {
		b.WriteString(ident(c.Name) + ", ")
	}
	b.WriteString("_emit) SELECT * FROM unnest(")
	for i, c := range s.schema {
		t, _ := pgType(c.Type)
		fmt.Fprintf(&b, "$%d::%s[], ", i+1, t)
	}
	fmt.Fprintf(&b, "$%d::text[])", len(s.schema)+1)
	if len(s.conflict) == 0 {
		return b.String()
	}
	b.WriteString(" ON CONFLICT (")
	inConflict := make(map[int]bool)
	for i, c := range s.conflict {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(ident(s.schema[c].Name))
		inConflict[c] = true
	}
	b.WriteString(") DO UPDATE SET ")
	first := true
	for i, c := range s.schema {
		if inConflict[i] {
			continue
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		fmt.Fprintf(&b, "%s = EXCLUDED.%s", ident(c.Name), ident(c.Name))
	}
	if !first {
		b.WriteString(", ")
	}
	b.WriteString("_emit = EXCLUDED._emit")
	return b.String()
}
