package runtime

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/source/kafka"
)

// Checkpoint is one consistent snapshot of a query: every source's position
// and watermark state and every operator's state, all as of the same point
// of the input (the barrier).
type Checkpoint struct {
	Query       string // the query's durable identity (e.g. "run/q1", or a view's name)
	ID          uint64
	Fingerprint string            // identifies the statements the state belongs to
	Blobs       map[string][]byte // "src/<i>", "wm/<i>", "branch/<i>/<k>", "op/<k>"
}

// CheckpointStore keeps checkpoints durably. Commit is atomic: after a crash
// Latest returns either the new checkpoint or the previous one, never a part
// of one. Implementations are safe for concurrent use.
type CheckpointStore interface {
	Commit(c *Checkpoint) error
	Latest(query string) (*Checkpoint, error) // nil, nil when there is none
	Delete(query string) error
}

// CheckpointSink is the protocol of an exactly-once sink (e.g.
// operators/sink/postgres): SetCheckpointing(true) before Open when the query
// takes checkpoints, RestoreCheckpoint(id) when it resumes from checkpoint
// id, and OnCheckpoint(id) when every operator has snapshot checkpoint id
// and before its manifest is committed, to commit the rows up to the
// barrier together with the id (so a replay never applies them twice).
type CheckpointSink interface {
	SetCheckpointing(on bool)
	RestoreCheckpoint(id uint64) error
	OnCheckpoint(id uint64) error
}

// ErrStateMismatch is returned when the state directory holds a checkpoint of
// different statements.
type ErrStateMismatch struct{ Query string }

func (e *ErrStateMismatch) Error() string {
	return fmt.Sprintf("the state directory holds a checkpoint of %s, made by different statements; run with --reset to discard it", describeKey(e.Query))
}

// describeKey names a query's durable identity as the user knows it:
// "query q2" (run/q2, the files' second query), "sink out", "view v".
func describeKey(key string) string {
	kind, name, ok := strings.Cut(key, "/")
	switch {
	case !ok:
		return "query " + key
	case kind == "run":
		return "query " + name
	}
	return kind + " " + name
}

// restorePart names what a checkpoint blob key holds in a restore error:
// a source's read position or watermark by the source's name; operators'
// own errors name them (window state, a sink), so nothing is added.
func (q *Query) restorePart(key string) string {
	kind, idx, _ := strings.Cut(key, "/")
	i, err := strconv.Atoi(idx)
	if err != nil || i < 0 || i >= len(q.inputs) || q.inputs[i].def == nil {
		return ""
	}
	switch kind {
	case "src":
		return fmt.Sprintf(" (source %s's read position)", q.inputs[i].def.Name)
	case "wm":
		return fmt.Sprintf(" (source %s's watermark)", q.inputs[i].def.Name)
	}
	return ""
}

// alignment is a checkpoint in progress at the operator goroutine: barriers
// have arrived from some inputs, whose later messages wait in queued until
// every input's barrier is in (Chandy–Lamport alignment, as Flink).
type alignment struct {
	id      uint64
	blobs   map[string][]byte
	arrived []bool
	queued  [][]message
	started time.Time
	stop    bool // the last checkpoint: the query stops once it commits (StopAtCheckpoint)
}

// beginCheckpoint asks every live input for a barrier.
func (q *Query) beginCheckpoint(now time.Time) error {
	if q.store == nil || q.align != nil {
		return nil
	}
	q.align = &alignment{id: q.ckptID + 1, blobs: map[string][]byte{}, arrived: make([]bool, len(q.inputs)),
		queued: make([][]message, len(q.inputs)), started: now, stop: q.stopping}
	for i, in := range q.inputs {
		if q.ended[i] {
			q.align.arrived[i] = true
			for k, v := range q.endBlobs[i] {
				q.align.blobs[k] = v
			}
			continue
		}
		if q.stopping {
			in.stopAt.Store(q.align.id) // the source reads nothing after this barrier
		}
		in.barrier <- q.align.id
	}
	return q.maybeCompleteCheckpoint()
}

// onBarrier records input i's barrier.
func (q *Query) onBarrier(i int, m message) error {
	if q.align == nil || m.ckpt != q.align.id {
		return fmt.Errorf("unexpected barrier %d from input %d", m.ckpt, i)
	}
	q.align.arrived[i] = true
	for k, v := range m.blobs {
		q.align.blobs[k] = v
	}
	return q.maybeCompleteCheckpoint()
}

// maybeCompleteCheckpoint snapshots the operators and commits once every
// input's barrier has arrived, then replays what waited behind the barriers.
func (q *Query) maybeCompleteCheckpoint() error {
	a := q.align
	for _, ok := range a.arrived {
		if !ok {
			return nil
		}
	}
	snap := func(key string, op operators.Operator) error {
		c, ok := op.(operators.Checkpointer)
		if !ok {
			return nil
		}
		var buf bytes.Buffer
		if err := c.Snapshot(&buf); err != nil {
			return fmt.Errorf("snapshot of %s: %w", key, err)
		}
		a.blobs[key] = buf.Bytes()
		return nil
	}
	for i, br := range q.branch {
		for k, op := range br {
			if err := snap("branch/"+strconv.Itoa(i)+"/"+strconv.Itoa(k), op); err != nil {
				return err
			}
		}
	}
	for k, op := range q.chain {
		if err := snap("op/"+strconv.Itoa(k), op); err != nil {
			return err
		}
	}
	// Exactly-once sinks commit the rows up to this barrier with its id
	// before the manifest: after a crash in between, the restart replays
	// from the previous checkpoint and the sink discards the rows it has
	// already applied (it knows their id). The other order could lose them.
	for _, op := range q.chain {
		if l, ok := op.(CheckpointSink); ok {
			if err := l.OnCheckpoint(a.id); err != nil {
				return err
			}
		}
	}
	cp := &Checkpoint{Query: q.key, ID: a.id, Fingerprint: q.fingerprint, Blobs: a.blobs}
	if err := q.store.Commit(cp); err != nil {
		return fmt.Errorf("checkpoint %d of %s: %w", a.id, q.describe(), err)
	}
	q.ckptID = a.id
	q.align = nil
	q.commitOffsets()
	for _, w := range q.waiters {
		w <- nil
	}
	q.waiters = q.waiters[:0]
	if q.onCheckpoint != nil {
		q.onCheckpoint(time.Since(a.started))
	}
	if a.stop {
		// The sources stopped at their barriers: nothing comes after the
		// checkpoint, and nothing is processed after it.
		return errStoppedAtCheckpoint
	}
	for i, msgs := range a.queued {
		for _, m := range msgs {
			if err := q.handle(i, m); err != nil {
				return err
			}
		}
	}
	if len(q.requested) > 0 && q.align == nil {
		q.waiters = append(q.waiters, q.requested...)
		q.requested = q.requested[:0]
		return q.beginCheckpoint(time.Now())
	}
	return nil
}

// restore loads the query's latest checkpoint, if any, into the opened
// sources, assigners and operators. It first tells sources with consumer
// group commits when to commit besides checkpoints (setupPositionCommits).
func (q *Query) restore() error {
	q.setupPositionCommits()
	if q.store == nil {
		return nil
	}
	cp, err := q.store.Latest(q.key)
	if err != nil || cp == nil {
		return err
	}
	if cp.Fingerprint != q.fingerprint {
		return &ErrStateMismatch{Query: q.key}
	}
	load := func(key string, x any) error {
		c, ok := x.(operators.Checkpointer)
		blob, has := cp.Blobs[key]
		if !ok || !has {
			return nil
		}
		if err := c.Restore(bytes.NewReader(blob)); err != nil {
			return fmt.Errorf("restoring %s from checkpoint %d%s: %w", describeKey(q.key), cp.ID, q.restorePart(key), err)
		}
		return nil
	}
	for i, in := range q.inputs {
		if err := load("src/"+strconv.Itoa(i), in.src); err != nil {
			return err
		}
		if in.asg != nil {
			if err := load("wm/"+strconv.Itoa(i), in.asg); err != nil {
				return err
			}
		}
	}
	for i, br := range q.branch {
		for k, op := range br {
			if err := load("branch/"+strconv.Itoa(i)+"/"+strconv.Itoa(k), op); err != nil {
				return err
			}
		}
	}
	for k, op := range q.chain {
		if err := load("op/"+strconv.Itoa(k), op); err != nil {
			return err
		}
	}
	q.ckptID = cp.ID
	for _, op := range q.chain {
		if l, ok := op.(CheckpointSink); ok {
			if err := l.RestoreCheckpoint(cp.ID); err != nil {
				return err
			}
			// A crash between a sink's commit of checkpoint n and the
			// manifest of n leaves the sink ahead of the restored state.
			// Barriers follow processing time, so a new checkpoint n would
			// not sit where the old one did: number the next checkpoints
			// above what the sink has applied, and let it apply the replay
			// (an idempotent upsert) instead of skipping it.
			if la, ok := op.(interface{ LastApplied() uint64 }); ok && la.LastApplied() > q.ckptID {
				q.ckptID = la.LastApplied()
			}
		}
	}
	q.Restored = cp.ID
	return nil
}

// snapshot captures the input's source position and watermark state; called
// on the source goroutine between reads.
func (in *input) snapshot() (map[string][]byte, error) {
	blobs := map[string][]byte{}
	put := func(key string, x any) error {
		c, ok := x.(operators.Checkpointer)
		if !ok {
			return nil
		}
		var buf bytes.Buffer
		if err := c.Snapshot(&buf); err != nil {
			return fmt.Errorf("snapshot of source %s: %w", in.def.Name, err)
		}
		blobs[key] = buf.Bytes()
		return nil
	}
	if err := put("src/"+strconv.Itoa(in.idx), in.src); err != nil {
		return nil, err
	}
	if in.asg != nil {
		if err := put("wm/"+strconv.Itoa(in.idx), in.asg); err != nil {
			return nil, err
		}
	}
	return blobs, nil
}

// offsetCommitter is a source that can report its checkpointed positions to
// an external system for monitoring (Kafka consumer-group offsets). DESIGN.md:
// these commits follow checkpoints, never lead them.
type offsetCommitter interface {
	CommitSnapshot(ctx context.Context) error
}

// positionCommitter is a source that can also commit its read positions
// (operators/source/kafka's group_id), for a query whose checkpoints do not
// cover it.
type positionCommitter interface {
	SetPositionCommits(kafka.PositionCommits)
}

// offsetCommitTimeout bounds a group-offset commit; it only serves monitoring.
const offsetCommitTimeout = 5 * time.Second

// setupPositionCommits decides when the sources' consumer groups (group_id)
// get offsets besides the checkpointed ones (commitOffsets):
//
//   - a query that takes no checkpoints (`weir run` without --state-dir)
//     commits its read positions every commit_interval (the source option,
//     default 5 s) and once when
//     it stops (end of input, cancellation or failure), so that lag
//     dashboards see it;
//   - a checkpointed query commits its read positions once more when a
//     bounded source has read everything, so that a run ending before its
//     first checkpoint is seen too;
//   - an ad-hoc SELECT (over the wire) never commits: it is a look at the
//     data, and must not move the group of the view or sink that reads the
//     same source.
func (q *Query) setupPositionCommits() {
	if q.kind == kindAdhoc {
		return
	}
	for _, in := range q.inputs {
		c, ok := in.src.(positionCommitter)
		if !ok {
			continue
		}
		name := in.def.Name
		pc := kafka.PositionCommits{AtEnd: true, OnError: func(err error) { q.logCommitError(name, err) }}
		if q.store == nil {
			pc.Periodic, pc.AtClose = true, true
		}
		c.SetPositionCommits(pc)
	}
}

// commitOffsets commits the positions of the checkpoint just made durable.
// Failures are reported, not fatal: the checkpoint holds the truth.
func (q *Query) commitOffsets() {
	for _, in := range q.inputs {
		c, ok := in.src.(offsetCommitter)
		if !ok {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), offsetCommitTimeout)
		if err := c.CommitSnapshot(ctx); err != nil {
			q.logCommitError(in.def.Name, err)
		}
		cancel()
	}
}

// logCommitError reports a failed group commit of source name on stderr.
func (q *Query) logCommitError(name string, err error) {
	if q.logf != nil {
		q.logf("weir: query %s: source %s: %v\n", q.ID, name, err)
	}
}
