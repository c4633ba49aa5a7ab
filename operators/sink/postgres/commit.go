package postgres

import (
	"github.com/jackc/pgx/v5"
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
