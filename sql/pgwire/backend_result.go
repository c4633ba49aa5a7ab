package pgwire

import (
	"strconv"
	"strings"

	"github.com/weirdb/weir/sql"
)

// This file is what pgwire changes in the engine's answer so that a client
// sees what PostgreSQL sends: the output column names of a SELECT and the
// command tag of CREATE and DROP.

// wireResult is an engine Result with the columns and the command tag
// PostgreSQL would report.
type wireResult struct {
	Result
	cols []Column // nil: the Result's own
	verb string   // "": the Result's own tag; else see pgTag
}

func (r *wireResult) Columns() []Column {
	if r.cols != nil {
		return r.cols
	}
	return r.Result.Columns()
}

func (r *wireResult) Tag() string { return pgTag(r.Result.Tag(), r.verb) }

// Streaming forwards the Result's Streamer ability.
func (r *wireResult) Streaming() bool {
	s, ok := r.Result.(Streamer)
	return ok && s.Streaming()
}

// asWire returns res with PostgreSQL's column names and command tag for
// stmt, or res itself when they are the engine's.
func asWire(stmt string, res Result) Result {
	verb := createDropVerb(stmt)
	cols := wireColumns(stmt, res.Columns())
	if verb == "" && cols == nil {
		return res
	}
	return &wireResult{Result: res, cols: cols, verb: verb}
}

// asWireColumns is asWire for a statement's described columns.
func asWireColumns(stmt string, cols []Column) []Column {
	if out := wireColumns(stmt, cols); out != nil {
		return out
	}
	return cols
}

// createDropVerb returns the command tag PostgreSQL gives a CREATE or
// DROP of a table or a (materialized) view: the statement's own words
// (weir's CREATE TABLE is a source, but the client wrote TABLE). It is ""
// for any other statement.
func createDropVerb(stmt string) string {
	w := leadingWords(stmt, 3)
	if len(w) < 2 || w[0] != "create" && w[0] != "drop" {
		return ""
	}
	switch {
	case w[1] == "table" || w[1] == "view":
		return strings.ToUpper(w[0] + " " + w[1])
	case w[1] == "materialized" && len(w) == 3 && w[2] == "view":
		return strings.ToUpper(w[0]) + " MATERIALIZED VIEW"
	}
	return ""
}

// pgTag is the engine's tag, or verb when the engine's is a tag of the
// same command (CREATE or DROP) for another kind of object.
func pgTag(tag, verb string) string {
	if verb == "" {
		return tag
	}
	cmd, _, _ := strings.Cut(verb, " ")
	if strings.HasPrefix(tag, cmd+" ") {
		return verb
	}
	return tag
}

// wireColumns returns the columns of a SELECT named as PostgreSQL names
// them, or nil when they need no change. The engine makes every output
// name unique (suffixing _2, _3: they are JSON keys in weir run) and names
// an expression it rewrote (now() read as the statement time) ?column?;
// PostgreSQL repeats names and names a call by its function.
//
// The names are pgwire's (columnName, PostgreSQL's rules) when its parser
// reads the statement; without FROM every column then gets them. Otherwise
// (a FROM, or a statement only the engine parses) a column is renamed
// only when the engine's name is ?column? or the PostgreSQL name made
// unique, so a column keeps the relation's spelling.
func wireColumns(stmt string, cols []Column) []Column {
	if len(cols) == 0 {
		return nil
	}
	if w := leadingWords(stmt, 1); len(w) == 0 || w[0] != "select" {
		return nil
	}
	names, exact := pgColumnNames(stmt)
	if len(names) != len(cols) {
		return nil
	}
	var out []Column
	for i, name := range names {
		have := cols[i].Name
		if name == "" || name == have {
			continue
		}
		if !exact {
			switch {
			case isDedupOf(have, "?column?"):
			case strings.EqualFold(have, name):
				continue
			case isDedupOf(have, name):
				name = have[:len(name)]
			default:
				continue
			}
		}
		if out == nil {
			out = append([]Column(nil), cols...)
		}
		out[i].Name = name
	}
	return out
}

// pgColumnNames returns the names PostgreSQL gives the items of the SELECT
// stmt ("" where not known). exact is set when they are all known and
// stmt has no FROM.
func pgColumnNames(stmt string) (names []string, exact bool) {
	if s, ok := parseSelect(stmt); ok {
		for _, it := range s.items {
			if it.isStar {
				return nil, false
			}
			name := it.alias
			if !it.aliased {
				name = columnName(it.x)
			}
			names = append(names, name)
		}
		return names, len(s.from) == 0
	}
	stmts, err := sql.Parse(stmt)
	if err != nil || len(stmts) != 1 {
		return nil, false
	}
	sel, ok := stmts[0].(*sql.SelectStmt)
	if !ok || sel.Query == nil || len(sel.Query.Selects) == 0 {
		return nil, false
	}
	for _, it := range sel.Query.Selects[0].Items {
		if it.Star {
			return nil, false
		}
		name := it.Alias
		if name == "" {
			name = engineItemName(it.Expr)
		}
		names = append(names, name)
	}
	return names, false
}

// engineItemName is the name PostgreSQL gives an expression of the
// engine's syntax tree, where the tree tells it for sure: a function call
// is named by its function, an operator or a plain constant ?column?. It
// is "" for anything else (a cast's name is its type as written, which the
// tree does not keep).
func engineItemName(e sql.Expr) string {
	if c, ok := e.(*sql.Cast); ok {
		if _, ok := c.X.(*sql.Func); !ok {
			return ""
		}
		e = c.X
	}
	switch x := e.(type) {
	case *sql.Func:
		if x.Name == "trim" {
			return "btrim" // what PostgreSQL calls TRIM(...)
		}
		return strings.ToLower(x.Name)
	case *sql.Binary, *sql.Unary, *sql.IsNull, *sql.IsTruth, *sql.In, *sql.Between, *sql.Like, *sql.Regex:
		return "?column?"
	case *sql.Literal:
		if x.Kind == sql.LitInterval {
			return "interval"
		}
		return "?column?"
	}
	return ""
}

// isDedupOf reports whether have is base, or base made unique by the
// engine (base_2, base_3, ...), in any case.
func isDedupOf(have, base string) bool {
	if strings.EqualFold(have, base) {
		return true
	}
	if len(have) <= len(base)+1 || !strings.EqualFold(have[:len(base)], base) || have[len(base)] != '_' {
		return false
	}
	n, err := strconv.Atoi(have[len(base)+1:])
	return err == nil && n >= 2
}
