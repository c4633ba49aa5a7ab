package runtime

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/planner"
	"github.com/weirdb/weir/sql"
)

// maxKeylessRows bounds the rows kept by a materialized view whose query
// has no window and group key (a plain filter/projection): past it the
// oldest half is discarded.
const maxKeylessRows = 100_000

// matView holds a materialized view's current rows: the latest emission
// per window and group key, or, for a view without a window aggregation,
// the most recent rows. The keys are the window aggregation's own
// (planner.KeyedPlan): window bounds and group keys the SELECT list leaves
// out or computes on are stored as hidden columns after the visible ones,
// which no read or subscription shows. The view's query writes through
// viewSink on its operator goroutine; readers (SELECT, SUBSCRIBE) take
// the read lock and copy what they need.
type matView struct {
	name    string
	schema  catalog.Schema // visible columns, then hidden key columns
	visible int            // how many columns of schema the view shows
	keyCols []int          // nil: rows are appended
	query   *Query

	mu    sync.RWMutex
	cols  []*coldata.Vec
	emit  []coldata.EmitKind
	index map[string]int32 // encoded key → row
	subs  map[*Subscription]struct{}
	cold  *viewCold // nil: not archived (cold.go)

	keyBuf []byte // writer-only scratch
}

func newMatView(name string, schema catalog.Schema, keyCols []int) *matView {
	mv := &matView{name: name, schema: schema, visible: len(schema), keyCols: keyCols, index: map[string]int32{}, subs: map[*Subscription]struct{}{}}
	mv.cols = make([]*coldata.Vec, len(schema))
	for i, c := range schema {
		mv.cols[i] = coldata.NewVec(c.Type, 0)
	}
	return mv
}

// Len returns the number of current rows.
func (mv *matView) Len() int {
	mv.mu.RLock()
	defer mv.mu.RUnlock()
	return len(mv.emit)
}

// startView starts a materialized view's query, keyed "view/<name>" in the
// checkpoint store so that it resumes after a restart.
func (e *Engine) startView(ctx context.Context, v *catalog.View, plan *planner.Plan) error {
	// A view's query lives as long as the engine, not the statement.
	// Exec reads e.replaying on the goroutine of Restore, which sets it,
	// or on a client's after Restore returned.
	mv, err := e.newView(context.WithoutCancel(ctx), v, plan, e.replaying)
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.views[strings.ToLower(v.Name)] = mv
	e.mu.Unlock()
	return nil
}

// newView starts a materialized view's query under ctx and returns the
// view, which the caller registers (Engine.views). restored says v comes
// from the persisted catalog (coldTier.attach).
func (e *Engine) newView(ctx context.Context, v *catalog.View, plan *planner.Plan, restored bool, setup ...func(*Query)) (*matView, error) {
	run, keyCols := keyedRun(plan) // as a Kafka sink's message key
	mv := newMatView(v.Name, run.Output, keyCols)
	mv.visible = len(plan.Output)
	if e.cold != nil && mv.keyCols != nil {
		e.cold.attach(mv, restored)
	}
	q, err := e.startQuery(ctx, v.SQL, run, &viewSink{mv: mv}, "view/"+strings.ToLower(v.Name), setup...)
	if err != nil {
		return nil, err
	}
	mv.query = q
	return mv, nil
}

// dropView refuses (2BP01) while a sink or another view depends on the
// view (viewUser); otherwise it ends a materialized view's subscriptions
// (57014), stops its query, forgets it (SHOW QUERIES, metrics) and deletes
// its checkpoints. The dependency error carries no position: Engine.drop
// knows the statement's.
func (e *Engine) dropView(name string) error {
	if user := e.viewUser(name); user != "" {
		return &sql.Error{Code: "2BP01", Msg: fmt.Sprintf("cannot drop view %q: %s depends on it", name, user)}
	}
	key := strings.ToLower(name)
	e.mu.Lock()
	mv := e.views[key]
	delete(e.views, key)
	e.mu.Unlock()
	if mv == nil {
		return nil
	}
	// Subscriptions end first, so that they report the drop rather than
	// the end of the query.
	mv.endSubscriptions(errViewDropped(mv.name))
	q := mv.query
	// Out of SHOW QUERIES and /metrics; a view whose restore failed may
	// have been replaced by a background retry meanwhile (stopQuery).
	if next := e.stopQuery(q); next != nil {
		next.endSubscriptions(errViewDropped(mv.name))
		e.mu.Lock()
		if e.views[key] == next {
			delete(e.views, key)
		}
		e.mu.Unlock()
		mv = next
	}
	if e.cold != nil {
		if q.restoring != nil && mv.cold == nil {
			// A view whose restore failed may never have looked up its
			// archive identity (its query did not plan): look it up, so
			// that the drop deletes its archive as any drop does.
			e.cold.identity(mv.name, statementFingerprint(q.SQL))
		}
		if err := e.cold.dropView(context.Background(), mv.name); err != nil {
			return err
		}
	}
	if q.store != nil {
		return q.store.Delete(q.key)
	}
	return nil
}

// viewUser names a sink of the catalog reading the view (CREATE SINK ...
// FROM view), or a materialized view or sink whose query expands it (a
// plain view in its FROM), or returns "".
func (e *Engine) viewUser(name string) string {
	for _, s := range e.cat.Sinks() {
		if strings.EqualFold(s.From, name) {
			return "sink " + s.Name
		}
	}
	e.mu.Lock()
	owners := make(map[*Query]string, len(e.views))
	for _, mv := range e.views {
		owners[mv.query] = "view " + mv.name
	}
	e.mu.Unlock()
	for _, q := range e.Queries() {
		owner := owners[q]
		if owner == "" && q.sinkName != "" && e.cat.Sink(q.sinkName) != nil {
			owner = "sink " + q.sinkName
		}
		if owner == "" || q.Plan == nil {
			continue
		}
		for _, v := range q.Plan.Views {
			if strings.EqualFold(v, name) {
				return owner
			}
		}
	}
	return ""
}

// view returns the materialized view named name, or nil.
func (e *Engine) view(name string) *matView {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.views[strings.ToLower(name)]
}

// upsertLocked stores row i of b: it replaces the row with the same key or
// is appended.
func (mv *matView) upsertLocked(b *coldata.Batch, i int) {
	kind := coldata.EmitNone
	if i < len(b.Emit) {
		kind = b.Emit[i]
	}
	if mv.cold != nil {
		mv.cold.queueLocked(b, i, kind)
	}
	if mv.keyCols == nil {
		if len(mv.emit) >= maxKeylessRows {
			mv.dropOldestLocked(maxKeylessRows / 2)
		}
		mv.appendLocked(b, i, kind)
		return
	}
	mv.keyBuf = coldata.AppendRowKey(mv.keyBuf[:0], b.Cols, mv.keyCols, i)
	if r, ok := mv.index[string(mv.keyBuf)]; ok {
		for c, v := range mv.cols {
			setRow(v, int(r), b.Cols[c], i)
		}
		mv.emit[r] = kind
		return
	}
	mv.index[string(mv.keyBuf)] = int32(len(mv.emit))
	mv.appendLocked(b, i, kind)
}

func (mv *matView) appendLocked(b *coldata.Batch, i int, kind coldata.EmitKind) {
	for c, v := range mv.cols {
		v.CopyRow(b.Cols[c], i)
		if v.Type == catalog.Varchar && len(v.Str) > 0 {
			v.Str[len(v.Str)-1] = strings.Clone(v.Str[len(v.Str)-1])
		}
	}
	mv.emit = append(mv.emit, kind)
}

// dropOldestLocked discards the first n rows of a keyless view.
func (mv *matView) dropOldestLocked(n int) {
	keep := len(mv.emit) - n
	for c, v := range mv.cols {
		nv := coldata.NewVec(v.Type, keep)
		for r := n; r < len(mv.emit); r++ {
			nv.CopyRow(v, r)
		}
		mv.cols[c] = nv
	}
	mv.emit = append(mv.emit[:0], mv.emit[n:]...)
}

// setRow overwrites row j of dst with row i of src (same type).
//
// A VARCHAR value a view keeps is cloned (appendLocked too): the strings of
// a batch may share a block with the batch's other values (the JSON
// decoder copies new values into 2 KiB blocks, the window operator's
// output keys are substrings of its 4 KiB key-arena chunks), and a kept
// row must not hold the whole block — a view keeping 1 row in 1,000 would
// hold a block per row.
func setRow(dst *coldata.Vec, j int, src *coldata.Vec, i int) {
	null := src.Nulls.IsNull(i)
	if null {
		dst.Nulls.Set(j)
	} else {
		dst.Nulls.Unset(j)
	}
	switch dst.Type {
	case catalog.Bigint, catalog.Timestamp:
		dst.I64[j] = src.I64[i]
	case catalog.Double:
		dst.F64[j] = src.F64[i]
	case catalog.Varchar:
		if dst.Str[j] != src.Str[i] {
			dst.Str[j] = strings.Clone(src.Str[i])
		}
	case catalog.Boolean:
		dst.Bool[j] = src.Bool[i]
	}
}

// visibleSchema returns the columns the view shows (not its hidden keys).
func (mv *matView) visibleSchema() catalog.Schema { return mv.schema[:mv.visible] }

// snapshotBatch copies the current rows' visible columns into a batch the
// caller owns.
func (mv *matView) snapshotBatch() *coldata.Batch {
	mv.mu.RLock()
	defer mv.mu.RUnlock()
	return copyCols(mv.visibleSchema(), mv.cols[:mv.visible], mv.emit)
}

func copyCols(schema catalog.Schema, cols []*coldata.Vec, emit []coldata.EmitKind) *coldata.Batch {
	b := &coldata.Batch{Len: len(emit), Cols: make([]*coldata.Vec, len(cols))}
	for c, v := range cols {
		nv := &coldata.Vec{Type: v.Type, Nulls: append(coldata.Nulls(nil), v.Nulls...)}
		switch v.Type {
		case catalog.Bigint, catalog.Timestamp:
			nv.I64 = append([]int64(nil), v.I64...)
		case catalog.Double:
			nv.F64 = append([]float64(nil), v.F64...)
		case catalog.Varchar:
			nv.Str = append([]string(nil), v.Str...)
		case catalog.Boolean:
			nv.Bool = append([]bool(nil), v.Bool...)
		}
		b.Cols[c] = nv
	}
	b.Emit = append([]coldata.EmitKind(nil), emit...)
	return b
}

// viewSink is the last operator of a materialized view's query: it upserts
// every emitted row into the view and hands the batch to subscribers.
type viewSink struct {
	mv  *matView
	ctx context.Context // the query's, from Open
}

var (
	_ operators.Operator     = (*viewSink)(nil)
	_ operators.Checkpointer = (*viewSink)(nil)
)

// Open implements operators.Operator.
func (s *viewSink) Open(oc *operators.Context) error {
	s.ctx = oc.Ctx
	return nil
}

// Process implements operators.Operator.
func (s *viewSink) Process(b *coldata.Batch, _ operators.Emitter) error {
	if b.Live() == 0 {
		return nil
	}
	mv := s.mv
	mv.mu.Lock()
	if b.Sel != nil {
		for _, i := range b.Sel {
			mv.upsertLocked(b, i)
		}
	} else {
		for i := 0; i < b.Len; i++ {
			mv.upsertLocked(b, i)
		}
	}
	// Published before unlocking: Subscribe's snapshot then holds either
	// all of b or none of it.
	mv.publishLocked(b)
	mv.mu.Unlock()
	if mv.cold != nil && s.ctx != nil {
		mv.cold.waitRoom(s.ctx, mv)
	}
	return nil
}

// OnWatermark implements operators.Operator.
func (s *viewSink) OnWatermark(int64, operators.Emitter) error { return nil }

// Close implements operators.Operator.
func (s *viewSink) Close() error { return nil }

// viewSnapshotVersion versions viewSink's checkpoint encoding.
const viewSnapshotVersion = 1

// Snapshot implements operators.Checkpointer: the view's rows, so that a
// restart shows the same contents before any new emission.
func (s *viewSink) Snapshot(w io.Writer) error {
	mv := s.mv
	mv.mu.RLock()
	buf := []byte{viewSnapshotVersion}
	buf = binary.AppendUvarint(buf, uint64(len(mv.cols)))
	buf = binary.AppendUvarint(buf, uint64(len(mv.emit)))
	for r, k := range mv.emit {
		buf = append(buf, byte(k))
		for _, v := range mv.cols {
			buf = appendValue(buf, v, r)
		}
	}
	mv.mu.RUnlock()
	_, err := w.Write(buf)
	return err
}

// Restore implements operators.Checkpointer.
func (s *viewSink) Restore(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	mv := s.mv
	d := &valueDecoder{buf: data}
	if d.byte() != viewSnapshotVersion {
		return errors.New("runtime: view snapshot: unknown version")
	}
	ncols, nrows := d.uvarint(), d.uvarint()
	if d.err == nil && int(ncols) != len(mv.cols) {
		return fmt.Errorf("runtime: view snapshot of %s has %d columns, the view %d", mv.name, ncols, len(mv.cols))
	}
	tmp := coldata.NewBatch(mv.schema, 1)
	tmp.Emit = make([]coldata.EmitKind, 1)
	mv.mu.Lock()
	defer mv.mu.Unlock()
	for row := uint64(0); row < nrows && d.err == nil; row++ {
		tmp.Reset(0)
		tmp.Emit = append(tmp.Emit[:0], coldata.EmitKind(d.byte()))
		for _, v := range tmp.Cols {
			d.value(v)
		}
		tmp.Len = 1
		if d.err == nil {
			mv.upsertLocked(tmp, 0)
		}
	}
	if d.err != nil {
		return fmt.Errorf("runtime: view snapshot of %s: %w", mv.name, d.err)
	}
	return nil
}

func appendValue(buf []byte, v *coldata.Vec, r int) []byte {
	if v.Nulls.IsNull(r) {
		return append(buf, 0)
	}
	buf = append(buf, 1)
	switch v.Type {
	case catalog.Bigint, catalog.Timestamp:
		buf = binary.AppendVarint(buf, v.I64[r])
	case catalog.Double:
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v.F64[r]))
	case catalog.Varchar:
		buf = binary.AppendUvarint(buf, uint64(len(v.Str[r])))
		buf = append(buf, v.Str[r]...)
	case catalog.Boolean:
		if v.Bool[r] {
			buf = append(buf, 1)
		} else {
			buf = append(buf, 0)
		}
	}
	return buf
}

// valueDecoder reads appendValue's encoding; the first error sticks.
type valueDecoder struct {
	buf []byte
	err error
}

var errShort = errors.New("truncated")

func (d *valueDecoder) byte() byte {
	if d.err != nil || len(d.buf) == 0 {
		d.err = errShort
		return 0
	}
	b := d.buf[0]
	d.buf = d.buf[1:]
	return b
}

func (d *valueDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.buf = d.buf[n:]
	return x
}

// value appends one decoded value to v.
func (d *valueDecoder) value(v *coldata.Vec) {
	if d.byte() == 0 {
		v.AppendNull()
		return
	}
	switch v.Type {
	case catalog.Bigint, catalog.Timestamp:
		x, n := binary.Varint(d.buf)
		if n <= 0 {
			d.err = errShort
			return
		}
		d.buf = d.buf[n:]
		v.I64 = append(v.I64, x)
	case catalog.Double:
		if len(d.buf) < 8 {
			d.err = errShort
			return
		}
		v.F64 = append(v.F64, math.Float64frombits(binary.LittleEndian.Uint64(d.buf)))
		d.buf = d.buf[8:]
	case catalog.Varchar:
		n := d.uvarint()
		if d.err != nil || uint64(len(d.buf)) < n {
			d.err = errShort
			return
		}
		v.Str = append(v.Str, string(d.buf[:n]))
		d.buf = d.buf[n:]
	case catalog.Boolean:
		v.Bool = append(v.Bool, d.byte() == 1)
	}
}
