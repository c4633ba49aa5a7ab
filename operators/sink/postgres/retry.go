package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// RetryPolicy is how long the sink keeps retrying a transient failure
// (transient): the first retry waits MinBackoff, each next one twice as
// long up to MaxBackoff, and once Total (OpenTotal for Open) has passed
// since the first failure of an operation the sink gives up and the error
// fails the query.
type RetryPolicy struct {
	MinBackoff, MaxBackoff, Total, OpenTotal time.Duration
}

// DefaultRetry retries commits for two minutes, waiting 100 ms, 200 ms,
// ... up to 5 s between attempts: a PostgreSQL restart or failover rides
// through, a server that stays down fails the query within ~2 minutes.
// Open — which CREATE SINK and a server's restore of the sink wait for —
// gives up after 10 s, so that neither hangs on a server that is down.
var DefaultRetry = RetryPolicy{MinBackoff: 100 * time.Millisecond, MaxBackoff: 5 * time.Second,
	Total: 2 * time.Minute, OpenTotal: 10 * time.Second}

// warnEvery is the least time between two retry warnings of a sink; the
// retries in between are counted in the next warning.
const warnEvery = 10 * time.Second

// SetRetry sets the retry policy (DefaultRetry until set). Call it before
// Open.
func (s *Sink) SetRetry(p RetryPolicy) { s.policy = p }

// SetErrorLog sets where the sink reports the failures it retries and its
// recovery (os.Stderr until set; nil: nowhere). The runtime passes its
// diagnostics writer. Call it before Open.
func (s *Sink) SetErrorLog(w io.Writer) { s.log = w }

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retry runs f on a live connection, reconnecting and retrying under the
// retry policy while the failure is transient; a permanent failure (bad
// table or column type, constraint violation, authentication: see
// transient) is returned at once. Retries are reported on the error log,
// at most one line per warnEvery, and the recovery after them too. The
// error returned names the sink and the operation.
func (s *Sink) retry(what string, f func() error) error {
	total := s.policy.Total
	if what == "open" {
		total = s.policy.OpenTotal
	}
	var first time.Time // of the first failure
	delay := s.policy.MinBackoff
	retries := 0
	for {
		err, again := s.attempt(f)
		if err == nil {
			if s.warned {
				s.warnf("weir: sink %s: %s succeeded after %d retries\n", s.name, what, retries)
				s.warned, s.suppressed = false, 0
			}
			return nil
		}
		if s.ctx.Err() != nil {
			return fmt.Errorf("sink %s: %s: %w", s.name, what, s.ctx.Err())
		}
		if !again {
			return fmt.Errorf("sink %s: %s: %w (not retried: the error is not transient)", s.name, what, err)
		}
		now := s.now()
		if retries == 0 {
			first = now
		}
		left := total - now.Sub(first)
		if left <= 0 {
			return fmt.Errorf("sink %s: %s failed for %s (%d retries), giving up: %w",
				s.name, what, now.Sub(first).Round(time.Millisecond), retries, err)
		}
		wait := min(delay, left)
		s.warnRetry(now, what, err, wait)
		if err := s.sleep(s.ctx, wait); err != nil {
			return fmt.Errorf("sink %s: %s: %w", s.name, what, err)
		}
		retries++
		delay = min(2*delay, s.policy.MaxBackoff)
	}
}

// attempt runs f, connecting first if needed, and reports whether a
// failure is worth another attempt: a transient error, or any error after
// which pgx closed the connection (it does on a connection lost
// mid-statement, whatever the error says). A retried failure drops the
// connection so that the next attempt reconnects.
func (s *Sink) attempt(f func() error) (err error, again bool) {
	if s.conn == nil || s.conn.IsClosed() {
		conn, err := pgx.Connect(s.ctx, s.url)
		if err != nil {
			s.conn = nil
			return err, transient(err)
		}
		s.conn = conn
	}
	if err = f(); err == nil {
		return nil, false
	}
	again = transient(err) || (s.conn.IsClosed() && !isPgError(err))
	if again {
		s.conn.Close(context.Background())
		s.conn = nil
	}
	return err, again
}

// isPgError reports whether err carries an error PostgreSQL reported.
func isPgError(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr)
}

// warnRetry reports a retry, unless one was reported less than warnEvery
// ago: then it is counted in the next report.
func (s *Sink) warnRetry(now time.Time, what string, err error, wait time.Duration) {
	if s.warned && now.Sub(s.lastWarn) < warnEvery {
		s.suppressed++
		return
	}
	more := ""
	if s.suppressed > 0 {
		more = fmt.Sprintf(" (%d more failures since the last report)", s.suppressed)
	}
	s.warnf("weir: sink %s: %s failed, retrying in %s%s: %v\n", s.name, what, wait, more, err)
	s.warned, s.lastWarn, s.suppressed = true, now, 0
}

func (s *Sink) warnf(format string, args ...any) {
	if s.log != nil {
		fmt.Fprintf(s.log, format, args...)
	}
}

// transient reports whether err is worth a retry: a connection that could
// not be made or was lost (refused, reset, closed, SQLSTATE class 08), a
// serialization failure or deadlock (40001, 40P01), a server shutting down
// or starting (57P01, 57P02, 57P03) or out of connections (53300). Every
// other error PostgreSQL reports — a missing table or a column of another
// type (classes 42 and 22), a constraint violation (23), a refused login
// (28) — is permanent, as are a cancelled query and a deadline.
func transient(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "40001", "40P01", "57P01", "57P02", "57P03", "53300":
			return true
		}
		return len(pgErr.Code) == 5 && pgErr.Code[:2] == "08"
	}
	var netErr net.Error
	var connErr *pgconn.ConnectError
	switch {
	case errors.As(err, &connErr), errors.As(err, &netErr),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), pgconn.SafeToRetry(err):
		return true
	}
	return false
}

// Outage classifies an error that carries a PostgreSQL answer or a failed
// connect (known): transient for an outage worth retrying later — a
// connection exception (class 08), a server starting, shutting down or out
// of connections (57P01, 57P02, 57P03, 53300), a connect without an answer
// — and not for a refused login, a missing table or any other answer. The
// runtime uses it to decide whether to retry a sink that failed to restore.
func Outage(err error) (transient, known bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "57P01", "57P02", "57P03", "53300":
			return true, true
		}
		return strings.HasPrefix(pgErr.Code, "08"), true
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return true, true
	}
	return false, false
}
