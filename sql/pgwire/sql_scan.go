package pgwire

import "strings"

// This file is pgwire's lexical view of SQL text: enough to split a query
// string into statements, find $n parameters and read a SELECT list, while
// skipping string literals ('...', E'...', $tag$...$tag$), quoted
// identifiers and comments (-- and nested /* */), as Postgres does with
// standard_conforming_strings on.

// skipLiteral returns the end of the string literal, quoted identifier,
// comment or dollar-quoted string that starts at s[i], or -1 when none
// starts there. An unterminated one ends at len(s).
func skipLiteral(s string, i int) int {
	c := s[i]
	switch {
	case c == '\'':
		escapes := i > 0 && (s[i-1] == 'e' || s[i-1] == 'E') && (i < 2 || !isIdentChar(s[i-2]))
		return skipQuoted(s, i+1, '\'', escapes)
	case c == '"':
		return skipQuoted(s, i+1, '"', false)
	case c == '-' && i+1 < len(s) && s[i+1] == '-':
		if j := strings.IndexByte(s[i:], '\n'); j >= 0 {
			return i + j + 1
		}
		return len(s)
	case c == '/' && i+1 < len(s) && s[i+1] == '*':
		depth := 0
		for j := i; j < len(s); j++ {
			if s[j] == '/' && j+1 < len(s) && s[j+1] == '*' {
				depth++
				j++
			} else if s[j] == '*' && j+1 < len(s) && s[j+1] == '/' {
				depth--
				j++
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(s)
	case c == '$' && (i == 0 || !isIdentChar(s[i-1])):
		j := i + 1
		if j < len(s) && s[j] >= '0' && s[j] <= '9' {
			return -1 // a parameter
		}
		for j < len(s) && isIdentChar(s[j]) && s[j] != '$' {
			j++
		}
		if j >= len(s) || s[j] != '$' {
			return -1
		}
		tag := s[i : j+1]
		if k := strings.Index(s[j+1:], tag); k >= 0 {
			return j + 1 + k + len(tag)
		}
		return len(s)
	}
	return -1
}

func skipQuoted(s string, i int, q byte, backslash bool) int {
	for i < len(s) {
		switch s[i] {
		case '\\':
			if backslash {
				i += 2
				continue
			}
		case q:
			if i+1 < len(s) && s[i+1] == q {
				i += 2
				continue
			}
			return i + 1
		}
		i++
	}
	return len(s)
}

func isIdentChar(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// stmtSpan is one statement of a query string: s[Start:End], trimmed of
// surrounding white space, without its ';'.
type stmtSpan struct {
	Start, End int
	// Empty is set when the statement holds only comments.
	Empty bool
}

// splitStatements splits a query string on ';' outside literals and
// comments. Statements holding nothing but white space are dropped; those
// holding only comments are kept with Empty set.
func splitStatements(q string) []stmtSpan {
	var out []stmtSpan
	start, code := 0, false
	flush := func(end int) {
		a, b := start, end
		for a < b && isSpace(q[a]) {
			a++
		}
		for b > a && isSpace(q[b-1]) {
			b--
		}
		if a < b {
			out = append(out, stmtSpan{Start: a, End: b, Empty: !code})
		}
	}
	for i := 0; i < len(q); {
		if j := skipLiteral(q, i); j >= 0 {
			if q[i] != '-' && q[i] != '/' {
				code = true
			}
			i = j
			continue
		}
		if q[i] == ';' {
			flush(i)
			start, code = i+1, false
		} else if !isSpace(q[i]) {
			code = true
		}
		i++
	}
	flush(len(q))
	return out
}

// paramRef is one $n in a statement: s[Start:End] refers to parameter N
// (1-based).
type paramRef struct {
	Start, End, N int
}

// findParams returns the $n references of s outside literals and comments.
func findParams(s string) []paramRef {
	var out []paramRef
	for i := 0; i < len(s); {
		if j := skipLiteral(s, i); j >= 0 {
			i = j
			continue
		}
		if s[i] == '$' && (i == 0 || !isIdentChar(s[i-1])) {
			j, n := i+1, 0
			for j < len(s) && s[j] >= '0' && s[j] <= '9' && n < 1<<20 {
				n = n*10 + int(s[j]-'0')
				j++
			}
			if j > i+1 && (j == len(s) || !isIdentChar(s[j])) {
				out = append(out, paramRef{Start: i, End: j, N: n})
				i = j
				continue
			}
		}
		i++
	}
	return out
}

// selectItems returns the top-level items of the first SELECT list in s,
// each trimmed, or nil when s has none. The list ends at a top-level FROM,
// WHERE, ORDER, GROUP, LIMIT, UNION or the end.
func selectItems(s string) []string {
	start := -1
	depth := 0
	var items []string
	itemStart := 0
	for i := 0; i < len(s); {
		if j := skipLiteral(s, i); j >= 0 {
			i = j
			continue
		}
		c := s[i]
		switch {
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0 && start >= 0:
			items = append(items, strings.TrimSpace(s[itemStart:i]))
			itemStart = i + 1
		case isIdentChar(c) && (i == 0 || !isIdentChar(s[i-1])):
			j := i
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			w := strings.ToLower(s[i:j])
			if depth == 0 {
				if start < 0 && w == "select" {
					start, itemStart = j, j
				} else if start >= 0 {
					switch w {
					case "from", "where", "order", "group", "limit", "union", "having", "offset":
						return append(items, strings.TrimSpace(s[itemStart:i]))
					}
				}
			}
			i = j
			continue
		}
		i++
	}
	if start < 0 {
		return nil
	}
	if t := strings.TrimSpace(s[itemStart:]); t != "" || len(items) > 0 {
		items = append(items, t)
	}
	return items
}

// itemName is the output column name Postgres gives a SELECT item: its
// alias, the column of a column reference, the function of a call, or
// "?column?".
func itemName(item string) string {
	if alias, ok := itemAlias(item); ok {
		return alias
	}
	e := strings.TrimSpace(item)
	if k := strings.Index(e, "::"); k >= 0 && !strings.ContainsAny(e[:k], "'(") {
		e = e[:k]
	}
	if p := strings.IndexByte(e, '('); p > 0 {
		e = strings.TrimSpace(e[:p])
	}
	if d := strings.LastIndexByte(e, '.'); d >= 0 {
		e = e[d+1:]
	}
	if e == "" {
		return "?column?"
	}
	for i := 0; i < len(e); i++ {
		if !isIdentChar(e[i]) || e[i] == '$' {
			if e[0] == '"' && e[len(e)-1] == '"' && len(e) > 1 {
				return strings.ReplaceAll(e[1:len(e)-1], `""`, `"`)
			}
			return "?column?"
		}
	}
	if e[0] >= '0' && e[0] <= '9' {
		return "?column?"
	}
	return strings.ToLower(e)
}

// itemAlias returns the alias of "expr AS alias" / "expr AS \"Alias\"".
func itemAlias(item string) (string, bool) {
	_, alias, ok := splitAlias(item)
	return alias, ok
}

// splitAlias splits "expr AS alias" into expr and alias (unquoted; lower
// case unless it was quoted).
func splitAlias(item string) (expr, alias string, ok bool) {
	e := strings.TrimSpace(item)
	var before string
	if strings.HasSuffix(e, `"`) && len(e) > 1 {
		open := strings.LastIndex(e[:len(e)-1], `"`)
		if open <= 0 {
			return "", "", false
		}
		before, alias = strings.TrimSpace(e[:open]), e[open+1:len(e)-1]
	} else {
		i := len(e)
		for i > 0 && isIdentChar(e[i-1]) {
			i--
		}
		if i == len(e) {
			return "", "", false
		}
		before, alias = strings.TrimSpace(e[:i]), strings.ToLower(e[i:])
	}
	if len(before) < 4 || !strings.EqualFold(before[len(before)-3:], " as") {
		return "", "", false
	}
	return strings.TrimSpace(before[:len(before)-3]), alias, true
}

// fromRelations returns the relation names s reads: each name that follows
// FROM, JOIN or a comma of a FROM list, outside literals and comments,
// lower case, with quoted parts unquoted ("pg_catalog"."pg_class" is
// pg_catalog.pg_class). Subqueries are followed at every depth.
func fromRelations(s string) []string { return scanFrom(s, false) }

// mainRelation returns the first relation the outermost FROM names ("" when
// none): what a query reads, as opposed to what its subqueries read.
func mainRelation(s string) string {
	if rels := scanFrom(s, true); len(rels) > 0 {
		return rels[0]
	}
	return ""
}

// scanFrom returns the relations FROM and JOIN name, those of subqueries
// too unless top.
func scanFrom(s string, top bool) []string {
	var out []string
	// inFrom[d] is set while the FROM list at parenthesis depth d is open.
	inFrom := []bool{false}
	expectRel := false
	for i := 0; i < len(s); {
		c := s[i]
		if c == '"' || isIdentChar(c) && c != '$' {
			name, j := scanQualifiedName(s, i)
			d := len(inFrom) - 1
			switch {
			case expectRel:
				if !top || d == 0 {
					out = append(out, strings.ToLower(name))
				}
				expectRel = false
			case strings.EqualFold(name, "from"):
				inFrom[d], expectRel = true, true
			case strings.EqualFold(name, "join"):
				expectRel = true
			case isFromListEnd(name):
				inFrom[d] = false
			}
			i = j
			continue
		}
		if j := skipLiteral(s, i); j >= 0 {
			expectRel = false
			i = j
			continue
		}
		switch c {
		case '(':
			inFrom = append(inFrom, false)
			expectRel = false
		case ')':
			if len(inFrom) > 1 {
				inFrom = inFrom[:len(inFrom)-1]
			}
			expectRel = false
		case ',':
			expectRel = inFrom[len(inFrom)-1]
		default:
			if !isSpace(c) {
				expectRel = false
			}
		}
		i++
	}
	return out
}

// isFromListEnd reports whether word (any case) ends a FROM list.
func isFromListEnd(word string) bool {
	var buf [16]byte
	if len(word) > len(buf) {
		return false
	}
	for i := 0; i < len(word); i++ {
		c := word[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return fromListEnds[string(buf[:len(word)])]
}

// fromListEnds are the words that end a FROM list.
var fromListEnds = map[string]bool{
	"where": true, "group": true, "having": true, "order": true, "limit": true,
	"offset": true, "union": true, "intersect": true, "except": true, "on": true,
	"using": true, "window": true, "emit": true, "fetch": true, "for": true,
	"select": true, "returning": true,
}

// scanQualifiedName reads the dotted name at s[i] (identifiers or quoted
// identifiers joined by '.') and returns it with quotes removed, and its
// end. A name without quotes is a substring of s.
func scanQualifiedName(s string, i int) (string, int) {
	start, quoted := i, false
	for i < len(s) {
		if s[i] == '"' {
			quoted = true
			i = skipQuoted(s, i+1, '"', false)
		} else {
			j := i
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			if j == i {
				break
			}
			i = j
		}
		if i+1 < len(s) && s[i] == '.' && (s[i+1] == '"' || isIdentChar(s[i+1])) {
			i++
			continue
		}
		break
	}
	if !quoted {
		return s[start:i], i
	}
	var b strings.Builder
	for k := start; k < i; {
		if s[k] != '"' {
			b.WriteByte(s[k])
			k++
			continue
		}
		j := skipQuoted(s, k+1, '"', false)
		b.WriteString(strings.ReplaceAll(s[k+1:max(j-1, k+1)], `""`, `"`))
		k = j
	}
	return b.String(), i
}
