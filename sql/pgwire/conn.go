package pgwire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgproto3"
)

// Transaction statuses of ReadyForQuery.
const (
	txIdle   = 'I'
	txBlock  = 'T'
	txFailed = 'E'
)

// conn is one client connection. Everything but the cancel fields is owned
// by the connection's goroutine.
type conn struct {
	srv      *Server
	raw      net.Conn // the accepted connection; closing it stops everything
	rw       net.Conn // raw, or the TLS connection over it
	be       *pgproto3.Backend
	sess     *Session
	secret   [4]byte
	defaults map[string]string // what RESET returns settings to
	admitted bool              // holds a slot of Config.MaxConnections

	tx             byte
	ignoreTillSync bool
	stmts          map[string]*prepared
	portals        map[string]*portal
	cursors        map[string]*cursor
	enc            rowEncoder

	// dying is set once the connection sent its FATAL goodbye: it
	// answers nothing more and closes.
	dying bool
	// killed is set by pg_terminate_backend: the session ends (kill).
	killed atomic.Bool
	// describing is set while builtin describes a statement: functions
	// with side effects (pg_cancel_backend) do nothing.
	describing bool

	mu      sync.Mutex
	running context.CancelFunc // cancels the statement being run, if any
	cause   cancelCause        // why the last statement was cancelled
	seq     uint64             // counts statements, so a late timer cancels none
	timer   *time.Timer        // the running statement's statement_timeout
}

// cancelCause says why a statement was cancelled.
type cancelCause uint8

const (
	notCanceled       cancelCause = iota
	canceledByUser                // a CancelRequest
	canceledByTimeout             // statement_timeout
)

// run serves the connection until it ends.
func (c *conn) run() {
	defer func() { _ = c.rw.Close() }()
	// Deferred after the close, so it runs before it: see release.
	defer c.release()
	if !c.startup() {
		return
	}
	defer c.closeAllPortals()
	defer c.closeCursors(func(*cursor) bool { return true })
	for !c.dying {
		if d := c.srv.cfg.IdleTimeout; d > 0 {
			_ = c.raw.SetReadDeadline(time.Now().Add(d))
		}
		// Checked after the deadline is set: Server.Close cancels the
		// server's context, then sets a read deadline in the past.
		if c.ending() {
			c.terminate()
			return
		}
		msg, err := c.be.Receive()
		if err != nil {
			c.receiveFailed(err)
			return
		}
		if !c.handle(msg) {
			return
		}
	}
}

// codeIdleSessionTimeout is idle_session_timeout, what PostgreSQL sends
// before closing a session idle for longer than idle_session_timeout.
const codeIdleSessionTimeout = "57P05"

// terminate sends the FATAL 57P01 PostgreSQL sends when it shuts down
// (drivers reconnect on it) and marks the connection to be closed.
func (c *conn) terminate() {
	if c.dying {
		return
	}
	c.dying = true
	c.be.Send(fatal(codeAdminShutdown, "terminating connection due to administrator command"))
	_ = c.be.Flush()
}

// receiveFailed tells the client why its connection is closed, when it is
// still there to hear it.
func (c *conn) receiveFailed(err error) {
	var tooBig *pgproto3.ExceededMaxBodyLenErr
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed):
		return
	case c.ending():
		c.terminate()
		return
	case errors.As(err, &tooBig):
		c.be.Send(fatal(codeProtocolViolation, fmt.Sprintf("message of %d bytes exceeds the maximum of %d bytes", tooBig.ActualBodyLen, tooBig.MaxExpectedBodyLen)))
	case errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		c.be.Send(fatal(codeIdleSessionTimeout, "terminating connection due to idle-session timeout"))
	default:
		c.be.Send(fatal(codeProtocolViolation, "invalid frontend message: "+err.Error()))
	}
	_ = c.be.Flush()
}

// handle processes one message; false ends the connection.
func (c *conn) handle(msg pgproto3.FrontendMessage) bool {
	switch msg.(type) {
	case *pgproto3.Terminate:
		return false
	case *pgproto3.Sync:
		c.ignoreTillSync = false
		if c.tx == txIdle {
			c.closeAllPortals()
		}
		return c.readyForQuery()
	}
	if c.ignoreTillSync {
		return true
	}
	var err error
	switch m := msg.(type) {
	case *pgproto3.Query:
		c.simpleQuery(strings.Clone(m.String))
		return c.readyForQuery()
	case *pgproto3.Parse:
		err = c.parse(m)
	case *pgproto3.Bind:
		err = c.bind(m)
	case *pgproto3.Describe:
		err = c.describePortalOrStmt(m)
	case *pgproto3.Execute:
		err = c.execute(m)
	case *pgproto3.Close:
		c.closeMsg(m)
	case *pgproto3.Flush:
		return c.be.Flush() == nil
	case *pgproto3.FunctionCall:
		c.sendError(errorf(codeFeatureNotSupported, "the function call protocol is not supported"), nil)
		return c.readyForQuery()
	case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
		// Outside COPY these are ignored, as Postgres does.
	default:
		c.be.Send(fatal(codeProtocolViolation, fmt.Sprintf("unexpected message %T", msg)))
		_ = c.be.Flush()
		return false
	}
	if err != nil {
		if isConnError(err) {
			return false
		}
		c.sendError(err, nil)
		c.ignoreTillSync = true
	}
	return !c.dying
}

// connError is a failure to write to the client: the connection is gone.
type connError struct{ err error }

func (e *connError) Error() string { return "writing to client: " + e.err.Error() }
func (e *connError) Unwrap() error { return e.err }

func isConnError(err error) bool {
	var ce *connError
	return errors.As(err, &ce)
}

// flush writes the buffered messages.
func (c *conn) flush() error {
	if err := c.be.Flush(); err != nil {
		return &connError{err}
	}
	return nil
}

func (c *conn) readyForQuery() bool {
	if c.dying {
		return false
	}
	c.be.Send(&pgproto3.ReadyForQuery{TxStatus: c.tx})
	return c.be.Flush() == nil
}

// sendError sends err as an ErrorResponse; a failing statement inside a
// transaction block fails the block. While the server closes, the session
// gets FATAL 57P01 instead and ends.
func (c *conn) sendError(err error, st *stmtText) {
	if c.ending() {
		c.terminate()
		return
	}
	c.mu.Lock()
	cause := c.cause
	c.cause = notCanceled
	c.mu.Unlock()
	var text string
	var pos func(int) int
	var sub subError
	if errors.As(err, &sub) {
		err = sub.err
		if st != nil {
			st = st.shift(sub.off)
		}
	}
	if st != nil {
		text, pos = st.text, st.position
	}
	c.be.Send(toErrorResponse(err, cause, text, pos))
	if c.tx == txBlock {
		c.tx = txFailed
	}
}

// stmtText is a statement as the engine saw it, with what maps its offsets
// back to the client's query string.
type stmtText struct {
	text  string
	query string // the client's query string
	start int    // offset of the statement in query
	edits []edit // parameter substitutions
	base  int    // offset of text in the statement edits refer to (nested statements)
	pre   []edit // made before edits: dollar-quoted strings (standardStrings)
}

// position maps a byte offset in text to Postgres' 1-based character
// position in the query string.
func (s *stmtText) position(off int) int {
	o := s.start + origOffset(s.pre, origOffset(s.edits, s.base+off))
	if o > len(s.query) {
		o = len(s.query)
	}
	return utf8.RuneCountInString(s.query[:o]) + 1
}

// beginStatement makes ctx's cancel the target of CancelRequests, and of
// the session's statement_timeout.
func (c *conn) beginStatement(cancel context.CancelFunc) {
	d := c.statementTimeout()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.running, c.cause = cancel, notCanceled
	c.seq++
	if d > 0 {
		seq := c.seq
		c.timer = time.AfterFunc(d, func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.seq == seq && c.running != nil {
				c.cause = canceledByTimeout
				c.running()
			}
		})
	}
}

func (c *conn) endStatement() {
	c.mu.Lock()
	c.running = nil
	c.seq++
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	c.mu.Unlock()
}

// cancelStatement is called by the Server for a CancelRequest.
func (c *conn) cancelStatement() {
	c.mu.Lock()
	if c.running != nil {
		c.cause = canceledByUser
		c.running()
	}
	c.mu.Unlock()
}

// statementTimeout is the session's statement_timeout (0: none).
func (c *conn) statementTimeout() time.Duration {
	v, _ := c.sess.Setting("statement_timeout")
	ms, err := parseMillis(v)
	if err != nil || ms <= 0 {
		return 0
	}
	return time.Duration(ms) * time.Millisecond
}

// run starts stmt: pgwire's own answer or the engine's. A panic in the
// engine fails the statement, not the server.
func (c *conn) start(ctx context.Context, stmt string) (res Result, err error) {
	if c.tx == txFailed && !isTxEnd(stmt) {
		return nil, errorf(codeInFailedTx, "current transaction is aborted, commands ignored until end of transaction block")
	}
	// A bug in pgwire's own answers (builtins, the catalog emulation) or
	// the engine fails this statement, not the server.
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, errorf(codeInternal, "internal error: %v", p)
		}
	}()
	if r, ok, err := c.builtin(ctx, stmt, false); ok {
		return r, err
	}
	if vr, ok, err := c.viewReadOf(ctx, stmt); ok {
		if err != nil {
			return nil, err
		}
		res, err := c.startViewRead(ctx, vr)
		if err != nil {
			return nil, err
		}
		return asWire(stmt, res), nil
	}
	res, err = c.srv.eng.Execute(ctx, c.sess, stmt)
	if err != nil {
		return nil, err
	}
	return asWire(stmt, res), nil
}

// describe returns the columns of stmt without running it.
func (c *conn) describe(ctx context.Context, stmt string) (cols []Column, err error) {
	if stmt == "" {
		return nil, nil
	}
	defer func() {
		if p := recover(); p != nil {
			cols, err = nil, errorf(codeInternal, "internal error: %v", p)
		}
	}()
	if r, ok, err := c.builtin(ctx, stmt, true); ok {
		if err != nil {
			return nil, err
		}
		return r.Columns(), nil
	}
	if vr, ok, err := c.viewReadOf(ctx, stmt); ok {
		if err != nil {
			return nil, err
		}
		cols, err := c.describeViewRead(ctx, vr)
		return asWireColumns(stmt, cols), err
	}
	cols, err = c.srv.eng.Describe(ctx, c.sess, stmt)
	return asWireColumns(stmt, cols), err
}

func isTxEnd(stmt string) bool {
	w := leadingWords(stmt, 1)
	return len(w) == 1 && (w[0] == "commit" || w[0] == "end" || w[0] == "rollback" || w[0] == "abort")
}

// rowFlushEvery is how many rows of a non-streaming result are buffered
// before they are written.
const rowFlushEvery = 256

// sendRows sends up to max rows (all when max is 0) of res as DataRows.
// suspended reports that max was reached.
func (c *conn) sendRows(ctx context.Context, res Result, cols []Column, formats []int16, max uint32) (n int, suspended bool, err error) {
	streaming := false
	if s, ok := res.(Streamer); ok {
		streaming = s.Streaming()
	}
	// A streaming result may block in Next for a long time: what was
	// sent before it (BindComplete, RowDescription) goes out first.
	pending := 0
	if streaming {
		pending = 1
	}
	for max == 0 || n < int(max) {
		if streaming && pending > 0 {
			if err := c.flush(); err != nil {
				return n, false, err
			}
			pending = 0
		}
		row, ok, err := c.next(ctx, res)
		if err != nil {
			return n, false, err
		}
		if !ok {
			return n, false, nil
		}
		c.be.Send(c.enc.encode(cols, formats, row))
		n++
		pending++
		if pending >= rowFlushEvery {
			if err := c.flush(); err != nil {
				return n, false, err
			}
			pending = 0
		}
	}
	return n, true, nil
}

func (c *conn) next(ctx context.Context, res Result) (row Row, ok bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			row, ok, err = nil, false, errorf(codeInternal, "internal error: %v", p)
		}
	}()
	return res.Next(ctx)
}

// commandTag is the CommandComplete tag of a finished result.
func commandTag(res Result, cols []Column, n int) string {
	t := res.Tag()
	if cols != nil && (t == "" || strings.HasPrefix(t, "SELECT")) {
		return "SELECT " + strconv.Itoa(n)
	}
	return t
}

func closeResult(res Result) {
	defer func() { _ = recover() }()
	_ = res.Close()
}

// simpleQuery runs the statements of a Query message, stopping at the
// first error.
func (c *conn) simpleQuery(q string) {
	c.closePortal("")
	delete(c.stmts, "")
	if err := checkUTF8(q); err != nil {
		c.sendError(err, nil)
		return
	}
	spans := splitStatements(q)
	any := false
	for _, sp := range spans {
		if sp.Empty {
			continue
		}
		any = true
		text, pre := standardStrings(q[sp.Start:sp.End])
		st := &stmtText{text: text, query: q, start: sp.Start, pre: pre}
		if err := c.runSimple(st); err != nil {
			if isConnError(err) {
				return
			}
			c.sendError(err, st)
			return
		}
	}
	if !any {
		c.be.Send(&pgproto3.EmptyQueryResponse{})
	}
}

func (c *conn) runSimple(st *stmtText) error {
	ctx, cancel := context.WithCancel(c.srv.ctx)
	defer cancel()
	c.beginStatement(cancel)
	defer c.endStatement()
	if w := leadingWords(st.text, 1); len(w) == 1 && w[0] == "copy" {
		if c.tx == txFailed {
			return errorf(codeInFailedTx, "current transaction is aborted, commands ignored until end of transaction block")
		}
		return c.runCopy(ctx, st.text)
	}
	res, err := c.start(ctx, st.text)
	if err != nil {
		return err
	}
	defer closeResult(res)
	cols := res.Columns()
	if cols != nil {
		c.be.Send(rowDescription(cols, nil))
	}
	n, _, err := c.sendRows(ctx, res, cols, nil, 0)
	if err != nil {
		return err
	}
	c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(commandTag(res, cols, n))})
	return nil
}
