package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// commit writes the pending rows, and (id > 0) the sink's checkpoint id,
// in one transaction, retrying on failure; the rows stay pending until it
// succeeds.
func (s *Sink) commit(id uint64) error {
	rows := s.buf.rows(s.conflict)
	args := s.buf.args(rows)
	err := s.retry("commit", func() error {
		return pgx.BeginFunc(s.ctx, s.conn, func(tx pgx.Tx) error {
			if len(rows) > 0 {
				if _, err := tx.Exec(s.ctx, s.upsert, args...); err != nil {
					return err
				}
			}
			if id > 0 {
				_, err := tx.Exec(s.ctx, "INSERT INTO "+CheckpointTable+" (sink, checkpoint_id) VALUES ($1, $2) "+
					"ON CONFLICT (sink) DO UPDATE SET checkpoint_id = EXCLUDED.checkpoint_id", s.name, int64(id))
				return err
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	if id > 0 {
		s.lastApplied = id
	}
	if s.delivered != nil && s.buf.n > 0 {
		s.delivered(s.buf.n)
	}
	s.buf.reset()
	return nil
}

// retry runs f on a live connection, reconnecting and retrying with
// exponential backoff when the failure is transient (connection loss,
// serialization failure, deadlock, server shutting down). Other errors
// (bad SQL, constraint violations) are returned at once.
func (s *Sink) retry(what string, f func() error) error {
	delay := s.backoff
	var err error
	for attempt := 0; attempt <= s.retries; attempt++ {
		if attempt > 0 {
			t := time.NewTimer(delay)
			select {
			case <-s.ctx.Done():
				t.Stop()
				return fmt.Errorf("postgres: sink %s: %s: %w", s.name, what, s.ctx.Err())
			case <-t.C:
			}
			delay *= 2
		}
		if s.conn == nil || s.conn.IsClosed() {
			s.conn, err = pgx.Connect(s.ctx, s.url)
			if err != nil {
				s.conn = nil
				continue
			}
		}
		if err = f(); err == nil {
			return nil
		}
		if !transient(err) {
			break
		}
		s.conn.Close(context.Background())
		s.conn = nil
	}
	return fmt.Errorf("postgres: sink %s: %s: %w", s.name, what, err)
}

// transient reports whether err is worth a retry.
func transient(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "40001", "40P01", "57P01", "57P02", "57P03", "08000", "08003", "08006":
			return true
		}
		return false
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}
