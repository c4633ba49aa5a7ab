package planner

import (
	"strings"

	"github.com/weirdb/weir/catalog"
)

// scope is what an expression can name: the columns of the relation it is
// evaluated over.
type scope struct {
	cols catalog.Schema
	// tables are the names a qualified column (t.col) may use; empty when
	// the relation has no name (a subquery without alias).
	tables []string
	// clause names where the expression sits ("WHERE", "GROUP BY", ...),
	// for "aggregate functions are not allowed in ..." errors.
	clause string
	// windowed: window_start and window_end exist after aggregation (the
	// FROM item is a window TVF), so naming them here gets a clear error.
	windowed bool

	// Post-aggregation scopes: subst maps the canonical text of each GROUP
	// BY key and aggregate call to its column; pre is the input scope,
	// whose other columns are "not grouped" rather than unknown.
	subst map[string]int
	pre   *scope
}

// hasTable reports whether t names the scope's relation.
func (s *scope) hasTable(t string) bool {
	for _, n := range s.tables {
		if strings.EqualFold(n, t) {
			return true
		}
	}
	return false
}

// isWindowCol reports whether name is window_start or window_end.
func isWindowCol(name string) bool {
	return strings.EqualFold(name, "window_start") || strings.EqualFold(name, "window_end")
}
