package planner

import (
	"strings"

	"github.com/weirdb/weir/sql"
)

// checkPartitionColumns checks that SESSION's PARTITION BY keys (Flink's
// SESSION(TABLE src PARTITION BY key, ...)) are columns of the TVF's
// input, each named once.
func checkPartitionColumns(tvf *sql.WindowTVF, in *rel) error {
	schema := in.schema()
	for i, c := range tvf.PartitionBy {
		if schema.Index(c.Name) < 0 {
			return errf(c.At, codeUndefinedColumn, "unknown column %q in SESSION's PARTITION BY%s", c.Name, didYouMean(c.Name, schema.Names()))
		}
		for _, d := range tvf.PartitionBy[:i] {
			if strings.EqualFold(d.Name, c.Name) {
				return errf(c.At, codeDuplicateColumn, "PARTITION BY names %s twice", c.Name)
			}
		}
	}
	return nil
}

// checkPartitionBy checks, for a SESSION written with PARTITION BY, that
// the GROUP BY keys besides window_start and window_end are exactly the
// PARTITION BY keys (in any order): a session is per PARTITION BY key, so
// a GROUP BY key outside it, or a PARTITION BY key that GROUP BY leaves
// out, would make the sessions of one key and the groups of the query
// disagree. keys are the GROUP BY expressions besides the window columns.
func checkPartitionBy(tvf *sql.WindowTVF, keys []sql.Expr) error {
	part := tvf.PartitionBy
	if len(part) == 0 {
		return nil
	}
	names := make([]string, len(part))
	for i, c := range part {
		names[i] = c.Name
	}
	list := strings.Join(names, ", ")
	inPart := func(name string) bool {
		for _, n := range names {
			if strings.EqualFold(n, name) {
				return true
			}
		}
		return false
	}
	for _, g := range keys {
		if c, ok := g.(*sql.ColumnRef); !ok || !inPart(c.Name) {
			return errf(g.ExprPos(), codeGrouping,
				"GROUP BY key %s is not a PARTITION BY key of SESSION (PARTITION BY %s): with PARTITION BY, GROUP BY must list window_start and/or window_end and exactly the PARTITION BY keys",
				sql.Format(g), list)
		}
	}
	for _, c := range part {
		found := false
		for _, g := range keys {
			if r, ok := g.(*sql.ColumnRef); ok && strings.EqualFold(r.Name, c.Name) {
				found = true
				break
			}
		}
		if !found {
			return errf(c.At, codeGrouping,
				"PARTITION BY key %s is not in GROUP BY: with PARTITION BY, GROUP BY must list window_start and/or window_end and exactly the PARTITION BY keys (GROUP BY window_start, window_end, %s)",
				c.Name, list)
		}
	}
	return nil
}
