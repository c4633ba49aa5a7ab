package pgwire

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/weirdb/weir/catalog"
)

// engineShows are the SHOW forms the engine answers; pgwire answers SHOW
// of a session setting.
var engineShows = map[string]bool{"sources": true, "views": true, "sinks": true, "queries": true, "watermarks": true}

// builtin answers stmt when pgwire handles it itself (see the package
// comment); handled=false sends it to the engine. With describeOnly it has
// no side effects and only the Result's Columns matter.
func (c *conn) builtin(ctx context.Context, stmt string, describeOnly bool) (res Result, handled bool, err error) {
	words := leadingWords(stmt, 4)
	if len(words) == 0 {
		return nil, false, nil
	}
	switch words[0] {
	case "begin", "start":
		if words[0] == "start" && (len(words) < 2 || words[1] != "transaction") {
			return nil, false, nil
		}
		if !describeOnly {
			if c.tx != txIdle {
				c.notice("25001", "there is already a transaction in progress")
			} else {
				c.tx = txBlock
			}
		}
		return command("BEGIN"), true, nil
	case "commit", "end":
		if len(words) > 1 && words[1] == "prepared" {
			return nil, true, errorf(codeFeatureNotSupported, "COMMIT PREPARED is not supported")
		}
		tag := "COMMIT"
		if !describeOnly {
			switch c.tx {
			case txIdle:
				c.notice("25P01", "there is no transaction in progress")
			case txFailed:
				tag = "ROLLBACK"
			}
			c.endBlock(tag == "ROLLBACK")
			c.tx = txIdle
		}
		return command(tag), true, nil
	case "rollback", "abort":
		if len(words) > 1 && (words[1] == "to" || words[1] == "prepared") {
			return nil, true, errorf(codeFeatureNotSupported, "ROLLBACK %s is not supported", strings.ToUpper(words[1]))
		}
		if !describeOnly {
			if c.tx == txIdle {
				c.notice("25P01", "there is no transaction in progress")
			}
			c.endBlock(true)
			c.tx = txIdle
		}
		return command("ROLLBACK"), true, nil
	case "savepoint", "release":
		return nil, true, errorf(codeFeatureNotSupported, "%s is not supported", strings.ToUpper(words[0]))
	case "set":
		if !describeOnly {
			if err := c.applySet(stmt); err != nil {
				return nil, true, err
			}
		}
		return command("SET"), true, nil
	case "reset":
		if len(words) < 2 {
			return nil, true, errorf(codeSyntaxError, "syntax error at end of input")
		}
		if !describeOnly {
			if words[1] == "all" {
				c.sess.resetAll(c.defaults)
			} else {
				c.sess.reset(settingName(strings.TrimSpace(stmt[len("reset"):])), c.defaults)
			}
		}
		return command("RESET"), true, nil
	case "discard":
		if !describeOnly {
			c.sess.resetAll(c.defaults)
			c.closeAllPortals()
			c.closeCursors(func(*cursor) bool { return true })
			clear(c.stmts)
		}
		return command("DISCARD " + strings.ToUpper(strings.Join(words[1:], " "))), true, nil
	case "deallocate":
		name := strings.TrimSpace(stmt[len("deallocate"):])
		if len(words) > 1 && words[1] == "prepare" {
			name = strings.TrimSpace(name[len("prepare"):])
		}
		if strings.EqualFold(name, "all") {
			if !describeOnly {
				clear(c.stmts)
			}
			return command("DEALLOCATE ALL"), true, nil
		}
		name = unquoteIdent(name)
		if _, ok := c.stmts[name]; !ok {
			return nil, true, errorf(codeInvalidSQLStmtName, "prepared statement %q does not exist", name)
		}
		if !describeOnly {
			delete(c.stmts, name)
		}
		return command("DEALLOCATE"), true, nil
	case "show":
		return c.show(stmt, words)
	case "copy":
		return nil, true, errorf(codeFeatureNotSupported, "COPY is supported in the simple query protocol only")
	case "declare":
		r, err := c.declare(stmt, describeOnly)
		return r, true, err
	case "fetch", "move":
		r, err := c.fetch(stmt, words[0] == "move")
		return r, true, err
	case "close":
		r, err := c.closeCursor(stmt, describeOnly)
		return r, true, err
	case "select":
		if r := c.constSelect(stmt); r != nil {
			return r, true, nil
		}
	}
	if looksLikeCatalogQuery(stmt) {
		r, err := c.catalogQuery(ctx, stmt)
		return r, true, err
	}
	return nil, false, nil
}

// leadingWords returns up to n lower-cased leading words of stmt, skipping
// comments.
func leadingWords(stmt string, n int) []string {
	var out []string
	for i := 0; i < len(stmt) && len(out) < n; {
		if j := skipLiteral(stmt, i); j >= 0 {
			if stmt[i] != '-' && stmt[i] != '/' {
				return out
			}
			i = j
			continue
		}
		if isIdentChar(stmt[i]) {
			j := i
			for j < len(stmt) && isIdentChar(stmt[j]) {
				j++
			}
			out = append(out, strings.ToLower(stmt[i:j]))
			i = j
			continue
		}
		if !isSpace(stmt[i]) {
			return out
		}
		i++
	}
	return out
}

// applySet handles SET [SESSION|LOCAL] name {TO|=} value, SET TIME ZONE,
// SET NAMES and SET [SESSION CHARACTERISTICS AS] TRANSACTION ... (accepted,
// ignored).
func (c *conn) applySet(stmt string) error {
	rest := strings.TrimSpace(stmt[len("set"):])
	lower := strings.ToLower(rest)
	for _, p := range []string{"session ", "local "} {
		if strings.HasPrefix(lower, p) {
			rest, lower = strings.TrimSpace(rest[len(p):]), strings.TrimSpace(lower[len(p):])
		}
	}
	switch {
	case strings.HasPrefix(lower, "characteristics ") || strings.HasPrefix(lower, "transaction"):
		return nil
	case strings.HasPrefix(lower, "time zone "):
		c.sess.set("timezone", settingValue(rest[len("time zone "):]))
		return nil
	case strings.HasPrefix(lower, "names "):
		c.sess.set("client_encoding", settingValue(rest[len("names "):]))
		return nil
	}
	i := 0
	for i < len(rest) && (isIdentChar(rest[i]) || rest[i] == '.' || rest[i] == '"') {
		i++
	}
	name := settingName(rest[:i])
	value := strings.TrimSpace(rest[i:])
	switch {
	case strings.HasPrefix(value, "="):
		value = value[1:]
	case len(value) >= 3 && strings.EqualFold(value[:3], "to ") || strings.EqualFold(value, "to"):
		value = value[2:]
	default:
		return errorf(codeSyntaxError, "syntax error in SET: expected = or TO after %q", name)
	}
	if name == "" {
		return errorf(codeSyntaxError, "syntax error in SET: expected a setting name")
	}
	value = strings.TrimSpace(value)
	if strings.EqualFold(value, "default") {
		c.sess.reset(name, c.defaults)
		return nil
	}
	c.sess.set(name, settingValue(value))
	return nil
}

func settingName(s string) string { return strings.ToLower(unquoteIdent(strings.TrimSpace(s))) }

// settingValue unquotes each comma-separated 'value' of a SET.
func settingValue(s string) string {
	parts := strings.Split(strings.TrimSpace(s), ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if len(p) >= 2 && p[0] == '\'' && p[len(p)-1] == '\'' {
			p = strings.ReplaceAll(p[1:len(p)-1], "''", "'")
		}
		parts[i] = p
	}
	return strings.Join(parts, ", ")
}

func unquoteIdent(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	return s
}

// show answers SHOW of a session setting; catalog SHOWs go to the engine.
func (c *conn) show(stmt string, words []string) (Result, bool, error) {
	if len(words) < 2 {
		return nil, true, errorf(codeSyntaxError, "syntax error at end of input")
	}
	name := words[1]
	switch {
	case engineShows[name]:
		return nil, false, nil
	case name == "all":
		var rows [][]*string
		for _, kv := range c.sess.allSettings() {
			rows = append(rows, []*string{sp(kv[0]), sp(kv[1]), sp("")})
		}
		return textRows([]string{"name", "setting", "description"}, rows), true, nil
	case name == "transaction" && len(words) >= 3 && words[2] == "isolation":
		name = "transaction_isolation"
	case name == "time" && len(words) >= 3 && words[2] == "zone":
		name = "timezone"
	case len(words) > 2:
		return nil, false, nil
	default:
		name = settingName(strings.TrimSpace(strings.TrimSpace(stmt)[len("show"):]))
	}
	v, ok := c.sess.Setting(name)
	if !ok {
		return nil, true, errorf(codeUndefinedObject, "unrecognized configuration parameter %q", name)
	}
	r := textRows([]string{name}, [][]*string{{sp(v)}})
	r.tag = "SHOW"
	return r, true, nil
}

// notice sends a WARNING NoticeResponse.
func (c *conn) notice(code, msg string) {
	c.be.Send(&pgproto3.NoticeResponse{Severity: "WARNING", SeverityUnlocalized: "WARNING", Code: code, Message: msg})
}

// versionString is what version() returns.
func (c *conn) versionString() string {
	return "PostgreSQL " + c.srv.cfg.ServerVersion + " (weir streaming SQL engine)"
}

// constSelect answers a SELECT without FROM whose items are all constants
// or session functions pgwire knows (version(), current_setting(...),
// current_database(), current_schema(), current_user, pg_backend_pid(),
// now(), literals); nil otherwise.
func (c *conn) constSelect(stmt string) *staticResult {
	items := selectItems(stmt)
	if len(items) == 0 {
		return nil
	}
	// Only a bare SELECT list: nothing may follow it.
	lower := strings.ToLower(stmt)
	for _, kw := range []string{" from ", "\nfrom ", " where ", " union "} {
		if strings.Contains(lower, kw) {
			return nil
		}
	}
	cols := make([]Column, len(items))
	row := make(Row, len(items))
	for i, item := range items {
		expr, alias, aliased := splitAlias(item)
		if !aliased {
			expr = item
		}
		col, v, ok := c.constItem(expr)
		if !ok {
			return nil
		}
		name := "?column?"
		switch {
		case aliased:
			name = alias
		case col != "":
			name = col
		}
		cols[i] = Column{Name: name, Type: v.t}
		row[i] = v.v
	}
	return &staticResult{cols: cols, rows: []Row{row}, tag: "SELECT"}
}

type typedValue struct {
	t catalog.Type
	v Value
}

// constItem evaluates one constant SELECT item; col is the column name
// Postgres would give it ("" for ?column?).
func (c *conn) constItem(expr string) (col string, tv typedValue, ok bool) {
	e := strings.TrimSpace(expr)
	for strings.HasPrefix(e, "(") && strings.HasSuffix(e, ")") {
		e = strings.TrimSpace(e[1 : len(e)-1])
	}
	if k := strings.Index(e, "::"); k > 0 && !strings.Contains(e[k:], "'") {
		e = strings.TrimSpace(e[:k]) // casts to text/int of constants keep their value
	}
	lower := strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(e, "pg_catalog."), "PG_CATALOG."))
	if isIntegerText(e) {
		v := Value{}
		for _, d := range strings.TrimPrefix(e, "-") {
			v.I = v.I*10 + int64(d-'0')
		}
		if strings.HasPrefix(e, "-") {
			v.I = -v.I
		}
		return "", typedValue{catalog.Bigint, v}, true
	}
	if len(e) >= 2 && e[0] == '\'' && skipLiteral(e, 0) == len(e) {
		return "", typedValue{catalog.Varchar, Value{S: strings.ReplaceAll(e[1:len(e)-1], "''", "'")}}, true
	}
	text := func(s string) typedValue { return typedValue{catalog.Varchar, Value{S: s}} }
	switch lower {
	case "true", "false":
		return "bool", typedValue{catalog.Boolean, Value{B: lower == "true"}}, true
	case "null":
		return "", typedValue{catalog.Varchar, Value{Null: true}}, true
	case "version()":
		return "version", text(c.versionString()), true
	case "current_database()":
		return "current_database", text(c.sess.Database()), true
	case "current_schema()", "current_schema":
		return "current_schema", text("public"), true
	case "current_user", "session_user", "user", "current_role", "current_user()":
		return strings.TrimSuffix(lower, "()"), text(c.sess.User()), true
	case "pg_backend_pid()":
		return "pg_backend_pid", typedValue{catalog.Bigint, Value{I: int64(c.sess.ID())}}, true
	case "now()", "current_timestamp", "transaction_timestamp()", "statement_timestamp()", "clock_timestamp()":
		return strings.TrimSuffix(lower, "()"), typedValue{catalog.Timestamp, Value{I: time.Now().UnixMilli()}}, true
	case "pg_is_in_recovery()":
		return "pg_is_in_recovery", typedValue{catalog.Boolean, Value{}}, true
	}
	if strings.HasPrefix(lower, "current_setting(") && strings.HasSuffix(lower, ")") {
		args := strings.TrimSpace(e[len("current_setting(") : len(e)-1])
		missingOK := false
		if k := strings.LastIndexByte(args, ','); k > 0 && skipLiteral(args, 0) <= k {
			missingOK = strings.EqualFold(strings.TrimSpace(args[k+1:]), "true")
			args = strings.TrimSpace(args[:k])
		}
		if len(args) < 2 || args[0] != '\'' || skipLiteral(args, 0) != len(args) {
			return "", typedValue{}, false
		}
		name := strings.ToLower(strings.ReplaceAll(args[1:len(args)-1], "''", "'"))
		v, found := c.sess.Setting(name)
		if !found {
			if !missingOK {
				return "", typedValue{}, false
			}
			return "current_setting", typedValue{catalog.Varchar, Value{Null: true}}, true
		}
		return "current_setting", text(v), true
	}
	return "", typedValue{}, false
}
