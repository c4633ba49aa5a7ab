package pgwire

import (
	"fmt"
	"time"
)

// This file is pg_cancel_backend(pid) and pg_terminate_backend(pid): a
// session cancels another's running statement (as a CancelRequest does) or
// ends it (as the server's shutdown does).

// codeInsufficientPrivilege is insufficient_privilege.
const codeInsufficientPrivilege = "42501"

// codeWarning is the SQLSTATE of a plain WARNING.
const codeWarning = "01000"

// signalBackend evaluates pg_cancel_backend (terminate false) or
// pg_terminate_backend of pid as PostgreSQL does: true when the session
// exists and was signalled; false and a WARNING when no session has that
// pid; an error when it belongs to another user. Describing the statement
// (Parse) signals nothing.
func (env *evalEnv) signalBackend(terminate bool, pid value) (value, error) {
	if pid.null {
		return value{t: tBool, null: true}, nil
	}
	p, err := castTo(pid, typeOf[tInt4], -1)
	if err != nil {
		return p, err
	}
	c := env.c
	if c.describing {
		return value{t: tBool}, nil
	}
	found, err := c.srv.signal(c, p.i, terminate)
	if err != nil {
		return value{}, err
	}
	if !found {
		c.notice(codeWarning, fmt.Sprintf("PID %d is not a PostgreSQL backend process", p.i))
	}
	return value{t: tBool, b: found}, nil
}

// signal cancels the running statement of the session with process id pid
// (terminate false) or ends that session, for the session by. found is
// false when no session has that pid. A session of another user is
// refused (42501); a session signalling itself gets the error its own
// statement then fails with.
func (s *Server) signal(by *conn, pid int64, terminate bool) (found bool, err error) {
	target := s.session(pid)
	if target == nil {
		return false, nil
	}
	if target.sess.User() != by.sess.User() {
		what := "whose query is being canceled"
		if terminate {
			what = "whose process is being terminated"
		}
		return true, errorf(codeInsufficientPrivilege, "must be a member of the role %s or member of pg_signal_backend", what)
	}
	if !terminate {
		if target == by {
			return true, errorf(codeQueryCanceled, "canceling statement due to user request")
		}
		target.cancelStatement()
		return true, nil
	}
	target.kill()
	if target == by {
		return true, errorf(codeAdminShutdown, "terminating connection due to administrator command")
	}
	return true, nil
}

// session returns the connection of the session with process id pid, nil
// when there is none.
func (s *Server) session(pid int64) *conn {
	if pid <= 0 || pid > 1<<31-1 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[uint32(pid)]
}

// kill ends the session as the server's shutdown does: its running
// statement is cancelled and, at its next message or once the statement
// ends, it sends FATAL 57P01 and closes. A client that does not read is
// disconnected after closeGrace.
func (c *conn) kill() {
	c.killed.Store(true)
	c.mu.Lock()
	if c.running != nil {
		c.running()
	}
	c.mu.Unlock()
	now := time.Now()
	_ = c.raw.SetReadDeadline(now)
	_ = c.raw.SetWriteDeadline(now.Add(closeGrace))
}

// ending reports whether the session must end: the server is closing or
// pg_terminate_backend named it.
func (c *conn) ending() bool { return c.srv.ctx.Err() != nil || c.killed.Load() }
