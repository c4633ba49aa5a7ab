package pgwire

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"
)

// engineShows are the SHOW forms the engine answers (the singular ones get
// its "unrecognized SHOW" error); pgwire answers SHOW of a session setting.
var engineShows = map[string]bool{
	"sources": true, "views": true, "sinks": true, "queries": true, "watermarks": true,
	"source": true, "view": true, "sink": true, "query": true, "watermark": true,
}

// unsupportedVerbs are PostgreSQL statements weir has no use for, by their
// first word: each gets 0A000 "<VERB> is not supported" (and a hint where
// weir has another way), not a syntax error.
var unsupportedVerbs = map[string]struct{ verb, hint string }{
	"listen":     {"LISTEN", "weir has no notification channels; SUBSCRIBE TO a materialized view streams its changes"},
	"unlisten":   {"UNLISTEN", ""},
	"notify":     {"NOTIFY", "weir has no notification channels; SUBSCRIBE TO a materialized view streams its changes"},
	"vacuum":     {"VACUUM", "weir has no tables to maintain"},
	"analyze":    {"ANALYZE", "weir has no tables to maintain"},
	"analyse":    {"ANALYZE", "weir has no tables to maintain"},
	"reindex":    {"REINDEX", "weir has no indexes"},
	"cluster":    {"CLUSTER", "weir has no tables to maintain"},
	"checkpoint": {"CHECKPOINT", "weir checkpoints its queries by itself (state.checkpoint_interval)"},
	"prepare":    {"PREPARE", "use the extended query protocol (a driver's prepared statements)"},
	"execute":    {"EXECUTE", "use the extended query protocol (a driver's prepared statements)"},
	"call":       {"CALL", "weir has no procedures"},
	"do":         {"DO", "weir has no procedural languages"},
	"comment":    {"COMMENT ON", ""},
	"lock":       {"LOCK", "weir has no tables to lock"},
	"load":       {"LOAD", ""},
	"reassign":   {"REASSIGN OWNED", ""},
	"revoke":     {"REVOKE", ""},
	"security":   {"SECURITY LABEL", ""},
	"import":     {"IMPORT FOREIGN SCHEMA", ""},
	"merge":      {"MERGE", ""},
	"refresh":    {"REFRESH MATERIALIZED VIEW", "materialized views are maintained continuously"},
	"values":     {"VALUES", ""},
	"table":      {"TABLE", "use SELECT * FROM name"},
}

// builtin answers stmt when pgwire handles it itself (see the package
// comment); handled=false sends it to the engine. With describeOnly it has
// no side effects and only the Result's Columns matter.
func (c *conn) builtin(ctx context.Context, stmt string, describeOnly bool) (res Result, handled bool, err error) {
	words := leadingWords(stmt, 4)
	if len(words) == 0 {
		return nil, false, nil
	}
	c.describing = describeOnly
	defer func() { c.describing = false }()
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
	case "listen", "unlisten", "notify", "vacuum", "analyze", "analyse", "reindex", "cluster", "checkpoint",
		"prepare", "execute", "call", "do", "comment", "lock", "load", "reassign", "revoke", "security",
		"import", "merge", "refresh", "values", "table":
		u := unsupportedVerbs[words[0]]
		return nil, true, &Error{Code: codeFeatureNotSupported, Msg: u.verb + " is not supported", Hint: u.hint}
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
		if r, ok, err := c.constSelect(ctx, stmt); ok {
			return r, true, err
		}
	case "explain":
		// EXPLAIN of a view read (view_read.go); other EXPLAINs are the
		// engine's.
		if r, ok, err := c.explainViewRead(ctx, stmt, describeOnly); ok {
			return r, true, err
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
	if err := checkWritable(name); err != nil {
		return err
	}
	if strings.EqualFold(value, "default") {
		c.sess.reset(name, c.defaults)
		return nil
	}
	v, err := checkSetting(name, settingValue(value))
	if err != nil {
		return err
	}
	c.sess.set(name, v)
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
	case name == "tables" || name == "databases" || name == "schemas" || name == "columns":
		advice := map[string][2]string{
			"tables":    {"use SHOW SOURCES or SHOW VIEWS", "in psql, \\d lists every relation"},
			"databases": {"weir serves one database", "in psql, \\l lists it"},
			"schemas":   {"every relation is in schema public", "in psql, \\dn lists the schemas"},
			"columns":   {"use DESCRIBE name", "in psql, \\d name shows the columns"},
		}[name]
		return nil, true, &Error{Code: codeFeatureNotSupported, Msg: "SHOW " + strings.ToUpper(name) + " is not supported: " + advice[0], Hint: advice[1]}
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
	col := name
	if n, ok := showNames[name]; ok {
		col = n
	}
	r := textRows([]string{col}, [][]*string{{sp(v)}})
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
