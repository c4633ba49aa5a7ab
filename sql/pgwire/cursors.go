package pgwire

import (
	"context"
	"strconv"
	"strings"
)

// This file is SQL-level cursors: DECLARE, FETCH, MOVE and CLOSE, as
// PostgreSQL has them for forward-only cursors. They are how psql (up to
// version 16) streams a result with `\set FETCH_COUNT n`, and how any client
// can read a SUBSCRIBE or a continuous SELECT a few rows at a time
// (`DECLARE c CURSOR FOR SUBSCRIBE TO v; FETCH 10 c;`, as in Materialize).
//
// A cursor runs its query when declared and keeps the running Result; FETCH
// reads the next rows from it. Without WITH HOLD a cursor needs a
// transaction block and is closed at its end (COMMIT or ROLLBACK); WITH HOLD
// cursors live until CLOSE or the end of the session.

// cursor is a declared cursor.
type cursor struct {
	res     Result
	cols    []Column
	cancel  context.CancelFunc
	hold    bool
	inBlock bool // declared inside the current transaction block
	done    bool // the result has ended
}

// declare handles DECLARE name [BINARY] [ASENSITIVE|INSENSITIVE] [[NO]
// SCROLL] CURSOR [{WITH|WITHOUT} HOLD] FOR query.
func (c *conn) declare(stmt string, describeOnly bool) (Result, error) {
	sc := wordScanner{s: stmt, i: len("declare")}
	name, ok := sc.ident()
	if !ok {
		return nil, errorf(codeSyntaxError, "syntax error in DECLARE: expected a cursor name")
	}
	hold := false
	for {
		last := sc.prev
		w, ok := sc.word()
		if !ok {
			return nil, errorf(codeSyntaxError, "syntax error in DECLARE: expected CURSOR ... FOR <query>")
		}
		switch w {
		case "binary":
			return nil, errorf(codeFeatureNotSupported, "binary cursors are not supported")
		case "asensitive", "insensitive", "no", "cursor":
			continue
		case "scroll":
			if last != "no" {
				return nil, errorf(codeFeatureNotSupported, "scrollable cursors are not supported; weir's cursors only move forward")
			}
			continue
		case "with", "without":
			if h, _ := sc.word(); h != "hold" {
				return nil, errorf(codeSyntaxError, "syntax error in DECLARE: expected HOLD after %s", strings.ToUpper(w))
			}
			hold = w == "with"
			continue
		case "for":
		default:
			return nil, errorf(codeSyntaxError, "syntax error in DECLARE at or near %q: expected CURSOR ... FOR <query>", w)
		}
		break
	}
	if describeOnly {
		return command("DECLARE CURSOR"), nil
	}
	if !hold && c.tx == txIdle {
		return nil, errorf("25P01", "DECLARE CURSOR can only be used in transaction blocks")
	}
	if _, dup := c.cursors[name]; dup {
		return nil, errorf(codeDuplicateCursor, "cursor %q already exists", name)
	}
	off, query := nested(stmt, sc.i)
	if query == "" {
		return nil, errorf(codeSyntaxError, "syntax error in DECLARE: expected a query after FOR")
	}
	ctx, cancel := context.WithCancel(c.srv.ctx)
	res, err := c.start(ctx, query)
	if err != nil {
		cancel()
		return nil, subError{err, off}
	}
	if c.cursors == nil {
		c.cursors = map[string]*cursor{}
	}
	c.cursors[name] = &cursor{res: res, cols: res.Columns(), cancel: cancel, hold: hold, inBlock: c.tx != txIdle}
	return command("DECLARE CURSOR"), nil
}

// fetch handles FETCH and MOVE: [NEXT | FORWARD [n | ALL] | n | ALL]
// [FROM | IN] name.
func (c *conn) fetch(stmt string, move bool) (Result, error) {
	verb := "FETCH"
	if move {
		verb = "MOVE"
	}
	sc := wordScanner{s: stmt, i: len(verb)}
	count, all := int64(1), false
	var name string
	for {
		save := sc.i
		w, ok := sc.word()
		if !ok {
			if n, ok := sc.number(); ok {
				count = n
				continue
			}
			sc.i = save
			name, ok = sc.ident()
			if !ok {
				return nil, errorf(codeSyntaxError, "syntax error in %s: expected a cursor name", verb)
			}
			break
		}
		switch w {
		case "next", "forward", "from", "in":
			continue
		case "all":
			all = true
			continue
		case "prior", "first", "last", "absolute", "relative", "backward":
			return nil, errorf("55000", "cursor can only scan forward")
		}
		sc.i = save
		name, _ = sc.ident()
		break
	}
	if rest := strings.TrimSpace(stmt[sc.i:]); rest != "" {
		return nil, errorf(codeSyntaxError, "syntax error in %s at or near %q", verb, rest)
	}
	if count < 0 {
		return nil, errorf("55000", "cursor can only scan forward")
	}
	cur, ok := c.cursors[name]
	if !ok {
		return nil, errorf(codeUndefinedCursor, "cursor %q does not exist", name)
	}
	return &fetchResult{cur: cur, max: count, all: all, verb: verb, discard: move}, nil
}

// closeCursor handles CLOSE name | ALL.
func (c *conn) closeCursor(stmt string, describeOnly bool) (Result, error) {
	sc := wordScanner{s: stmt, i: len("close")}
	name, ok := sc.ident()
	if !ok || strings.TrimSpace(stmt[sc.i:]) != "" {
		return nil, errorf(codeSyntaxError, "syntax error in CLOSE: expected a cursor name or ALL")
	}
	if strings.EqualFold(name, "all") && !strings.HasPrefix(strings.TrimSpace(stmt[len("close"):]), `"`) {
		if !describeOnly {
			c.closeCursors(func(*cursor) bool { return true })
		}
		return command("CLOSE CURSOR ALL"), nil
	}
	cur, ok := c.cursors[name]
	if !ok {
		return nil, errorf(codeUndefinedCursor, "cursor %q does not exist", name)
	}
	if !describeOnly {
		cur.close()
		delete(c.cursors, name)
	}
	return command("CLOSE CURSOR"), nil
}

// closeCursors closes the cursors for which which returns true.
func (c *conn) closeCursors(which func(*cursor) bool) {
	for name, cur := range c.cursors {
		if which(cur) {
			cur.close()
			delete(c.cursors, name)
		}
	}
}

// endBlock closes the cursors a transaction block's end closes: COMMIT
// keeps WITH HOLD cursors, ROLLBACK also closes those declared in the
// block.
func (c *conn) endBlock(rollback bool) {
	c.closeCursors(func(cur *cursor) bool { return !cur.hold || rollback && cur.inBlock })
	for _, cur := range c.cursors {
		cur.inBlock = false
	}
}

func (cur *cursor) close() {
	closeResult(cur.res)
	cur.cancel()
}

// fetchResult is the rows of one FETCH (or, with discard, MOVE).
type fetchResult struct {
	cur     *cursor
	max     int64
	all     bool
	verb    string
	discard bool
	n       int64
}

func (f *fetchResult) Columns() []Column {
	if f.discard {
		return nil
	}
	return f.cur.cols
}

func (f *fetchResult) Next(ctx context.Context) (Row, bool, error) {
	for {
		if f.cur.done || !f.all && f.n >= f.max {
			return nil, false, nil
		}
		row, ok, err := f.cur.res.Next(ctx)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			f.cur.done = true
			return nil, false, nil
		}
		f.n++
		if !f.discard {
			return row, true, nil
		}
	}
}

// Streaming implements Streamer: a FETCH from a stream flushes each row.
func (f *fetchResult) Streaming() bool {
	s, ok := f.cur.res.(Streamer)
	return ok && s.Streaming()
}

func (f *fetchResult) Tag() string  { return f.verb + " " + strconv.FormatInt(f.n, 10) }
func (f *fetchResult) Close() error { return nil }

// subError is an error of a statement nested in another (the query of
// DECLARE or COPY): the positions it carries are relative to offset off of
// the outer statement.
type subError struct {
	err error
	off int
}

func (e subError) Error() string { return e.err.Error() }
func (e subError) Unwrap() error { return e.err }

// nested returns the statement nested in stmt from offset from on, trimmed
// of white space, and its offset in stmt.
func nested(stmt string, from int) (off int, text string) {
	t := stmt[from:]
	lead := len(t) - len(strings.TrimLeft(t, " \t\r\n\f\v"))
	return from + lead, strings.TrimSpace(t)
}

// shift returns s as seen from offset off of its text on: the statement a
// subError's positions refer to.
func (s *stmtText) shift(off int) *stmtText {
	t := *s
	t.text, t.base = s.text[off:], s.base+off
	return &t
}

// wordScanner reads words, identifiers and numbers from SQL text, skipping
// white space and comments.
type wordScanner struct {
	s    string
	i    int
	prev string // the last word read
}

func (w *wordScanner) skip() {
	for w.i < len(w.s) {
		if j := skipLiteral(w.s, w.i); j >= 0 && (w.s[w.i] == '-' || w.s[w.i] == '/') {
			w.i = j
			continue
		}
		if !isSpace(w.s[w.i]) {
			return
		}
		w.i++
	}
}

// word reads a keyword (lower-cased); a number, a quoted identifier or the
// end give ok=false and leave the position.
func (w *wordScanner) word() (string, bool) {
	w.skip()
	j := w.i
	for j < len(w.s) && isIdentChar(w.s[j]) {
		j++
	}
	if j == w.i || w.s[w.i] >= '0' && w.s[w.i] <= '9' {
		return "", false
	}
	word := strings.ToLower(w.s[w.i:j])
	w.i, w.prev = j, word
	return word, true
}

// ident reads an identifier: a bare one (lower-cased, as Postgres folds it)
// or a double-quoted one.
func (w *wordScanner) ident() (string, bool) {
	w.skip()
	if w.i < len(w.s) && w.s[w.i] == '"' {
		j := skipQuoted(w.s, w.i+1, '"', false)
		name := strings.ReplaceAll(w.s[w.i+1:j-1], `""`, `"`)
		w.i = j
		return name, name != ""
	}
	return w.word()
}

// number reads an optionally signed integer.
func (w *wordScanner) number() (int64, bool) {
	w.skip()
	j := w.i
	if j < len(w.s) && (w.s[j] == '-' || w.s[j] == '+') {
		j++
	}
	k := j
	for k < len(w.s) && w.s[k] >= '0' && w.s[k] <= '9' {
		k++
	}
	if k == j {
		return 0, false
	}
	n, err := strconv.ParseInt(w.s[w.i:k], 10, 64)
	if err != nil {
		return 0, false
	}
	w.i = k
	return n, true
}
