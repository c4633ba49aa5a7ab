// Package postgres is the PostgreSQL sink (connector = 'postgres'): window
// results are upserted on (window_start, window_end, group keys) into a
// table created if absent, in transactions that also record the
// checkpoint id the rows belong to, so that a replay after a restart never
// applies a checkpoint's rows twice (SEMANTICS.md §6).
package postgres

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
)

// CheckpointSink is the checkpoint protocol of an exactly-once sink. The
// runtime calls SetCheckpointing(true) before Open when the query takes
// checkpoints, RestoreCheckpoint(id) when it resumes from checkpoint id,
// and OnCheckpoint(id) once checkpoint id's barrier has reached the sink
// (after Snapshot of every operator, before or after the manifest commit:
// either order is safe).
type CheckpointSink interface {
	SetCheckpointing(on bool)
	RestoreCheckpoint(id uint64) error
	OnCheckpoint(id uint64) error
}

// Sink upserts result rows into a PostgreSQL table.
//
// Without checkpointing, pending rows are committed at every watermark,
// when flushRows are pending and at Close. With checkpointing, rows are
// committed only by OnCheckpoint(id), in one transaction with the row
// (sink, id) of weir_sink_checkpoints; when the query resumed from a
// checkpoint older than the last id applied to the table, the replayed
// rows of the checkpoints already applied are discarded instead.
//
// Transient failures (connection lost or refused, serialization failure,
// server shutting down) are retried with exponential backoff under the
// RetryPolicy (DefaultRetry: 100 ms doubling to 5 s, for 2 minutes) and
// reported on the error log; pending rows stay buffered meanwhile. A
// permanent failure, or one that outlasts the policy, is returned from
// Open, Process, OnWatermark, OnCheckpoint or Close, naming the sink, and
// fails the query.
type Sink struct {
	name     string
	url      string
	table    string
	schema   catalog.Schema
	conflict []int // schema columns of the upsert key

	ctx  context.Context
	conn *pgx.Conn

	checkpointing bool
	restored      bool
	lastApplied   uint64 // the table's checkpoint id for this sink, read at Open

	buf       rowBuffer
	delivered func(rows int) // SetDelivered; nil: nobody counts
	upsert    string
	flushRows int

	// Retries (retry.go).
	policy     RetryPolicy
	now        func() time.Time                                 // the retry clock
	sleep      func(ctx context.Context, d time.Duration) error // the backoff wait
	log        io.Writer                                        // retry warnings; nil: nowhere
	warned     bool                                             // a retry was reported and no success since
	lastWarn   time.Time
	suppressed int // retries not reported since lastWarn
}

var (
	_ operators.Operator = (*Sink)(nil)
	_ CheckpointSink     = (*Sink)(nil)
)

// flushRows is the pending row count that triggers a commit without
// checkpointing.
const defaultFlushRows = 8192

// knownOptions are the postgres sink's options.
var knownOptions = []string{"connector", "url", "table"}

// New returns a sink for def (options url, table; any other is refused, as
// the planner already did, planner.SinkDef) whose input has schema;
// keyCols are the group-key columns of schema. The upsert key is
// window_start and window_end (when schema has them) and keyCols. The
// returned operator is a *Sink (it also implements CheckpointSink).
func New(def *catalog.Sink, schema catalog.Schema, keyCols []int) (operators.Operator, error) {
	for _, k := range slices.Sorted(maps.Keys(def.Options)) {
		if !slices.Contains(knownOptions, strings.ToLower(k)) {
			return nil, fmt.Errorf("sink %s: unknown option %q; known options: %s", def.Name, k, strings.Join(knownOptions, ", "))
		}
	}
	url, ok := def.Options.Get("url")
	if !ok || url == "" {
		return nil, fmt.Errorf("sink %s needs the url option", def.Name)
	}
	if _, err := pgx.ParseConfig(url); err != nil {
		return nil, fmt.Errorf("sink %s: bad url: %w", def.Name, err)
	}
	table, ok := def.Options.Get("table")
	if !ok || table == "" {
		return nil, fmt.Errorf("sink %s needs the table option", def.Name)
	}
	for _, c := range schema {
		if _, err := pgType(c.Type); err != nil {
			return nil, fmt.Errorf("sink %s: column %q: %w", def.Name, c.Name, err)
		}
		if c.Name == "_emit" {
			return nil, fmt.Errorf("sink %s: column name _emit is reserved", def.Name)
		}
	}
	s := &Sink{name: def.Name, url: url, table: table, schema: schema,
		flushRows: defaultFlushRows, policy: DefaultRetry, now: time.Now, sleep: sleepCtx, log: os.Stderr}
	for _, w := range []string{"window_start", "window_end"} {
		if i := schema.Index(w); i >= 0 {
			s.conflict = append(s.conflict, i)
		}
	}
	for _, k := range keyCols {
		if k < 0 || k >= len(schema) {
			return nil, fmt.Errorf("sink %s: key column %d out of range", def.Name, k)
		}
		s.conflict = append(s.conflict, k)
	}
	s.buf.init(schema)
	s.upsert = s.upsertSQL()
	return s, nil
}

// SetCheckpointing implements CheckpointSink.
func (s *Sink) SetCheckpointing(on bool) { s.checkpointing = on }

// SetDelivered sets the function told, after each commit, how many rows
// the commit made durable in the table (Process only buffers them). Rows
// of a replayed checkpoint that the table already holds are discarded
// without being counted. The runtime counts a query's rows_out with it.
// Call it before the first row is committed.
func (s *Sink) SetDelivered(f func(rows int)) { s.delivered = f }

// RestoreCheckpoint implements CheckpointSink: the query resumes from
// checkpoint id; rows of checkpoints up to the table's last applied id
// will be discarded.
func (s *Sink) RestoreCheckpoint(id uint64) error {
	s.restored = true
	return nil
}

// LastApplied returns the id of the last checkpoint whose rows the table
// holds (0 when none), as read at Open and advanced by OnCheckpoint.
func (s *Sink) LastApplied() uint64 { return s.lastApplied }

// Open connects, creates the table, index and checkpoint table if absent
// and reads the sink's last applied checkpoint id.
func (s *Sink) Open(ctx *operators.Context) error {
	s.ctx = context.Background()
	if ctx != nil && ctx.Ctx != nil {
		s.ctx = ctx.Ctx
	}
	err := s.retry("open", func() error {
		for _, q := range s.DDL() {
			if _, err := s.conn.Exec(s.ctx, q); err != nil {
				return err
			}
		}
		var id int64
		err := s.conn.QueryRow(s.ctx, "SELECT checkpoint_id FROM "+CheckpointTable+" WHERE sink = $1", s.name).Scan(&id)
		switch {
		case err == pgx.ErrNoRows:
			s.lastApplied = 0
		case err != nil:
			return err
		default:
			s.lastApplied = uint64(id)
		}
		return nil
	})
	if err != nil && s.conn != nil {
		// No Close follows a failed Open (operators.Operator): release
		// the connection here.
		s.conn.Close(context.Background())
		s.conn = nil
	}
	return err
}

// Process buffers the rows of b (with their Batch.Emit kinds).
func (s *Sink) Process(b *coldata.Batch, _ operators.Emitter) error {
	if len(b.Cols) != len(s.schema) {
		return fmt.Errorf("sink %s: batch has %d columns, want %d", s.name, len(b.Cols), len(s.schema))
	}
	for c, v := range b.Cols {
		if v.Type != s.schema[c].Type {
			return fmt.Errorf("sink %s: column %d is %s, want %s", s.name, c, v.Type, s.schema[c].Type)
		}
	}
	b.ForEach(func(i int) { s.buf.add(b, i) })
	if !s.checkpointing && s.buf.n >= s.flushRows {
		return s.commit(0)
	}
	return nil
}

// OnWatermark commits pending rows when the query takes no checkpoints.
func (s *Sink) OnWatermark(int64, operators.Emitter) error {
	if s.checkpointing || s.buf.n == 0 {
		return nil
	}
	return s.commit(0)
}

// OnCheckpoint implements CheckpointSink: it commits the rows received
// since the previous checkpoint together with id, or discards them when
// id ≤ the last applied id after a restore (they are in the table).
func (s *Sink) OnCheckpoint(id uint64) error {
	if s.restored && id <= s.lastApplied {
		s.buf.reset()
		return nil
	}
	return s.commit(id)
}

// Close commits pending rows (without a checkpoint id) and disconnects.
func (s *Sink) Close() error {
	var err error
	if s.buf.n > 0 && s.conn != nil {
		err = s.commit(0)
	}
	if s.conn != nil {
		s.conn.Close(context.Background())
		s.conn = nil
	}
	return err
}
