package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/chzyer/readline"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/coldata/render"
	"github.com/weirdb/weir/runtime"
	"github.com/weirdb/weir/sql"
)

// localBackend runs the REPL's statements on an in-process engine.
type localBackend struct {
	e *runtime.Engine
}

func (b *localBackend) exec(ctx context.Context, text string, w io.Writer) error {
	if err := b.execStmts(ctx, text, w); err != nil {
		return localError(err)
	}
	return nil
}

func (b *localBackend) execStmts(ctx context.Context, text string, w io.Writer) error {
	stmts, err := sql.Parse(text)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		var sub *runtime.Subscription
		switch s := st.(type) {
		case *sql.SelectStmt:
			if !b.e.IsViewRead(s) && !b.e.IsConstSelect(s) {
				if sub, err = b.e.StartStream(ctx, s); err != nil {
					return err
				}
			}
		case *sql.Subscribe:
			if sub, err = b.e.Subscribe(s.View); err != nil {
				return err
			}
		}
		if sub != nil {
			err := printStream(ctx, sub, w)
			sub.Close()
			if err != nil {
				return err
			}
			continue
		}
		res, err := b.e.Exec(context.WithoutCancel(ctx), st, nil)
		if err != nil {
			return err
		}
		printExecResult(w, res)
	}
	return nil
}

// printStream prints a subscription's rows as they arrive, with _emit.
func printStream(ctx context.Context, sub *runtime.Subscription, w io.Writer) error {
	p := &rowPrinter{w: w}
	names := append(sub.Columns.Names(), runtime.EmitColumn)
	p.columns(names)
	vals := make([]string, len(names))
	for {
		bt, err := sub.Next(ctx)
		if errors.Is(err, io.EOF) {
			p.end()
			return nil
		}
		if err != nil {
			return err
		}
		for i := 0; i < bt.Len; i++ {
			for c, v := range bt.Cols {
				vals[c] = renderCell(v, i)
			}
			vals[len(bt.Cols)] = ""
			if k := bt.Emit[i]; k != coldata.EmitNone {
				vals[len(bt.Cols)] = k.String()
			}
			p.row(vals)
		}
	}
}

func renderCell(v *coldata.Vec, i int) string {
	r := runtime.Rows{Cols: []*coldata.Vec{v}}
	s, _ := r.Text(0, i)
	return s
}

// printExecResult prints a statement's rows aligned, or its command tag.
func printExecResult(w io.Writer, res *runtime.Result) {
	if len(res.Columns) == 0 {
		io.WriteString(w, res.Tag+"\n")
		return
	}
	numeric := make([]bool, len(res.Columns))
	for i, c := range res.Columns {
		numeric[i] = c.Type.Numeric()
	}
	printTable(w, res.Columns.Names(), numeric, res.Rows)
}

func (b *localBackend) names(context.Context) []string {
	cat := b.e.Catalog()
	var out []string
	for _, s := range cat.Sources() {
		out = append(out, s.Name)
	}
	for _, v := range cat.Views() {
		out = append(out, v.Name)
	}
	for _, s := range cat.Sinks() {
		out = append(out, s.Name)
	}
	return append(out, runtime.DeadLettersView)
}

func (b *localBackend) close() { b.e.Close() }

// remoteBackend runs the REPL's statements on a server over the wire.
type remoteBackend struct {
	conn *pgx.Conn
}

// exec sends the statement in the simple protocol and prints rows as they
// arrive. Cancelling ctx sends a CancelRequest: the server ends the
// statement and the connection stays usable.
func (b *remoteBackend) exec(ctx context.Context, text string, w io.Writer) error {
	if err := b.query(ctx, text, w); err != nil {
		return remoteError(err, text)
	}
	return nil
}

func (b *remoteBackend) query(ctx context.Context, text string, w io.Writer) error {
	streams, err := b.streamsOnServer(ctx, text)
	if err != nil {
		return err
	}
	// The goroutine that sends the CancelRequest has decided before query
	// returns: a Ctrl-C after this statement ended cannot cancel the next.
	done, decided := make(chan struct{}), make(chan struct{})
	defer func() {
		close(done)
		<-decided
	}()
	go func() {
		defer close(decided)
		select {
		case <-ctx.Done():
			// Bounded: a server that cannot be reached does not hold
			// the shell; the statement then fails on its own.
			cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = b.conn.PgConn().CancelRequest(cctx)
		case <-done:
		}
	}()
	rows, err := b.conn.Query(context.Background(), text, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return err
	}
	defer rows.Close()
	fds := rows.FieldDescriptions()
	// A stream's rows print as they arrive, with _emit last, as the
	// in-process REPL prints them. The server marks SUBSCRIBE and a
	// windowed continuous SELECT with a last _emit column; a continuous
	// SELECT without a window comes without one (streamsOnServer tells
	// it): its rows have no emission kind, an empty _emit in-process.
	// Other results are finite: collected, then printed aligned.
	marked := len(fds) > 0 && fds[len(fds)-1].Name == runtime.EmitColumn
	stream := len(fds) > 0 && (marked || streams)
	names := make([]string, len(fds), len(fds)+1)
	numeric := make([]bool, len(fds))
	stamps := make([]bool, len(fds))
	for i, fd := range fds {
		names[i] = fd.Name
		numeric[i] = numericOIDs[fd.DataTypeOID]
		stamps[i] = timestampOIDs[fd.DataTypeOID]
	}
	width := len(fds)
	if stream && !marked {
		names = append(names, runtime.EmitColumn)
		width++
	}
	p := &rowPrinter{w: w}
	if stream {
		p.columns(names)
	}
	vals := make([]string, width)
	var table [][]string
	for rows.Next() {
		if !stream {
			vals = make([]string, len(fds))
		}
		for i, raw := range rows.RawValues() {
			if stamps[i] && raw != nil {
				vals[i] = timestampText(raw)
			} else {
				vals[i] = string(raw)
			}
		}
		if stream {
			p.row(vals)
		} else {
			table = append(table, vals)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	switch {
	case stream:
		p.end()
	case len(fds) > 0:
		printTable(w, names, numeric, table)
	default:
		io.WriteString(w, rows.CommandTag().String()+"\n")
	}
	return nil
}

// stmtError is a statement's error as weir repl and weir submit print it,
// the same whichever engine ran the statement: the message, its position in
// the statement's text when it has one, and the server's detail and hint.
// No SQLSTATE, as psql by default.
type stmtError struct {
	msg          string
	line, col    int // 1-based, columns in characters; 0 when the error has no position
	detail, hint string
}

func (e *stmtError) Error() string { return e.msg }

// in returns e's position in the user's input given where its statement
// starts there (a column on the statement's first line counts from the
// statement's), or 0, 0 when e has none or at is nil.
func (e *stmtError) in(at *stmtAt) (line, col int) {
	if e.line <= 0 || at == nil {
		return 0, 0
	}
	line, col = at.line+e.line-1, e.col
	if e.line == 1 {
		col += at.col - 1
	}
	return line, col
}

// localError is the stmtError of an in-process engine's error: a
// *sql.Error is positioned in the statement; any other error is its text.
// This is what the wire server puts in an ErrorResponse for the same error.
func localError(err error) *stmtError {
	var se *sql.Error
	if errors.As(err, &se) {
		e := &stmtError{msg: se.Msg}
		if se.At.Line > 0 {
			e.line, e.col = se.At.Line, se.At.Col
		}
		return e
	}
	return &stmtError{msg: err.Error()}
}

// remoteError is the stmtError of a server's error for the statement text
// sent: the ErrorResponse's message, detail and hint, and its position (a
// 1-based character offset into text) as a line and column in text.
func remoteError(err error, text string) *stmtError {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return &stmtError{msg: err.Error()}
	}
	e := &stmtError{msg: pe.Message, detail: pe.Detail, hint: pe.Hint}
	if pe.Position > 0 {
		e.line, e.col = 1, 1
		n := 1
		for _, c := range text {
			if n == int(pe.Position) {
				break
			}
			n++
			if c == '\n' {
				e.line, e.col = e.line+1, 1
			} else {
				e.col++
			}
		}
	}
	return e
}

// printError prints a failed statement's error as the REPL shows it:
// "ERROR: line L, column C: msg" with the position in the user's input (at,
// where the statement starts there), "ERROR: msg" without one, then the
// detail and hint, if any, on lines of their own.
func printError(w io.Writer, err error, at *stmtAt) {
	var e *stmtError
	if !errors.As(err, &e) {
		e = &stmtError{msg: err.Error()}
	}
	if line, col := e.in(at); line > 0 {
		fmt.Fprintf(w, "ERROR: line %d, column %d: %s\n", line, col, e.msg)
	} else {
		fmt.Fprintf(w, "ERROR: %s\n", e.msg)
	}
	printDetail(w, e)
}

// printDetail prints e's detail and hint lines, as psql does.
func printDetail(w io.Writer, e *stmtError) {
	if e.detail != "" {
		fmt.Fprintf(w, "DETAIL: %s\n", e.detail)
	}
	if e.hint != "" {
		fmt.Fprintf(w, "HINT: %s\n", e.hint)
	}
}

// timestampOIDs are the Postgres types whose text the REPL prints as the
// in-process REPL prints a TIMESTAMP: timestamp, timestamptz.
var timestampOIDs = map[uint32]bool{1114: true, 1184: true}

// wireTimestampLayouts are the text forms of timestamptz and timestamp a
// server sends ("2026-11-09 14:35:00.25+00"; timestamp has no offset).
var wireTimestampLayouts = []string{"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z07", "2006-01-02 15:04:05.999999999"}

// timestampText renders a timestamp value's wire text as weir prints
// TIMESTAMP everywhere else (SPEC.md: RFC 3339, UTC, milliseconds — what
// the in-process REPL and weir run print): "2026-11-09T14:35:00.250Z". Text
// it cannot read (infinity, BC dates) is printed as sent.
func timestampText(raw []byte) string {
	s := string(raw)
	for _, layout := range wireTimestampLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return string(render.AppendTimestamp(nil, t.UnixMilli()))
		}
	}
	return s
}

// numericOIDs are the Postgres types whose values printTable right-aligns:
// int2, int4, int8, float4, float8, numeric.
var numericOIDs = map[uint32]bool{21: true, 23: true, 20: true, 700: true, 701: true, 1700: true}

func (b *remoteBackend) names(ctx context.Context) []string {
	var out []string
	for _, q := range []string{"SHOW SOURCES", "SHOW VIEWS", "SHOW SINKS"} {
		rows, err := b.conn.Query(ctx, q, pgx.QueryExecModeSimpleProtocol)
		if err != nil {
			continue
		}
		for rows.Next() {
			if raw := rows.RawValues(); len(raw) > 0 {
				out = append(out, string(raw[0]))
			}
		}
		rows.Close()
	}
	return append(out, runtime.DeadLettersView)
}

func (b *remoteBackend) close() { b.conn.Close(context.Background()) }

// sqlKeywords are completed at the cursor (with catalog names).
var sqlKeywords = strings.Fields(`SELECT FROM WHERE GROUP BY HAVING ORDER LIMIT AS AND OR NOT NULL IS IN
BETWEEN LIKE CASE WHEN THEN ELSE END CAST COALESCE DISTINCT UNION ALL ASC DESC
CREATE SOURCE SINK TABLE MATERIALIZED VIEW DROP IF EXISTS WITH WATERMARK FOR INTERVAL
SHOW SOURCES VIEWS SINKS QUERIES WATERMARKS DESCRIBE EXPLAIN SUBSCRIBE TO
EMIT ON WINDOW CLOSE EARLY EVERY LATE WITHIN TUMBLE HOP CUMULATE SESSION
COUNT SUM AVG MIN MAX STDDEV VARIANCE PERCENTILE_CONT APPROX_PERCENTILE
APPROX_COUNT_DISTINCT FIRST_VALUE LAST_VALUE window_start window_end
BIGINT DOUBLE VARCHAR BOOLEAN TIMESTAMP SECOND SECONDS MINUTE MINUTES HOUR HOURS DAY DAYS`)

// completer completes the word before the cursor with catalog names, in
// their own case, and keywords, in the case the user started typing (upper
// unless the word is all lower case), as psql does. A word that already is
// a whole name or keyword is a candidate too (completed with a blank).
//
// readline only appends to the typed word, so a catalog name whose case
// differs from the typed prefix is completed in two steps: Do offers the
// rest of the name and records it; onChange, called after the Tab, gives
// the typed prefix the name's case.
type completer struct {
	names func() []string
	// recase maps the words Do offered, as readline writes them (typed
	// prefix + rest), to the catalog names they stand for.
	recase map[string]string
}

// Do implements readline.AutoCompleter.
func (c *completer) Do(line []rune, pos int) ([][]rune, int) {
	c.recase = nil
	start := pos
	for start > 0 && isWordRune(line[start-1]) {
		start--
	}
	prefix := string(line[start:pos])
	if prefix == "" {
		return nil, 0
	}
	lower := strings.ToLower(prefix) == prefix
	var out [][]rune
	seen := map[string]bool{}
	add := func(word string) bool {
		if len(word) < len(prefix) || !strings.EqualFold(word[:len(prefix)], prefix) || seen[strings.ToLower(word)] {
			return false
		}
		seen[strings.ToLower(word)] = true
		out = append(out, []rune(word[len(prefix):]+" "))
		return true
	}
	for _, n := range c.names() {
		if add(n) && n[:len(prefix)] != prefix {
			if c.recase == nil {
				c.recase = map[string]string{}
			}
			c.recase[prefix+n[len(prefix):]] = n
		}
	}
	for _, k := range sqlKeywords {
		if lower {
			k = strings.ToLower(k)
		} else {
			k = strings.ToUpper(k)
		}
		add(k)
	}
	return out, len([]rune(prefix))
}

// onChange is the readline listener: after a completion that offered
// catalog names typed in another case, it rewrites such a name, as a whole
// word of the line, to the name's case. A Tab writes the single candidate
// (the listener runs right after it); a candidate chosen from the list
// with Enter is rewritten at the next key. The first key other than Tab
// ends the completion.
func (c *completer) onChange(line []rune, pos int, key rune) ([]rune, int, bool) {
	if len(c.recase) == 0 {
		return nil, 0, false
	}
	if key != readline.CharTab {
		defer func() { c.recase = nil }()
	}
	var out []rune
	for start := 0; start < len(line); {
		if !isWordRune(line[start]) {
			start++
			continue
		}
		end := start
		for end < len(line) && isWordRune(line[end]) {
			end++
		}
		if name, ok := c.recase[string(line[start:end])]; ok && len([]rune(name)) == end-start {
			if out == nil {
				out = append([]rune{}, line...)
			}
			copy(out[start:end], []rune(name))
		}
		start = end
	}
	if out == nil {
		return nil, 0, false
	}
	return out, pos, true
}

func isWordRune(r rune) bool {
	return r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}
