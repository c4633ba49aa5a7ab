package runtime

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/storage/cold"
)

// The cold tier (state.cold.postgres_url): the closed window results of
// materialized views — their final and late rows — are queued by the
// view's sink (a columnar copy under the view's lock, no I/O on the
// operator goroutine) and archived by one background goroutine, one
// INSERT per view per flush, every coldFlushInterval or sooner once
// coldFlushRows rows wait. Once a window's rows are archived, the view
// keeps only its coldHotWindows most recent closed windows in memory; a
// bounded SELECT reads the older ones back from PostgreSQL, the hot row
// winning where both hold the same window and key. Archived windows that
// ended more than state.cold.retention before the engine clock are pruned
// every coldPruneInterval. PostgreSQL errors are retried with exponential
// backoff (coldMinBackoff to coldMaxBackoff) without losing queued rows,
// written to stderr when they start and end, and shown on the view's
// query in SHOW QUERIES; reads fail with the error.
//
// Each view archives under its own identity (cold.NewID), made when the
// view is created and kept in the state directory as a one-blob record
// under the checkpoint key "cold/<view>" (coldIDKey), fingerprinted by the
// view's statement as its query's checkpoints are, so that the view finds
// its archive again after a restart, while a view re-created after DROP
// VIEW, the views of a server whose state directory was wiped and the
// same-named views of another server sharing the database each start from
// an empty archive. A view created under the name of one whose record
// remains with another statement (a view that failed to restore at
// startup, created again with another query) starts a new archive too:
// once it runs, the rows of the former archive are deleted and the record
// names the new one (viewCold.prepare). A record without a fingerprint
// (made by an older weir) is the view's, and gets the fingerprint. Without
// a state directory (no checkpoint store) the identity lives as long as
// the engine. Pruning touches only the archives of this engine's views.
// DROP VIEW forgets the identity first, then deletes its rows; if
// PostgreSQL cannot be reached the rows stay, unread by anyone, and stderr
// says how to delete them.
const (
	coldHotWindows    = 8
	coldFlushInterval = time.Second
	coldFlushRows     = 4096
	coldPruneInterval = time.Hour
	coldMinBackoff    = 100 * time.Millisecond
	coldMaxBackoff    = 30 * time.Second
	coldCloseTimeout  = 10 * time.Second
	// coldQueueMaxRows bounds a view's archive queue: with this many rows
	// waiting (PostgreSQL failing), the view's query waits for the
	// archiver (back-pressure) rather than grow memory without bound.
	coldQueueMaxRows = 1 << 20
	// coldFlushTimeout bounds one archiving attempt (connect, prepare,
	// INSERT); a failed attempt is retried with the backoff.
	coldFlushTimeout = time.Minute
)

// coldTier archives the engine's materialized views to PostgreSQL.
type coldTier struct {
	e         *Engine
	url       string
	retention time.Duration
	keepHot   int // closed windows kept in memory once archived

	mu             sync.Mutex
	writer, reader *cold.Archive     // nil until connected
	err            error             // the last failure; nil after a success
	ids            map[string]string // archive identity by lower-cased view name
	// formers holds, by lower-cased view name, the archive of a former
	// statement under the view's name whose rows the view has yet to
	// delete (viewCold.prepare); DROP VIEW deletes them too.
	formers map[string]string

	flushMu   sync.Mutex // one flush or prune at a time
	wake      chan struct{}
	stop      context.CancelFunc
	done      chan struct{}
	lastPrune time.Time
	queueMax  int // coldQueueMaxRows; smaller in tests
}

// viewCold is a view's archive queue.
type viewCold struct {
	tier        *coldTier
	id          string // archive identity
	view        string // the view's name, stored with its rows
	fingerprint string // of the view's statement, recorded with id
	// What prepare has yet to do before the view's archive is touched
	// (under prepMu): delete the rows of the former archive under the
	// name, record id with the fingerprint, adopt an older weir's rows.
	prepMu           sync.Mutex
	former           string // "": none
	record           bool
	adopt            bool
	startCol, endCol int // window columns (cold.WindowCols)
	pending          *coldata.Batch
	spare            *coldata.Batch
	inflight         int // rows a flush has taken and not yet archived (mv.mu)
	// room is signalled when a flush has taken the pending rows, for a
	// query waiting on a full queue (waitRoom).
	room chan struct{}
	// readMu orders reads against eviction: a read holds it shared from
	// its cold query to its hot snapshot, so rows archived meanwhile
	// cannot leave memory in between.
	readMu sync.RWMutex
}

// newColdTier returns the engine's cold tier and starts its archiver, or
// nil when state.cold.postgres_url is empty.
func newColdTier(e *Engine) *coldTier {
	cfg := e.cfg.State.Cold
	if cfg.PostgresURL == "" {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &coldTier{e: e, url: cfg.PostgresURL, retention: cfg.Retention, keepHot: coldHotWindows, queueMax: coldQueueMaxRows,
		ids: map[string]string{}, formers: map[string]string{}, wake: make(chan struct{}, 1), stop: cancel, done: make(chan struct{})}
	go c.loop(ctx)
	return c
}

// attach gives mv an archive queue, under the view's archive identity,
// when its rows have a window column and a key; otherwise the view stays
// in memory only, which is reported. restored says the view's statement
// comes from the persisted catalog (Engine.Restore, or a background retry
// of a restore that failed), the caller's to say: no flag shared with
// other goroutines is read here.
func (c *coldTier) attach(mv *matView, restored bool) {
	start, end, ok := cold.WindowCols(mv.schema)
	if !ok || mv.keyCols == nil {
		fmt.Fprintf(c.e.stderr, "weir: view %s shows no window_start or window_end: not archived to the cold tier\n", mv.name)
		return
	}
	var fingerprint string
	if v := c.e.cat.View(mv.name); v != nil {
		fingerprint = statementFingerprint(v.SQL)
	}
	ident, err := c.identity(mv.name, fingerprint)
	if err != nil {
		// The archive still works for this run; a restart will not find it.
		fmt.Fprintf(c.e.stderr, "weir: cold tier: view %s: %v\n", mv.name, err)
	}
	mv.cold = &viewCold{tier: c, id: ident.id, view: mv.name, fingerprint: fingerprint,
		former: ident.former, record: ident.record,
		// A view restored from the persisted catalog without an identity
		// record was created by a weir without identities: its rows are
		// the ones archived under its name with archive_id ''.
		adopt:    !ident.recorded && restored,
		startCol: start, endCol: end,
		pending: coldata.NewBatch(mv.schema, 0), spare: coldata.NewBatch(mv.schema, 0),
		room: make(chan struct{}, 1)}
	mv.cold.pending.Reset(0)
	mv.cold.spare.Reset(0)
}

// coldIDKey is the checkpoint-store key of view's archive identity record.
func coldIDKey(view string) string { return "cold/" + strings.ToLower(view) }

// coldIDBlob is the blob of the identity record that holds the identity.
const coldIDBlob = "archive_id"

// coldIdentity is what the state directory says of a view's archive.
type coldIdentity struct {
	id       string // the archive the view reads and writes
	recorded bool   // the directory held a record under the view's name
	former   string // an archive of another statement under the name, to delete; "" none
	record   bool   // id and the fingerprint are to be recorded once the view runs
}

// identity returns view's archive identity: the one recorded in the state
// directory for the view's statement (fingerprint) or without a
// fingerprint (an older weir's), or a new one. A new identity is recorded
// at once when the name has no record; when the record is of another
// statement, it stays until the view runs (prepare): a view whose query
// then fails to start leaves the former archive as it was. With no state
// directory, or when it fails (err), the identity is the engine's only.
func (c *coldTier) identity(view, fingerprint string) (ident coldIdentity, err error) {
	defer func() {
		c.mu.Lock()
		c.ids[strings.ToLower(view)] = ident.id
		if ident.former != "" {
			c.formers[strings.ToLower(view)] = ident.former
		} else {
			// Left by an attempt whose query failed to start.
			delete(c.formers, strings.ToLower(view))
		}
		c.mu.Unlock()
	}()
	st := c.e.store
	if st == nil {
		return coldIdentity{id: cold.NewID()}, nil
	}
	ck, err := st.Latest(coldIDKey(view))
	if err != nil {
		return coldIdentity{id: cold.NewID()}, fmt.Errorf("reading its archive identity: %w", err)
	}
	if ck != nil && len(ck.Blobs[coldIDBlob]) > 0 {
		recorded := string(ck.Blobs[coldIDBlob])
		switch ck.Fingerprint {
		case fingerprint:
			return coldIdentity{id: recorded, recorded: true}, nil
		case "":
			// An older weir's record: the view's, fingerprinted once it runs.
			return coldIdentity{id: recorded, recorded: true, record: true}, nil
		}
		return coldIdentity{id: cold.NewID(), recorded: true, former: recorded, record: true}, nil
	}
	ident = coldIdentity{id: cold.NewID()}
	return ident, c.recordIdentity(view, ident.id, fingerprint)
}

// recordIdentity writes view's identity record: archive id, made for the
// statement with fingerprint.
func (c *coldTier) recordIdentity(view, id, fingerprint string) error {
	st := c.e.store
	if st == nil {
		return nil
	}
	ck, err := st.Latest(coldIDKey(view))
	if err != nil {
		return fmt.Errorf("recording its archive identity: %w", err)
	}
	rec := &Checkpoint{Query: coldIDKey(view), ID: 1, Fingerprint: fingerprint, Blobs: map[string][]byte{coldIDBlob: []byte(id)}}
	if ck != nil {
		rec.ID = ck.ID + 1
	}
	if err := st.Commit(rec); err != nil {
		return fmt.Errorf("recording its archive identity: %w", err)
	}
	return nil
}

// archiveIDs returns the identities of the engine's archived views, and
// of the former archives they have yet to delete.
func (c *coldTier) archiveIDs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := make([]string, 0, len(c.ids)+len(c.formers))
	for _, id := range c.ids {
		ids = append(ids, id)
	}
	for _, id := range c.formers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// prepare readies the view's archive, once it succeeds; the archiver and
// reads call it before touching the archive. It deletes the rows of the
// former archive under the view's name (a view created again with another
// statement), then records the view's identity with its statement's
// fingerprint (failing to is reported: the archive still works for this
// run, a restart will not find it), and gives the view the rows archived
// under its name by a weir without archive identities (an empty
// archive_id).
func (vc *viewCold) prepare(ctx context.Context, a *cold.Archive) error {
	vc.prepMu.Lock()
	defer vc.prepMu.Unlock()
	stderr := vc.tier.e.stderr
	if vc.former != "" {
		if err := a.Delete(ctx, vc.former, vc.view); err != nil {
			return fmt.Errorf("view %s: deleting the rows archived by its former statement: %w", vc.view, err)
		}
		fmt.Fprintf(stderr, "weir: cold tier: view %s was created with another statement than the one its archive was made by: "+
			"that archive is deleted, the view starts a new one\n", vc.view)
		vc.tier.forgetFormer(vc.view, vc.former)
		vc.former = ""
	}
	if vc.record {
		if err := vc.tier.recordIdentity(vc.view, vc.id, vc.fingerprint); err != nil {
			fmt.Fprintf(stderr, "weir: cold tier: view %s: %v\n", vc.view, err)
		}
		vc.record = false
	}
	if vc.adopt {
		n, err := a.Adopt(ctx, vc.id, vc.view)
		if err != nil {
			return err
		}
		vc.adopt = false
		if n > 0 {
			fmt.Fprintf(stderr, "weir: cold tier: view %s takes over %d rows archived by an older weir\n", vc.view, n)
		}
	}
	return nil
}

// forgetFormer forgets view's former archive id once its rows are deleted.
func (c *coldTier) forgetFormer(view, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.formers[strings.ToLower(view)] == id {
		delete(c.formers, strings.ToLower(view))
	}
}

// queueLocked queues row i of b if it is a closed window's (final or
// late) for archiving, waking the archiver when coldFlushRows rows wait;
// mv.mu is held for writing.
func (vc *viewCold) queueLocked(b *coldata.Batch, i int, kind coldata.EmitKind) {
	if kind != coldata.EmitFinal && kind != coldata.EmitLate {
		return
	}
	p := vc.pending
	for c, v := range p.Cols {
		v.CopyRow(b.Cols[c], i)
	}
	p.Emit = append(p.Emit, kind)
	p.Len++
	if p.Len == coldFlushRows {
		vc.tier.poke()
	}
}

// waitRoom makes the view's query wait while mv's archive queue holds
// the tier's queueMax rows or more (PostgreSQL failing: the archiver keeps
// retrying), until a flush takes them or ctx is done. Checkpoints of the
// query wait with it; its sources stop reading (back-pressure).
func (vc *viewCold) waitRoom(ctx context.Context, mv *matView) {
	for {
		mv.mu.RLock()
		n := vc.pending.Len + vc.inflight
		mv.mu.RUnlock()
		if n < vc.tier.queueMax {
			return
		}
		vc.tier.poke()
		select {
		case <-vc.room:
		case <-ctx.Done():
			return
		}
	}
}

// poke wakes the archiver without blocking.
func (c *coldTier) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// open returns the writer or reader connection, connecting if needed.
func (c *coldTier) open(ctx context.Context, reader bool) (*cold.Archive, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	slot := &c.writer
	if reader {
		slot = &c.reader
	}
	if *slot == nil {
		a, err := cold.Open(ctx, c.url, c.retention)
		if err != nil {
			return nil, err
		}
		*slot = a
	}
	return *slot, nil
}

func (c *coldTier) loop(ctx context.Context) {
	defer close(c.done)
	backoff := time.Duration(0)
	timer := time.NewTimer(coldFlushInterval)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
			if backoff > 0 {
				continue // the timer retries
			}
		case <-timer.C:
		}
		err := c.flush(ctx)
		if err == nil && c.e.clock.Now().Sub(c.lastPrune) >= coldPruneInterval {
			_, err = c.prune(ctx)
		}
		if ctx.Err() != nil {
			return
		}
		c.report(err)
		next := coldFlushInterval
		if err != nil {
			backoff = min(max(2*backoff, coldMinBackoff), coldMaxBackoff)
			next = backoff
		} else {
			backoff = 0
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(next)
	}
}

// report records the outcome of an archiver round, writing to stderr when
// a failure starts, changes or ends.
func (c *coldTier) report(err error) {
	c.mu.Lock()
	prev := c.err
	c.err = err
	c.mu.Unlock()
	switch {
	case err != nil && (prev == nil || prev.Error() != err.Error()):
		fmt.Fprintf(c.e.stderr, "weir: cold tier: %v (retrying with backoff)\n", err)
	case err == nil && prev != nil:
		fmt.Fprintf(c.e.stderr, "weir: cold tier: recovered\n")
	}
}

// lastErr returns the last archiver failure, nil after a success.
func (c *coldTier) lastErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// flush archives every view's queued rows, then drops archived closed
// windows beyond the hot retention. Rows that fail to archive stay queued
// (ahead of newer ones) for the next round.
func (c *coldTier) flush(ctx context.Context) error {
	c.flushMu.Lock()
	defer c.flushMu.Unlock()
	var errs []error
	for _, mv := range c.e.coldViews() {
		if err := c.flushView(ctx, mv); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (c *coldTier) flushView(ctx context.Context, mv *matView) error {
	vc := mv.cold
	mv.mu.Lock()
	batch := vc.pending
	vc.pending, vc.spare = vc.spare, nil
	vc.inflight = batch.Len // still counted against the queue's bound (waitRoom)
	mv.mu.Unlock()
	var err error
	if batch.Len > 0 || vc.unprepared() {
		// A PostgreSQL that accepts and never answers fails the attempt
		// (and the rows are retried) rather than hold the archiver.
		ctx, cancel := context.WithTimeout(ctx, coldFlushTimeout)
		defer cancel()
		var a *cold.Archive
		if a, err = c.open(ctx, false); err == nil {
			if err = vc.prepare(ctx, a); err == nil && batch.Len > 0 {
				err = a.Archive(ctx, vc.id, vc.view, mv.schema, mv.keyCols, batch, c.e.clock.Now())
			}
		}
	}
	mv.mu.Lock()
	if err != nil {
		// Requeue: the failed rows first, then what arrived meanwhile.
		for i := 0; i < vc.pending.Len; i++ {
			for col, v := range batch.Cols {
				v.CopyRow(vc.pending.Cols[col], i)
			}
			batch.Emit = append(batch.Emit, vc.pending.Emit[i])
			batch.Len++
		}
		vc.pending.Reset(0)
		vc.pending, vc.spare = batch, vc.pending
		vc.inflight = 0
		mv.mu.Unlock()
		return err
	}
	batch.Reset(0)
	vc.spare = batch
	vc.inflight = 0
	mv.mu.Unlock()
	select {
	case vc.room <- struct{}{}:
	default:
	}
	vc.readMu.Lock()
	mv.mu.Lock()
	mv.evictArchivedLocked(c.keepHot)
	mv.mu.Unlock()
	vc.readMu.Unlock()
	return nil
}

// unprepared reports whether prepare has work left.
func (vc *viewCold) unprepared() bool {
	vc.prepMu.Lock()
	defer vc.prepMu.Unlock()
	return vc.former != "" || vc.record || vc.adopt
}

// evictArchivedLocked drops the rows of closed windows (final or late)
// older than the keep most recent closed windows, except windows with rows
// still queued for archiving. mv.mu is held for writing.
func (mv *matView) evictArchivedLocked(keep int) {
	vc := mv.cold
	tcol := mv.cols[vc.endCol]
	var closed []int64
	for r, k := range mv.emit {
		if (k == coldata.EmitFinal || k == coldata.EmitLate) && !tcol.Nulls.IsNull(r) {
			closed = append(closed, tcol.I64[r])
		}
	}
	slices.Sort(closed)
	closed = slices.Compact(closed)
	if len(closed) <= keep {
		return
	}
	cut := closed[len(closed)-keep] // windows ending before it go
	queued := map[int64]bool{}
	for i := 0; i < vc.pending.Len; i++ {
		if pv := vc.pending.Cols[vc.endCol]; !pv.Nulls.IsNull(i) {
			queued[pv.I64[i]] = true
		}
	}
	drop := func(r int) bool {
		k := mv.emit[r]
		if k != coldata.EmitFinal && k != coldata.EmitLate || tcol.Nulls.IsNull(r) {
			return false
		}
		t := tcol.I64[r]
		return t < cut && !queued[t]
	}
	n := 0
	for r := range mv.emit {
		if drop(r) {
			n++
		}
	}
	if n == 0 {
		return
	}
	cols := make([]*coldata.Vec, len(mv.cols))
	for c, v := range mv.cols {
		cols[c] = coldata.NewVec(v.Type, len(mv.emit)-n)
	}
	emit := make([]coldata.EmitKind, 0, len(mv.emit)-n)
	clear(mv.index)
	for r, k := range mv.emit {
		if drop(r) {
			continue
		}
		for c, v := range mv.cols {
			cols[c].CopyRow(v, r)
		}
		mv.keyBuf = coldata.AppendRowKey(mv.keyBuf[:0], mv.cols, mv.keyCols, r)
		mv.index[string(mv.keyBuf)] = int32(len(emit))
		emit = append(emit, k)
	}
	mv.cols, mv.emit = cols, emit
}

// prune deletes the windows of the engine's archives past the retention
// at the engine clock.
func (c *coldTier) prune(ctx context.Context) (int64, error) {
	c.flushMu.Lock()
	defer c.flushMu.Unlock()
	a, err := c.open(ctx, false)
	if err != nil {
		return 0, err
	}
	now := c.e.clock.Now()
	n, err := a.Prune(ctx, c.archiveIDs(), now)
	if err == nil {
		c.lastPrune = now
	}
	return n, err
}

// readSnapshot returns mv's rows across hot and cold: the archived rows
// whose (window, key) is not in memory, then the hot rows.
func (c *coldTier) readSnapshot(ctx context.Context, mv *matView) (*coldata.Batch, error) {
	vc := mv.cold
	vc.readMu.RLock()
	defer vc.readMu.RUnlock()
	a, err := c.open(ctx, true)
	if err == nil {
		err = vc.prepare(ctx, a)
	}
	if err == nil {
		var archived *coldata.Batch
		if archived, err = a.Rows(ctx, vc.id, vc.view, mv.schema, math.MinInt64, math.MaxInt64); err == nil {
			return mv.mergeCold(archived), nil
		}
	}
	return nil, fmt.Errorf("reading view %s from the cold tier: %w", mv.name, err)
}

// mergeCold returns archived's rows absent from memory followed by the hot
// rows, as one batch the caller owns.
func (mv *matView) mergeCold(archived *coldata.Batch) *coldata.Batch {
	mv.mu.RLock()
	defer mv.mu.RUnlock()
	out := copyCols(mv.schema, mv.cols, mv.emit)
	if archived.Len == 0 {
		return out
	}
	merged := coldata.NewBatch(mv.schema, archived.Len+out.Len)
	merged.Reset(0)
	var key []byte
	for i := 0; i < archived.Len; i++ {
		key = coldata.AppendRowKey(key[:0], archived.Cols, mv.keyCols, i)
		if _, hot := mv.index[string(key)]; hot {
			continue
		}
		for c, v := range merged.Cols {
			v.CopyRow(archived.Cols[c], i)
		}
		merged.Emit = append(merged.Emit, coldata.EmitFinal)
		merged.Len++
	}
	for i := 0; i < out.Len; i++ {
		for c, v := range merged.Cols {
			v.CopyRow(out.Cols[c], i)
		}
		merged.Emit = append(merged.Emit, out.Emit[i])
		merged.Len++
	}
	return merged
}

// dropView forgets a dropped view's archive identity, so that no view
// reads its rows again, then deletes the rows, and those of a former
// archive under its name the view had yet to delete. The view's query has
// stopped and the view is out of coldViews; flushMu waits for a flush
// that may still be archiving its rows. Failing to delete the rows is
// reported on stderr, not returned: the view is gone either way, and a
// view created under the same name gets a new identity.
func (c *coldTier) dropView(ctx context.Context, name string) error {
	c.flushMu.Lock()
	defer c.flushMu.Unlock()
	key := strings.ToLower(name)
	c.mu.Lock()
	id, ok := c.ids[key]
	former := c.formers[key]
	delete(c.ids, key)
	delete(c.formers, key)
	c.mu.Unlock()
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, coldCloseTimeout)
	defer cancel()
	if st := c.e.store; st != nil {
		if err := st.Delete(coldIDKey(name)); err != nil {
			return fmt.Errorf("dropping view %s from the cold tier: forgetting its archive identity: %w", name, err)
		}
	}
	ids := []string{id}
	if former != "" {
		ids = append(ids, former)
	}
	a, err := c.open(ctx, false)
	for _, id := range ids {
		if err == nil {
			err = a.Delete(ctx, id, name)
		}
	}
	if err != nil {
		where := "archive_id = '" + id + "'"
		if former != "" {
			where = "archive_id IN ('" + id + "', '" + former + "')"
		}
		fmt.Fprintf(c.e.stderr, "weir: cold tier: dropping view %s: its archived rows stay in PostgreSQL, read by no view (%v); "+
			"delete them with DELETE FROM weir_cold_rows WHERE %s\n", name, err, where)
	}
	return nil
}

// close stops the archiver after a last flush (bounded by
// coldCloseTimeout) and disconnects. A failed last flush is returned: its
// rows are lost from the cold tier unless a checkpoint replays them.
func (c *coldTier) close() error {
	c.stop()
	<-c.done
	ctx, cancel := context.WithTimeout(context.Background(), coldCloseTimeout)
	defer cancel()
	err := c.flush(ctx)
	if err != nil {
		err = fmt.Errorf("cold tier: last archive: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range []*cold.Archive{c.writer, c.reader} {
		if a != nil {
			a.Close()
		}
	}
	c.writer, c.reader = nil, nil
	return err
}

// coldViews lists the views archived to the cold tier.
func (e *Engine) coldViews() []*matView {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*matView
	for _, mv := range e.views {
		if mv.cold != nil {
			out = append(out, mv)
		}
	}
	return out
}

// queryState is q's state for SHOW QUERIES: its State, with the cold
// tier's failure appended for a running view query while archiving fails.
func (e *Engine) queryState(q *Query) string {
	st := q.State()
	if e.cold == nil || st != "running" {
		return st
	}
	err := e.cold.lastErr()
	if err == nil {
		return st
	}
	for _, mv := range e.coldViews() {
		if mv.query == q {
			return st + " (cold tier failing: " + err.Error() + ")"
		}
	}
	return st
}
