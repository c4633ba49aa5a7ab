// Package cold is the cold tier: closed window results of materialized
// views archived to PostgreSQL (state.cold.postgres_url), pruned past
// state.cold.retention, and read back for queries that span hot and cold.
//
// All views share one table, created if absent:
//
//	CREATE TABLE IF NOT EXISTS weir_cold_rows (
//	    archive_id text NOT NULL, view text NOT NULL,
//	    window_start timestamptz NOT NULL, window_end timestamptz NOT NULL,
//	    key text NOT NULL, row jsonb NOT NULL, archived_at timestamptz NOT NULL,
//	    PRIMARY KEY (archive_id, view, window_start, window_end, key));
//	CREATE INDEX IF NOT EXISTS weir_cold_rows_archive_end ON weir_cold_rows (archive_id, window_end);
//
// archive_id is the archive's identity (NewID): a view gets one when it
// is created and keeps it across restarts of the same state directory, so
// a view re-created under the same name after DROP VIEW, a view of a
// server whose state directory was wiped, and the same-named view of
// another server sharing the database each have their own rows. Every
// read, write, prune and delete is scoped to one archive (or the archives
// a server owns); view is the view's name, for people reading the table.
//
// A table created by an older weir, without archive_id and keyed by
// (view, window_start, window_end, key), is migrated when a connection
// opens it: the column is added (empty in the old rows) and the primary
// key is rebuilt on archive_id. Rows with an empty archive_id belong to no
// archive until Adopt gives them one.
//
// view is in the primary key only so that the old rows, which share
// an empty archive_id, keep distinct keys.
//
// key is the JSON array of the row's group-key values (NULL included), so
// a re-archived (late) row replaces the earlier one; row is the JSON
// object of every column (TIMESTAMP as epoch milliseconds; a DOUBLE that
// is not finite as the string "Infinity", "-Infinity" or "NaN", the
// spellings of PostgreSQL's double precision, since JSON has no number for
// them). A view that shows only one of window_start and window_end stores
// that column's value in both (its windows are still told apart;
// retention then counts from the shown bound).
package cold

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// DefaultRetention is state.cold.retention's default: 90 days.
const DefaultRetention = 90 * 24 * time.Hour

// NewID returns a new random archive identity (26 characters of base32,
// 130 random bits).
func NewID() string { return rand.Text() }

// Archive is a connection to the cold tier. Safe for concurrent use:
// calls are serialized on one connection, which is re-established by the
// next call after it broke.
type Archive struct {
	url       string
	retention time.Duration

	mu   sync.Mutex
	conn *pgx.Conn // nil or closed: reconnect on the next call
}

// Open connects to url and creates (or migrates) the archive table.
// retention ≤ 0 means DefaultRetention.
func Open(ctx context.Context, url string, retention time.Duration) (*Archive, error) {
	if retention <= 0 {
		retention = DefaultRetention
	}
	a := &Archive{url: url, retention: retention}
	if _, err := a.connLocked(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// schemaDDL creates the table and index if absent, and adds archive_id to
// a table created before it existed.
var schemaDDL = []string{
	`CREATE TABLE IF NOT EXISTS weir_cold_rows (archive_id text NOT NULL, view text NOT NULL, ` +
		`window_start timestamptz NOT NULL, window_end timestamptz NOT NULL, key text NOT NULL, ` +
		`row jsonb NOT NULL, archived_at timestamptz NOT NULL, ` +
		`PRIMARY KEY (archive_id, view, window_start, window_end, key))`,
	`ALTER TABLE weir_cold_rows ADD COLUMN IF NOT EXISTS archive_id text NOT NULL DEFAULT ''`,
	`CREATE INDEX IF NOT EXISTS weir_cold_rows_archive_end ON weir_cold_rows (archive_id, window_end)`,
}

// pkeyFirstColumn is the first column of weir_cold_rows' primary key.
const pkeyFirstColumn = `SELECT a.attname FROM pg_index i ` +
	`JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] ` +
	`WHERE i.indrelid = 'weir_cold_rows'::regclass AND i.indisprimary`

// connLocked returns the connection, (re)connecting and creating or
// migrating the table if needed. a.mu is held (or a is not shared yet).
func (a *Archive) connLocked(ctx context.Context) (*pgx.Conn, error) {
	if a.conn != nil && !a.conn.IsClosed() {
		return a.conn, nil
	}
	a.conn = nil
	conn, err := pgx.Connect(ctx, a.url)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if err := migrate(ctx, conn); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	a.conn = conn
	return conn, nil
}

// migrate creates the table, or brings an older one to the current
// layout: archive_id added (schemaDDL) and the primary key rebuilt on it,
// in one transaction (a concurrent migration by another server fails and
// is retried by the caller's next connection).
func migrate(ctx context.Context, conn *pgx.Conn) error {
	for _, q := range schemaDDL {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("create table: %w", err)
		}
	}
	var first string
	if err := conn.QueryRow(ctx, pkeyFirstColumn).Scan(&first); err != nil && err != pgx.ErrNoRows {
		return fmt.Errorf("create table: %w", err)
	}
	if first == "archive_id" {
		return nil
	}
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		var name string
		err := tx.QueryRow(ctx, `SELECT conname FROM pg_constraint WHERE conrelid = 'weir_cold_rows'::regclass AND contype = 'p'`).Scan(&name)
		if err != nil && err != pgx.ErrNoRows {
			return err
		}
		if name != "" {
			if _, err := tx.Exec(ctx, `ALTER TABLE weir_cold_rows DROP CONSTRAINT `+pgx.Identifier{name}.Sanitize()); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `ALTER TABLE weir_cold_rows ADD PRIMARY KEY (archive_id, view, window_start, window_end, key)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("migrate table weir_cold_rows to archive_id: %w", err)
	}
	return nil
}

// Close disconnects.
func (a *Archive) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.conn == nil {
		return nil
	}
	err := a.conn.Close(context.Background())
	a.conn = nil
	return err
}

// Retention returns how long archived windows are kept.
func (a *Archive) Retention() time.Duration { return a.retention }

// WindowCols returns the columns of schema that give a row's window start
// and end: window_start and window_end, or the one of them present twice;
// ok is false when schema has neither.
func WindowCols(schema catalog.Schema) (start, end int, ok bool) {
	start, end = schema.Index("window_start"), schema.Index("window_end")
	switch {
	case start < 0 && end < 0:
		return -1, -1, false
	case start < 0:
		start = end
	case end < 0:
		end = start
	}
	return start, end, true
}

// Archive stores the live rows of b in archive id, result rows of view
// with schema (which must have window_start or window_end) and group-key
// columns keyCols, replacing rows archived before for the same window and
// key. It is called with closed windows' final and late rows, in one
// statement per call.
func (a *Archive) Archive(ctx context.Context, id, view string, schema catalog.Schema, keyCols []int, b *coldata.Batch, now time.Time) error {
	ws, we, ok := WindowCols(schema)
	if !ok {
		return fmt.Errorf("view %s has no window_start/window_end columns", view)
	}
	if len(b.Cols) != len(schema) {
		return fmt.Errorf("batch has %d columns, view %s has %d", len(b.Cols), view, len(schema))
	}
	var starts, ends []time.Time
	var keys, rows []string
	obj := make(map[string]any, len(schema))
	var key []any
	var err error
	b.ForEach(func(i int) {
		if err != nil {
			return
		}
		clear(obj)
		for c, col := range schema {
			obj[col.Name] = value(b.Cols[c], i)
		}
		key = key[:0]
		for _, c := range keyCols {
			key = append(key, value(b.Cols[c], i))
		}
		var kj, rj []byte
		if kj, err = json.Marshal(key); err != nil {
			return
		}
		if rj, err = json.Marshal(obj); err != nil {
			return
		}
		starts = append(starts, time.UnixMilli(b.Cols[ws].I64[i]).UTC())
		ends = append(ends, time.UnixMilli(b.Cols[we].I64[i]).UTC())
		keys = append(keys, string(kj))
		rows = append(rows, string(rj))
	})
	if err != nil {
		return fmt.Errorf("encode row: %w", err)
	}
	if len(rows) == 0 {
		return nil
	}
	// The last row per (window, key) wins; ON CONFLICT may not touch a row twice.
	last := make(map[string]int, len(rows))
	for j := range rows {
		last[fmt.Sprint(starts[j].UnixMilli(), ends[j].UnixMilli(), keys[j])] = j
	}
	var s2, e2 []time.Time
	var k2, r2 []string
	for j := range rows {
		if last[fmt.Sprint(starts[j].UnixMilli(), ends[j].UnixMilli(), keys[j])] == j {
			s2, e2, k2, r2 = append(s2, starts[j]), append(e2, ends[j]), append(k2, keys[j]), append(r2, rows[j])
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	conn, err := a.connLocked(ctx)
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, `INSERT INTO weir_cold_rows (archive_id, view, window_start, window_end, key, row, archived_at) `+
		`SELECT $1, $2, s, e, k, r::jsonb, $7 FROM unnest($3::timestamptz[], $4::timestamptz[], $5::text[], $6::text[]) AS t(s, e, k, r) `+
		`ON CONFLICT (archive_id, view, window_start, window_end, key) DO UPDATE SET row = EXCLUDED.row, archived_at = EXCLUDED.archived_at`,
		id, view, s2, e2, k2, r2, now.UTC())
	if err != nil {
		return fmt.Errorf("archive %s: %w", view, err)
	}
	return nil
}

// The JSON spellings of the doubles JSON has no number for: those of
// PostgreSQL's double precision.
const (
	posInf = "Infinity"
	negInf = "-Infinity"
	nan    = "NaN"
)

// value returns row i of v as a JSON-encodable value.
func value(v *coldata.Vec, i int) any {
	if v.Nulls.IsNull(i) {
		return nil
	}
	switch v.Type {
	case catalog.Bigint, catalog.Timestamp:
		return v.I64[i]
	case catalog.Double:
		switch f := v.F64[i]; {
		case math.IsNaN(f):
			return nan
		case math.IsInf(f, 1):
			return posInf
		case math.IsInf(f, -1):
			return negInf
		default:
			return f
		}
	case catalog.Varchar:
		return v.Str[i]
	case catalog.Boolean:
		return v.Bool[i]
	}
	return nil
}

// Prune deletes the rows of the archives ids whose windows ended before
// now − retention and returns their number. Other archives (other
// servers', or of views dropped while the database was unreachable) are
// left alone.
func (a *Archive) Prune(ctx context.Context, ids []string, now time.Time) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	conn, err := a.connLocked(ctx)
	if err != nil {
		return 0, err
	}
	tag, err := conn.Exec(ctx, `DELETE FROM weir_cold_rows WHERE archive_id = ANY($1) AND window_end < $2`,
		ids, now.Add(-a.retention).UTC())
	if err != nil {
		return 0, fmt.Errorf("prune: %w", err)
	}
	return tag.RowsAffected(), nil
}

// Delete deletes every row of archive id (DROP VIEW of view).
func (a *Archive) Delete(ctx context.Context, id, view string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	conn, err := a.connLocked(ctx)
	if err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `DELETE FROM weir_cold_rows WHERE archive_id = $1`, id); err != nil {
		return fmt.Errorf("delete %s: %w", view, err)
	}
	return nil
}

// Adopt gives the rows archived for view by a weir that had no archive
// identities (an empty archive_id) to archive id, and returns their number.
func (a *Archive) Adopt(ctx context.Context, id, view string) (int64, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	conn, err := a.connLocked(ctx)
	if err != nil {
		return 0, err
	}
	tag, err := conn.Exec(ctx, `UPDATE weir_cold_rows SET archive_id = $1 WHERE archive_id = '' AND view = $2`, id, view)
	if err != nil {
		return 0, fmt.Errorf("adopt the archived rows of %s: %w", view, err)
	}
	return tag.RowsAffected(), nil
}

// Rows returns the rows of archive id (of view, named in errors) whose
// window ends in [fromMs, toMs), ordered by window end, start and key, as
// a batch with schema (columns absent from a stored row are NULL). fromMs
// = math.MinInt64 and toMs = math.MaxInt64 leave that side unbounded.
func (a *Archive) Rows(ctx context.Context, id, view string, schema catalog.Schema, fromMs, toMs int64) (*coldata.Batch, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	conn, err := a.connLocked(ctx)
	if err != nil {
		return nil, err
	}
	q, args := `SELECT row FROM weir_cold_rows WHERE archive_id = $1`, []any{id}
	if fromMs != math.MinInt64 {
		args = append(args, time.UnixMilli(fromMs).UTC())
		q += fmt.Sprintf(" AND window_end >= $%d", len(args))
	}
	if toMs != math.MaxInt64 {
		args = append(args, time.UnixMilli(toMs).UTC())
		q += fmt.Sprintf(" AND window_end < $%d", len(args))
	}
	rs, err := conn.Query(ctx, q+` ORDER BY window_end, window_start, key`, args...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", view, err)
	}
	defer rs.Close()
	out := coldata.NewBatch(schema, 0)
	out.Reset(0)
	for rs.Next() {
		var raw []byte
		if err := rs.Scan(&raw); err != nil {
			return nil, fmt.Errorf("read %s: %w", view, err)
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil, fmt.Errorf("read %s: corrupt row: %w", view, err)
		}
		for c, col := range schema {
			if err := appendJSON(out.Cols[c], obj[col.Name]); err != nil {
				return nil, fmt.Errorf("read %s: column %s: %w", view, col.Name, err)
			}
		}
		out.Len++
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", view, err)
	}
	return out, nil
}

// appendJSON appends the JSON value raw (absent or null: NULL) to v.
func appendJSON(v *coldata.Vec, raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		v.AppendNull()
		return nil
	}
	var err error
	switch v.Type {
	case catalog.Bigint, catalog.Timestamp:
		var x int64
		err = json.Unmarshal(raw, &x)
		v.I64 = append(v.I64, x)
	case catalog.Double:
		var x float64
		if raw[0] == '"' {
			x, err = nonFinite(raw)
		} else {
			err = json.Unmarshal(raw, &x)
		}
		v.F64 = append(v.F64, x)
	case catalog.Varchar:
		var x string
		err = json.Unmarshal(raw, &x)
		v.Str = append(v.Str, x)
	case catalog.Boolean:
		var x bool
		err = json.Unmarshal(raw, &x)
		v.Bool = append(v.Bool, x)
	default:
		v.AppendNull()
	}
	return err
}

// nonFinite decodes a DOUBLE stored as a JSON string.
func nonFinite(raw json.RawMessage) (float64, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, err
	}
	switch s {
	case posInf:
		return math.Inf(1), nil
	case negInf:
		return math.Inf(-1), nil
	case nan:
		return math.NaN(), nil
	}
	return 0, fmt.Errorf("want a number, Infinity, -Infinity or NaN, got %q", s)
}
