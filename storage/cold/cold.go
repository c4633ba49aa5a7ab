// Package cold is the cold tier: closed window results of materialized
// views archived to PostgreSQL (state.cold.postgres_url), pruned past
// state.cold.retention, and read back for queries that span hot and cold.
//
// All views share one table, created if absent:
//
//	CREATE TABLE IF NOT EXISTS weir_cold_rows (
//	    view text NOT NULL, window_start timestamptz NOT NULL,
//	    window_end timestamptz NOT NULL, key text NOT NULL,
//	    row jsonb NOT NULL, archived_at timestamptz NOT NULL,
//	    PRIMARY KEY (view, window_start, window_end, key));
//	CREATE INDEX IF NOT EXISTS weir_cold_rows_end ON weir_cold_rows (window_end);
//
// key is the JSON array of the row's group-key values (NULL included), so
// a re-archived (late) row replaces the earlier one; row is the JSON
// object of every column (TIMESTAMP as epoch milliseconds). A view that
// shows only one of window_start and window_end stores that column's value
// in both (its windows are still told apart; retention then counts from
// the shown bound).
package cold

import (
	"context"
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

// Archive is a connection to the cold tier. Safe for concurrent use:
// calls are serialized on one connection, which is re-established by the
// next call after it broke.
type Archive struct {
	url       string
	retention time.Duration

	mu   sync.Mutex
	conn *pgx.Conn // nil or closed: reconnect on the next call
}

// Open connects to url and creates the archive table if absent.
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

// connLocked returns the connection, (re)connecting and creating the
// table if needed. a.mu is held (or a is not shared yet).
func (a *Archive) connLocked(ctx context.Context) (*pgx.Conn, error) {
	if a.conn != nil && !a.conn.IsClosed() {
		return a.conn, nil
	}
	a.conn = nil
	conn, err := pgx.Connect(ctx, a.url)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS weir_cold_rows (view text NOT NULL, window_start timestamptz NOT NULL, ` +
			`window_end timestamptz NOT NULL, key text NOT NULL, row jsonb NOT NULL, archived_at timestamptz NOT NULL, ` +
			`PRIMARY KEY (view, window_start, window_end, key))`,
		`CREATE INDEX IF NOT EXISTS weir_cold_rows_end ON weir_cold_rows (window_end)`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			conn.Close(ctx)
			return nil, fmt.Errorf("create table: %w", err)
		}
	}
	a.conn = conn
	return conn, nil
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

// Archive stores the live rows of b, result rows of view with schema
// (which must have window_start or window_end) and group-key columns
// keyCols, replacing rows archived before for the same window and key. It
// is called with closed windows' final and late rows, in one statement
// per call.
func (a *Archive) Archive(ctx context.Context, view string, schema catalog.Schema, keyCols []int, b *coldata.Batch, now time.Time) error {
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
	_, err = conn.Exec(ctx, `INSERT INTO weir_cold_rows (view, window_start, window_end, key, row, archived_at) `+
		`SELECT $1, s, e, k, r::jsonb, $6 FROM unnest($2::timestamptz[], $3::timestamptz[], $4::text[], $5::text[]) AS t(s, e, k, r) `+
		`ON CONFLICT (view, window_start, window_end, key) DO UPDATE SET row = EXCLUDED.row, archived_at = EXCLUDED.archived_at`,
		view, s2, e2, k2, r2, now.UTC())
	if err != nil {
		return fmt.Errorf("archive %s: %w", view, err)
	}
	return nil
}

// value returns row i of v as a JSON-encodable value.
func value(v *coldata.Vec, i int) any {
	if v.Nulls.IsNull(i) {
		return nil
	}
	switch v.Type {
	case catalog.Bigint, catalog.Timestamp:
		return v.I64[i]
	case catalog.Double:
		if math.IsNaN(v.F64[i]) || math.IsInf(v.F64[i], 0) {
			return nil
		}
		return v.F64[i]
	case catalog.Varchar:
		return v.Str[i]
	case catalog.Boolean:
		return v.Bool[i]
	}
	return nil
}

// Prune deletes the rows of windows that ended before now − retention and
// returns their number.
func (a *Archive) Prune(ctx context.Context, now time.Time) (int64, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	conn, err := a.connLocked(ctx)
	if err != nil {
		return 0, err
	}
	tag, err := conn.Exec(ctx, `DELETE FROM weir_cold_rows WHERE window_end < $1`, now.Add(-a.retention).UTC())
	if err != nil {
		return 0, fmt.Errorf("prune: %w", err)
	}
	return tag.RowsAffected(), nil
}

// DeleteView deletes every archived row of view (DROP VIEW).
func (a *Archive) DeleteView(ctx context.Context, view string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	conn, err := a.connLocked(ctx)
	if err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `DELETE FROM weir_cold_rows WHERE view = $1`, view); err != nil {
		return fmt.Errorf("delete %s: %w", view, err)
	}
	return nil
}

// Rows returns the archived rows of view whose window ends in
// [fromMs, toMs), ordered by window end, start and key, as a batch with
// schema (columns absent from a stored row are NULL). fromMs =
// math.MinInt64 and toMs = math.MaxInt64 leave that side unbounded.
func (a *Archive) Rows(ctx context.Context, view string, schema catalog.Schema, fromMs, toMs int64) (*coldata.Batch, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	conn, err := a.connLocked(ctx)
	if err != nil {
		return nil, err
	}
	q, args := `SELECT row FROM weir_cold_rows WHERE view = $1`, []any{view}
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
		err = json.Unmarshal(raw, &x)
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
