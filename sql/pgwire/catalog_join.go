package pgwire

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
)

// This file builds the rows a catalog SELECT reads from its FROM list:
// one emulated relation, a derived table ((SELECT ...) alias, evaluated
// first), or a join of them. Joins are evaluated as PostgreSQL defines
// them, left to right: a FROM-list comma and CROSS JOIN pair every row
// with every row, [INNER] JOIN keeps the pairs its ON holds for, LEFT JOIN
// also keeps a left row no right row matches, with NULLs. RIGHT, FULL and
// NATURAL joins and USING are refused. This answers what JDBC's
// DatabaseMetaData (getTables, getColumns, ...) and tools built on it
// (DBeaver, DataGrip) send.

// srcPart is one relation of a joined source: its columns start at off in
// the joined row.
type srcPart struct {
	t     *catalogTable
	name  string // as written in FROM ("" for a derived table)
	alias string
	off   int
}

// resolveJoined finds a column reference in a joined source: its index in
// the joined row (-1 for a column of a relation whose columns are not
// listed, NULL) and how many relations have it (0: none, 2 or more:
// ambiguous). A relation that lists its columns is preferred to one that
// does not.
func (src *catalogSource) resolveJoined(parts []string) (idx, n int) {
	if src.parts == nil {
		return 0, 0
	}
	col := parts[len(parts)-1]
	anyMatch := false
	for _, p := range src.parts {
		switch {
		case len(parts) == 2 && parts[0] != p.alias,
			len(parts) == 3 && parts[0]+"."+parts[1] != p.name,
			len(parts) > 3:
			continue
		}
		if p.t.anyCols {
			anyMatch = true
			continue
		}
		if i := p.t.col(col); i >= 0 {
			idx, n = p.off+i, n+1
		}
	}
	if n == 0 && anyMatch {
		return -1, 1
	}
	return idx, n
}

// fromSource builds the relation s reads. errNotCatalog: its first
// relation is not an emulated one.
func (c *conn) fromSource(env *evalEnv, s *selectStmt) (*catalogSource, error) {
	if len(s.from) == 1 && s.from[0].sub == "" && s.from[0].values == nil {
		main := s.from[0]
		t := c.catalogTable(env.ctx, main.name)
		if t == nil {
			return nil, errNotCatalog
		}
		src := &catalogSource{t: t, name: main.name, alias: main.alias}
		if src.alias == "" {
			src.alias = main.name[strings.LastIndexByte(main.name, '.')+1:]
		}
		return src, nil
	}
	joined := &catalogSource{t: &catalogTable{}, parts: []srcPart{}}
	var names []string
	var cur []value
	env.row = func(parts []string) (value, bool) {
		i, n := joined.resolveJoined(parts)
		if n != 1 {
			return value{}, false
		}
		if i < 0 || cur == nil {
			return nullText(), true
		}
		return cur[i], true
	}
	defer func() { env.row = nil }()
	for k, f := range s.from {
		part := srcPart{name: f.name, alias: f.alias, off: len(joined.t.cols)}
		switch {
		case f.sub != "" || f.values != nil:
			t, err := c.derivedTable(env, f)
			if err != nil {
				return nil, err
			}
			part.t = t
			names = append(names, "a subquery in FROM")
		default:
			part.t = c.catalogTable(env.ctx, f.name)
			if part.t == nil && k > 0 && strings.TrimPrefix(f.name, "pg_catalog.") == "pg_type" {
				part.t = typeTable()
			}
			if part.t == nil {
				switch {
				case k == 0:
					return nil, errNotCatalog
				case catalogTableRe.MatchString(f.name):
					return nil, refuse(env, -1, "%s is not emulated by weir's Postgres endpoint", f.name)
				}
				return nil, refuse(env, -1, "a join of the emulated catalogs with %s is not evaluated", f.name)
			}
			if part.alias == "" {
				part.alias = f.name[strings.LastIndexByte(f.name, '.')+1:]
			}
			names = append(names, f.name)
		}
		if part.t.anyCols {
			joined.starless = true
		}
		width := len(part.t.cols)
		nulls := make([]value, width)
		for i := range nulls {
			nulls[i] = nullText()
			if len(part.t.rows) > 0 {
				nulls[i].t = part.t.rows[0][i].t
			}
		}
		joined.parts = append(joined.parts, part)
		joined.t.cols = append(joined.t.cols, part.t.cols...)
		if k == 0 {
			for _, r := range part.t.rows {
				joined.t.rows = append(joined.t.rows, append([]value(nil), r...))
			}
			continue
		}
		switch f.join {
		case ",", "cross", "join", "left":
		default:
			return nil, refuse(env, -1, "%s JOIN over the emulated catalogs is not evaluated (only comma, CROSS, INNER and LEFT joins are)", strings.ToUpper(f.join))
		}
		if f.on == nil && (f.join == "join" || f.join == "left") {
			return nil, refuse(env, -1, "JOIN ... USING over the emulated catalogs is not evaluated; write ON")
		}
		var rows [][]value
		for _, l := range joined.t.rows {
			matched := false
			for _, r := range part.t.rows {
				row := append(append(make([]value, 0, len(l)+width), l...), r...)
				if f.on != nil {
					cur = row
					tr, err := env.truth(f.on)
					if err != nil {
						return nil, err
					}
					if tr == triCannot {
						return nil, env.cannot(f.on, "a JOIN's ON")
					}
					if tr != triTrue {
						continue
					}
				}
				matched = true
				rows = append(rows, row)
			}
			if !matched && f.join == "left" {
				rows = append(rows, append(append(make([]value, 0, len(l)+width), l...), nulls...))
			}
		}
		joined.t.rows = rows
	}
	joined.name = strings.Join(names, ", ")
	return joined, nil
}

// derivedTable evaluates a subquery or VALUES list in FROM to the
// relation it reads as, its columns renamed by the alias's list.
func (c *conn) derivedTable(env *evalEnv, f fromRel) (*catalogTable, error) {
	t := &catalogTable{}
	if f.values != nil {
		// VALUES (psql's \gdesc): constant rows, columns column1, ...
		saved := env.row
		env.row = nil
		defer func() { env.row = saved }()
		for _, row := range f.values {
			vals := make([]value, len(row))
			for i, x := range row {
				v, err := env.eval(x)
				if errors.Is(err, errCannot) {
					return nil, env.cannot(x, "VALUES")
				}
				if err != nil {
					return nil, err
				}
				vals[i] = v
			}
			t.rows = append(t.rows, vals)
		}
		for i := range f.values[0] {
			t.cols = append(t.cols, "column"+strconv.Itoa(i+1))
		}
	} else {
		sub, ok := parseSelect(rewriteAttnumRowNumber(f.sub))
		if !ok {
			return nil, refuse(env, -1, "a subquery in FROM that weir's catalog emulation does not parse is not evaluated: (%s)", abbreviate(f.sub))
		}
		res, err := c.evalCatalog(env.ctx, sub, env.depth+1, env.subs)
		if err != nil {
			return nil, err
		}
		t.cols, t.rows = res.names, res.rows
	}
	if len(f.cols) > len(t.cols) {
		return nil, env.at(-1, codeSyntaxError, "table %q has %d columns available but %d columns specified", f.alias, len(t.cols), len(f.cols))
	}
	t.cols = append(append([]string(nil), f.cols...), t.cols[len(f.cols):]...)
	return t, nil
}

// attnumRowNumberRe is the window JDBC's getColumns numbers a relation's
// columns with, skipping dropped ones.
var attnumRowNumberRe = regexp.MustCompile(`(?i)\brow_number\s*\(\s*\)\s+over\s*\(\s*partition\s+by\s+([a-z_][a-z0-9_]*)\.attrelid\s+order\s+by\s+([a-z_][a-z0-9_]*)\.attnum\s*\)`)

// rewriteAttnumRowNumber replaces row_number() OVER (PARTITION BY
// a.attrelid ORDER BY a.attnum) with a.attnum: weir's pg_attribute numbers
// each relation's columns from 1 with none dropped, so the two are equal
// (window functions are otherwise not evaluated).
func rewriteAttnumRowNumber(text string) string {
	return attnumRowNumberRe.ReplaceAllStringFunc(text, func(m string) string {
		sm := attnumRowNumberRe.FindStringSubmatch(m)
		if !strings.EqualFold(sm[1], sm[2]) {
			return m
		}
		return sm[2] + ".attnum"
	})
}
