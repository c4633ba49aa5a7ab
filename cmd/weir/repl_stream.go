package main

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/weirdb/weir/runtime"
	"github.com/weirdb/weir/sql"
)

// streamsOnServer reports whether the server runs text as a stream (a
// continuous SELECT, SUBSCRIBE) rather than answering it with a finite
// result, deciding as the server does. weir repl --server needs this
// because the wire does not say it for every stream: the server marks
// SUBSCRIBE and a windowed continuous SELECT with a last _emit column, but
// a SELECT without a window over sources streams without one, looking like
// a finite result.
//
// A statement that weir's parser refuses is not a stream: the server
// refuses it too, or answers it itself with a finite result (a read of a
// view written as PostgreSQL clients write it, public.v or OFFSET; a query
// of the emulated catalogs). A SELECT without FROM is a constant the server
// evaluates. A SELECT whose FROM names one materialized view or
// weir_dead_letters is a read of its current rows; the catalog is asked
// which names are materialized views. Every other SELECT is a continuous
// query. The error is ctx's when it is done.
func (b *remoteBackend) streamsOnServer(ctx context.Context, text string) (bool, error) {
	stmts, err := sql.Parse(text)
	if err != nil || len(stmts) != 1 {
		return false, nil
	}
	switch s := stmts[0].(type) {
	case *sql.Subscribe:
		return true, nil
	case *sql.SelectStmt:
		q := s.Query
		if q == nil || len(q.Selects) == 0 || q.Selects[0].From == nil {
			return false, nil
		}
		ref, ok := q.Selects[0].From.(*sql.TableRef)
		if !ok || len(q.Selects) != 1 {
			return true, nil
		}
		read, err := b.readsView(ctx, ref.Name)
		if err != nil && ctx.Err() == nil {
			// The catalog could not be read (an aborted transaction
			// block, a lost connection): the statement itself will say
			// what is wrong, if anything. Streams it may be.
			return true, nil
		}
		return !read, err
	}
	return false, nil
}

// readsView reports whether a SELECT FROM name is a read of a view's
// current rows on the server, as the engine decides: name is a
// materialized view, or weir_dead_letters when no source has that name.
// Names compare without regard to case, as the catalog's.
func (b *remoteBackend) readsView(ctx context.Context, name string) (bool, error) {
	views, err := b.showRows(ctx, "SHOW VIEWS")
	if err != nil {
		return false, err
	}
	for _, v := range views {
		// SHOW VIEWS: name, materialized.
		if len(v) == 2 && strings.EqualFold(v[0], name) {
			return v[1] == "true", nil
		}
	}
	if !strings.EqualFold(name, runtime.DeadLettersView) {
		return false, nil
	}
	sources, err := b.showRows(ctx, "SHOW SOURCES")
	if err != nil {
		return false, err
	}
	for _, s := range sources {
		if len(s) > 0 && strings.EqualFold(s[0], name) {
			return false, nil
		}
	}
	return true, nil
}

// showRows runs a SHOW statement and returns its rows as text. The
// statement is short: it is not cancelled with ctx (pgx would close the
// connection), but ctx's error is returned once it ends if ctx is done.
func (b *remoteBackend) showRows(ctx context.Context, stmt string) ([][]string, error) {
	rows, err := b.conn.Query(context.Background(), stmt, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		raw := rows.RawValues()
		row := make([]string, len(raw))
		for i, v := range raw {
			row[i] = string(v)
		}
		out = append(out, row)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, ctx.Err()
}
